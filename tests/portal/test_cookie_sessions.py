"""The portal's signed-cookie sessions: a request without cookies (every Alexa request)
gets its empty session without the cost of building the signer; a cookie still reads."""

from __future__ import annotations

from flask import request


def test_a_request_without_cookies_gets_an_empty_session_without_a_signer(app, monkeypatch):
    def no_signer(_app):
        raise AssertionError("the signer was built for a request without cookies")

    monkeypatch.setattr(app.session_interface, "get_signing_serializer", no_signer)
    with app.test_request_context("/alexa", method="POST"):
        session = app.session_interface.open_session(app, request)
    assert dict(session) == {}
    assert not session.modified


def test_a_session_cookie_is_still_read(app):
    signed = app.session_interface.get_signing_serializer(app).dumps({"staff_session": "x"})
    headers = {"Cookie": f"aftercare_portal={signed}"}
    with app.test_request_context("/portal/", headers=headers):
        assert dict(app.session_interface.open_session(app, request)) == {"staff_session": "x"}


def test_a_request_with_other_cookies_gets_an_empty_session(app):
    with app.test_request_context("/portal/", headers={"Cookie": "something=else"}):
        assert dict(app.session_interface.open_session(app, request)) == {}

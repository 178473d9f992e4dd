"""POST /alexa: the skill endpoint, through flask-ask-sdk's SkillAdapter.

Before anything reaches ask-sdk, the body must be a JSON object with the shape
of an Alexa request; then our verifiers (signature, timestamp, skill id) run
inside the adapter; then the skill dispatches. Every failure before dispatch
is an HTTP 400 with a short reason; a fault inside dispatch is a spoken apology.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.exceptions import BadRequest

from skill.alexa import oscrypto_fix

oscrypto_fix.install()

from ask_sdk_core.exceptions import AskSdkException  # noqa: E402
from ask_sdk_core.skill import CustomSkill  # noqa: E402
from ask_sdk_webservice_support.verifier import AbstractVerifier, VerificationException  # noqa: E402
from cryptography.x509.verification import Store  # noqa: E402
from flask_ask_sdk.skill_adapter import SkillAdapter  # noqa: E402

from skill.alexa.serializer import AlexaSerializer  # noqa: E402
from skill.alexa.verification import SignatureVerifier, SkillIdVerifier, TimestampVerifier  # noqa: E402

log = logging.getLogger(__name__)

ADAPTER_KEY = "aftercare_skill_adapter"


class AftercareSkillAdapter(SkillAdapter):
    """SkillAdapter whose 400s say why, and whose malformed requests are never 500s.

    The stock dispatch answers every verification failure with the same text,
    turns a request ask-sdk cannot deserialize into a 500, and parses the JSON
    body again after our shape check has: :meth:`answer` reads it once.
    """

    def answer(self, body: str, parsed: dict):
        """Verifies and answers one request: ``body`` as it came, ``parsed`` its JSON."""
        skill = self._skill
        try:
            envelope = skill.serializer.envelope(parsed)
            for verifier in self._verifiers:
                verifier.verify(
                    headers=request.headers,
                    serialized_request_env=body,
                    deserialized_request_env=envelope,
                )
            response = skill.serializer.serialize(
                skill.invoke(request_envelope=envelope, context=None)
            )
        except VerificationException as failure:
            raise BadRequest(description=str(failure)) from None
        except AskSdkException as failure:
            # The skill's own exception handler answers every fault in dispatch,
            # so what reaches here is a request ask-sdk could not read.
            log.warning("unreadable Alexa request: %s", type(failure).__name__)
            raise BadRequest(description="not a valid Alexa request") from None
        return jsonify(response)


def build_verifiers(
    *,
    verify_signatures: bool,
    skill_id: str | None,
    trust_store: Callable[[], Store],
    fetch_chain: Callable[[str], bytes],
    clock: Callable[[], datetime],
    **download_limits: float,
) -> list[AbstractVerifier]:
    """The verifiers to run; ``download_limits`` go to SignatureVerifier as they are."""
    verifiers: list[AbstractVerifier] = []
    if verify_signatures:
        verifiers.append(
            SignatureVerifier(
                trust_store(), clock=clock, fetch_chain=fetch_chain, **download_limits
            )
        )
        verifiers.append(TimestampVerifier(clock=clock))
    if skill_id:
        verifiers.append(SkillIdVerifier(skill_id))
    return verifiers


def _read_envelope(body: bytes, max_depth: int) -> tuple[dict, None] | tuple[None, str]:
    """The body's JSON, or None and why the body cannot be an Alexa request."""
    if not body:
        return None, "empty body"
    try:
        envelope = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "body is not UTF-8"
    except json.JSONDecodeError:
        return None, "body is not valid JSON"
    except RecursionError:
        return None, "body is nested too deeply"
    except ValueError:
        # Python refuses integers longer than sys.get_int_max_str_digits() (4300) digits.
        return None, "body has a number too long to read"
    # Walking the whole envelope was a twentieth of an answer's time, so it is walked
    # only when the raw text could hold what the walk looks for: more opening brackets
    # than max_depth, or a string that starts with an underscore (written as such, or
    # with a \u escape, which could spell one).
    brackets = body.count(b"{") + body.count(b"[")
    if brackets > max_depth or b'"_' in body or b"\\u" in body:
        problem = _structure_problem(envelope, max_depth)
        if problem:
            return None, problem
    if not isinstance(envelope, dict):
        return None, "body is not a JSON object"
    alexa_request = envelope.get("request")
    if not isinstance(alexa_request, dict):
        return None, "missing 'request' object"
    if not isinstance(alexa_request.get("type"), str):
        return None, "missing 'request.type'"
    context = envelope.get("context")
    if not isinstance(context, dict) or not isinstance(context.get("System"), dict):
        return None, "missing 'context.System' object"
    return envelope, None


def _structure_problem(value: object, max_depth: int) -> str | None:
    """What in the JSON's structure would break the code that reads it, walked without
    recursion.

    Alexa's requests nest about ten levels deep. Far deeper JSON is an attack on the
    recursive code that reads it (the SDK's deserializer, jsonify of session
    attributes). And the SDK's deserializer sets every key it does not know as an
    attribute of the model object, so a key such as "__dict__" would wipe the
    object's fields before any handler (or verifier) could answer: Alexa sends no
    key that starts with an underscore.
    """
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            if any(key.startswith("_") for key in node):
                return "body has a key that starts with an underscore"
            children = node.values()
        else:
            children = node if isinstance(node, list) else ()
        if children and depth > max_depth:
            return "body is nested too deeply"
        pending.extend((child, depth + 1) for child in children)
    return None


alexa = Blueprint("alexa", __name__)


@alexa.post("/alexa")
def skill_endpoint():
    # Over MAX_CONTENT_LENGTH, get_data() raises: a 413.
    body = request.get_data()
    envelope, problem = _read_envelope(body, current_app.config["MAX_JSON_DEPTH"])
    if envelope is None:
        log.warning("rejected request: %s", problem)
        raise BadRequest(description=problem)
    adapter: AftercareSkillAdapter = current_app.extensions[ADAPTER_KEY]
    return adapter.answer(body.decode("utf-8"), envelope)


def init_app(app: Flask, skill: CustomSkill, verifiers: list[AbstractVerifier]) -> None:
    # Our verifiers replace flask-ask-sdk's default ones, which cannot even be
    # imported on OpenSSL 3.0.10+ without help and re-validate the chain per request.
    app.config["ASK_SDK_VERIFY_SIGNATURE"] = False
    app.config["ASK_SDK_VERIFY_TIMESTAMP"] = False
    # Flask's default is unlimited; Alexa's requests are a few KB.
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_REQUEST_BYTES"]
    skill.serializer = AlexaSerializer()
    adapter = AftercareSkillAdapter(
        skill=skill, skill_id=app.config["SKILL_ID"] or "local", verifiers=verifiers
    )
    adapter.init_app(app)
    app.extensions[ADAPTER_KEY] = adapter
    app.register_blueprint(alexa)

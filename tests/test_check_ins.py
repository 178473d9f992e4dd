"""Check-ins by voice, whole requests in and whole responses out, on SQLite and
(when available) PostgreSQL: what a linked patient's yes records, and what no,
another question, or a patient without a clinic account never records."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from skill.store import CheckIn, get_store
from skill.tools.replay import LinkedGiven, spoken_text
from skill.tools.say import Conversation
from skill.tools.transport import InProcess
from skill.tools.utterances import InteractionModel

NEW_YORK = ZoneInfo("America/New_York")
TREATED = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # Thursday, 3 PM in New York
ASKED = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # the next morning, 10 AM
TOKEN = "linked-token-bright-skin"
USER = "amzn1.ask.account.CHECKING-IN"
SENT = "I've sent it to your clinic. If it feels severe, don't wait — get medical help now."
SWELLING = (
    "Your aftercare sheet expects only minor redness and irritation, so please contact your "
    "clinic about the swelling. If it feels severe, get medical help now."
)


class Talking:
    """A patient talking to the skill in process, linked to Bright Skin or not."""

    def __init__(self, database_url: str, *, linked: bool = True, locale: str = "en-US"):
        given = {TOKEN: LinkedGiven("Bright Skin", [TREATED], announced=True)}
        self.transport = InProcess(
            database_url,
            "America/New_York",
            {} if linked else {USER: [TREATED]},
            given if linked else {},
        )
        self.conversation = Conversation(
            InteractionModel.for_locale(locale),
            NEW_YORK,
            USER,
            "amzn1.ask.device.CHECKING-IN",
            locale,
            access_token=TOKEN if linked else None,
        )
        self.now = ASKED

    def says(self, utterance: str, after: timedelta = timedelta(seconds=10)) -> dict:
        self.now += after
        request, _ = self.conversation.request_for(utterance, self.now)
        return self.sends(request)

    def sends(self, request: dict) -> dict:
        response = self.transport.send(request)
        self.conversation.answered(request, response)
        return response

    def check_ins(self) -> list[CheckIn]:
        """Every check-in recorded, the newest first."""
        with get_store(self.transport.app).session() as session:
            return list(session.scalars(select(CheckIn).order_by(CheckIn.reported_at.desc())))

    def close(self) -> None:
        self.transport.close()


@pytest.fixture
def patient(database_url):
    talking = Talking(database_url)
    yield talking
    talking.close()


def test_her_yes_records_what_she_said_when_and_after_which_treatment(patient):
    offered = patient.says("open skin aftercare")
    offered = patient.says("my face is really swollen")
    assert spoken_text(offered) == f"{SWELLING} Shall I let your clinic know?"
    assert offered["response"]["reprompt"]["outputSpeech"]["ssml"] == (
        "<speak>Shall I let your clinic know? Please say yes or no.</speak>"
    )
    assert patient.check_ins() == []

    sent = patient.says("yes")

    assert spoken_text(sent) == f"{SENT} What else would you like to know?"
    assert sent["response"]["shouldEndSession"] is False
    (check_in,) = patient.check_ins()
    assert (check_in.heard, check_in.symptom_id, check_in.symptom_name) == (
        "swollen",
        "swelling",
        "swelling",
    )
    assert check_in.unexpected is True
    assert check_in.reported_at == ASKED + timedelta(seconds=30)
    assert check_in.treated_at == TREATED
    assert check_in.answer == SWELLING
    assert (check_in.reviewed_at, check_in.reviewed_by) == (None, None)


def test_redness_in_the_first_days_is_sent_unflagged_and_past_them_flagged(database_url):
    talking = Talking(database_url)
    try:
        talking.says("alexa tell skin aftercare it's still red")
        talking.says("yes")
        talking.says("alexa tell skin aftercare my face is red", after=timedelta(days=3))
        talking.says("yeah")
        later, first = talking.check_ins()
    finally:
        talking.close()
    assert (first.symptom_id, first.unexpected) == ("redness", False)
    assert (later.symptom_id, later.unexpected) == ("redness", True)
    assert later.answer.startswith("Not this long after")


def test_her_no_records_nothing(patient):
    patient.says("alexa tell skin aftercare I have a rash")

    declined = patient.says("no")

    assert spoken_text(declined) == "Okay, I won't send it."
    assert declined["response"]["shouldEndSession"] is True
    assert patient.check_ins() == []


def test_the_offer_lasts_one_turn(patient):
    patient.says("open skin aftercare")
    patient.says("I have a fever")
    patient.says("can I wear makeup")

    later_yes = patient.says("yes")

    assert spoken_text(later_yes).startswith("Sure. You can ask, for example")
    assert patient.check_ins() == []


def test_a_repeated_yes_is_one_check_in(patient):
    patient.says("alexa tell skin aftercare my skin is itchy")
    request, _ = patient.conversation.request_for("yes", patient.now)

    first = patient.transport.send(request)
    again = patient.transport.send(request)  # Alexa, or someone, sends the same request twice

    assert spoken_text(first) == spoken_text(again) == SENT
    assert len(patient.check_ins()) == 1


def test_feeling_fine_is_sent_as_fine(patient):
    assert spoken_text(patient.says("alexa tell skin aftercare I'm fine")) == (
        "Glad to hear it. Shall I let your clinic know?"
    )

    sent = patient.says("yes")

    assert spoken_text(sent) == "I've let your clinic know you're feeling fine."
    (check_in,) = patient.check_ins()
    assert (check_in.symptom_id, check_in.unexpected) == ("fine", False)


def test_a_word_the_model_does_not_know_is_sent_as_heard_and_flagged(patient):
    patient.says("alexa tell skin aftercare my face is twitching")
    patient.says("yes")

    (check_in,) = patient.check_ins()
    assert (check_in.heard, check_in.symptom_id, check_in.unexpected) == (
        "twitching",
        None,
        True,
    )


def test_what_she_hears_and_what_is_kept_are_in_her_locale(database_url):
    talking = Talking(database_url, locale="en-GB")
    try:
        talking.says("alexa tell skin aftercare I'm sore")
        sent = talking.says("yes")
        (check_in,) = talking.check_ins()
    finally:
        talking.close()
    assert spoken_text(sent) == SENT
    assert check_in.answer == (
        "If you feel any soreness, you can use a painkiller. The sheet names none, "
        "so your pharmacist or clinic can say which."
    )


def test_without_a_clinic_account_she_is_asked_to_link_one_and_her_yes_sends_the_card(
    database_url,
):
    talking = Talking(database_url, linked=False)
    try:
        asked = talking.says("alexa tell skin aftercare my face is really swollen")
        card = talking.says("yes")
        assert talking.check_ins() == []
    finally:
        talking.close()
    assert spoken_text(asked) == (
        f"{SWELLING} Would you like to link your clinic account, so that next time I can let "
        "your clinic know?"
    )
    assert card["response"]["card"] == {"type": "LinkAccount"}
    assert spoken_text(card).startswith("I've sent a card to your Alexa app")


@pytest.mark.parametrize(
    ("offer", "kept_symptom_id"),
    [
        ({"kind": "check_in", "heard": ["not", "words"], "symptom_id": 7, "how_long": 1}, None),
        ({"kind": "check_in", "heard": "x" * 201, "symptom_id": "swelling"}, "swelling"),
        ({"kind": "check_in"}, None),
    ],
    ids=["wrong types", "too long", "nothing said"],
)
def test_an_offer_the_skill_could_not_have_made_keeps_only_what_it_could_have(
    patient, offer, kept_symptom_id
):
    patient.says("alexa tell skin aftercare my face is really swollen")
    request, _ = patient.conversation.request_for("yes", patient.now)
    request["session"]["attributes"]["offer"] = offer

    sent = patient.sends(request)

    assert spoken_text(sent) == SENT
    (check_in,) = patient.check_ins()
    assert (check_in.heard, check_in.symptom_id, check_in.symptom_name) == (
        None,
        kept_symptom_id,
        None,
    )
    assert check_in.unexpected is True


@pytest.mark.parametrize("offer", [{"kind": "something else"}, "check_in", None])
def test_a_yes_without_an_offer_the_skill_made_sends_nothing(patient, offer):
    patient.says("open skin aftercare")
    request, _ = patient.conversation.request_for("yes", patient.now)
    request["session"]["attributes"]["offer"] = offer

    answered = patient.sends(request)

    assert spoken_text(answered).startswith("Sure. You can ask, for example")
    assert patient.check_ins() == []


def test_the_logs_name_ids_and_never_what_she_said(patient, caplog):
    caplog.set_level(logging.DEBUG)
    patient.says("alexa tell skin aftercare my face is really swollen")

    patient.says("yes")

    (check_in,) = patient.check_ins()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"check-in {check_in.id} recorded for patient " in logged
    for private in ("swollen", "swelling", "Bright Skin", TOKEN, USER):
        assert private not in logged

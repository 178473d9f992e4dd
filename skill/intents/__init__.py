"""The skill object: every handler, in the order ask-sdk tries them."""

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model.services import ApiClient

from .activities import ActivityPermissionHandler, ActivityWaitHandler, AvoidNowHandler
from .base import Services
from .builtins import (
    ApologyHandler,
    CanFulfillHandler,
    ConnectionsResponseHandler,
    ExceptionEncounteredHandler,
    FallbackHandler,
    GoodbyeHandler,
    HelpHandler,
    NoHandler,
    OtherEventHandler,
    SessionEndedHandler,
    SkillDisabledHandler,
    UnknownIntentHandler,
    YesHandler,
)
from .check_ins import OfferAnswerHandler, OfferLastsOneTurn
from .launch import LaunchHandler
from .linking import AccountLinkedHandler, LinkAccountHandler, LinkEndedHandler
from .plan import (
    CandidacyHandler,
    FactHandler,
    NextSessionHandler,
    SessionCountHandler,
    TreatmentTargetsHandler,
)
from .reminders import (
    CancelRemindersHandler,
    FollowLatestTreatment,
    ListRemindersHandler,
    PermissionAnswerHandler,
    RemindEverythingHandler,
    RemindHandler,
)
from .symptoms import SymptomHandler
from .treatment import JustTreatedHandler, RecordTreatmentHandler, TreatmentDateHandler

HANDLERS_WITH_SERVICES = (
    # First: a token that links to no one gets a Link Account card, whatever was asked.
    LinkEndedHandler,
    LaunchHandler,
    RecordTreatmentHandler,
    JustTreatedHandler,
    TreatmentDateHandler,
    ActivityPermissionHandler,
    ActivityWaitHandler,
    AvoidNowHandler,
    SymptomHandler,
    NextSessionHandler,
    SessionCountHandler,
    FactHandler,
    CandidacyHandler,
    TreatmentTargetsHandler,
    RemindHandler,
    RemindEverythingHandler,
    ListRemindersHandler,
    CancelRemindersHandler,
    PermissionAnswerHandler,
    HelpHandler,
    # Before YesHandler and NoHandler: a yes or no to "Shall I let your clinic know?".
    OfferAnswerHandler,
    YesHandler,
    NoHandler,
    GoodbyeHandler,
    FallbackHandler,
    SkillDisabledHandler,
    LinkAccountHandler,
    AccountLinkedHandler,
)
# Catch-alls go last.
STATELESS_HANDLERS = (
    ConnectionsResponseHandler,
    ExceptionEncounteredHandler,
    SessionEndedHandler,
    OtherEventHandler,
    UnknownIntentHandler,
)


def handled_intents() -> set[str]:
    """Every intent name some handler answers (the interaction model check uses it)."""
    return {name for handler in HANDLERS_WITH_SERVICES for name in handler.intents}


def build_skill(services: Services, api_client: ApiClient) -> CustomSkill:
    """The skill; ``api_client`` carries its calls to Alexa's APIs (Settings, Reminders)."""
    builder = CustomSkillBuilder(api_client=api_client)
    for handler in HANDLERS_WITH_SERVICES:
        builder.add_request_handler(handler(services))
    builder.add_request_handler(CanFulfillHandler(handled_intents()))
    for handler in STATELESS_HANDLERS:
        builder.add_request_handler(handler())
    builder.add_global_request_interceptor(OfferLastsOneTurn())
    builder.add_global_response_interceptor(FollowLatestTreatment(services))
    builder.add_exception_handler(ApologyHandler())
    return builder.create()

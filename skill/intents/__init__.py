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
    OtherEventHandler,
    SessionEndedHandler,
    SkillDisabledHandler,
    UnknownIntentHandler,
)
from .launch import LaunchHandler
from .plan import FactHandler, NextSessionHandler, SessionCountHandler
from .treatment import RecordTreatmentHandler

HANDLERS_WITH_SERVICES = (
    LaunchHandler,
    RecordTreatmentHandler,
    ActivityPermissionHandler,
    ActivityWaitHandler,
    AvoidNowHandler,
    NextSessionHandler,
    SessionCountHandler,
    FactHandler,
    HelpHandler,
    GoodbyeHandler,
    FallbackHandler,
    SkillDisabledHandler,
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
    """The skill; ``api_client`` carries its calls to Alexa's APIs (the Settings API)."""
    builder = CustomSkillBuilder(api_client=api_client)
    for handler in HANDLERS_WITH_SERVICES:
        builder.add_request_handler(handler(services))
    builder.add_request_handler(CanFulfillHandler(handled_intents()))
    for handler in STATELESS_HANDLERS:
        builder.add_request_handler(handler())
    builder.add_exception_handler(ApologyHandler())
    return builder.create()

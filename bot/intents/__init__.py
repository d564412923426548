"""The catalogue of request types, one module each."""

from bot.intents import coaching, documentation, incident, installation, training, user_support
from bot.intents.catalogue import FirstMessage, Question, RequestType

REQUEST_TYPES: dict[str, RequestType] = {
    module.REQUEST_TYPE.category: module.REQUEST_TYPE
    for module in (incident, installation, user_support, documentation, training, coaching)
}
REQUEST_INTENTS = tuple(REQUEST_TYPES)

__all__ = ["REQUEST_INTENTS", "REQUEST_TYPES", "FirstMessage", "Question", "RequestType"]

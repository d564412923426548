"""User support: a how-to question about an application that works."""

from bot.intents import prefill
from bot.intents.catalogue import Question, RequestType

REQUEST_TYPE = RequestType(
    category="user_support",
    questions=(
        Question("question", prefill=prefill.description),
        Question("application", prefill=prefill.application, optional=True, fits=prefill.names_a_subject),
        Question("urgency", kind="urgency", prefill=prefill.urgency, ask=False),
    ),
    title_field="question",
    default_impact="low",
    default_urgency="medium",
)

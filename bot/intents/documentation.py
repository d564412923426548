"""Documentation: which document, manual or system documentation is needed."""

from bot.intents import prefill
from bot.intents.catalogue import Question, RequestType

REQUEST_TYPE = RequestType(
    category="documentation",
    questions=(
        Question("document", prefill=prefill.description),
        Question("urgency", kind="urgency", prefill=prefill.urgency, ask=False),
    ),
    title_field="document",
    default_impact="low",
    default_urgency="low",
)

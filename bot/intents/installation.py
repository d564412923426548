"""Installation order: which software or hardware, for which device; urgent only when the requester
says so."""

from bot.intents import prefill
from bot.intents.catalogue import Question, RequestType

REQUEST_TYPE = RequestType(
    category="installation",
    questions=(
        Question("item", prefill=prefill.item, fits=prefill.names_an_item),
        Question("device", prefill=prefill.device, optional=True, vague=prefill.vague_device),
        Question("urgency", kind="urgency", prefill=prefill.urgency, ask=False),
    ),
    title_field="item",
    default_impact="low",
    default_urgency="low",
)

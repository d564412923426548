"""Installation order: which software or hardware, for which device."""

from bot.intents import prefill
from bot.intents.catalogue import Question, RequestType
from bot.intents.items import known_item

REQUEST_TYPE = RequestType(
    category="installation",
    questions=(
        Question("item", prefill=known_item),
        Question("device", prefill=prefill.device),
    ),
    title_field="item",
    default_impact="low",
    default_urgency="low",
)

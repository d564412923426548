"""Internal training for staff: which topic, for how many people, when."""

from bot.intents import prefill
from bot.intents.catalogue import Question, RequestType
from bot.intents.items import known_item

REQUEST_TYPE = RequestType(
    category="training",
    questions=(
        Question("topic", prefill=known_item),
        Question("participants", kind="number", prefill=prefill.people_count),
        Question("when"),
    ),
    title_field="topic",
    default_impact="low",
    default_urgency="low",
)

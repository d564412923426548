"""Internal training for staff: which topic, for how many people, when."""

from bot.intents import prefill
from bot.intents.catalogue import Question, RequestType

REQUEST_TYPE = RequestType(
    category="training",
    questions=(
        Question("topic", prefill=prefill.topic, fits=prefill.names_a_subject),
        Question("participants", kind="number", prefill=prefill.people_count, optional=True),
        Question(
            "when", kind="datetime", prefill=prefill.appointment, optional=True, fits=prefill.names_a_time
        ),
        Question("urgency", kind="urgency", prefill=prefill.urgency, ask=False),
    ),
    title_field="topic",
    default_impact="low",
    default_urgency="low",
)

"""Incident: something is broken. What, since when, who is affected (impact), how badly (urgency)."""

from bot.intents import prefill
from bot.intents.catalogue import Question, RequestType

REQUEST_TYPE = RequestType(
    category="incident",
    questions=(
        Question("what", prefill=prefill.description, fits=prefill.says_what),
        Question("since", prefill=prefill.since, optional=True, fits=prefill.tells_time),
        Question("impact", kind="impact", prefill=prefill.impact),
        Question("urgency", kind="urgency", prefill=prefill.blocking),
    ),
    title_field="what",
    default_impact="low",
    default_urgency="medium",
)

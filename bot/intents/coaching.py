"""Coaching: a project lead asks a PMO coach for a session. Topic and preferred time."""

from bot.intents import prefill
from bot.intents.catalogue import Question, RequestType

REQUEST_TYPE = RequestType(
    category="coaching",
    questions=(
        Question("topic", prefill=prefill.description),
        Question(
            "preferred_time",
            kind="datetime",
            prefill=prefill.appointment,
            optional=True,
            fits=prefill.names_a_time,
        ),
        Question("urgency", kind="urgency", prefill=prefill.urgency, ask=False),
    ),
    title_field="topic",
    default_impact="low",
    default_urgency="low",
    # Coaching is the PMO's offer to project leads; leads and admins may book it for them.
    required_roles=("project_lead", "lead", "admin"),
)

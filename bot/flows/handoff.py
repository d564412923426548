"""talk_to_agent: open a ticket for the desk's default team, carrying the conversation so far."""

from __future__ import annotations

from bot.desk.tickets import NewTicket
from bot.turn import Turn

# The value of the "talk to a person" button, wherever it is offered.
HUMAN_BUTTON = "human"


def hand_over(turn: Turn) -> None:
    turn.end_flow()
    transcript = "\n".join(
        f"{turn.person.display_name if entry['who'] == 'user' else 'Bot'}: {entry['text']}"
        for entry in turn.conversation.transcript
    )
    turn.say("handoff_intro")
    turn.desk.open(
        turn.person,
        NewTicket(
            category="user_support",
            title=turn.text("handoff_title"),
            description=transcript,
            impact="low",
            urgency="medium",
            language=turn.language,
            team=turn.config.desk.default_team,
        ),
        turn.origin,
    )

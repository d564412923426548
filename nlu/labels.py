"""Intent names shared by the training data, the engine and the bot (see DESIGN.md, Contracts)."""

from __future__ import annotations

from typing import Final

# The six request types the desk opens tickets for; evaluation reports a macro-F1 over these.
REQUEST_INTENTS: Final[tuple[str, ...]] = (
    "documentation",
    "training",
    "installation",
    "incident",
    "user_support",
    "coaching",
)

OUT_OF_SCOPE: Final = "out_of_scope"

INTENTS: Final[tuple[str, ...]] = (
    *REQUEST_INTENTS,
    "ticket_status",
    "my_tickets",
    "talk_to_agent",
    "greet",
    "goodbye",
    "thanks",
    "help",
    "affirm",
    "deny",
    "cancel",
    OUT_OF_SCOPE,
)

LANGUAGES: Final[tuple[str, ...]] = ("de", "en")

"""Helpers shared by the command tests (this module holds no tests of its own): open a ticket through
the conversation, take a snapshot of a ticket, and check that a refused command changed nothing."""

from __future__ import annotations

import re
from typing import Any

from bot.i18n import Translator
from tests.support import DeskBot, say_steps, text_to

BOB_INCIDENT = (
    "My Outlook crashes on every start since this morning",
    "Only me",
    "My work is impaired",
    "Submit",
)
ALICE_INCIDENT = (
    "Mein Drucker druckt seit gestern nur leere Seiten",
    "Nur ich",
    "Ich bin eingeschränkt",
    "Absenden",
)
BOB_INSTALLATION = ("I need Visio installed on my laptop", "Submit")

_translate = Translator()


def say_text(language: str, text_key: str, /, **params: Any) -> str:
    """What the bot says for this text key in this language (the built-in wording)."""
    return _translate(language, text_key, **params)


def open_ticket(bot: DeskBot, who: str = "bob", steps: tuple[str, ...] | None = None) -> int:
    """Run a request through the conversation up to Submit; returns the new ticket's number."""
    if steps is None:
        steps = ALICE_INCIDENT if who == "alice" else BOB_INCIDENT
    sent = say_steps(bot, who, steps)
    match = re.search(r"SD-(\d+)", text_to(sent, who))
    assert match, f"no ticket was opened; last: {bot.last_texts()}"
    return int(match.group(1))


def snapshot(bot: DeskBot, number: int) -> tuple[Any, ...]:
    """What a refused command must leave as it was."""
    t = bot.ticket(number)
    return (
        t.status,
        t.assignee.handle if t.assignee else None,
        t.team.slug,
        t.priority,
        len(t.events),
        [(c.public, c.body) for c in t.comments],
        t.updated_at,
        t.response_due_at,
        t.resolution_due_at,
    )


def refused(bot: DeskBot, who: str, text: str, number: int | None = None) -> str:
    """Send a command that must be refused: one answer to the sender, nothing else; the ticket unchanged."""
    before = snapshot(bot, number) if number else None
    outbox_before = len(bot.outbox())
    sent = bot.say(who, text)
    assert [m.address for m in sent] == [who], [(m.address, m.text) for m in sent]
    assert [row.address for row in bot.outbox()[outbox_before:]] == [who]
    if number:
        assert snapshot(bot, number) == before
    return sent[0].text

"""The whole request flow as good on Telegram as in the terminal: typed answers in free words and
pressed buttons mixed, through the real python-telegram-bot against the fake Bot API."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Ticket
from tests.telegram.support import TelegramDesk
from tests.telegram.test_telegram_requests import press_in_private
from tests.telegram.updates import ALICE, BOB


def _tickets(app: object) -> list[tuple[str, str, str, dict[str, str]]]:
    with app.sessions() as session:  # type: ignore[attr-defined]
        return [
            (t.category, t.priority, t.urgency, dict(t.details))
            for t in session.scalars(select(Ticket).order_by(Ticket.id))
        ]


def test_telegram_free_words_and_buttons_mixed(desk: TelegramDesk) -> None:
    desk.say(BOB, "The VPN keeps dropping my connection")
    desk.say(BOB, "since this morning, and my colleague has it too")  # since and who, in one answer
    assert "How badly does it block your work?" in desk.texts_to(BOB.id)[-1]
    desk.say(BOB, "pretty much blocked, can't do anything")
    assert desk.texts_to(BOB.id)[-1].startswith("Please check your request (Incident, priority P2)")
    press_in_private(desk, BOB, "Submit")
    [(category, priority, urgency, details)] = _tickets(desk.app)
    assert (category, priority, urgency) == ("incident", "P2", "high")
    assert details["since"] == "since this morning"


def test_telegram_a_correction_at_the_summary_by_text(desk: TelegramDesk) -> None:
    desk.say(ALICE, "Mein Drucker druckt nur leere Seiten")
    desk.say(ALICE, "seit gestern")
    press_in_private(desk, ALICE, "Nur ich")
    desk.say(ALICE, "nervt, aber ich kann arbeiten")
    desk.say(ALICE, "die Dringlichkeit ist doch hoch")
    assert "Geändert: Dringlichkeit" in "\n".join(desk.texts_to(ALICE.id)[-2:])
    desk.say(ALICE, "ja passt")
    [(category, priority, urgency, _)] = _tickets(desk.app)
    assert (category, priority, urgency) == ("incident", "P3", "high")

"""What must never crash nor change data: idle conversations expiring, empty and huge messages, control
characters, SQL-looking text, and the same delivery arriving twice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.models import Conversation, Person
from tests.support import DeskBot, text_to

EXPIRED = {
    "de": "Unser letztes Gespräch lag über 30 Minuten zurück, daher fange ich neu an.",
    "en": "Our last conversation was idle for more than 30 minutes, so I am starting afresh.",
}
FAILED = ("Das hat nicht geklappt", "That did not work")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def _never_fails(bot: DeskBot):
    yield
    failed = [m.text for m in bot.channel.sent if m.text.startswith(FAILED)]
    assert failed == [], "a message made the bot fail"


def _conversation(bot: DeskBot, who: str) -> tuple[str | None, dict]:
    with bot.session() as session:
        row = session.scalar(select(Conversation).join(Person).where(Person.handle == who))
        return (row.flow, dict(row.state)) if row else (None, {})


# ---- idle expiry -------------------------------------------------------------------------------------


def test_an_answer_after_31_idle_minutes_starts_afresh(bot: DeskBot) -> None:
    bot.say("alice", "Mein Drucker druckt nicht mehr")
    bot.clock.advance(timedelta(minutes=31))
    sent = bot.say("alice", "seit gestern")
    told = text_to(sent, "alice")
    assert EXPIRED["de"] in told
    assert "Wer ist betroffen?" not in told  # the old request's next question
    _, state = _conversation(bot, "alice")
    assert "Mein Drucker druckt nicht mehr" not in str(state)


@pytest.mark.parametrize(
    ("who", "language", "first", "submit"),
    [
        ("bob", "en", "Where can I find the manual for Jira?", "Submit"),
        ("alice", "de", "Wo finde ich die Dokumentation zum SAP-Modul?", "Absenden"),
    ],
)
def test_a_stale_summary_cannot_be_submitted(
    bot: DeskBot, who: str, language: str, first: str, submit: str
) -> None:
    sent = bot.say(who, first)
    assert submit in [b.label for m in sent for b in m.buttons]
    bot.clock.advance(timedelta(minutes=31))
    sent = bot.press(who, submit)
    assert EXPIRED[language] in text_to(sent, who)
    assert bot.tickets() == []
    sent = bot.say(who, "ja")
    assert bot.tickets() == []


def test_at_29_idle_minutes_the_request_goes_on(bot: DeskBot) -> None:
    bot.say("alice", "Mein Drucker druckt nicht mehr")
    bot.clock.advance(timedelta(minutes=29))
    sent = bot.say("alice", "seit gestern")
    assert text_to(sent, "alice") == "Wer ist betroffen?"
    # Every message restarts the clock: 29 more minutes are fine too.
    bot.clock.advance(timedelta(minutes=29))
    sent = bot.press("alice", "Nur ich")
    assert text_to(sent, "alice") == "Wie stark behindert dich das bei der Arbeit?"
    bot.clock.advance(timedelta(minutes=29))
    bot.press("alice", "Ich kann gar nicht arbeiten")
    bot.clock.advance(timedelta(minutes=29))
    sent = bot.press("alice", "Absenden")
    assert EXPIRED["de"] not in text_to(sent, "alice")
    ticket = bot.ticket(1)
    assert ticket.details == {"what": "Mein Drucker druckt nicht mehr", "since": "seit gestern"}


def test_expiry_does_not_concern_someone_without_a_request(bot: DeskBot) -> None:
    bot.say("bob", "hello")
    bot.clock.advance(timedelta(hours=5))
    sent = bot.say("bob", "thanks")
    assert text_to(sent, "bob") == "You're welcome!"


# ---- empty and huge messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "text", "answer"),
    [
        ("alice", "", "Deine Nachricht war leer. Schreib, was du brauchst, oder »hilfe«."),
        ("alice", "   \n\t  ", "Deine Nachricht war leer. Schreib, was du brauchst, oder »hilfe«."),
        ("bob", "", "Your message was empty. Write what you need, or 'help'."),
        ("bob", " \u200b\u200e ", "Your message was empty. Write what you need, or 'help'."),
    ],
)
def test_empty_message(bot: DeskBot, who: str, text: str, answer: str) -> None:
    sent = bot.say(who, text)
    assert text_to(sent, who) == answer
    assert bot.tickets() == []


def test_empty_message_in_the_middle_of_a_request_keeps_it(bot: DeskBot) -> None:
    bot.say("bob", "The VPN is broken")
    before = _conversation(bot, "bob")
    assert text_to(bot.say("bob", "  "), "bob").startswith("Your message was empty")
    assert _conversation(bot, "bob") == before
    assert text_to(bot.say("bob", "since this morning"), "bob") == "Who is affected?"


@pytest.mark.parametrize(
    ("who", "answer"),
    [
        ("alice", "Deine Nachricht ist zu lang (100000 Zeichen, höchstens 4000). Bitte kürze sie."),
        ("bob", "Your message is too long (100000 characters, at most 4000). Please shorten it."),
    ],
)
def test_huge_message_is_refused_and_changes_nothing(bot: DeskBot, who: str, answer: str) -> None:
    before = _conversation(bot, who)
    sent = bot.say(who, "Mein Drucker ist kaputt. " + "x" * (100_000 - 25))
    assert text_to(sent, who) == answer
    assert bot.tickets() == []
    assert _conversation(bot, who) == before


def test_huge_message_in_the_middle_of_a_request_keeps_its_state(bot: DeskBot) -> None:
    bot.say("alice", "Mein Drucker druckt nicht mehr")
    bot.say("alice", "seit gestern")
    before = _conversation(bot, "alice")
    assert before[0] == "request"
    sent = bot.say("alice", "Nur ich " * 12_500)
    assert text_to(sent, "alice").startswith("Deine Nachricht ist zu lang (100000 Zeichen")
    assert _conversation(bot, "alice") == before
    sent = bot.press("alice", "Nur ich")
    assert text_to(sent, "alice") == "Wie stark behindert dich das bei der Arbeit?"
    bot.press("alice", "Ich bin eingeschränkt")
    bot.press("alice", "Absenden")
    assert bot.ticket(1).details == {"what": "Mein Drucker druckt nicht mehr", "since": "seit gestern"}


def test_a_long_answer_is_kept_short_in_the_ticket(bot: DeskBot) -> None:
    bot.say("bob", "I need new software")
    bot.say("bob", "Visio " * 600)  # 3600 characters: allowed, but far more than a field holds
    bot.say("bob", "Laptop NB-4711")
    bot.press("bob", "Submit")
    assert len(bot.ticket(1).details["item"]) <= 500


# ---- odd characters and SQL-looking text ----------------------------------------------------------


def test_control_characters_are_dropped_and_emoji_kept(bot: DeskBot) -> None:
    sent = bot.say("alice", "Mein Drucker\x00 druckt\x07 nicht\u202e mehr 🖨️🔥 seit heute\x1b")
    assert text_to(sent, "alice") == "Wer ist betroffen?"
    bot.press("alice", "Nur ich")
    sent = bot.press("alice", "Ich bin eingeschränkt")
    summary = text_to(sent, "alice")
    assert "Problem: Mein Drucker druckt nicht mehr 🖨️🔥 seit heute" in summary
    bot.press("alice", "Absenden")

    ticket = bot.ticket(1)
    for text in (ticket.title, ticket.description, *ticket.details.values()):
        assert not CONTROL.search(text), repr(text)
    assert "🖨️🔥" in ticket.title
    assert ticket.details["since"] == "seit heute"


def test_control_characters_in_an_answer(bot: DeskBot) -> None:
    bot.say("bob", "I need new software")
    bot.say("bob", "Vi\x00sio\u200b")
    bot.say("bob", "Laptop\x7f NB-4711 💻")
    bot.press("bob", "Submit")
    assert bot.ticket(1).details == {"item": "Visio", "device": "Laptop NB-4711 💻"}


def test_sql_looking_text_is_just_text(bot: DeskBot) -> None:
    bot.say("alice", "Bitte installiert mir Visio auf meinem Laptop")
    bot.press("alice", "Absenden")

    sent = bot.say("bob", "'; DROP TABLE tickets; --")
    assert text_to(sent, "bob") != ""
    assert [t.key for t in bot.tickets()] == ["SD-1"]

    # As an answer it is stored as typed.
    bot.say("bob", "I need new software")
    bot.say("bob", "Robert'); DROP TABLE tickets;--")
    bot.say("bob", "Laptop NB-4711")
    bot.press("bob", "Submit")
    assert [t.key for t in bot.tickets()] == ["SD-1", "SD-2"]
    assert bot.ticket(2).details["item"] == "Robert'); DROP TABLE tickets;--"
    assert "SD-1" in text_to(bot.say("alice", "meine Tickets"), "alice")


# ---- repeated delivery -----------------------------------------------------------------------------


def test_the_same_delivery_twice_is_answered_once(bot: DeskBot) -> None:
    first = bot.say("alice", "Bitte installiert mir Visio auf meinem Laptop", delivery_id="evt-1")
    again = bot.say("alice", "Bitte installiert mir Visio auf meinem Laptop", delivery_id="evt-1")
    assert len(first) == 1 and again == []

    first = bot.say("alice", "Absenden", delivery_id="evt-2")
    again = bot.say("alice", "Absenden", delivery_id="evt-2")
    assert "SD-1" in text_to(first, "alice") and again == []
    assert [t.key for t in bot.tickets()] == ["SD-1"]


def test_a_repeated_button_press_opens_one_ticket(bot: DeskBot) -> None:
    bot.say("bob", "Where can I find the manual for Jira?")
    bot.say("bob", "confirm", delivery_id="press-1", button=True)
    assert bot.say("bob", "confirm", delivery_id="press-1", button=True) == []
    assert len(bot.tickets()) == 1


def test_different_deliveries_with_the_same_text_are_both_handled(bot: DeskBot) -> None:
    bot.say("bob", "thanks", delivery_id="a")
    sent = bot.say("bob", "thanks", delivery_id="b")
    assert text_to(sent, "bob") == "You're welcome!"

"""Asking about tickets in plain words: "Wie ist der Stand von SD-1?", "meine Tickets", "my tickets".
Someone else's ticket is answered exactly like a ticket that does not exist."""

from __future__ import annotations

import pytest

from tests.support import DeskBot, say_steps, text_to

# An incident of alice (German) or bob (English), up to Submit; "!" presses the button.
INCIDENT = {
    "alice": ("Mein Drucker druckt nicht mehr seit heute", "!Nur ich", "!Ich bin eingeschränkt", "!Absenden"),
    "bob": ("The VPN is broken since this morning", "!Only me", "!My work is impaired", "!Submit"),
}


def test_status_of_a_new_ticket_then_after_it_is_claimed(bot: DeskBot) -> None:
    say_steps(bot, "alice", INCIDENT["alice"])
    sent = bot.say("alice", "Wie ist der Stand von SD-1?")
    assert text_to(sent, "alice") == "SD-1, Störung, neu, noch niemand zugewiesen"

    bot.say("anna", "/claim SD-1")
    sent = bot.say("alice", "Wie ist der Stand von SD-1?")
    assert text_to(sent, "alice") == "SD-1, Störung, zugewiesen, Anna Schmidt kümmert sich darum"

    bot.say("anna", "/status SD-1 in_progress")
    sent = bot.say("alice", "Wie ist der Stand von SD-1?")
    assert text_to(sent, "alice") == "SD-1, Störung, in Bearbeitung, Anna Schmidt kümmert sich darum"


def test_status_in_english_and_with_other_ways_of_writing_the_key(bot: DeskBot) -> None:
    say_steps(bot, "bob", INCIDENT["bob"])
    bot.say("anna", "/claim SD-1")
    for question in ("What is the status of SD-1?", "what about ticket #1?", "/status SD-1", "/status 1"):
        sent = bot.say("bob", question)
        assert text_to(sent, "bob") == "SD-1, Incident, assigned, Anna Schmidt is on it", question


def test_status_without_a_key_answers_about_the_one_open_ticket(bot: DeskBot) -> None:
    say_steps(bot, "alice", INCIDENT["alice"])
    sent = bot.say("alice", "Wie ist der Stand meines Tickets?")
    assert text_to(sent, "alice") == "SD-1, Störung, neu, noch niemand zugewiesen"


@pytest.mark.parametrize(
    ("who", "question", "other_key", "missing_key"),
    [
        ("bob", "What is the status of {key}?", "SD-1", "SD-7"),
        ("bob", "/status {key}", "SD-1", "SD-7"),
        ("paul", "Wie ist der Stand von {key}?", "SD-1", "SD-7"),
    ],
)
def test_someone_elses_ticket_looks_exactly_like_a_missing_one(
    bot: DeskBot, who: str, question: str, other_key: str, missing_key: str
) -> None:
    say_steps(bot, "alice", INCIDENT["alice"])  # SD-1 is alice's
    other = text_to(bot.say(who, question.format(key=other_key)), who)
    missing = text_to(bot.say(who, question.format(key=missing_key)), who)
    assert other == missing.replace(missing_key, other_key)
    assert "Störung" not in other and "Incident" not in other and "Alice" not in other
    assert other in ("Ein Ticket SD-1 finde ich nicht.", "I cannot find a ticket SD-1.")


def test_my_tickets_lists_own_tickets_only(bot: DeskBot) -> None:
    say_steps(bot, "alice", INCIDENT["alice"])  # SD-1
    say_steps(bot, "bob", INCIDENT["bob"])  # SD-2
    bot.say("alice", "Bitte installiert mir Visio auf meinem Laptop")
    bot.press("alice", "Absenden")  # SD-3
    bot.say("ben", "/claim SD-3")

    told = text_to(bot.say("alice", "meine Tickets"), "alice")
    assert told.splitlines() == [
        "Deine Tickets:",
        "• SD-3, Installation / Bestellung, zugewiesen, Ben Fischer kümmert sich darum",
        "• SD-1, Störung, neu, noch niemand zugewiesen",
    ]
    told = text_to(bot.say("bob", "my tickets"), "bob")
    assert told.splitlines() == ["Your tickets:", "• SD-2, Incident, new, not assigned yet"]
    # The command says the same.
    assert text_to(bot.say("bob", "/tickets"), "bob") == told


def test_closed_and_cancelled_tickets_are_not_listed(bot: DeskBot) -> None:
    say_steps(bot, "bob", INCIDENT["bob"])
    say_steps(bot, "bob", INCIDENT["bob"])
    bot.say("bob", "/cancel SD-2")
    told = text_to(bot.say("bob", "my tickets"), "bob")
    assert "SD-1" in told and "SD-2" not in told


@pytest.mark.parametrize(
    ("who", "text", "answer"),
    [
        ("alice", "meine Tickets", "Du hast keine offenen Tickets."),
        ("bob", "my tickets", "You have no open tickets."),
        ("bob", "/tickets", "You have no open tickets."),
        ("alice", "Wie ist der Stand meines Tickets?", "Du hast keine offenen Tickets."),
    ],
)
def test_no_tickets(bot: DeskBot, who: str, text: str, answer: str) -> None:
    assert text_to(bot.say(who, text), who) == answer


def test_someone_with_no_tickets_sees_none_of_the_others(bot: DeskBot) -> None:
    say_steps(bot, "alice", INCIDENT["alice"])
    assert text_to(bot.say("paul", "meine Tickets"), "paul") == "Du hast keine offenen Tickets."

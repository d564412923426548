"""Cancelling at every step, in both languages and every way (word, command, button), and answers the
bot cannot use: it says what it needs and asks the same question again, with the buttons."""

from __future__ import annotations

import pytest

from tests.support import DeskBot, labels_to, say_steps, text_to

CANCELLED = {"de": "Abgebrochen. Es wurde kein Ticket angelegt.", "en": "Cancelled. No ticket was opened."}
NOTHING = {
    "de": "Es läuft gerade nichts, das ich abbrechen könnte.",
    "en": "There is nothing to cancel right now.",
}
# The steps of one incident, up to the summary; cancelling is tried after each of them.
INCIDENT = {
    "de": ["Mein Drucker druckt nicht mehr", "seit gestern", "!Nur ich", "!Ich bin eingeschränkt"],
    "en": ["The VPN is broken", "since this morning", "!Only me", "!My work is impaired"],
}
WHO = {"de": "alice", "en": "bob"}
CANCEL_WAYS = {
    "de": ["abbrechen", "Abbrechen!", "stopp", "/cancel"],
    "en": ["cancel", "Cancel.", "stop", "/cancel"],
}


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("steps_done", [1, 2, 3, 4])
@pytest.mark.parametrize("way", range(4))
def test_cancel_at_every_step(bot: DeskBot, language: str, steps_done: int, way: int) -> None:
    who = WHO[language]
    say_steps(bot, who, INCIDENT[language][:steps_done])

    sent = bot.say(who, CANCEL_WAYS[language][way])
    assert text_to(sent, who) == CANCELLED[language]
    assert bot.tickets() == []
    # The flow is gone: the next "yes" submits nothing, a second cancel has nothing to cancel.
    sent = bot.say(who, "ja" if language == "de" else "yes")
    assert bot.tickets() == []
    sent = bot.say(who, CANCEL_WAYS[language][0])
    assert text_to(sent, who) == NOTHING[language]


@pytest.mark.parametrize("language", ["de", "en"])
def test_cancel_button_on_the_summary(bot: DeskBot, language: str) -> None:
    who = WHO[language]
    sent = say_steps(bot, who, INCIDENT[language])
    cancel_label = "Abbrechen" if language == "de" else "Cancel"
    assert cancel_label in labels_to(sent, who)

    sent = bot.press(who, cancel_label)
    assert text_to(sent, who) == CANCELLED[language]
    assert bot.tickets() == []
    assert not any(m.address.startswith("#") for m in bot.channel.sent)
    # The summary's Submit button is stale now: pressing it opens nothing.
    bot.press(who, "Absenden" if language == "de" else "Submit")
    assert bot.tickets() == []


@pytest.mark.parametrize(("who", "text"), [("alice", "abbrechen"), ("bob", "cancel"), ("bob", "/cancel")])
def test_cancel_with_nothing_running(bot: DeskBot, who: str, text: str) -> None:
    sent = bot.say(who, text)
    assert text_to(sent, who) == NOTHING["de" if who == "alice" else "en"]
    assert bot.tickets() == []


def test_cancel_in_the_change_step(bot: DeskBot) -> None:
    bot.say("alice", "Bitte installiert mir Visio auf meinem Laptop")
    bot.press("alice", "Ändern")
    sent = bot.say("alice", "abbrechen")
    assert text_to(sent, "alice") == CANCELLED["de"]
    assert bot.tickets() == []


def test_cancel_then_start_again_opens_only_the_second_request(bot: DeskBot) -> None:
    bot.say("bob", "We need an Excel training for 8 people")
    bot.say("bob", "cancel")
    bot.say("bob", "Where can I find the manual for Jira?")
    bot.press("bob", "Submit")
    [ticket] = bot.tickets()
    assert ticket.category == "documentation"


# ---- answers the bot cannot use -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "setup", "bad", "hint", "question", "labels"),
    [
        (
            "alice",
            ["Mein Drucker druckt nicht mehr", "seit gestern"],
            "weiß nicht",
            "Bitte wähle eine der Möglichkeiten (Nummer oder Text).",
            "Wer ist betroffen?",
            ["Nur ich", "Mein Team / mehrere Personen", "Viele / ganzer Standort"],
        ),
        (
            "alice",
            ["Mein Drucker druckt nicht mehr", "seit gestern", "!Nur ich"],
            "4",
            "Bitte wähle eine der Möglichkeiten (Nummer oder Text).",
            "Wie stark behindert dich das bei der Arbeit?",
            ["Ich kann normal arbeiten", "Ich bin eingeschränkt", "Ich kann gar nicht arbeiten"],
        ),
        (
            "bob",
            ["The VPN is broken", "since this morning"],
            "quite a few",
            "Please choose one of the options (number or text).",
            "Who is affected?",
            ["Only me", "My team / several people", "Many people / a whole site"],
        ),
        (
            "bob",
            ["The VPN is broken", "since this morning", "!Only me"],
            "very very bad",
            "Please choose one of the options (number or text).",
            "How badly does it block your work?",
            ["I can work normally", "My work is impaired", "I cannot work at all"],
        ),
    ],
)
def test_level_answer_that_is_no_option_is_asked_again(
    bot: DeskBot, who: str, setup: list[str], bad: str, hint: str, question: str, labels: list[str]
) -> None:
    say_steps(bot, who, setup)
    sent = bot.say(who, bad)
    told = text_to(sent, who)
    assert hint in told and question in told
    assert labels_to(sent, who) == labels
    # Still the same question: a valid answer now moves on.
    sent = bot.press(who, labels[1])
    assert question not in text_to(sent, who)
    assert bot.tickets() == []


@pytest.mark.parametrize(
    ("who", "bad", "hint", "question"),
    [
        ("alice", "viele", "Bitte gib eine Zahl zwischen 1 und 500 an.", "Für wie viele Personen?"),
        ("alice", "0", "Bitte gib eine Zahl zwischen 1 und 500 an.", "Für wie viele Personen?"),
        ("alice", "100000", "Bitte gib eine Zahl zwischen 1 und 500 an.", "Für wie viele Personen?"),
        ("bob", "lots", "Please give a number between 1 and 500.", "For how many people?"),
        ("bob", "0", "Please give a number between 1 and 500.", "For how many people?"),
        ("bob", "100000", "Please give a number between 1 and 500.", "For how many people?"),
    ],
)
def test_participants_must_be_a_sensible_number(
    bot: DeskBot, who: str, bad: str, hint: str, question: str
) -> None:
    sent = bot.say(
        who, "Wir brauchen eine Schulung zu Excel" if who == "alice" else "We need a training on Excel"
    )
    assert question in text_to(sent, who)
    sent = bot.say(who, bad)
    told = text_to(sent, who)
    assert hint in told and question in told
    sent = bot.say(who, "zwölf" if who == "alice" else "twelve")
    assert question not in text_to(sent, who)
    bot.say(who, "im März")
    assert ("Teilnehmende: 12" if who == "alice" else "Participants: 12") in bot.channel.sent[-1].text


@pytest.mark.parametrize(
    ("impact_answer", "urgency_answer", "impact", "urgency", "priority"),
    [
        ("2", "3", "medium", "high", "P2"),
        ("Mein Team / mehrere Personen", "ich kann gar nicht arbeiten", "medium", "high", "P2"),
        ("3", "Ich kann normal arbeiten", "high", "low", "P3"),
        ("nur ich", "1", "low", "low", "P4"),
        # The other language's label is understood too.
        ("Only me", "3", "low", "high", "P3"),
    ],
)
def test_choosing_by_number_or_by_label_text(
    bot: DeskBot, impact_answer: str, urgency_answer: str, impact: str, urgency: str, priority: str
) -> None:
    bot.say("alice", "Mein Drucker druckt nicht mehr")
    bot.say("alice", "seit gestern")
    sent = bot.say("alice", impact_answer)
    assert "Wie stark behindert dich das bei der Arbeit?" in text_to(sent, "alice")
    sent = bot.say("alice", urgency_answer)
    assert f"Priorität {priority}" in text_to(sent, "alice")
    bot.press("alice", "Absenden")
    ticket = bot.ticket(1)
    assert (ticket.impact, ticket.urgency, ticket.priority) == (impact, urgency, priority)


def test_empty_answer_to_a_free_text_question_is_not_taken(bot: DeskBot) -> None:
    bot.say("bob", "I need new software")
    sent = bot.say("bob", "   ")
    assert "Your message was empty" in text_to(sent, "bob")
    sent = bot.say("bob", "Visio")
    assert "For which device" in text_to(sent, "bob")

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


# ---- answers the bot cannot use: asked back once in other words, with examples and the buttons -----


REASK = {
    ("de", "impact"): "Meinst du nur dich, dein Team oder den ganzen Standort?",
    ("de", "urgency"): "Wie sehr hält es dich auf?",
    ("en", "impact"): "Do you mean only you, your team or a whole site?",
    ("en", "urgency"): "How much does it hold you up?",
}
LEVEL_LABELS = {
    ("de", "impact"): ["Nur ich", "Mein Team / mehrere Personen", "Viele / ganzer Standort"],
    ("de", "urgency"): ["Ich kann normal arbeiten", "Ich bin eingeschränkt", "Ich kann gar nicht arbeiten"],
    ("en", "impact"): ["Only me", "My team / several people", "Many people / a whole site"],
    ("en", "urgency"): ["I can work normally", "My work is impaired", "I cannot work at all"],
}


@pytest.mark.parametrize(
    ("who", "setup", "bad", "field"),
    [
        ("alice", ["Mein Drucker druckt nicht mehr", "seit gestern"], "weiß nicht", "impact"),
        ("alice", ["Mein Drucker druckt nicht mehr", "seit gestern", "!Nur ich"], "4", "urgency"),
        ("bob", ["The VPN is broken", "since this morning"], "banana", "impact"),
        ("bob", ["The VPN is broken", "since this morning", "!Only me"], "qwertz", "urgency"),
    ],
)
def test_level_answer_that_is_no_option_is_asked_back_in_other_words(
    bot: DeskBot, who: str, setup: list[str], bad: str, field: str
) -> None:
    language = "de" if who == "alice" else "en"
    say_steps(bot, who, setup)
    sent = bot.say(who, bad)
    assert text_to(sent, who).startswith(REASK[(language, field)])
    labels = LEVEL_LABELS[(language, field)]
    assert labels_to(sent, who) == labels
    # A second miss: the buttons and a person; a third: a colleague takes over, never a loop.
    sent = bot.say(who, bad)
    assert REASK[(language, field)] not in text_to(sent, who)
    assert labels_to(sent, who) == [
        *labels,
        "Mit einem Menschen sprechen" if language == "de" else "Talk to a person",
    ]
    sent = bot.say(who, bad)
    [ticket] = bot.tickets()
    assert ticket.category == "user_support" and bad in ticket.description


@pytest.mark.parametrize(
    ("who", "setup", "bad", "field"),
    [
        ("alice", ["Mein Drucker druckt nicht mehr", "seit gestern"], "xyz", "impact"),
        ("bob", ["The VPN is broken", "since this morning", "!Only me"], "hmm", "urgency"),
    ],
)
def test_after_asking_back_a_valid_answer_moves_on(
    bot: DeskBot, who: str, setup: list[str], bad: str, field: str
) -> None:
    language = "de" if who == "alice" else "en"
    say_steps(bot, who, setup)
    bot.say(who, bad)
    sent = bot.press(who, LEVEL_LABELS[(language, field)][1])
    assert REASK[(language, field)] not in text_to(sent, who)
    assert bot.tickets() == []


@pytest.mark.parametrize(
    ("who", "bad", "hint"),
    [
        ("alice", "viele", "Eine Zahl zwischen 1 und 500"),
        ("alice", "0", "Eine Zahl zwischen 1 und 500"),
        ("alice", "100000", "Eine Zahl zwischen 1 und 500"),
        ("bob", "lots", "A number between 1 and 500"),
        ("bob", "0", "A number between 1 and 500"),
        ("bob", "100000", "A number between 1 and 500"),
    ],
)
def test_participants_must_be_a_sensible_number(bot: DeskBot, who: str, bad: str, hint: str) -> None:
    question = "Für wie viele Personen?" if who == "alice" else "For how many people?"
    sent = bot.say(
        who, "Wir brauchen eine Schulung zu Excel" if who == "alice" else "We need a training on Excel"
    )
    assert question in text_to(sent, who)
    sent = bot.say(who, bad)
    assert hint in text_to(sent, who)
    sent = bot.say(who, "zwölf" if who == "alice" else "twelve")
    assert hint not in text_to(sent, who)
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

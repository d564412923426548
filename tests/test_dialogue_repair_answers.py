"""More repair, as transcripts in both languages: a half-understood level proposed back and taken with
"ja"; "ja" to the request-type question; "weiß nicht" that still names the answer; a vague device
confirmed; head counts; a yes at the summary in other words; a message not understood read together with
the next; a vague opening whose subject decides the type; an answer to a waiting ticket that resembles
a request; an optional question not answered twice; the new date of a correction."""

from __future__ import annotations

import pytest

from storage.models import Ticket
from tests.support import DeskBot, text_to

INCIDENT = {
    "alice": ["Der Beamer im Raum Isar zeigt kein Bild", "seit heute früh"],
    "bob": ["The projector in room Isar shows no picture", "since this morning"],
}
PROPOSED = {"alice": "Verstehe ich dich richtig", "bob": "Do I understand you right"}


def _only(bot: DeskBot) -> Ticket:
    [ticket] = bot.tickets()
    return ticket


@pytest.mark.parametrize(
    ("who", "half", "yes"),
    [
        ("alice", "ich bestimmt, sonst weiß ich nicht", "ja genau"),
        ("bob", "me for sure, no clue about the others", "yes"),
    ],
)
def test_a_half_understood_level_is_proposed_back_and_a_yes_takes_it(
    bot: DeskBot, who: str, half: str, yes: str
) -> None:
    for turn in INCIDENT[who]:
        bot.say(who, turn)
    sent = bot.say(who, half)
    assert PROPOSED[who] in text_to(sent, who)
    bot.say(who, yes)
    for turn in ["ich kann normal arbeiten", "ja"] if who == "alice" else ["I can work normally", "yes"]:
        bot.say(who, turn)
    assert _only(bot).impact == "low"


@pytest.mark.parametrize(
    ("who", "text", "later"),
    [
        ("alice", "weiß nicht genau, so seit letzter Woche", "Woche"),
        ("bob", "not sure exactly, maybe since last week", "week"),
    ],
)
def test_dont_know_that_still_names_the_time_keeps_it(bot: DeskBot, who: str, text: str, later: str) -> None:
    bot.say(who, INCIDENT[who][0])
    bot.say(who, text)
    for turn in (
        ["nur ich", "kann normal arbeiten", "ja"]
        if who == "alice"
        else ["only me", "I can work normally", "yes"]
    ):
        bot.say(who, turn)
    assert later in _only(bot).details["since"]


@pytest.mark.parametrize(
    ("who", "first", "device"),
    [
        ("alice", "Ich brauche SPSS auf meinem Rechner", "meinem Rechner"),
        ("bob", "I need SPSS on my computer", "my computer"),
    ],
)
def test_a_yes_to_the_device_question_confirms_the_device_said_vaguely(
    bot: DeskBot, who: str, first: str, device: str
) -> None:
    sent = bot.say(who, first)
    assert ("Für welches Gerät" if who == "alice" else "For which device") in text_to(sent, who)
    bot.say(who, "ja" if who == "alice" else "yes")
    bot.say(who, "ja" if who == "alice" else "yes")
    assert _only(bot).details["device"] == device


@pytest.mark.parametrize(
    ("who", "answer", "impact"),
    [
        ("alice", "die ganze Etage, so 25 Leute", "high"),
        ("alice", "wir alle, das sind ungefähr sechzig Leute", "high"),
        ("bob", "the whole floor uses it, like 25 people", "high"),
        ("bob", "all of us, that's about sixty people", "high"),
        ("bob", "the 8 of us in accounting", "medium"),
    ],
)
def test_a_head_count_and_words_give_the_wider_of_the_two(
    bot: DeskBot, who: str, answer: str, impact: str
) -> None:
    for turn in INCIDENT[who]:
        bot.say(who, turn)
    bot.say(who, answer)
    for turn in ["kann normal arbeiten", "ja"] if who == "alice" else ["I can work normally", "yes"]:
        bot.say(who, turn)
    assert _only(bot).impact == impact


@pytest.mark.parametrize(
    ("who", "yes"),
    [
        ("alice", "Ja, so ist es richtig, vielen herzlichen Dank."),
        ("bob", "That's correct, thank you very much."),
    ],
)
def test_a_yes_in_other_words_confirms_the_summary(bot: DeskBot, who: str, yes: str) -> None:
    for turn in INCIDENT[who]:
        bot.say(who, turn)
    for turn in ["nur ich", "kann normal arbeiten"] if who == "alice" else ["only me", "I can work normally"]:
        bot.say(who, turn)
    bot.say(who, yes)
    assert len(bot.tickets()) == 1


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_that_is_it_at_the_summary_submits(bot: DeskBot, who: str) -> None:
    bot.say(
        who,
        "Bitte installiert mir Visio auf meinem Laptop"
        if who == "alice"
        else "Please install Visio on my laptop",
    )
    bot.say(who, "das wars" if who == "alice" else "that's it")
    assert len(bot.tickets()) == 1


@pytest.mark.parametrize(
    ("who", "opening", "subject", "word"),
    [
        (
            "alice",
            "kurze Frage zu meinem Laptop",
            "er lädt nicht mehr, das Lämpchen bleibt seit gestern aus",
            "lädt",
        ),
        (
            "bob",
            "quick question about my laptop",
            "it doesn't charge anymore, the light stays off since yesterday",
            "charge",
        ),
    ],
)
def test_the_subject_after_a_vague_opening_decides_the_request_type(
    bot: DeskBot, who: str, opening: str, subject: str, word: str
) -> None:
    bot.say(who, opening)
    bot.say(who, subject)
    for turn in (
        ["nur ich", "kann normal arbeiten", "ja"]
        if who == "alice"
        else ["only me", "I can work normally", "yes"]
    ):
        bot.say(who, turn)
    ticket = _only(bot)
    assert ticket.category == "incident" and word in ticket.title


@pytest.mark.parametrize(
    ("who", "order", "question", "answer"),
    [
        (
            "alice",
            "Ich brauche Visio auf NB-3321",
            "Welche Edition, Standard oder Professional?",
            "Standard reicht",
        ),
        ("bob", "Need Visio on LT-3321", "Which edition, Standard or Professional?", "Standard is enough"),
    ],
)
def test_an_answer_to_a_waiting_ticket_that_resembles_a_request_goes_to_it(
    bot: DeskBot, who: str, order: str, question: str, answer: str
) -> None:
    bot.say(who, order)
    bot.say(who, "ja" if who == "alice" else "yes")
    bot.say("ben", "/claim SD-1")
    bot.say("ben", f"/status SD-1 waiting {question}")
    bot.say(who, answer)
    ticket = _only(bot)
    assert ticket.status == "in_progress"
    assert any("Standard" in comment.body for comment in ticket.comments if comment.public)


@pytest.mark.parametrize(
    ("who", "off", "then"),
    [
        ("alice", ["der Beamer ist von Epson", "er hängt an der Decke"], "Wer ist betroffen"),
        ("bob", ["it's an Epson projector", "it hangs from the ceiling"], "Who is affected"),
    ],
)
def test_an_optional_question_answered_otherwise_twice_is_left_open(
    bot: DeskBot, who: str, off: list[str], then: str
) -> None:
    bot.say(who, INCIDENT[who][0])
    sent = []
    for turn in off:
        sent = bot.say(who, turn)
    assert then in text_to(sent, who)


@pytest.mark.parametrize(
    ("who", "first", "when", "correction", "day"),
    [
        (
            "paul",
            "Ich hätte gern ein Coaching zur Budgetplanung",
            "Montag vormittag",
            "ach, Montag geht doch nicht, lieber Mittwoch vormittag",
            "Mittwoch",
        ),
        (
            "paul",
            "I would like a coaching on budget planning",
            "Monday morning",
            "oh wait, Monday doesn't work, make it Wednesday morning",
            "Wednesday",
        ),
    ],
)
def test_a_correction_takes_the_date_named_last(
    bot: DeskBot, who: str, first: str, when: str, correction: str, day: str
) -> None:
    bot.say(who, first)
    bot.say(who, when)
    bot.say(who, correction)
    bot.say(who, "ja" if day == "Mittwoch" else "yes")
    assert day in _only(bot).details["preferred_time"]


@pytest.mark.parametrize(
    ("who", "answer", "urgency"),
    [("alice", "ist eingeschränkt", "medium"), ("bob", "it's impaired", "medium")],
)
def test_a_level_read_surely_outweighs_sounding_like_giving_up(
    bot: DeskBot, who: str, answer: str, urgency: str
) -> None:
    for turn in INCIDENT[who]:
        bot.say(who, turn)
    bot.say(who, "nur ich" if who == "alice" else "only me")
    bot.say(who, answer)
    bot.say(who, "ja" if who == "alice" else "yes")
    assert _only(bot).urgency == urgency

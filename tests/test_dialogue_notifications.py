"""The requester hears of every step without asking: who took the ticket (name, team, location), status
changes, the agent's public replies, the resolution with "solved / reopen" buttons. The requester's own
replies reach the handler, or the team's channel while nobody handles the ticket."""

from __future__ import annotations

import pytest

from tests.support import DeskBot, labels_to, say_steps, text_to

# An incident of alice (German) or bob (English), up to Submit; "!" presses the button.
INCIDENT = {
    "alice": (
        "Mein Outlook stürzt seit heute Morgen bei jedem Start ab",
        "!Nur ich",
        "!Ich kann gar nicht arbeiten",
        "!Absenden",
    ),
    "bob": ("The VPN is broken since this morning", "!Only me", "!I cannot work at all", "!Submit"),
}


@pytest.mark.parametrize(
    ("who", "claimed"),
    [
        (
            "alice",
            "Anna Schmidt (Service Desk, München, Haus A, Raum 1.12) bearbeitet jetzt deine Anfrage SD-1. "
            "Du kannst antworten mit: /reply SD-1 dein Text",
        ),
        (
            "bob",
            "Anna Schmidt (Service Desk, München, Haus A, Raum 1.12) is now handling your request SD-1. "
            "You can answer with: /reply SD-1 your text",
        ),
    ],
)
def test_requester_learns_who_claimed_the_ticket(bot: DeskBot, who: str, claimed: str) -> None:
    say_steps(bot, who, INCIDENT[who])
    sent = bot.say("anna", "/claim SD-1")
    assert text_to(sent, who) == claimed
    assert text_to(sent, "#service-desk") == "SD-1 übernimmt Anna Schmidt."


def test_claim_by_the_claim_button_of_the_team_card(bot: DeskBot) -> None:
    bot.say("alice", "Bitte installiert mir Visio auf meinem Laptop")
    sent = bot.press("alice", "Absenden")
    assert "Übernehmen" in labels_to(sent, "#workplace")
    sent = bot.press("ben", "Übernehmen")
    told = text_to(sent, "alice")
    assert "Ben Fischer (Workplace & Installation, München, Haus A, Raum 0.07 (IT-Werkstatt))" in told
    assert bot.ticket(1).assignee.handle == "ben"


@pytest.mark.parametrize(
    ("who", "in_progress", "waiting"),
    [
        (
            "alice",
            "SD-1 ist jetzt: in Bearbeitung.",
            "SD-1 ist jetzt: wartet auf deine Rückmeldung. Logdatei?",
        ),
        ("bob", "SD-1 is now: in progress.", "SD-1 is now: waiting for your answer. Logdatei?"),
    ],
)
def test_status_changes_reach_the_requester(bot: DeskBot, who: str, in_progress: str, waiting: str) -> None:
    say_steps(bot, who, INCIDENT[who])
    bot.say("anna", "/claim SD-1")
    sent = bot.say("anna", "/status SD-1 in_progress")
    assert text_to(sent, who) == in_progress
    sent = bot.say("anna", "/status SD-1 waiting Logdatei?")
    assert text_to(sent, who) == waiting
    assert bot.ticket(1).status == "waiting"


@pytest.mark.parametrize(
    ("who", "told"),
    [
        ("alice", "Anna Schmidt zu SD-1: Bitte einmal neu starten.\n(Antworten mit /reply SD-1 dein Text)"),
        ("bob", "Anna Schmidt on SD-1: Bitte einmal neu starten.\n(Answer with /reply SD-1 your text)"),
    ],
)
def test_agents_public_reply_reaches_the_requester(bot: DeskBot, who: str, told: str) -> None:
    say_steps(bot, who, INCIDENT[who])
    bot.say("anna", "/claim SD-1")
    sent = bot.say("anna", "/reply SD-1 Bitte einmal neu starten.")
    assert text_to(sent, who) == told


def test_internal_note_does_not_reach_the_requester(bot: DeskBot) -> None:
    say_steps(bot, "alice", INCIDENT["alice"])
    bot.say("anna", "/claim SD-1")
    sent = bot.say("anna", "/note SD-1 Vermutlich kaputtes Profil")
    assert text_to(sent, "alice") == ""
    assert "Vermutlich" not in text_to(bot.say("alice", "/show SD-1"), "alice")


@pytest.mark.parametrize(
    ("who", "resolved", "solved", "reopen", "closed"),
    [
        (
            "alice",
            "Anna Schmidt hat SD-1 gelöst: Profil neu angelegt\nIst dein Anliegen damit erledigt?",
            "Ja, gelöst",
            "Nein, wieder öffnen",
            "Danke! SD-1 ist geschlossen.",
        ),
        (
            "bob",
            "Anna Schmidt has resolved SD-1: Profil neu angelegt\nIs your request done?",
            "Yes, solved",
            "No, reopen",
            "Thank you! SD-1 is closed.",
        ),
    ],
)
def test_resolution_asks_the_requester_and_solved_closes(
    bot: DeskBot, who: str, resolved: str, solved: str, reopen: str, closed: str
) -> None:
    say_steps(bot, who, INCIDENT[who])
    bot.say("anna", "/claim SD-1")
    sent = bot.say("anna", "/resolve SD-1 Profil neu angelegt")
    assert text_to(sent, who) == resolved
    assert labels_to(sent, who) == [solved, reopen]

    sent = bot.press(who, solved)
    assert text_to(sent, who) == closed
    assert bot.ticket(1).status == "closed"
    assert "geschlossen" in text_to(sent, "#service-desk")


@pytest.mark.parametrize(
    ("who", "reopen", "reopened"),
    [
        ("alice", "Nein, wieder öffnen", "SD-1 ist wieder geöffnet."),
        ("bob", "No, reopen", "SD-1 is open again."),
    ],
)
def test_reopen_tells_the_handler(bot: DeskBot, who: str, reopen: str, reopened: str) -> None:
    say_steps(bot, who, INCIDENT[who])
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/resolve SD-1 Profil neu angelegt")
    sent = bot.press(who, reopen)
    assert text_to(sent, who).startswith(reopened)
    name = "Alice Wagner" if who == "alice" else "Bob Miller"
    assert text_to(sent, "anna") == f"SD-1 wurde von {name} wieder geöffnet."
    assert bot.ticket(1).status == "in_progress"
    # The reopen asks why; the answer reaches Anna and stays on the ticket.
    reason = "druckt immer noch nicht" if who == "alice" else "still does not print"
    sent = bot.say(who, reason)
    assert reason in text_to(sent, "anna")
    assert [c.body for c in bot.ticket(1).comments if c.public][-1] == reason
    assert len(bot.tickets()) == 1

    # Resolved again, now accepted.
    bot.say("anna", "/resolve SD-1 Jetzt wirklich")
    bot.press(who, "Ja, gelöst" if who == "alice" else "Yes, solved")
    assert bot.ticket(1).status == "closed"


def test_requester_reply_reaches_the_handler(bot: DeskBot) -> None:
    say_steps(bot, "alice", INCIDENT["alice"])
    bot.say("anna", "/claim SD-1")
    sent = bot.say("alice", "/reply SD-1 Es geht wieder nicht")
    assert text_to(sent, "alice") == "Deine Antwort zu SD-1 ist verschickt."
    assert text_to(sent, "anna") == "Alice Wagner antwortet zu SD-1: Es geht wieder nicht"
    assert text_to(sent, "#service-desk") == ""


def test_requester_reply_reaches_the_team_channel_when_unassigned(bot: DeskBot) -> None:
    say_steps(bot, "bob", INCIDENT["bob"])
    sent = bot.say("bob", "/reply SD-1 It also happens at home")
    assert text_to(sent, "bob") == "Your reply on SD-1 has been sent."
    assert text_to(sent, "#service-desk") == "Bob Miller antwortet zu SD-1: It also happens at home"
    assert text_to(sent, "anna") == ""


def test_requester_reply_while_waiting_brings_the_ticket_back_to_work(bot: DeskBot) -> None:
    say_steps(bot, "bob", INCIDENT["bob"])
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/status SD-1 waiting Which version?")
    sent = bot.say("bob", "/reply SD-1 Version 5.2")
    assert "Bob Miller antwortet zu SD-1: Version 5.2" in text_to(sent, "anna")
    assert bot.ticket(1).status == "in_progress"


def test_nobody_else_can_reply_on_the_ticket(bot: DeskBot) -> None:
    say_steps(bot, "alice", INCIDENT["alice"])
    bot.say("anna", "/claim SD-1")
    sent = bot.say("bob", "/reply SD-1 hello there")
    assert text_to(sent, "bob") == "I cannot find a ticket SD-1."
    assert text_to(sent, "anna") == "" and text_to(sent, "alice") == ""


def test_unclaim_tells_the_requester(bot: DeskBot) -> None:
    say_steps(bot, "bob", INCIDENT["bob"])
    bot.say("anna", "/claim SD-1")
    sent = bot.say("anna", "/unclaim SD-1")
    assert text_to(sent, "bob") == "SD-1 is back in team Service Desk's queue; someone else will pick it up."


def test_the_whole_way_in_one_transcript_english(bot: DeskBot) -> None:
    """bob never asks; every step of his request reaches him."""
    say_steps(bot, "bob", INCIDENT["bob"])
    steps = [
        ("/claim SD-1", "Anna Schmidt (Service Desk"),
        ("/status SD-1 in_progress", "SD-1 is now: in progress."),
        ("/reply SD-1 Please restart the client", "Anna Schmidt on SD-1: Please restart the client"),
        ("/resolve SD-1 Certificate renewed", "Anna Schmidt has resolved SD-1: Certificate renewed"),
    ]
    for command, told in steps:
        sent = bot.say("anna", command)
        assert told in text_to(sent, "bob"), command
    bot.press("bob", "Yes, solved")
    ticket = bot.ticket(1)
    assert ticket.status == "closed"
    statuses = [e.new_value for e in ticket.events if e.kind in ("opened", "status")]
    assert statuses == ["new", "assigned", "in_progress", "resolved", "closed"]

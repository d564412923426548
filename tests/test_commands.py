"""Every command of the grammar, in each of its forms (`/verb`, `/sd verb`, Telegram's `/verb@SpocBot`),
as a transcript: what the sender is told, in their language, who else hears of it, and what changed.

Cast (demo desk): bob writes English, alice German; anna (service desk) and lena (lead) read German,
ben (workplace) English; paul is a project lead.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from storage.models import Ticket
from tests.support import DeskBot, labels_to, text_to, texts_to
from tests.test_commands_support import BOB_INSTALLATION, open_ticket, say_text

Command = Callable[..., str]
FORMS = {"slash": "/{verb}", "sd": "/sd {verb}", "telegram": "/{verb}@SpocBot"}


@pytest.fixture(params=list(FORMS.values()), ids=list(FORMS))
def c(request: pytest.FixtureRequest) -> Command:
    """c("claim", "SD-1") -> the command in the form under test."""

    def command(verb: str, args: str = "") -> str:
        text = request.param.format(verb=verb)
        return f"{text} {args}" if args else text

    return command


# ---- agents --------------------------------------------------------------------------------------
def test_claim(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    sent = bot.say("anna", c("claim", "SD-1"))
    assert texts_to(sent, "anna") == [say_text("de", "done_claim", key="SD-1")]
    assert "Anna Schmidt" in text_to(sent, "bob") and "is now handling your request SD-1" in text_to(
        sent, "bob"
    )
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.assignee.handle) == ("assigned", "anna")


def test_unclaim(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    sent = bot.say("anna", c("unclaim", "SD-1"))
    assert texts_to(sent, "anna") == ["SD-1 ist zurück in der Queue."]
    assert "back in team Service Desk's queue" in text_to(sent, "bob")
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.assignee) == ("new", None)


def test_assign(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    sent = bot.say("anna", c("assign", "SD-1 lena"))
    assert texts_to(sent, "anna") == ["SD-1 ist jetzt Lena Hoffmann zugewiesen."]
    assert "Anna Schmidt hat dir SD-1 zugewiesen" in text_to(sent, "lena")
    assert "Lena Hoffmann" in text_to(sent, "bob")
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.assignee.handle, ticket.team.slug) == ("assigned", "lena", "service-desk")


def test_status_with_a_new_status_and_a_note(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    sent = bot.say("anna", c("status", "SD-1 waiting Which Outlook version do you use?"))
    # The agent reads the status as staff ("waiting for the requester"), the requester as "your answer".
    assert texts_to(sent, "anna") == ["SD-1 ist jetzt: wartet auf Rückmeldung."]
    assert texts_to(sent, "bob") == [
        "SD-1 is now: waiting for your answer. Which Outlook version do you use?"
    ]
    ticket = bot.ticket(1)
    assert ticket.status == "waiting"
    assert (ticket.events[-1].kind, ticket.events[-1].note) == ("status", "Which Outlook version do you use?")


def test_status_in_german_words(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    sent = bot.say("anna", c("status", "SD-1 in-Bearbeitung"))
    assert texts_to(sent, "anna") == ["SD-1 ist jetzt: in Bearbeitung."]
    assert bot.ticket(1).status == "in_progress"


def test_status_of_an_unassigned_ticket_makes_the_agent_its_handler(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    sent = bot.say("anna", c("status", "SD-1 in_progress"))
    assert "Anna Schmidt" in text_to(sent, "bob")
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.assignee.handle) == ("in_progress", "anna")


def test_note_is_internal(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    sent = bot.say("anna", c("note", "SD-1 Known issue with roaming profiles"))
    assert [(m.address, m.text) for m in sent] == [("anna", "Interne Notiz zu SD-1 gespeichert.")]
    assert [(x.public, x.body) for x in bot.ticket(1).comments] == [
        (False, "Known issue with roaming profiles")
    ]

    shown_to_bob = text_to(bot.say("bob", "/show SD-1"), "bob")
    assert "SD-1 · Incident" in shown_to_bob and "roaming" not in shown_to_bob
    shown_to_anna = text_to(bot.say("anna", "/show SD-1"), "anna")
    assert "🔒 Anna Schmidt: Known issue with roaming profiles" in shown_to_anna
    assert all("roaming" not in row.text for row in bot.outbox() if row.address == "bob")


def test_resolve(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    sent = bot.say("anna", c("resolve", "SD-1 Profile recreated, Outlook starts again"))
    assert texts_to(sent, "anna") == ["SD-1 ist gelöst; Bob Miller wurde informiert."]
    assert "Anna Schmidt has resolved SD-1: Profile recreated, Outlook starts again" in text_to(sent, "bob")
    assert {b.value for m in sent if m.address == "bob" for b in m.buttons} == {
        "/confirm SD-1",
        "/reopen SD-1",
    }
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.resolved_at) == ("resolved", bot.clock.now())
    assert [(x.public, x.body) for x in ticket.comments] == [
        (True, "Profile recreated, Outlook starts again")
    ]


def test_priority(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    assert bot.ticket(1).priority == "P4"
    sent = bot.say("anna", c("priority", "SD-1 p2"))
    assert texts_to(sent, "anna") == ["SD-1 hat jetzt Priorität P2."]
    assert texts_to(sent, "bob") == ["SD-1 now has priority P2."]
    assert bot.ticket(1).priority == "P2"


def test_queue_of_own_teams_and_of_a_named_team(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")  # SD-1, service desk
    open_ticket(bot, "bob", BOB_INSTALLATION)  # SD-2, workplace

    anna = text_to(bot.say("anna", c("queue")), "anna")
    assert anna.startswith("Offen in Service Desk: 1\n") and "SD-1" in anna and "SD-2" not in anna

    ben = text_to(bot.say("ben", c("queue")), "ben")
    assert ben.startswith("Open in Workplace & Installation: 1\n") and "SD-2" in ben and "Visio" in ben

    lena = text_to(bot.say("lena", c("queue", "workplace")), "lena")
    assert lena.startswith("Offen in Workplace & Installation: 1\n") and "SD-1" not in lena

    bot.say("bob", "/cancel SD-2")
    assert texts_to(bot.say("ben", c("queue")), "ben") == ["No open tickets in Workplace & Installation."]


def test_queue_lists_unassigned_and_urgent_first(bot: DeskBot, c: Command) -> None:
    for _ in range(3):
        open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/priority SD-3 P1")
    lines = text_to(bot.say("anna", c("queue")), "anna").splitlines()[1:]
    assert [line.split()[2].rstrip(",") for line in lines] == ["SD-3", "SD-2", "SD-1"]


def test_mine(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-2")
    mine = text_to(bot.say("anna", c("mine")), "anna")
    assert mine.startswith("Deine Tickets in Bearbeitung:\n") and "SD-2" in mine and "SD-1" not in mine
    assert texts_to(bot.say("ben", c("mine")), "ben") == ["You are not handling any tickets."]


def test_show(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    shown = text_to(bot.say("anna", c("show", "SD-1")), "anna")
    assert shown.startswith("SD-1 · Störung · P4 · neu\n")
    assert "Angefragt von Bob Miller am 2026-01-05 09:00 UTC" in shown
    assert "Team: Service Desk · Bearbeitung: niemand" in shown


# ---- everyone ------------------------------------------------------------------------------------
def test_reply_from_agent_reaches_the_requester(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    sent = bot.say("anna", c("reply", "SD-1 Please restart Outlook in safe mode"))
    assert texts_to(sent, "anna") == ["Deine Antwort zu SD-1 ist verschickt."]
    assert text_to(sent, "bob").startswith("Anna Schmidt on SD-1: Please restart Outlook in safe mode")
    with bot.session() as session:
        comments = session.get(Ticket, 1).comments  # type: ignore[union-attr]
        assert [(x.public, x.author.handle, x.body) for x in comments] == [
            (True, "anna", "Please restart Outlook in safe mode")
        ]


def test_reply_from_requester_reaches_the_handler(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    sent = bot.say("bob", c("reply", "SD-1 Safe mode works"))
    assert texts_to(sent, "bob") == ["Your reply on SD-1 has been sent."]
    assert texts_to(sent, "anna") == ["Bob Miller antwortet zu SD-1: Safe mode works"]


def test_tickets(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    assert texts_to(bot.say("bob", c("tickets")), "bob") == [
        "Your tickets:\n• SD-1, Incident, new, not assigned yet"
    ]
    assert texts_to(bot.say("alice", c("tickets")), "alice") == ["Du hast keine offenen Tickets."]


def test_status_asks(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    events = len(bot.ticket(1).events)
    sent = bot.say("bob", c("status", "SD-1"))
    assert [(m.address, m.text) for m in sent] == [("bob", "SD-1, Incident, assigned, Anna Schmidt is on it")]
    assert len(bot.ticket(1).events) == events


def test_cancel(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    sent = bot.say("bob", c("cancel", "SD-1"))
    assert texts_to(sent, "bob") == ["SD-1 is cancelled."]
    assert "SD-1: neu → storniert (Bob Miller)" in text_to(sent, "#service-desk")
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.closed_at) == ("cancelled", bot.clock.now())


def test_reopen(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/resolve SD-1 Profile recreated")
    sent = bot.say("bob", c("reopen", "SD-1 still crashing"))
    assert texts_to(sent, "bob") == ["SD-1 is open again."]
    assert texts_to(sent, "anna") == ["SD-1 wurde von Bob Miller wieder geöffnet."]
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.resolved_at, ticket.events[-1].note) == (
        "in_progress",
        None,
        "still crashing",
    )


def test_confirm(bot: DeskBot, c: Command) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/resolve SD-1 Profile recreated")
    sent = bot.say("bob", c("confirm", "SD-1"))
    assert texts_to(sent, "bob") == ["Thank you! SD-1 is closed."]
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.closed_at) == ("closed", bot.clock.now())


def test_coaching(bot: DeskBot, c: Command) -> None:
    assert texts_to(bot.say("paul", c("coaching")), "paul") == [say_text("de", "q_coaching_topic")]
    assert texts_to(bot.say("bob", c("coaching")), "bob") == [say_text("en", "coaching_not_allowed")]


def test_lang(bot: DeskBot, c: Command) -> None:
    assert texts_to(bot.say("bob", c("lang", "de")), "bob") == [
        "Alles klar, ich antworte ab jetzt auf Deutsch."
    ]
    assert texts_to(bot.say("bob", "/tickets"), "bob") == ["Du hast keine offenen Tickets."]
    assert texts_to(bot.say("bob", c("lang", "EN")), "bob") == [
        "All right, I will answer in English from now on."
    ]
    assert texts_to(bot.say("bob", "/tickets"), "bob") == ["You have no open tickets."]


def test_help_shows_agent_commands_to_agents_only(bot: DeskBot, c: Command) -> None:
    bob = text_to(bot.say("bob", c("help")), "bob")
    assert say_text("en", "cmd_help_everyone") in bob
    assert "/claim" not in bob and "/queue" not in bob
    anna = text_to(bot.say("anna", c("help")), "anna")
    assert say_text("de", "cmd_help_everyone") in anna and say_text("de", "cmd_help_agents") in anna
    carla = text_to(bot.say("carla", c("help")), "carla")
    assert "/claim" in carla


# ---- forms ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("written", ["SD-1", "sd 1", "sd-1", "#1", "1"])
def test_ticket_keys_in_every_written_form(bot: DeskBot, written: str) -> None:
    open_ticket(bot, "bob")
    assert texts_to(bot.say("anna", f"/claim {written}"), "anna") == ["Du bearbeitest jetzt SD-1."]
    sent = bot.say("bob", f"/sd reply {written} thanks, see you")
    assert texts_to(sent, "bob") == ["Your reply on SD-1 has been sent."]
    assert texts_to(sent, "anna") == ["Bob Miller antwortet zu SD-1: thanks, see you"]


def test_reply_text_on_the_next_line(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("bob", "/reply SD-1\nHere are the details:\n- Outlook 2021")
    assert [x.body for x in bot.ticket(1).comments] == ["Here are the details:\n- Outlook 2021"]


@pytest.mark.parametrize("text", ["/help", "/start", "/sd", "/sd help", "/hilfe", "/help@SpocBot"])
def test_help_forms(bot: DeskBot, text: str) -> None:
    assert say_text("en", "cmd_help_everyone") in text_to(bot.say("bob", text), "bob")


@pytest.mark.parametrize(
    ("who", "name", "language"), [("alice", "Alice Wagner", "de"), ("bob", "Bob Miller", "en")]
)
def test_start_introduces_the_desk_by_name_with_the_commands_and_the_request_types(
    bot: DeskBot, who: str, name: str, language: str
) -> None:
    [answer] = [m for m in bot.say(who, "/start") if m.address == who]
    assert answer.text.startswith(say_text(language, "greeting", name=name))
    assert say_text(language, "cmd_help_everyone") in answer.text
    assert say_text(language, "cmd_help_agents") not in answer.text
    assert [b.value for b in answer.buttons][-1] == "human" and len(answer.buttons) >= 6


def test_cancel_alone_stops_the_conversation_under_way(bot: DeskBot) -> None:
    bot.say("bob", BOB_INSTALLATION[0])
    assert texts_to(bot.say("bob", "/cancel"), "bob") == ["Cancelled. No ticket was opened."]
    assert texts_to(bot.say("bob", "Submit"), "bob") != [] and bot.tickets() == []
    assert texts_to(bot.say("bob", "/sd cancel"), "bob") == ["There is nothing to cancel right now."]


def test_the_cards_assign_button_offers_the_teams_handlers(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    card = next(m for m in bot.channel.sent if m.kind == "team_card")
    assert [b.label for b in card.buttons] == ["Übernehmen", "Zuweisen", "Anzeigen"]
    sent = bot.say("lena", "/assign SD-1")
    assert text_to(sent, "lena") == "Wem soll SD-1 zugewiesen werden?"  # lena writes German
    choices = labels_to(sent, "lena")
    assert "Anna Schmidt" in choices and "Bob Miller" not in choices
    sent = bot.press("lena", "Anna Schmidt")
    assert text_to(sent, "lena") == "SD-1 ist jetzt Anna Schmidt zugewiesen."
    assert bot.ticket(1).assignee.handle == "anna"
    # Anna now holds it: offering her again would be no choice.
    assert "Anna Schmidt" not in labels_to(bot.say("lena", "/assign SD-1"), "lena")


def test_assign_without_a_person_is_refused_to_requesters(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    sent = bot.say("bob", "/assign SD-1")
    assert text_to(sent, "bob") == "Sorry, you are not allowed to do that."
    assert labels_to(sent, "bob") == []

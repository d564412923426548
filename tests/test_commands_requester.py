"""The requester's side of a ticket: answering while the desk waits, cancelling, confirming, reopening;
and the audit trail the commands leave, with the fake clock's time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import TicketEvent
from tests.support import DeskBot, labels_to, text_to, texts_to
from tests.test_commands_support import open_ticket, refused


def test_reply_while_waiting_goes_back_to_the_handler(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/status SD-1 waiting Which Outlook version?")
    assert bot.ticket(1).status == "waiting"

    bot.clock.advance(timedelta(minutes=20))
    sent = bot.say("bob", "/reply SD-1 Outlook 2021, build 16.0")
    assert texts_to(sent, "bob") == ["Your reply on SD-1 has been sent."]
    assert texts_to(sent, "anna") == ["Bob Miller antwortet zu SD-1: Outlook 2021, build 16.0"]
    assert "wartet auf Rückmeldung → in Bearbeitung (Bob Miller)" in text_to(sent, "#service-desk")
    ticket = bot.ticket(1)
    assert ticket.status == "in_progress"
    last = ticket.events[-1]
    assert (last.kind, last.old_value, last.new_value, last.actor_id, last.at) == (
        "status",
        "waiting",
        "in_progress",
        ticket.requester_id,
        bot.clock.now(),
    )


def test_reply_while_in_progress_keeps_the_status(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/status SD-1 in_progress")
    sent = bot.say("bob", "/reply SD-1 One more detail")
    assert texts_to(sent, "anna") == ["Bob Miller antwortet zu SD-1: One more detail"]
    assert bot.ticket(1).status == "in_progress"
    assert [e.kind for e in bot.ticket(1).events][-1] == "reply"


def test_reply_to_an_unassigned_ticket_reaches_the_team(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    sent = bot.say("bob", "/reply SD-1 It also happens in the web app")
    assert texts_to(sent, "#service-desk") == ["Bob Miller antwortet zu SD-1: It also happens in the web app"]


@pytest.mark.parametrize("prepare", ["", "/claim SD-1", "/status SD-1 in_progress", "/status SD-1 waiting ?"])
def test_requester_cancels_their_own_open_ticket(bot: DeskBot, prepare: str) -> None:
    open_ticket(bot, "bob")
    if prepare:
        bot.say("anna", prepare)
    old = bot.ticket(1).status
    sent = bot.say("bob", "/cancel SD-1")
    assert texts_to(sent, "bob") == ["SD-1 is cancelled."]
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.closed_at) == ("cancelled", bot.clock.now())
    assert (ticket.events[-1].old_value, ticket.events[-1].new_value) == (old, "cancelled")
    # The cancelled ticket is no longer in the requester's list nor in the team's queue.
    assert texts_to(bot.say("bob", "/tickets"), "bob") == ["You have no open tickets."]
    assert texts_to(bot.say("anna", "/queue"), "anna") == ["Keine offenen Tickets in Service Desk."]


def test_agent_cancel_tells_the_requester(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    sent = bot.say("anna", "/status SD-1 cancelled Duplicate of SD-7")
    assert texts_to(sent, "bob") == ["SD-1 is cancelled."]
    assert bot.ticket(1).status == "cancelled"


def test_confirm_closes_a_resolved_ticket(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/resolve SD-1 Profile recreated")
    sent = bot.press("bob", "Yes, solved")
    assert texts_to(sent, "bob") == ["Thank you! SD-1 is closed."]
    assert "gelöst → geschlossen (Bob Miller)" in text_to(sent, "#service-desk")
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.closed_at) == ("closed", bot.clock.now())
    assert texts_to(bot.say("anna", "/mine"), "anna") == ["Du bearbeitest gerade keine Tickets."]


def test_reopen_a_resolved_ticket_goes_back_to_the_handler(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/resolve SD-1 Profile recreated")
    sent = bot.press("bob", "No, reopen")
    assert texts_to(sent, "bob") == [
        "SD-1 is open again. What is still not working? Your answer goes to Anna Schmidt."
    ]
    assert texts_to(sent, "anna") == ["SD-1 wurde von Bob Miller wieder geöffnet."]
    ticket = bot.ticket(1)
    assert (ticket.status, ticket.assignee.handle, ticket.resolved_at) == ("in_progress", "anna", None)
    # and the handler can resolve it again, the requester confirm it
    bot.say("anna", "/resolve SD-1 Mailbox repaired")
    assert texts_to(bot.say("bob", "/confirm SD-1"), "bob") == ["Thank you! SD-1 is closed."]


def test_agent_reopens_a_resolved_ticket_and_the_requester_is_told(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/resolve SD-1 Profile recreated")
    sent = bot.say("anna", "/reopen SD-1")
    assert texts_to(sent, "bob") == ["SD-1 is open again and being worked on."]
    assert bot.ticket(1).status == "in_progress"


def test_a_german_requester_is_answered_in_german_all_the_way(bot: DeskBot) -> None:
    open_ticket(bot, "alice")
    sent = bot.say("ben", "/assign SD-1 anna")
    assert texts_to(sent, "ben") == ["That ticket belongs to team Service Desk; the team lead decides on it."]
    sent = bot.say("anna", "/status SD-1 waiting Welcher Drucker genau?")
    assert texts_to(sent, "alice") == [
        "Anna Schmidt (Service Desk, München, Haus A, Raum 1.12) bearbeitet jetzt deine Anfrage SD-1. "
        "Du kannst antworten mit: /reply SD-1 dein Text",
        "SD-1 ist jetzt: wartet auf deine Rückmeldung. Welcher Drucker genau?",
    ]
    assert texts_to(bot.say("alice", "/reply SD-1 HP im 2. OG"), "alice") == [
        "Deine Antwort zu SD-1 ist verschickt."
    ]
    sent = bot.say("anna", "/resolve SD-1 Toner getauscht")
    assert set(labels_to(sent, "alice")) == {
        "Ja, gelöst",
        "Nein, wieder öffnen",
    }
    assert texts_to(bot.press("alice", "Ja, gelöst"), "alice") == ["Danke! SD-1 ist geschlossen."]


# ---- audit through the commands --------------------------------------------------------------------
def test_each_command_writes_its_event_at_the_clocks_time(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    commands = [
        ("anna", "/claim SD-1", "claimed", None, "anna"),
        ("anna", "/priority SD-1 P2", "priority", "P4", "P2"),
        ("anna", "/note SD-1 check the logs", "note", None, None),
        ("lena", "/assign SD-1 ben", "team", "service-desk", "workplace"),
        ("ben", "/status SD-1 in_progress", "status", "assigned", "in_progress"),
    ]
    for who, command, kind, old, new in commands:
        bot.clock.advance(timedelta(minutes=5))
        before = len(bot.ticket(1).events)
        bot.say(who, command)
        event = bot.ticket(1).events[before]
        assert (event.kind, event.old_value, event.new_value, event.at) == (kind, old, new, bot.clock.now())
        with bot.session() as session:
            stored = session.get(TicketEvent, event.id)
            assert stored is not None and stored.actor is not None and stored.actor.handle == who


def test_a_refused_command_writes_no_event_and_tells_nobody_else(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    events = len(bot.ticket(1).events)
    for who, command in [
        ("bob", "/resolve SD-1 I fixed it"),
        ("ben", "/claim SD-1"),
        ("anna", "/status SD-1 closed"),
        ("alice", "/cancel SD-1"),
        ("bob", "/confirm SD-1"),
    ]:
        refused(bot, who, command, 1)
    assert len(bot.ticket(1).events) == events

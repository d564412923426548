"""A reopen asks for the reason: what is still wrong reaches the handler and stays on the ticket."""

from __future__ import annotations

from bot.desk.errors import DeskError
from bot.turn import Turn
from storage.models import Ticket

FLOW = "reopen_reason"


def ask_reason(turn: Turn, ticket: Ticket) -> None:
    """After a reopen without a reason: what is still wrong? The next message is recorded as the reason."""
    turn.start_flow(FLOW, {"key": ticket.key})
    turn.say("reopen_reason", key=ticket.key, name=handler_name(ticket))


def reason(turn: Turn, text: str) -> bool:
    """The reason for a reopen: a public reply on the ticket, which reaches its handler. False for a
    button (the person chose something else; the conversation goes on without the question)."""
    key = str(turn.conversation.state.get("key") or "")
    turn.end_flow()
    if turn.inbound.is_button or not key:
        return False
    try:
        with turn.session.begin_nested():
            turn.desk.reply(turn.person, key, text)
        ticket = turn.desk.ticket_for(turn.person, key)
    except DeskError as error:
        turn.say_error(error)
        return True
    turn.say("reopen_reason_recorded", key=ticket.key, name=handler_name(ticket))
    return True


def handler_name(ticket: Ticket) -> str:
    """Who reads the reason: the handler, else the team."""
    return ticket.assignee.display_name if ticket.assignee is not None else ticket.team.name

"""A requester's message in the thread of their ticket, with no conversation under way, is a public reply
on that ticket (like `/reply T text`): it reaches the handler, or the team while nobody handles it.

"The thread" is where the ticket was asked for, or any of the bot's messages about the ticket: Telegram
has no threads, a person replies to one message (a status push, the ticket's card in a team's group),
and the adapter hands that message's id on as the thread. Someone else than the requester (an agent
answering under a ticket's card) replying to such a message sends `/reply T text` on that ticket, which
the command checks like any other.

On a resolved ticket the reply is added all the same (the handler should read "it still fails" as much
as "thanks"), and the requester is asked again whether the request is done, with the solved / reopen
buttons: whether the ticket goes back to work is the requester's decision, not the bot's guess.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.commands.parsing import parse_command
from bot.commands.registry import run_command
from bot.desk.access import is_worker
from bot.desk.errors import DeskError
from bot.desk.status import IN_PLAY, Status
from bot.desk.tickets import Origin
from bot.turn import Turn
from storage.models import OutboxMessage, Ticket


def answered_ticket(turn: Turn) -> tuple[Ticket, bool] | None:
    """The ticket this message's thread belongs to, and whether the person is its requester: a message
    in the thread where they asked for it, or an answer to one of the bot's messages about it. The
    requester's own ticket counts only while in play: under a closed one, they write something new."""
    inbound = turn.inbound
    if inbound.thread is None:
        return None
    ticket = turn.desk.requested_in_thread(
        turn.person, Origin(inbound.channel, inbound.chat_id, inbound.thread)
    )
    if ticket is not None:
        return ticket, True
    message = _bot_message(turn)
    if message is None:
        return None
    ticket_id, thread = message
    if ticket_id is None:
        # One of the bot's answers in a conversation: the thread that conversation was in.
        ticket = turn.desk.requested_in_thread(turn.person, Origin(inbound.channel, inbound.chat_id, thread))
        return None if ticket is None else (ticket, True)
    ticket = turn.session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    if ticket.requester_id != turn.person.id:
        return ticket, False
    return (ticket, True) if ticket.status in IN_PLAY else None


def _bot_message(turn: Turn) -> tuple[int | None, str | None] | None:
    """The ticket and the thread of the bot's message in this chat that the platform calls `thread`."""
    inbound = turn.inbound
    row = turn.session.execute(
        select(OutboxMessage.ticket_id, OutboxMessage.thread)
        .where(
            OutboxMessage.channel == inbound.channel,
            OutboxMessage.address == inbound.chat_id,
            OutboxMessage.ref == inbound.thread,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.ticket_id, row.thread)


def reply_for_someone_else(turn: Turn, ticket: Ticket, text: str) -> None:
    """An answer under a ticket's message by someone other than its requester: `/reply T text`. In a
    team's chat, what the bot says to it (done, or refused) is for the one who answered."""
    turn.thread = turn.inbound.thread
    turn.private_replies = turn.private_replies or not turn.inbound.is_direct
    run_command(turn, parse_command(f"/reply {ticket.key} {text}"))


def add_reply(turn: Turn, ticket: Ticket, text: str) -> None:
    # Answered in the ticket's thread, even while a request under way elsewhere keeps its own thread.
    turn.thread = turn.inbound.thread
    events_before = len(turn.desk.events)
    try:
        with turn.session.begin_nested():
            turn.desk.reply(turn.person, ticket.key, text)
    except DeskError as error:
        del turn.desk.events[events_before:]
        turn.say_error(error)
        return
    handler = ticket.assignee
    if handler is not None and handler.id != turn.person.id and is_worker(handler):
        turn.say("thread_reply_to_handler", key=ticket.key, name=handler.display_name)
    else:
        turn.say("thread_reply_to_team", key=ticket.key, team=ticket.team.name)
    if ticket.status == Status.RESOLVED:
        turn.say(
            "thread_reply_resolved",
            (
                turn.button("btn_solved", f"/confirm {ticket.key}"),
                turn.button("btn_reopen", f"/reopen {ticket.key}"),
            ),
            key=ticket.key,
        )

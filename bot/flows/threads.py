"""A requester's message in the thread of their ticket, with no conversation under way, is a public reply
on that ticket (like `/reply T text`): it reaches the handler, or the team while nobody handles it.

On a resolved ticket the reply is added all the same (the handler should read "it still fails" as much
as "thanks"), and the requester is asked again whether the request is done, with the solved / reopen
buttons: whether the ticket goes back to work is the requester's decision, not the bot's guess.
"""

from __future__ import annotations

from bot.desk.access import is_worker
from bot.desk.errors import DeskError
from bot.desk.status import Status
from bot.desk.tickets import Origin
from bot.turn import Turn
from storage.models import Ticket


def ticket_of_thread(turn: Turn) -> Ticket | None:
    """The person's ticket that this message's thread belongs to, if any."""
    inbound = turn.inbound
    origin = Origin(inbound.channel, inbound.chat_id, inbound.thread)
    return turn.desk.requested_in_thread(turn.person, origin)


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

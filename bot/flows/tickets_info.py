"""ticket_status and my_tickets: answers from the desk, for the tickets this person may see."""

from __future__ import annotations

from bot.desk.errors import DeskError
from bot.turn import Turn


def show_status(turn: Turn, key: str | None, ask_which: bool = True) -> None:
    """One ticket's status, or the person's open tickets; ``ask_which``: with several, ask which one
    (not in the middle of a request, which goes on instead)."""
    if key:
        try:
            ticket = turn.desk.ticket_for(turn.person, key)
        except DeskError as error:
            turn.say_error(error)
            return
        turn.say_text(turn.ticket_line(ticket))
        return
    open_tickets = turn.desk.requested_by(turn.person, open_only=True)
    if len(open_tickets) == 1:
        turn.say_text(turn.ticket_line(open_tickets[0]))
    elif not open_tickets:
        turn.say("no_tickets")
    else:
        list_tickets(turn)
        if ask_which:
            turn.say("which_ticket")


def list_tickets(turn: Turn) -> None:
    tickets = turn.desk.requested_by(turn.person, open_only=True)
    if not tickets:
        turn.say("no_tickets")
        return
    turn.say_text("\n".join([turn.text("your_tickets"), *(f"• {turn.ticket_line(t)}" for t in tickets)]))

"""Every command of DESIGN.md: its verb, its usage line, and the handler that carries it out.

Handlers call the desk, which checks roles and ownership; a refusal arrives as a DeskError and is
answered in the person's language. Nothing changes when a command is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.commands.parsing import CommandLine, text_after, ticket_key
from bot.desk.access import can_work, is_worker
from bot.desk.errors import DeskError, InvalidValue, NotAllowed
from bot.desk.status import SETTABLE_BY_COMMAND, Status, parse_status
from bot.flows import reopen as reopen_flow
from bot.flows import request, router
from bot.flows.tickets_info import list_tickets
from bot.i18n import LANGUAGES
from bot.messages import Button
from bot.turn import Turn
from storage.models import Ticket

Handler = Callable[[Turn, CommandLine], None]
MAX_LISTED = 25
MAX_SHOWN_DESCRIPTION = 1500


@dataclass(frozen=True)
class Command:
    verb: str
    usage: str
    handler: Handler
    # How many arguments before the handler runs; with a ticket, the first is the ticket key.
    min_args: int = 0
    takes_ticket: bool = False


def _ticket(line: CommandLine) -> str:
    key = ticket_key(line.args[0])
    if key is None:
        raise InvalidValue(value=line.args[0])
    return key


def claim(turn: Turn, line: CommandLine) -> None:
    ticket = turn.desk.claim(turn.person, _ticket(line))
    turn.say("done_claim", key=ticket.key)


def unclaim(turn: Turn, line: CommandLine) -> None:
    ticket = turn.desk.unclaim(turn.person, _ticket(line))
    turn.say("done_unclaim", key=ticket.key)


def assign(turn: Turn, line: CommandLine) -> None:
    if len(line.args) == 1:
        _offer_assignees(turn, _ticket(line))
        return
    ticket = turn.desk.assign(turn.person, _ticket(line), line.args[1])
    turn.say("done_assign", key=ticket.key, name=ticket.assignee.display_name if ticket.assignee else "")


def _offer_assignees(turn: Turn, key: str) -> None:
    """ "/assign SD-4" (the card's Assign button): the team's handlers as buttons to choose from."""
    ticket, people = turn.desk.assignees_for(turn.person, key)
    if not people:
        turn.say("assign_nobody", key=ticket.key, team=ticket.team.name)
        return
    buttons = tuple(
        Button(person.display_name, f"/assign {ticket.key} {person.handle}") for person in people[:MAX_LISTED]
    )
    turn.say("assign_whom", buttons, key=ticket.key)


def status(turn: Turn, line: CommandLine) -> None:
    key = _ticket(line)
    # An unknown ticket (or someone else's) is reported first, whatever else is wrong.
    ticket = turn.desk.ticket_for(turn.person, key)
    if len(line.args) == 1:
        # `status T` asks; everyone may ask about the tickets they can see.
        turn.say_text(turn.ticket_line(ticket))
        return
    if not is_worker(turn.person):
        # Setting a status is the agents' business, whichever status a requester names.
        raise NotAllowed()
    new = parse_status(line.args[1])
    if new is None:
        turn.say("error_unknown_status", status=line.args[1])
        return
    if new not in SETTABLE_BY_COMMAND:
        turn.say("error_status_via_claim", status=turn.status_name(new))
        return
    note = text_after(line, 2) or None
    if new == Status.RESOLVED and not note:
        turn.say("cmd_usage", usage="/status T resolved <text>  ·  /resolve T <text>")
        return
    ticket = turn.desk.change_status(turn.person, key, new, note)
    turn.say("done_status", key=ticket.key, status=turn.status_name(ticket.status, ticket))


def note(turn: Turn, line: CommandLine) -> None:
    comment = turn.desk.note(turn.person, _ticket(line), text_after(line, 1))
    turn.say("done_note", key=comment.ticket.key)


def resolve(turn: Turn, line: CommandLine) -> None:
    ticket = turn.desk.resolve(turn.person, _ticket(line), text_after(line, 1))
    turn.say("done_resolve", key=ticket.key, requester=ticket.requester.display_name)


def priority(turn: Turn, line: CommandLine) -> None:
    ticket = turn.desk.set_priority(turn.person, _ticket(line), line.args[1])
    turn.say("done_priority", key=ticket.key, priority=ticket.priority)


def queue(turn: Turn, line: CommandLine) -> None:
    teams, tickets = turn.desk.queue(turn.person, line.args[0] if line.args else None)
    names = ", ".join(team.name for team in teams) or "-"
    if not tickets:
        turn.say("queue_empty", teams=names)
        return
    turn.say_text(
        "\n".join([turn.text("queue_header", teams=names, count=len(tickets)), *_listing(turn, tickets)])
    )


def mine(turn: Turn, line: CommandLine) -> None:
    tickets = turn.desk.assigned_to(turn.person)
    if not tickets:
        turn.say("mine_empty")
        return
    turn.say_text("\n".join([turn.text("mine_header"), *_listing(turn, tickets)]))


def _listing(turn: Turn, tickets: Sequence[Ticket]) -> list[str]:
    """One line a ticket, at most MAX_LISTED: a chat message has a size limit (Telegram: 4096)."""
    lines = [f"• {t.priority} {turn.ticket_line(t)}: {t.title[:80]}" for t in tickets[:MAX_LISTED]]
    if len(tickets) > MAX_LISTED:
        lines.append(turn.text("list_more", count=len(tickets) - MAX_LISTED))
    return lines


def show(turn: Turn, line: CommandLine) -> None:
    ticket = turn.desk.ticket_for(turn.person, _ticket(line))
    handler = ticket.assignee.display_name if ticket.assignee else turn.text("nobody")
    text = turn.text(
        "ticket_details",
        key=ticket.key,
        category=turn.text(f"cat_{ticket.category}"),
        priority=ticket.priority,
        status=turn.status_name(ticket.status, ticket),
        title=ticket.title,
        requester=ticket.requester.display_name,
        created=ticket.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        team=ticket.team.name,
        handler=handler,
    )
    details = [f"{turn.text(f'f_{name}')}: {value}" for name, value in ticket.details.items()]
    if ticket.description and ticket.description not in (ticket.title, *ticket.details.values()):
        # A hand-off carries the conversation so far here; the agent needs it to take over.
        details.append(ticket.description[:MAX_SHOWN_DESCRIPTION])
    # Internal notes are for the people working the ticket, never for the requester.
    staff = can_work(turn.person, ticket) and ticket.requester_id != turn.person.id
    comments = [
        f"{'🔒 ' if not c.public else ''}{c.author.display_name}: {c.body}"
        for c in ticket.comments
        if c.public or staff
    ]
    turn.say_text("\n".join([text, *details, *comments]))


def reply(turn: Turn, line: CommandLine) -> None:
    comment = turn.desk.reply(turn.person, _ticket(line), text_after(line, 1))
    turn.say("done_reply", key=comment.ticket.key)


def tickets(turn: Turn, line: CommandLine) -> None:
    list_tickets(turn)


def cancel(turn: Turn, line: CommandLine) -> None:
    if not line.args:
        # `/cancel` alone stops the conversation under way, like "abbrechen".
        cancel_conversation(turn)
        return
    ticket = turn.desk.cancel(turn.person, _ticket(line))
    turn.say("done_cancel", key=ticket.key)


def cancel_conversation(turn: Turn) -> None:
    if turn.conversation.flow:
        turn.end_flow()
        turn.say("flow_cancelled")
    else:
        turn.say("nothing_to_cancel")


def reopen(turn: Turn, line: CommandLine) -> None:
    reason = text_after(line, 1) or None
    ticket = turn.desk.reopen(turn.person, _ticket(line), reason)
    if reason is None and ticket.requester_id == turn.person.id:
        # "Nein, wieder öffnen": what is still wrong goes to the handler with the next message.
        reopen_flow.ask_reason(turn, ticket)
        return
    turn.say("done_reopen", key=ticket.key)


def confirm(turn: Turn, line: CommandLine) -> None:
    ticket = turn.desk.confirm(turn.person, _ticket(line))
    turn.say("done_confirm", key=ticket.key)


def coaching(turn: Turn, line: CommandLine) -> None:
    request.start(turn, "coaching", None)


def lang(turn: Turn, line: CommandLine) -> None:
    choice = line.args[0].lower() if line.args else ""
    if choice not in LANGUAGES:
        turn.say("cmd_usage", usage="/lang de|en")
        return
    turn.person.language = choice
    turn.say("language_switched")


def help_(turn: Turn, line: CommandLine) -> None:
    turn.say_text("\n".join(_help_lines(turn)))


def _help_lines(turn: Turn) -> list[str]:
    lines = [turn.text("help"), turn.text("cmd_help_everyone")]
    if is_worker(turn.person):
        lines.append(turn.text("cmd_help_agents"))
    return lines


def start(turn: Turn, line: CommandLine) -> None:
    # Telegram sends /start when someone opens the bot for the first time: hello by name, what the desk
    # does, its commands, and the request types to choose from.
    greeting = turn.text("greeting", name=turn.person.display_name)
    turn.say_text("\n".join([greeting, *_help_lines(turn)]), router.menu(turn))


COMMANDS: dict[str, Command] = {
    command.verb: command
    for command in (
        Command("claim", "/claim T", claim, 1, takes_ticket=True),
        Command("unclaim", "/unclaim T", unclaim, 1, takes_ticket=True),
        Command("assign", "/assign T [PERSON]", assign, 1, takes_ticket=True),
        Command("status", "/status T [STATUS [note]]", status, 1, takes_ticket=True),
        Command("note", "/note T text", note, 2, takes_ticket=True),
        Command("resolve", "/resolve T text", resolve, 2, takes_ticket=True),
        Command("priority", "/priority T P1|P2|P3|P4", priority, 2, takes_ticket=True),
        Command("queue", "/queue [team]", queue),
        Command("mine", "/mine", mine),
        Command("show", "/show T", show, 1, takes_ticket=True),
        Command(
            "reply",
            "/reply T text",
            reply,
            2,
            takes_ticket=True,
        ),
        Command("tickets", "/tickets", tickets),
        Command("cancel", "/cancel [T]", cancel),
        Command("reopen", "/reopen T [reason]", reopen, 1, takes_ticket=True),
        Command("confirm", "/confirm T", confirm, 1, takes_ticket=True),
        Command("coaching", "/coaching", coaching),
        Command("lang", "/lang de|en", lang),
        Command("help", "/help", help_),
        Command("start", "/start", start),
    )
}
ALIASES = {"hilfe": "help", "abbrechen": "cancel", "meine": "tickets", "sprache": "lang"}


def run_command(turn: Turn, line: CommandLine) -> None:
    command = COMMANDS.get(ALIASES.get(line.verb, line.verb))
    if command is None:
        turn.say("cmd_unknown", verb=line.verb[:40])
        return
    if len(line.args) < command.min_args:
        turn.say("cmd_usage", usage=command.usage)
        return
    if command.takes_ticket and line.args and ticket_key(line.args[0]) is None:
        turn.say("error_ticket_not_found", key=line.args[0][:40])
        return
    events_before = len(turn.desk.events)
    try:
        # A savepoint: a command refused half-way leaves no trace, neither rows nor events.
        with turn.session.begin_nested():
            command.handler(turn, line)
    except DeskError as error:
        del turn.desk.events[events_before:]
        turn.say_error(error)

"""The ticket lifecycle: open, claim, assign, reply, note, status, resolve, confirm, reopen, cancel.

Every operation checks who is asking, writes an audit row (TicketEvent) and records a domain event;
the caller commits both together with the notifications they cause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config.schema import DeskConfig
from bot.desk import events as ev
from bot.desk.access import can_see, can_work, in_team, is_desk_wide, is_worker
from bot.desk.assignment import pick_assignee
from bot.desk.errors import (
    AlreadyClaimed,
    InvalidTransition,
    InvalidValue,
    NotAHandler,
    NotAllowed,
    NotClaimed,
    NotInTeam,
    NotTeamMember,
    PersonNotFound,
    TeamNotFound,
    TicketNotFound,
)
from bot.desk.status import IN_PLAY, OPEN_STATUSES, SETTABLE_BY_COMMAND, Status, can_transition
from storage.models import Comment, Person, Team, Ticket, TicketEvent

MAX_TITLE = 200
MAX_TEXT = 4000
TICKET_KEY = re.compile(r"^SD-(\d{1,9})$")
LEVELS = ("high", "medium", "low")


@dataclass(frozen=True)
class Origin:
    """Where a request came from, so that answers go back to the same chat and thread."""

    channel: str
    chat: str
    thread: str | None = None


@dataclass(frozen=True)
class NewTicket:
    category: str
    title: str
    description: str
    impact: str = "medium"
    urgency: str = "medium"
    details: dict[str, str] = field(default_factory=dict)
    language: str = "en"
    # A team chosen by the caller (a hand-off goes to the desk's default team); else routed by category.
    team: str | None = None


class Desk:
    def __init__(self, session: Session, clock: Clock, config: DeskConfig) -> None:
        self.session = session
        self.clock = clock
        self.config = config
        self.events: list[ev.DomainEvent] = []

    # ---- finding -------------------------------------------------------------------------------
    def ticket_for(self, actor: Person, key: str) -> Ticket:
        """The ticket if the actor may see it; someone else's ticket is 'not found', like a missing one."""
        match = TICKET_KEY.match(key)
        ticket = self.session.get(Ticket, int(match.group(1))) if match else None
        if ticket is None or not can_see(actor, ticket):
            raise TicketNotFound(key=key)
        return ticket

    def person(self, handle: str) -> Person:
        person = self.session.scalar(select(Person).where(Person.handle == handle.lstrip("@").lower()))
        if person is None:
            raise PersonNotFound(name=handle)
        return person

    def team(self, slug: str) -> Team:
        team = self.session.scalar(select(Team).where(Team.slug == slug.lstrip("#").lower()))
        if team is None:
            raise TeamNotFound(name=slug)
        return team

    def requested_by(self, requester: Person, open_only: bool = False, limit: int = 20) -> list[Ticket]:
        query = select(Ticket).where(Ticket.requester_id == requester.id)
        if open_only:
            query = query.where(Ticket.status.in_(list(IN_PLAY)))
        return list(self.session.scalars(query.order_by(Ticket.id.desc()).limit(limit)))

    def requested_in_thread(self, requester: Person, origin: Origin) -> Ticket | None:
        """The requester's latest ticket still in play (open or resolved) that was asked for in this very
        chat thread; a message there is about it."""
        if origin.thread is None:
            return None
        query = select(Ticket).where(
            Ticket.requester_id == requester.id,
            Ticket.origin_channel == origin.channel,
            Ticket.origin_chat == origin.chat,
            Ticket.origin_thread == origin.thread,
            Ticket.status.in_(list(IN_PLAY)),
        )
        return self.session.scalar(query.order_by(Ticket.id.desc()).limit(1))

    def assigned_to(self, agent: Person) -> list[Ticket]:
        self._require_worker(agent)
        query = select(Ticket).where(Ticket.assignee_id == agent.id, Ticket.status.in_(list(OPEN_STATUSES)))
        return list(self.session.scalars(query.order_by(Ticket.id)))

    def queue(self, agent: Person, team_slug: str | None = None) -> tuple[list[Team], list[Ticket]]:
        """Unresolved tickets of the agent's teams (or of one team), the unassigned and urgent first."""
        self._require_worker(agent)
        if team_slug:
            teams = [self.team(team_slug)]
            if not (is_desk_wide(agent) or in_team(agent, teams[0].id)):
                raise NotTeamMember(team=teams[0].name)
        else:
            teams = agent.teams or (list(self.session.scalars(select(Team))) if is_desk_wide(agent) else [])
        query = select(Ticket).where(
            Ticket.team_id.in_([team.id for team in teams]), Ticket.status.in_(list(OPEN_STATUSES))
        )
        tickets = self.session.scalars(query).all()
        return teams, sorted(tickets, key=lambda t: (t.assignee_id is not None, t.priority, t.id))

    # ---- opening -------------------------------------------------------------------------------
    def open(self, requester: Person, request: NewTicket, origin: Origin) -> Ticket:
        if request.impact not in LEVELS or request.urgency not in LEVELS:
            raise InvalidValue(value=f"{request.impact}/{request.urgency}")
        now = self.clock.now()
        team = self.team(request.team or self.config.team_for_category(request.category))
        priority = self.config.priority(request.impact, request.urgency)
        response_due, resolution_due = self._due_times(priority, now)
        ticket = Ticket(
            category=request.category,
            title=_clip(request.title, MAX_TITLE) or request.category,
            description=_clip(request.description, MAX_TEXT),
            details=dict(request.details),
            impact=request.impact,
            urgency=request.urgency,
            priority=priority,
            status=Status.NEW,
            language=request.language,
            requester=requester,
            team=team,
            origin_channel=origin.channel,
            origin_chat=origin.chat,
            origin_thread=origin.thread,
            created_at=now,
            updated_at=now,
            response_due_at=response_due,
            resolution_due_at=resolution_due,
        )
        self.session.add(ticket)
        self.session.flush()
        self._audit(ticket, requester, "opened", None, Status.NEW, ticket.title)
        self.events.append(ev.TicketOpened(ticket.id, requester.id))
        assignee = pick_assignee(self.session, team)
        if assignee is not None:
            team.last_assignee_id = assignee.id
            self._set_assignee(ticket, None, assignee, "auto_assigned")
        return ticket

    def _due_times(self, priority: str, now: datetime) -> tuple[datetime | None, datetime | None]:
        target = self.config.sla.get(priority)  # type: ignore[call-overload]
        if target is None:
            return None, None
        return now + timedelta(minutes=target.response_minutes), now + timedelta(
            minutes=target.resolution_minutes
        )

    # ---- assignment ----------------------------------------------------------------------------
    def claim(self, agent: Person, key: str) -> Ticket:
        ticket = self._workable(agent, key)
        # A closed or cancelled ticket is reported as such, not as "already handled" by its last handler.
        self._require_open(ticket, Status.ASSIGNED)
        if ticket.assignee_id == agent.id:
            raise AlreadyClaimed(key=ticket.key, name=agent.display_name)
        if ticket.assignee_id is not None and not is_desk_wide(agent):
            raise AlreadyClaimed(key=ticket.key, name=ticket.assignee.display_name)  # type: ignore[union-attr]
        self._set_assignee(ticket, agent, agent, "claimed")
        return ticket

    def unclaim(self, agent: Person, key: str) -> Ticket:
        ticket = self._workable(agent, key)
        self._require_open(ticket, Status.NEW)
        if ticket.assignee_id is None:
            raise NotClaimed(key=ticket.key)
        if ticket.assignee_id != agent.id and not is_desk_wide(agent):
            raise NotAllowed()
        previous = ticket.assignee
        assert previous is not None
        ticket.assignee = None
        self._audit(ticket, agent, "unclaimed", previous.handle, None)
        self.events.append(ev.TicketUnclaimed(ticket.id, agent.id, previous.id))
        self._move(ticket, agent, Status.NEW, None)
        return ticket

    def assignees_for(self, actor: Person, key: str) -> tuple[Ticket, list[Person]]:
        """Whom the actor may assign an open ticket to: the handlers of its team, but its handler."""
        ticket = self._workable(actor, key)
        self._require_open(ticket, Status.ASSIGNED)
        if ticket.assignee_id not in (None, actor.id) and not is_desk_wide(actor):
            raise AlreadyClaimed(key=ticket.key, name=ticket.assignee.display_name)  # type: ignore[union-attr]
        members = [m.person for m in ticket.team.memberships]
        people = [p for p in members if is_worker(p) and p.id != ticket.assignee_id]
        return ticket, sorted(people, key=lambda person: person.display_name)

    def assign(self, actor: Person, key: str, handle: str) -> Ticket:
        ticket = self._workable(actor, key)
        self._require_open(ticket, Status.ASSIGNED)
        target = self.person(handle)
        if not is_worker(target):
            raise NotAHandler(name=target.display_name)
        if ticket.assignee_id not in (None, actor.id, target.id) and not is_desk_wide(actor):
            # Handing over one's own ticket is fine; taking a colleague's away is the lead's decision.
            raise AlreadyClaimed(key=ticket.key, name=ticket.assignee.display_name)  # type: ignore[union-attr]
        if not in_team(target, ticket.team_id):
            # Moving a ticket to another team is a lead's decision.
            if not is_desk_wide(actor):
                raise NotInTeam(team=ticket.team.name, name=target.display_name)
            new_team = target.teams[0] if target.teams else ticket.team
            if new_team.id != ticket.team_id:
                self._audit(ticket, actor, "team", ticket.team.slug, new_team.slug)
                ticket.team = new_team
        if ticket.assignee_id == target.id:
            raise AlreadyClaimed(key=ticket.key, name=target.display_name)
        self._set_assignee(ticket, actor, target, "assigned")
        return ticket

    def _set_assignee(self, ticket: Ticket, actor: Person | None, assignee: Person, kind: str) -> None:
        previous = ticket.assignee
        ticket.assignee = assignee
        ticket.updated_at = self.clock.now()
        self._audit(ticket, actor, kind, previous.handle if previous else None, assignee.handle)
        self.events.append(
            ev.TicketClaimed(
                ticket.id, actor.id if actor else None, assignee.id, previous.id if previous else None
            )
        )
        self._first_response(ticket)
        if ticket.status == Status.NEW:
            self._move(ticket, actor, Status.ASSIGNED, None)

    # ---- working -------------------------------------------------------------------------------
    def change_status(self, agent: Person, key: str, status: Status, note: str | None = None) -> Ticket:
        ticket = self._workable(agent, key)
        if status not in SETTABLE_BY_COMMAND:
            raise InvalidTransition(key=ticket.key, old=ticket.status, new=status)
        if status == Status.RESOLVED:
            return self.resolve(agent, key, note or "")
        self._check_transition(ticket, status)
        if ticket.status == Status.RESOLVED:
            # Back to work from resolved is a reopen, whoever asks for it.
            ticket.resolved_at = None
        if ticket.assignee_id is None and status in (Status.IN_PROGRESS, Status.WAITING):
            # Whoever starts working an unassigned ticket is its handler; the requester learns who.
            self._set_assignee(ticket, agent, agent, "claimed")
        if status == Status.CLOSED:
            ticket.closed_at = self.clock.now()
        self._move(ticket, agent, status, _clip(note, MAX_TEXT) if note else None)
        return ticket

    def resolve(self, agent: Person, key: str, resolution: str) -> Ticket:
        ticket = self._workable(agent, key)
        resolution = _clip(resolution, MAX_TEXT)
        if not resolution:
            raise InvalidValue(value="")
        self._check_transition(ticket, Status.RESOLVED)
        if ticket.assignee_id is None:
            self._set_assignee(ticket, agent, agent, "claimed")
        self._comment(ticket, agent, resolution, public=True, announce=False)
        ticket.resolved_at = self.clock.now()
        self._move(ticket, agent, Status.RESOLVED, resolution)
        return ticket

    def set_priority(self, agent: Person, key: str, priority: str) -> Ticket:
        ticket = self._workable(agent, key)
        priority = priority.upper()
        if priority not in ("P1", "P2", "P3", "P4"):
            raise InvalidValue(value=priority)
        self._require_open(ticket, priority)
        if priority == ticket.priority:
            return ticket
        old, ticket.priority = ticket.priority, priority
        ticket.response_due_at, ticket.resolution_due_at = self._due_times(priority, ticket.created_at)
        ticket.updated_at = self.clock.now()
        self._audit(ticket, agent, "priority", old, priority)
        self.events.append(ev.PriorityChanged(ticket.id, agent.id, old, priority))
        return ticket

    def note(self, agent: Person, key: str, text: str) -> Comment:
        ticket = self._workable(agent, key)
        return self._comment(ticket, agent, text, public=False)

    def reply(self, actor: Person, key: str, text: str) -> Comment:
        """A public reply: an agent's goes to the requester, the requester's to the handler and team."""
        ticket = self.ticket_for(actor, key)
        if ticket.requester_id != actor.id and not can_work(actor, ticket):
            raise NotAllowed()
        if ticket.status in (Status.CLOSED, Status.CANCELLED):
            raise InvalidTransition(key=ticket.key, old=ticket.status, new="reply")
        comment = self._comment(ticket, actor, text, public=True)
        if ticket.requester_id != actor.id:
            self._first_response(ticket)
        elif ticket.status == Status.WAITING:
            # The requester answered what the desk was waiting for: back to the handler.
            self._move(ticket, actor, Status.IN_PROGRESS, None)
        return comment

    # ---- the requester's decisions -------------------------------------------------------------
    def confirm(self, actor: Person, key: str) -> Ticket:
        ticket = self._own_or_workable(actor, key)
        self._check_transition(ticket, Status.CLOSED)
        ticket.closed_at = self.clock.now()
        self._move(ticket, actor, Status.CLOSED, None)
        return ticket

    def reopen(self, actor: Person, key: str, reason: str | None = None) -> Ticket:
        ticket = self._own_or_workable(actor, key)
        self._check_transition(ticket, Status.IN_PROGRESS)
        if ticket.status != Status.RESOLVED:
            raise InvalidTransition(key=ticket.key, old=ticket.status, new="reopen")
        ticket.resolved_at = None
        self._move(ticket, actor, Status.IN_PROGRESS, _clip(reason, MAX_TEXT) if reason else None)
        return ticket

    def cancel(self, actor: Person, key: str) -> Ticket:
        ticket = self._own_or_workable(actor, key)
        self._check_transition(ticket, Status.CANCELLED)
        ticket.closed_at = self.clock.now()
        self._move(ticket, actor, Status.CANCELLED, None)
        return ticket

    # ---- internals -----------------------------------------------------------------------------
    def _workable(self, actor: Person, key: str) -> Ticket:
        if not is_worker(actor):
            # Before looking the ticket up: the same refusal for every key, so it reveals nothing.
            raise NotAllowed()
        ticket = self.ticket_for(actor, key)
        if not can_work(actor, ticket):
            raise NotInTeam(team=ticket.team.name, name=actor.display_name)
        return ticket

    def _own_or_workable(self, actor: Person, key: str) -> Ticket:
        ticket = self.ticket_for(actor, key)
        if ticket.requester_id != actor.id and not can_work(actor, ticket):
            raise NotAllowed()
        return ticket

    def _require_worker(self, actor: Person) -> None:
        if not is_worker(actor):
            raise NotAllowed()

    def _require_open(self, ticket: Ticket, attempted: str) -> None:
        """Only an open ticket is claimed, assigned, unclaimed or re-prioritised; `attempted` names what."""
        if ticket.status not in OPEN_STATUSES:
            raise InvalidTransition(key=ticket.key, old=ticket.status, new=attempted)

    def _check_transition(self, ticket: Ticket, new: Status) -> None:
        if not can_transition(ticket.status, new):
            raise InvalidTransition(key=ticket.key, old=ticket.status, new=new)

    def _move(self, ticket: Ticket, actor: Person | None, new: Status, note: str | None) -> None:
        old = ticket.status
        if old == new:
            return
        ticket.status = new
        ticket.updated_at = self.clock.now()
        self._audit(ticket, actor, "status", old, new, note)
        self.events.append(ev.StatusChanged(ticket.id, actor.id if actor else None, old, new, note))

    def _comment(
        self, ticket: Ticket, author: Person, text: str, *, public: bool, announce: bool = True
    ) -> Comment:
        body = _clip(text, MAX_TEXT)
        if not body:
            raise InvalidValue(value="")
        comment = Comment(ticket=ticket, author=author, body=body, public=public, created_at=self.clock.now())
        self.session.add(comment)
        self.session.flush()
        ticket.updated_at = self.clock.now()
        self._audit(ticket, author, "reply" if public else "note", None, None, body)
        if announce and public:
            self.events.append(
                ev.PublicReplyAdded(ticket.id, author.id, comment.id, ticket.requester_id == author.id)
            )
        elif announce:
            self.events.append(ev.InternalNoteAdded(ticket.id, author.id, comment.id))
        return comment

    def _first_response(self, ticket: Ticket) -> None:
        if ticket.first_response_at is None:
            ticket.first_response_at = self.clock.now()

    def _audit(
        self,
        ticket: Ticket,
        actor: Person | None,
        kind: str,
        old: str | None,
        new: str | None,
        note: str | None = None,
    ) -> None:
        self.session.add(
            TicketEvent(
                ticket=ticket,
                actor=actor,
                at=self.clock.now(),
                kind=kind,
                old_value=old,
                new_value=new,
                note=note,
            )
        )


def _clip(text: str | None, limit: int) -> str:
    return (text or "").strip()[:limit]

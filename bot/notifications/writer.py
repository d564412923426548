"""Domain events become outbox rows, in the same transaction as the change they report.

The requester hears about everything that concerns their request; the team's channel sees new tickets
(with a Claim button) and every change; a handler hears about replies and assignments. Each message is
written in its reader's language (a team channel reads the desk's default language).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.config.schema import DeskConfig
from bot.desk import events as ev
from bot.desk.access import is_worker
from bot.desk.status import Status
from bot.i18n import Translator, staff_status_key
from bot.notifications.addresses import Address, person_address, requester_address, team_addresses
from storage.models import Comment, OutboxMessage, Person, Ticket


class NotificationWriter:
    def __init__(self, translate: Translator, config: DeskConfig, enabled_channels: frozenset[str]) -> None:
        self.translate = translate
        self.config = config
        self.enabled = enabled_channels

    def write(
        self,
        session: Session,
        events: Iterable[ev.DomainEvent],
        now: datetime,
        first_attempt_at: datetime | None = None,
    ) -> list[OutboxMessage]:
        """Add the outbox rows these events call for to the session; returns them. `first_attempt_at`
        later than now leases them to a relay in this process (see Dispatcher._lease)."""
        rows: list[OutboxMessage] = []
        for event in events:
            ticket = session.get(Ticket, event.ticket_id)
            if ticket is None:
                continue
            actor = session.get(Person, event.actor_id) if event.actor_id else None
            composer = _Composer(self, session, ticket, actor, now, first_attempt_at or now)
            composer.compose(event)
            rows.extend(composer.rows)
        return rows


class _Composer:
    """The messages for one event on one ticket."""

    def __init__(
        self,
        writer: NotificationWriter,
        session: Session,
        ticket: Ticket,
        actor: Person | None,
        now: datetime,
        first_attempt_at: datetime,
    ) -> None:
        self.writer = writer
        self.session = session
        self.ticket = ticket
        self.actor = actor
        self.now = now
        self.first_attempt_at = first_attempt_at
        self.rows: list[OutboxMessage] = []

    # ---- per event --------------------------------------------------------------------------------
    def compose(self, event: ev.DomainEvent) -> None:
        match event:
            case ev.TicketOpened():
                self._opened()
            case ev.TicketClaimed():
                self._claimed(event)
            case ev.TicketUnclaimed():
                self.to_requester("n_unclaimed", team=self.ticket.team.name)
                self.to_team("team_unclaimed")
                previous = self.session.get(Person, event.previous_assignee_id)
                if previous is not None and previous.id != event.actor_id:
                    self.to_person(previous, "team_unclaimed")  # a lead took it away from them
            case ev.StatusChanged():
                self._status_changed(event)
            case ev.PriorityChanged():
                self.to_requester("n_priority", priority=event.new)
            case ev.PublicReplyAdded():
                self._reply(event)
            case ev.InternalNoteAdded():
                pass  # internal notes stay in the ticket; nobody is pinged for them

    def _opened(self) -> None:
        t = self.ticket
        self.to_requester("n_opened", priority=t.priority, team=t.team.name)
        self.to_team(
            "team_new",
            kind="team_card",
            buttons=(("btn_claim", f"/claim {t.key}"), ("btn_show", f"/show {t.key}")),
            requester=t.requester.display_name,
            priority=t.priority,
            title=t.title,
        )

    def _claimed(self, event: ev.TicketClaimed) -> None:
        assignee = self.session.get(Person, event.assignee_id)
        assert assignee is not None
        team = assignee.teams[0].name if assignee.teams else self.ticket.team.name
        self.to_requester(
            "n_claimed", name=assignee.display_name, team=team, location=assignee.location or team
        )
        self.to_team("team_claimed", name=assignee.display_name)
        if event.actor_id != assignee.id:
            self.to_person(assignee, "team_assigned_to_you", actor=self._actor_name, title=self.ticket.title)
        previous = (
            self.session.get(Person, event.previous_assignee_id) if event.previous_assignee_id else None
        )
        if previous is not None and previous.id != event.actor_id:
            # Whoever held the ticket must not keep working on it unaware that it moved on.
            self.to_person(
                previous, "team_taken_from_you", name=assignee.display_name, actor=self._actor_name
            )

    def _status_changed(self, event: ev.StatusChanged) -> None:
        new, by_requester = Status(event.new), event.actor_id == self.ticket.requester_id
        if new in (Status.ASSIGNED, Status.NEW):
            return  # told as "claimed" / "unclaimed"
        if new == Status.RESOLVED:
            t = self.ticket
            self.to_requester(
                "n_resolved",
                buttons=(("btn_solved", f"/confirm {t.key}"), ("btn_reopen", f"/reopen {t.key}")),
                name=self._actor_name,
                text=event.note or "",
            )
        elif event.old == Status.RESOLVED and new == Status.IN_PROGRESS:
            if not by_requester:
                self.to_requester("n_reopened")
            self.to_handler_or_team("team_reopened", name=self._actor_name)
        elif not by_requester:
            key = {Status.CLOSED: "n_closed", Status.CANCELLED: "n_cancelled"}.get(new)
            if key:
                self.to_requester(key)
            else:
                status_text = self.translate_for(self.ticket.requester, f"status_{new}")
                if event.note:
                    self.to_requester("n_status_note", status=status_text, note=event.note)
                else:
                    self.to_requester("n_status", status=status_text)
        language = self.writer.config.desk.default_language
        self.to_team(
            "team_status",
            old=self.writer.translate(language, staff_status_key(event.old)),
            new=self.writer.translate(language, staff_status_key(new)),
            actor=self._actor_name,
        )

    def _reply(self, event: ev.PublicReplyAdded) -> None:
        comment = self.session.get(Comment, event.comment_id)
        assert comment is not None
        if event.from_requester:
            self.to_handler_or_team("team_reply_from_requester", name=self._actor_name, text=comment.body)
        else:
            self.to_requester("n_reply_to_requester", name=self._actor_name, text=comment.body)

    # ---- recipients ---------------------------------------------------------------------------------
    def to_requester(self, key: str, buttons: tuple[tuple[str, str], ...] = (), **params: Any) -> None:
        requester = self.ticket.requester
        address = requester_address(self.ticket, self.writer.enabled)
        if address:
            self._add(address, requester, requester.language, key, buttons, "requester", params)

    def to_person(self, person: Person, key: str, **params: Any) -> None:
        address = person_address(person, self.writer.enabled, prefer=self.ticket.origin_channel)
        if address:
            self._add(address, person, person.language, key, (), "handler", params)

    def to_handler_or_team(self, key: str, **params: Any) -> None:
        """The handler, if there is one who still works tickets; otherwise the team. Nobody is told what
        they did themselves."""
        handler = self.ticket.assignee
        if handler is not None and handler.id != self.ticket.requester_id and is_worker(handler):
            if handler.id != (self.actor.id if self.actor else None):
                self.to_person(handler, key, **params)
        else:
            self.to_team(key, **params)

    def to_team(
        self, key: str, kind: str = "team", buttons: tuple[tuple[str, str], ...] = (), **params: Any
    ) -> None:
        language = self.writer.config.desk.default_language
        for address in team_addresses(self.ticket.team, self.writer.enabled):
            self._add(address, None, language, key, buttons, kind, params)

    def translate_for(self, person: Person, key: str) -> str:
        return self.writer.translate(person.language, key)

    def _add(
        self,
        address: Address,
        recipient: Person | None,
        language: str,
        key: str,
        buttons: tuple[tuple[str, str], ...],
        kind: str,
        params: dict[str, Any],
    ) -> None:
        translate = self.writer.translate
        params = {
            "key": self.ticket.key,
            "category": translate(language, f"cat_{self.ticket.category}"),
            **params,
        }
        row = OutboxMessage(
            channel=address.channel,
            address=address.address,
            thread=address.thread,
            recipient=recipient,
            ticket_id=self.ticket.id,
            kind=kind,
            text=translate(language, key, **params),
            buttons=[{"label": translate(language, label), "value": value} for label, value in buttons],
            created_at=self.now,
            next_attempt_at=self.first_attempt_at,
        )
        self.session.add(row)
        self.rows.append(row)

    @property
    def _actor_name(self) -> str:
        return self.actor.display_name if self.actor else "SPOC"


def reply_rows(
    channel: str,
    address: str,
    thread: str | None,
    recipient: Person,
    replies: Iterable[Any],
    now: datetime,
    first_attempt_at: datetime | None = None,
) -> list[OutboxMessage]:
    """The bot's direct answers to a message, queued like everything else it says."""
    return [
        OutboxMessage(
            channel=channel,
            address=address,
            thread=thread,
            recipient=recipient,
            kind="reply",
            text=reply.text,
            buttons=[{"label": b.label, "value": b.value} for b in reply.buttons],
            created_at=now,
            next_attempt_at=first_attempt_at or now,
        )
        for reply in replies
    ]

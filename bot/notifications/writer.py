"""Domain events become outbox rows, in the same transaction as the change they report.

The requester hears about everything that concerns their request; the team's channel sees new tickets
(with a Claim button) and every change; a handler hears about replies and assignments. Each message is
written in its reader's language (a team channel reads the desk's default language).

A ticket's card in a team's chat (kind "team_card") is kept true: whenever what it shows changes, one
"card_update" row per chat carries the card's whole current text and buttons, composed by the same
function as the card, and the relay edits the posted card with it (see cards.py for the ordering).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.schema import DeskConfig
from bot.desk import events as ev
from bot.desk.access import is_worker
from bot.desk.status import OPEN_STATUSES, Status
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
        # Tickets whose card shows something else now, in the order they changed; and those whose card
        # is posted by these very events (it shows the state after all of them: no update needed).
        changed: dict[int, None] = {}
        carded: set[int] = set()
        for event in events:
            ticket = session.get(Ticket, event.ticket_id)
            if ticket is None:
                continue
            actor = session.get(Person, event.actor_id) if event.actor_id else None
            composer = _Composer(self, session, ticket, actor, now, first_attempt_at or now)
            composer.compose(event)
            rows.extend(composer.rows)
            if isinstance(event, ev.TicketOpened):
                carded.add(ticket.id)
            elif isinstance(event, _CARD_CHANGES):
                changed[ticket.id] = None
        for ticket_id in changed:
            ticket = session.get(Ticket, ticket_id)
            if ticket is not None and ticket_id not in carded:
                # One update per change of state, however many events made it: it shows the end state.
                composer = _Composer(self, session, ticket, None, now, first_attempt_at or now)
                composer.card_updates()
                rows.extend(composer.rows)
        return rows

    def card(self, ticket: Ticket) -> tuple[str, tuple[tuple[str, str], ...]]:
        """A ticket's card for its team's chat, as it should look now: the text (in the desk's default
        language) and the buttons (text key, value). New and unclaimed: Claim and Show; else Show."""
        language = self.config.desk.default_language
        category = self.translate(language, f"cat_{ticket.category}")
        common = {
            "key": ticket.key,
            "category": category,
            "priority": ticket.priority,
            "requester": ticket.requester.display_name,
            "title": ticket.title,
        }
        show = ("btn_show", f"/show {ticket.key}")
        assign = ("btn_assign", f"/assign {ticket.key}")  # answered with the team's agents to choose from
        if ticket.assignee is None and ticket.status in OPEN_STATUSES:
            buttons: tuple[tuple[str, str], ...] = (("btn_claim", f"/claim {ticket.key}"), assign, show)
        elif ticket.status in OPEN_STATUSES:
            buttons = (assign, show)
        else:
            buttons = (show,)
        if ticket.assignee is None and ticket.status == Status.NEW:
            return self.translate(language, "team_new", **common), buttons
        status = self.translate(language, staff_status_key(ticket.status))
        if ticket.assignee is not None:
            state = self.translate(
                language, "card_state_handler", status=status, name=ticket.assignee.display_name
            )
        else:
            state = self.translate(language, "card_state", status=status)
        return self.translate(language, "team_card", state=state, **common), buttons


# What changes what a ticket's card shows: its handler, its status, its priority.
_CARD_CHANGES = (ev.TicketClaimed, ev.TicketUnclaimed, ev.StatusChanged, ev.PriorityChanged)


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
        text, buttons = self.writer.card(t)
        for address in team_addresses(t.team, self.writer.enabled):
            self._add_text(address, None, self._team_language, text, buttons, "team_card")

    def card_updates(self) -> None:
        """The card as it is now, for every chat where the ticket's card was (or is about to be) posted:
        after a reassignment to another team that includes the old team's, which must not go stale."""
        text, buttons = self.writer.card(self.ticket)
        posted = self.session.execute(
            select(OutboxMessage.channel, OutboxMessage.address)
            .where(OutboxMessage.ticket_id == self.ticket.id, OutboxMessage.kind == "team_card")
            .distinct()
            .order_by(OutboxMessage.channel, OutboxMessage.address)
        ).all()
        for channel, address in posted:
            if channel in self.writer.enabled:
                self._add_text(
                    Address(channel, address), None, self._team_language, text, buttons, "card_update"
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

    def to_team(self, key: str, **params: Any) -> None:
        """A notice in the team's chat; the relay threads it under the ticket's card there, if posted."""
        for address in team_addresses(self.ticket.team, self.writer.enabled):
            self._add(address, None, self._team_language, key, (), "team", params)

    @property
    def _team_language(self) -> str:
        return self.writer.config.desk.default_language

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
        self._add_text(address, recipient, language, translate(language, key, **params), buttons, kind)

    def _add_text(
        self,
        address: Address,
        recipient: Person | None,
        language: str,
        text: str,
        buttons: tuple[tuple[str, str], ...],
        kind: str,
    ) -> None:
        translate = self.writer.translate
        row = OutboxMessage(
            channel=address.channel,
            address=address.address,
            thread=address.thread,
            recipient_person=recipient,
            ticket_id=self.ticket.id,
            kind=kind,
            text=text,
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
    private_to: str | None = None,
) -> list[OutboxMessage]:
    """The bot's direct answers to a message, queued like everything else it says. With `private_to`
    (a platform user id) only that user sees them in the chat (kind "private")."""
    return [
        OutboxMessage(
            channel=channel,
            address=address,
            thread=thread,
            recipient_person=recipient,
            recipient=private_to,
            kind="private" if private_to else "reply",
            text=reply.text,
            buttons=[{"label": b.label, "value": b.value} for b in reply.buttons],
            created_at=now,
            next_attempt_at=first_attempt_at or now,
        )
        for reply in replies
    ]

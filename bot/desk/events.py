"""Domain events: what happened to a ticket, for the notifications written in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TicketEventBase:
    ticket_id: int
    actor_id: int | None


@dataclass(frozen=True)
class TicketOpened(TicketEventBase):
    pass


@dataclass(frozen=True)
class TicketClaimed(TicketEventBase):
    """A handler took the ticket (claim, assign or auto-assign)."""

    assignee_id: int
    previous_assignee_id: int | None


@dataclass(frozen=True)
class TicketUnclaimed(TicketEventBase):
    previous_assignee_id: int


@dataclass(frozen=True)
class StatusChanged(TicketEventBase):
    old: str
    new: str
    note: str | None


@dataclass(frozen=True)
class PriorityChanged(TicketEventBase):
    old: str
    new: str


@dataclass(frozen=True)
class PublicReplyAdded(TicketEventBase):
    comment_id: int
    from_requester: bool


@dataclass(frozen=True)
class InternalNoteAdded(TicketEventBase):
    comment_id: int


DomainEvent = (
    TicketOpened
    | TicketClaimed
    | TicketUnclaimed
    | StatusChanged
    | PriorityChanged
    | PublicReplyAdded
    | InternalNoteAdded
)

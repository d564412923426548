"""SQLAlchemy 2 models: the desk's persistent state.

Names follow the service-desk vocabulary of DESIGN.md. Enumerated values (statuses, roles, channels) are
stored as short strings, so that a new value needs no database enum migration; the code that owns a
value's meaning validates it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    auto_assign: Mapped[str] = mapped_column(String(20), default="none")
    # Round robin remembers whom it gave the last ticket to, so the next one goes to the next person.
    last_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", use_alter=True))

    # The database cascades these deletes (ON DELETE CASCADE); the ORM must not null the keys first.
    memberships: Mapped[list[TeamMembership]] = relationship(
        back_populates="team", cascade="all", passive_deletes=True
    )
    channels: Mapped[list[TeamChannel]] = relationship(back_populates="team", cascade="all, delete-orphan")


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="en")
    # Roles as a list (requester, agent, lead, coach, project_lead, admin): few, and read together.
    roles: Mapped[list[Any]] = mapped_column(default=list)
    location: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]

    memberships: Mapped[list[TeamMembership]] = relationship(
        back_populates="person", order_by="TeamMembership.id", cascade="all", passive_deletes=True
    )
    accounts: Mapped[list[ChannelAccount]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def teams(self) -> list[Team]:
        return [membership.team for membership in self.memberships]


class TeamMembership(Base):
    __tablename__ = "team_memberships"
    __table_args__ = (UniqueConstraint("team_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)

    team: Mapped[Team] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(back_populates="memberships")


class TeamChannel(Base):
    """Where a team triages: its channel or group on one chat platform."""

    __tablename__ = "team_channels"
    __table_args__ = (UniqueConstraint("team_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))

    team: Mapped[Team] = relationship(back_populates="channels")


class ChannelAccount(Base):
    """A person's identity on one chat platform (channel + the platform's user id)."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    # Where the bot reaches this person directly (a DM channel id, a private chat id).
    direct_address: Mapped[str | None] = mapped_column(String(200))
    # When the person blocked the bot here (Telegram: "bot was blocked by the user"): messages to them
    # are given up at the first refusal. Cleared when they write to the bot again.
    blocked_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="accounts")


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_team", "status", "team_id"),
        Index("ix_tickets_requester", "requester_id"),
        Index("ix_tickets_assignee", "assignee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The answers the conversation collected (what, since when, device...), by field name.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    impact: Mapped[str] = mapped_column(String(10))
    urgency: Mapped[str] = mapped_column(String(10))
    priority: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="en")
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    origin_channel: Mapped[str] = mapped_column(String(20))
    origin_chat: Mapped[str] = mapped_column(String(200))
    origin_thread: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]

    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id])
    team: Mapped[Team] = relationship()
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan", passive_deletes=True
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="ticket", order_by="Comment.id", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def key(self) -> str:
        return f"SD-{self.id}"


class TicketEvent(Base):
    """The audit trail: who did what to a ticket, when, and what it was before."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[Person | None] = relationship()


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]

    ticket: Mapped[Ticket] = relationship(back_populates="comments")
    author: Mapped[Person] = relationship()


class Conversation(Base):
    """Dialogue state of one person in one chat, so a restart or a second worker loses nothing."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    flow: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The recent turns, kept so that a hand-off to a human carries the conversation so far.
    transcript: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message the bot has decided to send, written in the same transaction as the change it reports."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "sent_at", "next_attempt_at"),
        # A ticket's card and its updates are looked up by ticket (bot/notifications/cards.py).
        Index("ix_outbox_ticket", "ticket_id"),
        # A reply to one of the bot's messages names it by the platform's id (Telegram's message_id).
        Index("ix_outbox_ref", "channel", "address", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    thread: Mapped[str | None] = mapped_column(String(200))
    # The person it is meant for, if it is for one (a requester, a handler); None for a team's channel.
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # For kind "private": the platform user id who alone may see it in chat `address`.
    recipient: Mapped[str | None] = mapped_column(String(200))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    # What the message is about (ticket_opened, team_card, status_changed...): lets an adapter update a
    # team's ticket card in place later instead of posting a new one.
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The platform's id of the message once sent (Slack ts, Telegram message_id; the first part of a
    # message split in several), so that a reply to it can be traced back to its ticket.
    ref: Mapped[str | None] = mapped_column(String(200))

    recipient_person: Mapped[Person | None] = relationship()


class TicketCard(Base):
    """Where a ticket's card was posted in a team's chat: the platform's id of that message, so that the
    card is updated in place and the team's notices about the ticket are threaded under it."""

    __tablename__ = "ticket_cards"
    __table_args__ = (UniqueConstraint("ticket_id", "channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    ref: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class ProcessedDelivery(Base):
    """A platform delivery already handled (Slack event_id, Telegram update_id): a retry is dropped."""

    __tablename__ = "processed_deliveries"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime]

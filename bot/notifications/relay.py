"""The outbox relay: delivers queued messages through the channel adapters, oldest first.

A message is marked sent only after its adapter took it; a failure is retried later with exponential
backoff (or after the platform's Retry-After), and given up on only when retrying cannot help.

Each message is first claimed in a short transaction of its own (its next attempt is moved a lease ahead),
then sent with no transaction open, then its outcome is recorded. So two relays (two workers on
PostgreSQL, or the scheduler next to the in-process relay) never send the same message twice, and a slow
platform never holds the SQLite write lock. A relay that dies mid-send leaves the message to be retried
when the lease runs out: delivery is at least once, and exactly once while nothing crashes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import ChannelAdapter, DeliveryError
from bot.clock import Clock
from bot.messages import Button, Outgoing
from storage.models import OutboxMessage, Ticket

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 15 * 60.0
# How long a claimed message is left to the relay that claimed it before another one may try it.
LEASE = timedelta(minutes=5)
_CANDIDATES = 20


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)))


class Relay:
    def __init__(
        self, sessions: sessionmaker[Session], adapters: Mapping[str, ChannelAdapter], clock: Clock
    ) -> None:
        self.sessions = sessions
        self.adapters = adapters
        self.clock = clock

    def deliver_pending(self, limit: int = 200) -> int:
        """Send what is due, each message at most once per call; returns how many were delivered."""
        delivered = 0
        tried: set[int] = set()
        while len(tried) < limit:
            message = self._claim(tried)
            if message is None:
                break
            tried.add(message.outbox_id)
            delivered += self._send(message)
        return delivered

    def _due(self) -> ColumnElement[bool]:
        return and_(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= self.clock.now(),
            OutboxMessage.channel.in_(list(self.adapters)),
        )

    def _claim(self, tried: set[int]) -> Outgoing | None:
        """The oldest due message, leased to this relay; None when nothing is due."""
        with self.sessions() as session, session.begin():
            query = select(OutboxMessage.id).where(self._due()).order_by(OutboxMessage.id).limit(_CANDIDATES)
            if tried:
                query = query.where(OutboxMessage.id.not_in(tried))
            for row_id in session.scalars(query).all():
                # Compare and set: of two relays after the same row, only one sees it still due.
                claimed = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row_id, self._due())
                    .values(next_attempt_at=self.clock.now() + LEASE)
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    row = session.get_one(OutboxMessage, row_id)
                    return _outgoing(session, row)
        return None

    def _send(self, message: Outgoing) -> int:
        try:
            self.adapters[message.channel].send(message)
        except DeliveryError as error:
            self._failed(message, error, error.retry_after, error.permanent)
            return 0
        except Exception as error:
            # An adapter's bug must not stop every message behind this one: retry it like a failure.
            log.exception("outbox %s: the %s adapter failed unexpectedly", message.outbox_id, message.channel)
            self._failed(message, error, None, False)
            return 0
        with self.sessions() as session, session.begin():
            row = session.get_one(OutboxMessage, message.outbox_id)
            row.attempts += 1
            row.sent_at = self.clock.now()
        return 1

    def _failed(
        self, message: Outgoing, error: Exception, retry_after: float | None, permanent: bool
    ) -> None:
        with self.sessions() as session, session.begin():
            row = session.get_one(OutboxMessage, message.outbox_id)
            now = self.clock.now()
            row.attempts += 1
            row.last_error = (str(error) or type(error).__name__)[:500]
            if permanent or row.attempts >= MAX_ATTEMPTS:
                row.failed_at = now
                log.warning("outbox %s to %s given up after %s attempts", row.id, row.channel, row.attempts)
            elif retry_after is not None:
                row.next_attempt_at = now + timedelta(seconds=max(0.0, retry_after))
            else:
                row.next_attempt_at = now + backoff(row.attempts)


def _outgoing(session: Session, row: OutboxMessage) -> Outgoing:
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    return Outgoing(
        outbox_id=row.id,
        channel=row.channel,
        address=row.address,
        text=row.text,
        thread=row.thread,
        buttons=tuple(Button(b["label"], b["value"]) for b in row.buttons),
        kind=row.kind,
        ticket_key=ticket.key if ticket else None,
    )

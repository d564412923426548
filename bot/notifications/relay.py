"""The outbox relay: delivers queued messages through the channel adapters, oldest first.

A message is marked sent only after its adapter took it; a failure is retried later with exponential
backoff (or after the platform's Retry-After), and given up on only when retrying cannot help.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import ChannelAdapter, DeliveryError
from bot.clock import Clock
from bot.messages import Button, Outgoing
from storage.models import OutboxMessage, Ticket

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 15 * 60.0


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
        """Send what is due; returns how many were delivered."""
        delivered = 0
        with self.sessions() as session:
            due = session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                    OutboxMessage.next_attempt_at <= self.clock.now(),
                    OutboxMessage.channel.in_(list(self.adapters)),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            ).all()
            for row in due:
                delivered += self._deliver(session, row)
        return delivered

    def _deliver(self, session: Session, row: OutboxMessage) -> int:
        message = _outgoing(session, row)
        try:
            self.adapters[row.channel].send(message)
        except DeliveryError as error:
            now = self.clock.now()
            row.attempts += 1
            row.last_error = str(error)[:500]
            if error.permanent or row.attempts >= MAX_ATTEMPTS:
                row.failed_at = now
                log.warning("outbox %s to %s given up after %s attempts", row.id, row.channel, row.attempts)
            else:
                wait = timedelta(seconds=error.retry_after) if error.retry_after else backoff(row.attempts)
                row.next_attempt_at = now + wait
            session.commit()
            return 0
        row.attempts += 1
        row.sent_at = self.clock.now()
        session.commit()
        return 1


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

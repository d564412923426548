"""The outbox relay: delivers queued messages through the channel adapters, oldest first.

A message is marked sent only after its adapter took it; a failure is retried later with exponential
backoff (or after the platform's Retry-After), and given up on only when retrying cannot help.

Messages are claimed in one short transaction (their next attempt is moved a lease ahead, with an
`UPDATE ... RETURNING` that only takes rows still due), then sent with no transaction open, then their
outcomes are recorded together. So two relays (two workers on PostgreSQL, or a sweep next to the
in-process relay) never send the same message twice, and a slow platform never holds the SQLite write
lock. A relay that dies mid-send leaves the message to be retried when the lease runs out: delivery is
at least once, and exactly once while nothing crashes.

Right after dispatch commits, `send_leased` sends the rows that message wrote (dispatch leased them to
this process in the same transaction, so no claim is needed); `sweep` picks up
everything else that is due (retries, leftovers of a crash) at most once per `SWEEP_INTERVAL`.

Team cards (a ticket's card in a team's chat, updated in place, with the team's notices threaded under
it) need the platform's id of the posted card: a CardBatch (cards.py) places every message of a batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import ChannelAdapter, DeliveryError
from bot.clock import Clock
from bot.messages import Button, Outgoing
from bot.notifications import cards
from storage.models import ChannelAccount, OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BASE_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 15 * 60.0
# How long a claimed message is left to the relay that claimed it before another one may try it.
LEASE = timedelta(minutes=5)
SWEEP_INTERVAL = timedelta(seconds=1)
_OUTBOX = OutboxMessage.__table__


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)))


class Relay:
    def __init__(
        self, sessions: sessionmaker[Session], adapters: Mapping[str, ChannelAdapter], clock: Clock
    ) -> None:
        self.sessions = sessions
        self.adapters = adapters
        self.clock = clock
        self._next_sweep = clock.now()

    def send_leased(self, messages: Iterable[Outgoing]) -> int:
        """Send messages already leased to this relay (by dispatch, as it wrote them)."""
        return self._send_all(messages)

    def deliver_pending(self, limit: int = 200) -> int:
        """Send up to `limit` due messages, oldest first; returns how many went out."""
        oldest_due = select(_OUTBOX.c.id).where(self._due()).order_by(_OUTBOX.c.id).limit(limit)
        return self._send_all(self._claim(_OUTBOX.c.id.in_(oldest_due.scalar_subquery())))

    def sweep(self) -> int:
        """`deliver_pending`, but not more often than every SWEEP_INTERVAL."""
        now = self.clock.now()
        if now < self._next_sweep:
            return 0
        self._next_sweep = now + SWEEP_INTERVAL
        return self.deliver_pending()

    def _due(self) -> ColumnElement[bool]:
        return and_(
            _OUTBOX.c.sent_at.is_(None),
            _OUTBOX.c.failed_at.is_(None),
            _OUTBOX.c.next_attempt_at <= self.clock.now(),
            _OUTBOX.c.channel.in_(list(self.adapters)),
        )

    def _claim(self, which: ColumnElement[bool]) -> list[Outgoing]:
        """Lease the chosen rows that are still due to this relay, in one statement."""
        with self.sessions() as session, session.begin():
            rows = session.execute(
                update(_OUTBOX)
                .where(which, self._due())
                .values(next_attempt_at=self.clock.now() + LEASE)
                .returning(*_MESSAGE_COLUMNS)
            ).all()
        return sorted((outgoing(row) for row in rows), key=lambda message: message.outbox_id)

    def _send_all(self, messages: Iterable[Outgoing]) -> int:
        queued = list(messages)
        batch = cards.CardBatch(queued)
        if batch.needs_loading:
            with self.sessions() as session, session.begin():
                batch.load(session)
        sent: list[dict[str, object]] = []
        for message in map(batch.place, queued):
            if message is None:
                continue  # waits for its ticket's card, or is moot (recorded with the batch)
            try:
                ref = self.adapters[message.channel].send(message)
            except Exception as error:
                if not isinstance(error, DeliveryError):
                    # An adapter's bug must not stop every message behind this one: retry it like a failure.
                    log.exception(
                        "outbox %s: the %s adapter failed unexpectedly", message.outbox_id, message.channel
                    )
                if self._failed(message, error):
                    batch.given_up(message)
                continue
            batch.sent(message, ref)
            sent.append({"sent_id": message.outbox_id, "sent_ref": ref})
        if sent or batch.needs_loading:
            with self.sessions() as session, session.begin():
                now = self.clock.now()
                if sent:
                    session.execute(
                        update(_OUTBOX)
                        .where(_OUTBOX.c.id == bindparam("sent_id"))
                        .values(sent_at=now, attempts=_OUTBOX.c.attempts + 1, ref=bindparam("sent_ref")),
                        sent,
                    )
                batch.record(session, now)
        return len(sent)

    def _failed(self, message: Outgoing, error: Exception) -> bool:
        """Record a failed attempt (a `DeliveryError` says when to retry, or not to); True when the
        message is given up on. Any other error is retried like a platform failure."""
        refusal = error if isinstance(error, DeliveryError) else DeliveryError(str(error))
        retry_after, permanent = refusal.retry_after, refusal.permanent
        with self.sessions() as session, session.begin():
            row = session.get_one(OutboxMessage, message.outbox_id)
            now = self.clock.now()
            if refusal.blocked:
                _record_blocked(session, message, now)
            row.attempts += 1
            row.last_error = (str(error) or type(error).__name__)[:500]
            if permanent or row.attempts >= MAX_ATTEMPTS:
                row.failed_at = now
                log.warning("outbox %s to %s given up after %s attempts", row.id, row.channel, row.attempts)
                return True
            if retry_after is not None:
                row.next_attempt_at = now + timedelta(seconds=max(0.0, retry_after))
            else:
                row.next_attempt_at = now + backoff(row.attempts)
            return False


def _record_blocked(session: Session, message: Outgoing, now: datetime) -> None:
    """The person behind this chat blocked the bot: noted on their account (until they write again)."""
    address = message.recipient if message.kind == "private" and message.recipient else message.address
    session.execute(
        update(ChannelAccount)
        .where(
            ChannelAccount.channel == message.channel,
            or_(ChannelAccount.direct_address == address, ChannelAccount.external_id == address),
        )
        .values(blocked_at=now)
    )
    log.warning("outbox %s: the person at %s blocked the bot", message.outbox_id, message.channel)


_MESSAGE_COLUMNS = (
    _OUTBOX.c.id,
    _OUTBOX.c.channel,
    _OUTBOX.c.address,
    _OUTBOX.c.text,
    _OUTBOX.c.thread,
    _OUTBOX.c.buttons,
    _OUTBOX.c.kind,
    _OUTBOX.c.ticket_id,
    _OUTBOX.c.recipient,
)


def outgoing(row: Row[tuple[object, ...]] | OutboxMessage) -> Outgoing:
    """The message to hand to an adapter, from an outbox row (ORM object or selected columns)."""
    return Outgoing(
        outbox_id=row.id,
        channel=row.channel,
        address=row.address,
        text=row.text,
        thread=row.thread,
        buttons=tuple(Button(b["label"], b["value"]) for b in row.buttons or ()),
        kind=row.kind,
        # The key is derived from the id (see Ticket.key): no need to load the ticket.
        ticket_key=f"SD-{row.ticket_id}" if row.ticket_id else None,
        recipient=row.recipient,
    )

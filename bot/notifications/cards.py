"""A ticket's card in a team's chat: posted once (kind "team_card"), then edited in place ("card_update",
each carrying the card's whole current state), with the team's notices about the ticket (kind "team")
threaded under it. For each batch it sends, the relay asks a CardBatch how to send such a message and
tells it what the platform called a posted card (its `ts`, its message_id), which ticket_cards keeps.

The order is kept like this:
- a card update, or a notice, whose card is still to be posted (queued, or retrying after a failure)
  waits for it: it is looked at again after CARD_WAIT, which counts as no failed attempt;
- a card that can never have an id (its adapter returned none, like the terminal's, or it failed for
  good) makes its updates moot (marked sent, `last_error` saying why) and its notices go out unthreaded;
- only the newest update of a card matters: one with a newer update of the same card behind it is
  dropped, never applied after it (say after a retry);
- two relays can still apply two updates at once (one worker's update in flight while another applies a
  newer one): whoever records an older update after the newest was applied queues the newest state
  again, so the card always ends on it.

What a batch needs to know is read in one transaction at its start and written in the relay's one
transaction at its end: a card posted in the batch is known to the messages behind it at once.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.messages import Outgoing
from storage.models import OutboxMessage, TicketCard

log = logging.getLogger(__name__)

# Team notices about a ticket, threaded under its card in the team's chat.
THREADED_UNDER_CARD = frozenset({"team"})
# How long a card update or a notice waits before it looks again for its card still to be posted.
CARD_WAIT = timedelta(seconds=2)
# `last_error` of a row marked sent that never went to the platform, and why.
NOT_SENT = "not sent: "
SUPERSEDED = NOT_SENT + "a newer update of the card replaces it"
NO_CARD = NOT_SENT + "the ticket's card here has no message id to update"
WAITING_FOR_CARD = "waiting for the ticket's card to be posted"

_OUTBOX = OutboxMessage.__table__
_CARDS = TicketCard.__table__
# A card: ticket id, channel, address (the team's chat).
Card = tuple[int, str, str]


def concerns(message: Outgoing) -> bool:
    """Whether the message depends on a ticket's card: an update of it, or a notice to thread under it."""
    return message.ticket_key is not None and (
        message.kind == "card_update" or (message.kind in THREADED_UNDER_CARD and message.thread is None)
    )


class CardBatch:
    """What one batch of the relay knows of the cards its messages depend on, and what it learnt."""

    def __init__(self, messages: Sequence[Outgoing]) -> None:
        self._depending = [message for message in messages if concerns(message)]
        self._refs: dict[Card, str] = {}
        self._newest_update: dict[Card, int] = {}
        self._pending: set[Card] = set()  # cards still to be posted
        self._posted: dict[Card, str] = {}  # cards this batch posted, with their ids
        self._not_sent: list[tuple[int, str]] = []
        self._waiting: list[int] = []
        self._applied: list[Outgoing] = []

    @property
    def needs_loading(self) -> bool:
        return bool(self._depending)

    def load(self, session: Session) -> None:
        """Read the cards of the batch's tickets: their ids, their newest updates, and (for those with no
        id yet) whether they are still to be posted."""
        cards = {_card(message) for message in self._depending}
        tickets = {ticket_id for ticket_id, _, _ in cards}
        columns = (_OUTBOX.c.ticket_id, _OUTBOX.c.channel, _OUTBOX.c.address)
        for ticket_id, channel, address, ref in session.execute(
            select(_CARDS.c.ticket_id, _CARDS.c.channel, _CARDS.c.address, _CARDS.c.ref).where(
                _CARDS.c.ticket_id.in_(tickets)
            )
        ):
            self._refs[(ticket_id, channel, address)] = ref
        if any(message.kind == "card_update" for message in self._depending):
            newest = (
                select(*columns, func.max(_OUTBOX.c.id))
                .where(_OUTBOX.c.ticket_id.in_(tickets), _OUTBOX.c.kind == "card_update")
                .group_by(*columns)
            )
            self._newest_update = {(t, c, a): n for t, c, a, n in session.execute(newest)}
        unknown = {ticket_id for ticket_id, _, _ in cards - self._refs.keys()}
        if unknown:
            pending = select(*columns).where(
                _OUTBOX.c.ticket_id.in_(unknown),
                _OUTBOX.c.kind == "team_card",
                _OUTBOX.c.sent_at.is_(None),
                _OUTBOX.c.failed_at.is_(None),
            )
            self._pending = {(t, c, a) for t, c, a in session.execute(pending.distinct())}

    def place(self, message: Outgoing) -> Outgoing | None:
        """The message as it is to be sent: an update with the card to edit, a notice threaded under
        the card. None when it is not to be sent now: it waits for its card, or it is moot."""
        if not concerns(message):
            return message
        card = _card(message)
        ref = self._posted.get(card) or self._refs.get(card)
        if message.kind == "card_update":
            if self._newest_update.get(card, 0) > message.outbox_id:
                self._not_sent.append((message.outbox_id, SUPERSEDED))
            elif ref is not None:
                return dataclasses.replace(message, edit_ref=ref)
            elif card in self._pending:
                self._waiting.append(message.outbox_id)
            else:
                self._not_sent.append((message.outbox_id, NO_CARD))
            return None
        if ref is not None:
            return dataclasses.replace(message, thread=ref)
        if card in self._pending:
            # A notice about a ticket before its card would read out of order, and could not be threaded.
            self._waiting.append(message.outbox_id)
            return None
        return message

    def sent(self, message: Outgoing, ref: str | None) -> None:
        """The platform took the message; for a card, `ref` is what it calls it."""
        if message.ticket_key is None:
            return
        if message.kind == "team_card":
            self._pending.discard(_card(message))
            if ref is not None:
                self._posted[_card(message)] = ref
        elif message.kind == "card_update":
            self._applied.append(message)

    def given_up(self, message: Outgoing) -> None:
        """The relay gave up on the message: a card given up on will never have an id."""
        if message.kind == "team_card" and message.ticket_key is not None:
            self._pending.discard(_card(message))

    def record(self, session: Session, now: datetime) -> None:
        """Keep what the batch learnt, in the relay's closing transaction."""
        for card, ref in self._posted.items():
            _keep_ref(session, card, ref, now)
        for outbox_id, reason in self._not_sent:
            session.execute(
                update(_OUTBOX).where(_OUTBOX.c.id == outbox_id).values(sent_at=now, last_error=reason)
            )
        if self._waiting:
            session.execute(
                update(_OUTBOX)
                .where(_OUTBOX.c.id.in_(self._waiting))
                .values(next_attempt_at=now + CARD_WAIT, last_error=WAITING_FOR_CARD)
            )
        for message in self._applied:
            _reapply_if_overtaken(session, message, now)


def _reapply_if_overtaken(session: Session, message: Outgoing, now: datetime) -> None:
    """A newer update of this card was applied while this one was on its way (by another relay): this
    one may have landed last, so the newest state is queued once more."""
    ticket_id, channel, address = _card(message)
    newest = session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.ticket_id == ticket_id,
            OutboxMessage.channel == channel,
            OutboxMessage.address == address,
            OutboxMessage.kind == "card_update",
            OutboxMessage.id > message.outbox_id,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    if newest is None or newest.sent_at is None or (newest.last_error or "").startswith(NOT_SENT):
        return
    log.info("outbox %s: the card of %s was updated out of order; the newest state goes again",
             message.outbox_id, message.ticket_key)  # fmt: skip
    session.add(
        OutboxMessage(
            channel=channel,
            address=address,
            ticket_id=ticket_id,
            kind="card_update",
            text=newest.text,
            buttons=newest.buttons,
            created_at=now,
            next_attempt_at=now,
        )
    )


def _keep_ref(session: Session, card: Card, ref: str, now: datetime) -> None:
    """Keep the card's id; a card posted again (a relay's lease ran out mid-send) replaces it."""
    ticket_id, channel, address = card
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(_CARDS).values(
        ticket_id=ticket_id, channel=channel, address=address, ref=ref, updated_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[_CARDS.c.ticket_id, _CARDS.c.channel, _CARDS.c.address],
            set_={"ref": statement.excluded.ref, "updated_at": statement.excluded.updated_at},
        )
    )


def _card(message: Outgoing) -> Card:
    # The ticket key is derived from its id (see Ticket.key); callers checked there is one.
    assert message.ticket_key is not None
    return int(message.ticket_key.removeprefix("SD-")), message.channel, message.address

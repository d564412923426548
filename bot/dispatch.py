"""Dispatch: one inbound message in, one transaction out.

Drops duplicate deliveries, resolves the platform user to a person (bot.people), loads the conversation
and hands the message to converse() (bot.flows.converse). The answers and the notifications the change
causes are written to the outbox in the same transaction. Nothing else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config.schema import DeskConfig
from bot.desk.tickets import Desk
from bot.flows.converse import converse
from bot.i18n import Translator
from bot.messages import Inbound, Outgoing
from bot.notifications.relay import LEASE, outgoing
from bot.notifications.writer import NotificationWriter, reply_rows
from bot.people import resolve_person
from bot.turn import Reply, Turn
from nlu.pipeline import NluPipeline
from storage.models import Conversation, OutboxMessage, Person, ProcessedDelivery

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handled:
    """The outcome of one inbound message."""

    duplicate: bool
    # What it wrote to the outbox for the channels this process delivers, already leased to it: the
    # in-process relay sends exactly these right after the commit, with no claim of its own.
    leased: tuple[Outgoing, ...] = ()


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        config: DeskConfig,
        translate: Translator,
        nlu: NluPipeline,
        notifications: NotificationWriter,
        in_process: frozenset[str] = frozenset(),
    ) -> None:
        self.sessions = sessions
        self.in_process = in_process
        self.clock = clock
        self.config = config
        self.translate = translate
        self.nlu = nlu
        self.notifications = notifications
        # person id -> when they were last told the NLU runs degraded (see bot.flows.router)
        self._degraded_told: dict[int, datetime] = {}

    def handle(self, inbound: Inbound) -> Handled:
        """Handle one message: what it wrote to the outbox, or that it was a repeated delivery.

        A fault in handling rolls the whole message back and the person is told to try again, so one
        bad message never stops the bot nor leaves half a change behind.
        """
        try:
            return self._handle_once(inbound)
        except Exception:
            log.exception("handling a %s message failed; rolled back", inbound.channel)
            return Handled(duplicate=False, leased=self._apologise(inbound))

    def _handle_once(self, inbound: Inbound) -> Handled:
        try:
            with self.sessions() as session, session.begin():
                if inbound.delivery_id and not self._first_delivery(session, inbound):
                    return Handled(duplicate=True)
                leased = self._lease(session, self._handle(session, inbound))
        except IntegrityError:
            # Two workers took the same delivery at once: the other one's insert won.
            if inbound.delivery_id and self._already_processed(inbound):
                return Handled(duplicate=True)
            raise
        return Handled(duplicate=False, leased=leased)

    def _first_attempt(self, channel: str) -> datetime:
        """Rows for a channel this process delivers are written leased to it (no other relay takes
        them); if the process dies before sending, the lease runs out and any relay's sweep sends them:
        late, never lost."""
        now = self.clock.now()
        return now + LEASE if channel in self.in_process else now

    def _lease(self, session: Session, rows: list[OutboxMessage]) -> tuple[Outgoing, ...]:
        """The rows written leased to this process, as messages for its relay."""
        session.flush()
        now = self.clock.now()
        return tuple(
            outgoing(row) for row in rows if row.channel in self.in_process and row.next_attempt_at > now
        )

    def _apologise(self, inbound: Inbound) -> tuple[Outgoing, ...]:
        try:
            with self.sessions() as session, session.begin():
                person, _ = resolve_person(session, inbound, self.config, self.clock.now())
                reply = Reply(self.translate(person.language, "error_generic"))
                now = self.clock.now()
                rows = reply_rows(
                    inbound.channel,
                    inbound.chat_id,
                    inbound.thread,
                    person,
                    [reply],
                    now,
                    self._first_attempt(inbound.channel),
                    private_to=inbound.user_id if inbound.private_replies else None,
                )
                session.add_all(rows)
                return self._lease(session, rows)
        except Exception:
            log.exception("could not even apologise on %s", inbound.channel)
            return ()

    def _handle(self, session: Session, inbound: Inbound) -> list[OutboxMessage]:
        now = self.clock.now()
        person, registered = resolve_person(session, inbound, self.config, now)
        conversation = self._conversation(session, inbound, person)
        desk = Desk(session, self.clock, self.config)
        turn = Turn(
            session,
            desk,
            person,
            inbound,
            conversation,
            self.translate,
            self.nlu,
            self.config,
            self.clock,
            degraded_told=self._degraded_told,
        )
        # A newcomer whose platform told no language gets the language of their first words, however few.
        converse(turn, guess_language=registered and not inbound.user_language)
        conversation.updated_at = now
        # The direct answer first, then what the change tells others, then what the turn said after the
        # change was told ("Jetzt zu deinem nächsten Anliegen"): the outbox is sent in id order.
        replies = self._reply_rows(turn, turn.replies, now)
        session.add_all(replies)
        # The notification writer only addresses channels this process runs (see bot/app.py).
        notes = self.notifications.write(session, desk.events, now, now + LEASE if self.in_process else now)
        later = self._reply_rows(turn, turn.later_replies, now)
        session.add_all(later)
        return [*replies, *notes, *later]

    def _reply_rows(self, turn: Turn, replies: list[Reply], now: datetime) -> list[OutboxMessage]:
        inbound = turn.inbound
        return reply_rows(
            inbound.channel,
            inbound.chat_id,
            turn.thread,
            turn.person,
            replies,
            now,
            self._first_attempt(inbound.channel),
            private_to=inbound.user_id if turn.private_replies else None,
        )

    # ---- idempotency ------------------------------------------------------------------------------
    def _first_delivery(self, session: Session, inbound: Inbound) -> bool:
        key = (inbound.channel, inbound.delivery_id)
        if session.get(ProcessedDelivery, key) is not None:
            log.info("dropped repeated delivery %s/%s", *key)
            return False
        session.add(
            ProcessedDelivery(
                channel=inbound.channel, delivery_id=inbound.delivery_id, processed_at=self.clock.now()
            )
        )
        session.flush()
        return True

    def _already_processed(self, inbound: Inbound) -> bool:
        with self.sessions() as session:
            return session.get(ProcessedDelivery, (inbound.channel, inbound.delivery_id)) is not None

    # ---- conversations ---------------------------------------------------------------------------
    def _conversation(self, session: Session, inbound: Inbound, person: Person) -> Conversation:
        conversation = session.scalar(
            select(Conversation).where(
                Conversation.channel == inbound.channel,
                Conversation.chat_id == inbound.chat_id,
                Conversation.person_id == person.id,
            )
        )
        if conversation is None:
            conversation = Conversation(
                channel=inbound.channel,
                chat_id=inbound.chat_id,
                person_id=person.id,
                state={},
                transcript=[],
                updated_at=self.clock.now(),
            )
            session.add(conversation)
        return conversation

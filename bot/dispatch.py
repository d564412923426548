"""Dispatch: one inbound message in, one transaction out.

Drops duplicate deliveries, resolves the platform user to a person (registering newcomers), loads the
conversation, and hands the text to a command, the conversation under way, or the NLU router. The
answers and the notifications the change causes are written to the outbox in the same transaction.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from bot.clock import Clock
from bot.commands.parsing import is_command, parse_command
from bot.commands.registry import cancel_conversation, run_command
from bot.config.schema import DeskConfig
from bot.desk.tickets import Desk
from bot.flows import handoff, request, router, threads
from bot.i18n import LANGUAGES, Translator
from bot.messages import Inbound, Outgoing
from bot.notifications.relay import LEASE, outgoing
from bot.notifications.writer import NotificationWriter, reply_rows
from bot.turn import Reply, Turn
from nlu.backend import NluBackend
from storage.models import ChannelAccount, Conversation, OutboxMessage, Person, ProcessedDelivery

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 4000
CONVERSATION_IDLE = timedelta(minutes=30)
# A message this long says enough about its language to switch the person's language to it.
LANGUAGE_SWITCH_WORDS = 3
CANCEL_WORDS = frozenset(
    {"abbrechen", "abbruch", "cancel", "stop", "stopp", "vergiss es", "forget it", "never mind", "nevermind"}
)
HANDOFF_CONFIDENCE = 0.8
# While the NLU server is unreachable, each person hears about it once in this long, not on every message.
DEGRADED_NOTICE_EVERY = timedelta(minutes=10)
_WORD = re.compile(r"[^\W\d_]{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Normalise and drop control and direction characters (they can disguise text); keep newlines."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


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
        nlu: NluBackend,
        notifications: NotificationWriter,
        in_process: frozenset[str] = frozenset(),
    ) -> None:
        self.sessions = sessions
        self.in_process = in_process
        self.clock = clock
        self.config = config
        self.translate = translate
        self.nlu = nlu
        # person id -> when they were last told the NLU runs degraded (per process: at worst told twice)
        self._degraded_told: dict[int, datetime] = {}
        self.notifications = notifications

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
                person, _ = self._person(session, inbound)
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
        person, registered = self._person(session, inbound)
        conversation = self._conversation(session, inbound, person)
        desk = Desk(session, self.clock, self.config)
        turn = Turn(
            session, desk, person, inbound, conversation, self.translate, self.nlu, self.config, self.clock
        )
        # A newcomer whose platform told no language gets the language of their first words, however few.
        self._converse(turn, guess_language=registered and not inbound.user_language)
        conversation.updated_at = now
        # The direct answer first, then what the change tells others: the outbox is sent in id order.
        replies = reply_rows(
            inbound.channel,
            inbound.chat_id,
            turn.thread,
            person,
            turn.replies,
            now,
            self._first_attempt(inbound.channel),
            private_to=inbound.user_id if turn.private_replies else None,
        )
        session.add_all(replies)
        # The notification writer only addresses channels this process runs (see bot/app.py).
        notes = self.notifications.write(session, desk.events, now, now + LEASE if self.in_process else now)
        return [*replies, *notes]

    def _converse(self, turn: Turn, guess_language: bool = False) -> None:
        raw = turn.inbound.text
        if len(raw) > MAX_INPUT_CHARS:
            turn.say("message_too_long", length=len(raw), limit=MAX_INPUT_CHARS)
            return
        text = clean_text(raw)
        if not text:
            turn.say("message_empty")
            return
        conversation = turn.conversation
        if conversation.flow and turn.clock.now() - conversation.updated_at > CONVERSATION_IDLE:
            turn.end_flow()
            turn.thread = turn.inbound.thread  # a fresh start answers where the person wrote now
            turn.say("conversation_expired")
        turn.remember("user", text)

        if is_command(text):
            run_command(turn, parse_command(text))
            return
        thread = turn.inbound.thread
        elsewhere = thread is not None and thread != conversation.state.get("thread")
        if (not conversation.flow or elsewhere) and not turn.inbound.is_button:
            # Written in the thread of one of the person's tickets (also while another request is under
            # way in another thread): a reply on that ticket.
            answered = threads.answered_ticket(turn)
            if answered is not None:
                ticket, own = answered
                if own:
                    threads.add_reply(turn, ticket, text)
                else:
                    threads.reply_for_someone_else(turn, ticket, text)
                return
        parsed = self.nlu.parse(text)
        if not turn.inbound.is_button and (guess_language or self._tells_language(text, parsed)):
            detected = parsed.get("language")
            if detected in LANGUAGES and detected != turn.person.language:
                turn.person.language = detected
        if parsed.get("nlu_degraded") and not conversation.flow:
            self._tell_degraded(turn)
        if conversation.flow == request.FLOW and not self._is_router_button(turn, text):
            if self._is_cancel(text, parsed):
                cancel_conversation(turn)
            elif self._wants_person(turn, parsed):
                handoff.hand_over(turn)
            else:
                request.handle(turn, text, parsed.get("entities") or [])
            return
        if self._is_cancel(text, parsed):
            cancel_conversation(turn)
            return
        router.route(turn, text, parsed)

    def _tell_degraded(self, turn: Turn) -> None:
        """The Rasa server is down and the built-in engine answered: say so before routing, so a wrong
        guess does not look like the bot's normal understanding."""
        now, told = turn.clock.now(), self._degraded_told.get(turn.person.id)
        if told is None or now - told >= DEGRADED_NOTICE_EVERY:
            self._degraded_told[turn.person.id] = now
            turn.say("nlu_degraded")

    def _tells_language(self, text: str, parsed: dict[str, Any]) -> bool:
        """Enough words, understood well enough, to go by their language: ticket keys, numbers and
        gibberish say nothing about it."""
        for entity in parsed.get("entities") or []:
            start, end = entity.get("start"), entity.get("end")
            if entity.get("entity") == "ticket" and isinstance(start, int) and isinstance(end, int):
                text = text[:start] + " " * (end - start) + text[end:]
        intent = parsed.get("intent") or {}
        confidence = float(intent.get("confidence") or 0) if isinstance(intent, dict) else 0.0
        # Out-of-scope is often gibberish ("qwertz asdfg yxcvb"), which has no language to go by.
        # A degraded Rasa answer carries the built-in engine's own threshold (see nlu.decision).
        threshold = float(parsed.get("threshold", self.nlu.threshold))
        understood = confidence >= threshold and intent.get("name") != "out_of_scope"
        return len(_WORD.findall(text)) >= LANGUAGE_SWITCH_WORDS and understood

    @staticmethod
    def _wants_person(turn: Turn, parsed: dict[str, Any]) -> bool:
        """Asking for a human in the middle of a request hands over; it is no answer to the question."""
        intent = parsed.get("intent") or {}
        return (
            not turn.inbound.is_button
            and isinstance(intent, dict)
            and intent.get("name") == "talk_to_agent"
            and float(intent.get("confidence", 0)) >= HANDOFF_CONFIDENCE
        )

    @staticmethod
    def _is_router_button(turn: Turn, text: str) -> bool:
        return turn.inbound.is_button and (
            text.startswith(router.INTENT_BUTTON) or text == router.HUMAN_BUTTON
        )

    @staticmethod
    def _is_cancel(text: str, parsed: dict[str, object]) -> bool:
        lowered = text.lower().strip(" .!")
        if lowered in CANCEL_WORDS:
            return True
        intent = parsed.get("intent") or {}
        return (
            isinstance(intent, dict)
            and intent.get("name") == "cancel"
            and float(intent.get("confidence", 0)) >= 0.8
            and len(text.split()) <= 4
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

    # ---- people and conversations -----------------------------------------------------------------
    def _person(self, session: Session, inbound: Inbound) -> tuple[Person, bool]:
        """The person behind the platform account, and whether they were registered just now."""
        account = session.scalar(
            select(ChannelAccount)
            .options(joinedload(ChannelAccount.person))
            .where(ChannelAccount.channel == inbound.channel, ChannelAccount.external_id == inbound.user_id)
        )
        if account is not None:
            if account.direct_address is None and inbound.is_direct:
                account.direct_address = inbound.chat_id
            if account.blocked_at is not None and inbound.is_direct:
                account.blocked_at = None  # writing to the bot privately again undoes having blocked it
            return account.person, False
        return self._register(session, inbound), True

    def _register(self, session: Session, inbound: Inbound) -> Person:
        """Someone the desk configuration does not know: a requester, from now on."""
        language = (inbound.user_language or "")[:2].lower()
        name = (inbound.user_name or inbound.user_id)[:200]
        person = Person(
            handle=self._free_handle(session, name, inbound),
            display_name=name,
            language=language if language in LANGUAGES else self.config.desk.default_language,
            roles=["requester"],
            created_at=self.clock.now(),
        )
        session.add(person)
        session.add(
            ChannelAccount(
                person=person,
                channel=inbound.channel,
                external_id=inbound.user_id,
                # Personal notifications go only to a one-to-one chat, never to a group.
                direct_address=inbound.chat_id if inbound.is_direct else None,
            )
        )
        session.flush()
        log.info("registered a new requester on %s", inbound.channel)
        return person

    @staticmethod
    def _free_handle(session: Session, name: str, inbound: Inbound) -> str:
        base = re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-.")[:48] or "user"
        if inbound.channel != "console":
            # Platform strangers get a handle of their own namespace: an admin who later configures a
            # person "dave" must not inherit the tickets of a Slack stranger named Dave.
            base = f"{inbound.channel}-{base}"
        if not base[0].isalpha():
            base = f"u-{base}"
        handle, counter = base, 1
        while session.scalar(select(Person.id).where(Person.handle == handle)) is not None:
            counter += 1
            handle = f"{base}-{counter}"
        return handle

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

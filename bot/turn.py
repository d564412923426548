"""One inbound message being handled: who wrote, where, the desk, and the answers collected so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config.schema import DeskConfig
from bot.desk.access import is_worker
from bot.desk.errors import DeskError
from bot.desk.status import OPEN_STATUSES, Status
from bot.desk.tickets import Desk, Origin
from bot.i18n import Translator, staff_status_key
from bot.messages import Button, Inbound
from nlu.pipeline import NluPipeline
from storage.models import Conversation, Person, Ticket

TRANSCRIPT_TURNS = 20
TRANSCRIPT_CHARS = 500


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass
class Turn:
    session: Session
    desk: Desk
    person: Person
    inbound: Inbound
    conversation: Conversation
    translate: Translator
    nlu: NluPipeline
    config: DeskConfig
    clock: Clock
    replies: list[Reply] = field(default_factory=list)
    # What the turn says once the notices of its changes are out ("Jetzt zu deinem nächsten Anliegen"
    # after "Deine Anfrage SD-1 ist angelegt"); see after_notices().
    later_replies: list[Reply] = field(default_factory=list)
    # person id -> when they were last told the NLU runs degraded; the dispatcher's, so per process (at
    # worst told twice with two workers)
    degraded_told: dict[int, datetime] = field(default_factory=dict)
    # Where this turn's answers go: the thread the conversation under way started in (a person who
    # answers with a top-level message is still answered there), else the message's own thread.
    thread: str | None = field(init=False, default=None)
    # Whether the answers are for the sender alone (see Inbound.private_replies); a turn may decide so
    # itself (an answer under a ticket's card in a team's chat is acknowledged to the agent only).
    private_replies: bool = field(init=False, default=False)
    # The language of this turn's answers when the message was clearly written in another language than
    # the person's (see bot.flows.converse): followed at once, stored only when it holds.
    reply_language: str | None = field(init=False, default=None)
    _after_notices: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.thread = self.flow_thread()
        self.private_replies = self.inbound.private_replies

    def flow_thread(self) -> str | None:
        state = self.conversation.state or {}
        if self.conversation.flow and "thread" in state:
            return state["thread"]  # type: ignore[no-any-return]
        return self.inbound.thread

    @property
    def language(self) -> str:
        return self.reply_language or self.person.language

    def answer_in(self, language: str) -> None:
        self.reply_language = language

    def text(self, text_key: str, /, **params: Any) -> str:
        return self.translate(self.language, text_key, **params)

    def say(self, text_key: str, /, buttons: tuple[Button, ...] = (), **params: Any) -> None:
        self.say_text(self.text(text_key, **params), buttons)

    def say_text(self, text: str, buttons: tuple[Button, ...] = ()) -> None:
        (self.later_replies if self._after_notices else self.replies).append(Reply(text, buttons))
        self.remember("bot", text)

    def after_notices(self) -> None:
        """From now on this turn's answers follow the notices of what it changed."""
        self._after_notices = True

    def say_error(self, error: DeskError) -> None:
        params = {
            name: self._transition_part(value) if name in ("old", "new") else value
            for name, value in error.params.items()
        }
        params.setdefault("key", "")
        self.say(error.text_key, **params)

    def button(self, text_key: str, value: str) -> Button:
        return Button(self.text(text_key), value)

    @property
    def origin(self) -> Origin:
        """Where a ticket opened now comes from: the conversation's thread, so that everything the
        requester hears about it later lands in the thread where they asked."""
        return Origin(self.inbound.channel, self.inbound.chat_id, self.thread)

    # ---- the conversation's state ---------------------------------------------------------------
    def start_flow(self, flow: str, state: dict[str, Any]) -> None:
        self.conversation.flow = flow
        # The flow keeps to the thread of the message that started it.
        self.conversation.state = {**state, "thread": self.inbound.thread}
        self.thread = self.inbound.thread

    def end_flow(self) -> None:
        self.conversation.flow = None
        self.conversation.state = {}

    def update_state(self, **changes: Any) -> None:
        # A new dict, so SQLAlchemy sees the JSON column change.
        self.conversation.state = {**self.conversation.state, **changes}

    def remember(self, who: str, text: str, language: str | None = None) -> None:
        """One line of the transcript; a person's line keeps the language it was clearly written in."""
        entry: dict[str, Any] = {"who": who, "text": text[:TRANSCRIPT_CHARS]}
        if language:
            entry["language"] = language
        self.conversation.transcript = [*self.conversation.transcript, entry][-TRANSCRIPT_TURNS:]

    # ---- describing tickets -----------------------------------------------------------------------
    def _transition_part(self, value: object) -> object:
        if _is_status(value):
            return self.status_name(str(value))
        if value in ("reply", "reopen"):
            return self.text(f"action_{value}")
        return value

    def status_name(self, status: str, ticket: Ticket | None = None) -> str:
        """A status in the reader's words: "waiting for your answer" only for the one it waits on."""
        reads_as_requester = ticket.requester_id == self.person.id if ticket else not is_worker(self.person)
        return self.text(f"status_{status}" if reads_as_requester else staff_status_key(status))

    def ticket_line(self, ticket: Ticket) -> str:
        if ticket.assignee is None:
            handler = self.text("handler_none")
        elif ticket.status in OPEN_STATUSES:
            handler = self.text("handler_on_it", name=ticket.assignee.display_name)
        else:
            handler = self.text("handler_was", name=ticket.assignee.display_name)
        return self.text(
            "ticket_line",
            key=ticket.key,
            category=self.text(f"cat_{ticket.category}"),
            status=self.status_name(ticket.status, ticket),
            handler=handler,
        )


def _is_status(value: object) -> bool:
    return isinstance(value, str) and value in Status._value2member_map_

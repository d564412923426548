"""Test doubles of the real ports and a transcript-style driver for dialogue tests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import Application
from bot.channels.base import DeliveryError
from bot.clock import FakeClock
from bot.messages import Button, Inbound, Outgoing
from storage.models import OutboxMessage, Ticket

CHANNEL = "console"


class MemoryChannel:
    """A channel adapter that records what it is given; it can be told to fail the next sends.

    Like a chat platform, it gives every message it posts an id (`m1`, `m2`, ...; none at all with
    `gives_refs = False`, like an adapter whose platform has none) and edits a posted message in place
    when asked to (`edit_ref`): `sent` is what was posted, in order; `edits` the edits; `shown(ref)` what
    a posted message shows now."""

    name = CHANNEL

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.refs: list[str] = []  # the id of each message in `sent`
        self.edits: list[Outgoing] = []
        self.failures: list[DeliveryError] = []
        # Failures for the next messages of one kind only ("team_card", "card_update", ...).
        self.kind_failures: dict[str, list[DeliveryError]] = {}
        self.gives_refs = True
        self._shown: dict[str, Outgoing] = {}

    def send(self, message: Outgoing) -> str | None:
        if self.failures:
            raise self.failures.pop(0)
        if self.kind_failures.get(message.kind):
            raise self.kind_failures[message.kind].pop(0)
        if message.edit_ref is not None:
            if message.edit_ref not in self._shown:
                raise DeliveryError("message_not_found", permanent=True)
            self.edits.append(message)
            self._shown[message.edit_ref] = message
            return message.edit_ref
        if message.kind == "card_update":
            raise ValueError(f"outbox {message.outbox_id}: a card update without the card to edit")
        self.sent.append(message)
        ref = f"m{len(self.sent)}"
        self.refs.append(ref)
        self._shown[ref] = message
        return ref if self.gives_refs else None

    def ref_of(self, message: Outgoing) -> str:
        return self.refs[self.sent.index(message)]

    def shown(self, ref: str) -> Outgoing:
        """The message with this id as it reads now, after any edits."""
        return self._shown[ref]


class DeskBot:
    """Drive the real application like people in a chat: `say` returns what the bot sent because of it."""

    def __init__(self, app: Application, channel: MemoryChannel, clock: FakeClock) -> None:
        self.app = app
        self.channel = channel
        self.clock = clock

    def say(
        self,
        who: str,
        text: str,
        *,
        delivery_id: str | None = None,
        button: bool = False,
        thread: str | None = None,
        chat: str | None = None,
        private_replies: bool = False,
    ) -> list[Outgoing]:
        """`who` writes `text` in their direct chat with the bot, or in `chat` (a group), in `thread`."""
        start = len(self.channel.sent)
        self.app.handle(
            Inbound(
                channel=CHANNEL,
                chat_id=chat or who,
                user_id=who,
                text=text,
                thread=thread,
                delivery_id=delivery_id,
                is_button=button,
                user_name=who,
                is_direct=chat is None,
                private_replies=private_replies,
            )
        )
        return self.channel.sent[start:]

    def press(self, who: str, label: str) -> list[Outgoing]:
        """Press the button with this label on the latest message that offered it to `who` or a team."""
        return self.say(who, self.button(label).value, button=True)

    def button(self, label: str) -> Button:
        """The button as the chat shows it now: an edited team card offers what its edit offers."""
        for ref in reversed(self.channel.refs):
            for button in self.channel.shown(ref).buttons:
                if button.label == label:
                    return button
        raise AssertionError(f"no button {label!r} was offered; last: {self.last_texts()}")

    def last_texts(self, count: int = 5) -> list[str]:
        return [f"[{m.address}] {m.text}" for m in self.channel.sent[-count:]]

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.app.sessions() as session:
            yield session

    def tickets(self) -> list[Ticket]:
        with self.session() as session:
            tickets = list(session.scalars(select(Ticket).order_by(Ticket.id)))
            for ticket in tickets:  # load what assertions read, before the session closes
                _ = (ticket.assignee, ticket.requester, ticket.team, ticket.events, ticket.comments)
            return tickets

    def ticket(self, number: int) -> Ticket:
        return next(t for t in self.tickets() if t.id == number)

    def outbox(self) -> list[OutboxMessage]:
        with self.session() as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def texts_to(messages: list[Outgoing], address: str) -> list[str]:
    return [m.text for m in messages if m.address == address]


def text_to(messages: list[Outgoing], address: str) -> str:
    """All that `address` was sent, as one text (for `in` checks)."""
    return "\n".join(texts_to(messages, address))


def labels_to(messages: list[Outgoing], address: str) -> list[str]:
    """The labels of the buttons `address` was offered, in order."""
    return [b.label for m in messages if m.address == address for b in m.buttons]


def say_or_press(bot: DeskBot, who: str, answer: str) -> list[Outgoing]:
    """Say `answer`, or with a leading "!" press the button with the label that follows."""
    return bot.press(who, answer[1:]) if answer.startswith("!") else bot.say(who, answer)


def say_steps(bot: DeskBot, who: str, steps: Sequence[str]) -> list[Outgoing]:
    """Send each step in turn (see `say_or_press`); returns what the bot sent because of the last one."""
    sent: list[Outgoing] = []
    for step in steps:
        sent = say_or_press(bot, who, step)
    return sent

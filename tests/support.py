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
    """A channel adapter that records what it is given; it can be told to fail the next sends."""

    name = CHANNEL

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.failures: list[DeliveryError] = []

    def send(self, message: Outgoing) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)


class DeskBot:
    """Drive the real application like people in a chat: `say` returns what the bot sent because of it."""

    def __init__(self, app: Application, channel: MemoryChannel, clock: FakeClock) -> None:
        self.app = app
        self.channel = channel
        self.clock = clock

    def say(
        self, who: str, text: str, *, delivery_id: str | None = None, button: bool = False
    ) -> list[Outgoing]:
        start = len(self.channel.sent)
        self.app.handle(
            Inbound(
                channel=CHANNEL,
                chat_id=who,
                user_id=who,
                text=text,
                delivery_id=delivery_id,
                is_button=button,
                user_name=who,
            )
        )
        return self.channel.sent[start:]

    def press(self, who: str, label: str) -> list[Outgoing]:
        """Press the button with this label on the latest message that offered it to `who` or a team."""
        return self.say(who, self.button(label).value, button=True)

    def button(self, label: str) -> Button:
        for message in reversed(self.channel.sent):
            for button in message.buttons:
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

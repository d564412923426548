"""One scenario, two channels: played through the terminal channel and through Telegram (the real
python-telegram-bot against the fake Bot API, by long polling and by webhook), it leaves the same tickets,
events, comments and outbox history, and people read the same messages. What differs between the
platforms is how a person acts (a typed line, an update, a button's callback data) and where a message
lands (a printed line, a chat id, a message_id): the desk behind them is one.

The scenario is data (`SCENARIO`); a driver per channel plays it the way a person there would. The
comparison reads the database channel-neutrally: people by handle, teams by id, tickets by key; never a
platform's address, thread, message id or the time a message went out."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.app import Application, build_application
from bot.channels.base import ChannelAdapter
from bot.channels.console import ConsoleChannel
from bot.clock import FakeClock
from bot.config.schema import DeskConfig
from bot.settings import Settings
from bot.terminal import team_members
from nlu.backend import NluBackend
from storage.models import Comment, OutboxMessage, TeamChannel, Ticket, TicketCard, TicketEvent
from tests.telegram.fake_telegram import FakeTelegram
from tests.telegram.support import TelegramDesk, telegram_desk_config
from tests.telegram.updates import PEOPLE, TEAM_GROUPS


# ---- the scenario, as data ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Say:
    """`who` writes `text` to the bot in their own chat with it."""

    who: str
    text: str


@dataclass(frozen=True)
class Press:
    """`who` presses the button labelled `label` on the latest message that offers it to them: in their
    own chat, else (a ticket's card) in one of their teams' channels."""

    who: str
    label: str


@dataclass(frozen=True)
class Command:
    """`who` types a command, in their own chat with the bot or, with `team`, in that team's channel."""

    who: str
    text: str
    team: str | None = None


Step = Say | Press | Command

SCENARIO: tuple[Step, ...] = (
    # alice (German) reports an incident and answers the bot's questions with its buttons
    Say("alice", "Mein Outlook stürzt seit heute Morgen bei jedem Start ab"),
    Press("alice", "Nur ich"),
    Press("alice", "Ich kann gar nicht arbeiten"),
    Press("alice", "Absenden"),
    # bob (English) asks for an installation
    Say("bob", "Please install Visio on my laptop"),
    Press("bob", "Submit"),
    # anna takes alice's ticket with the Claim button of its card in the service desk's channel
    Press("anna", "Übernehmen"),
    # ben takes bob's ticket by command in his team's channel, then notes and answers in his own chat
    Command("ben", "/claim SD-2", team="workplace"),
    Command("ben", "/note SD-2 Lizenz ist vorhanden"),
    Command("ben", "/reply SD-2 Visio will be installed tomorrow at 9"),
    # alice adds something for anna; anna resolves; alice confirms with the button
    Command("alice", "/reply SD-1 Es passiert auch im abgesicherten Modus"),
    Command("anna", "/resolve SD-1 Profil neu angelegt"),
    Press("alice", "Ja, gelöst"),
)

# What each channel must show, in this order: (reader, a part of a message); a reader is a person's handle
# or a team's channel as "#team-id".
KEY_MOMENTS = (
    ("alice", "Deine Anfrage SD-1 (Störung, Priorität P3) ist angelegt und beim Team Service Desk."),
    ("#service-desk", "Neu: SD-1 · Störung · P3 · von Alice Wagner"),
    ("bob", "Your request SD-2 (Installation / order, priority P4) is open and with team Workplace"),
    ("#workplace", "Neu: SD-2 · Installation / Bestellung · P4 · von Bob Miller"),
    ("anna", "Du bearbeitest jetzt SD-1."),
    ("alice", "Anna Schmidt (Service Desk, München, Haus A, Raum 1.12) bearbeitet jetzt deine Anfrage SD-1."),
    ("#service-desk", "SD-1 übernimmt Anna Schmidt."),
    ("ben", "You are now handling SD-2."),
    ("bob", "Ben Fischer (Workplace & Installation, München, Haus A, Raum 0.07 (IT-Werkstatt)) is now"),
    ("bob", "Ben Fischer on SD-2: Visio will be installed tomorrow at 9"),
    ("anna", "Alice Wagner antwortet zu SD-1: Es passiert auch im abgesicherten Modus"),
    ("alice", "Anna Schmidt hat SD-1 gelöst: Profil neu angelegt\nIst dein Anliegen damit erledigt?"),
    ("alice", "Danke! SD-1 ist geschlossen."),
    ("#service-desk", "SD-1: gelöst → geschlossen (Alice Wagner)"),
)


class Driver(Protocol):
    """A channel with people acting in it."""

    app: Application

    def play(self, step: Step) -> None: ...

    def transcript(self) -> list[tuple[str, str]]:
        """Everything that reached the platform, in order: (reader, text as shown, buttons included where
        the platform shows them in the text)."""
        ...

    def readings(self) -> list[tuple[str, str]]:
        """The messages people were sent, in order: (reader, text), without buttons or later edits."""
        ...


# ---- the terminal channel -------------------------------------------------------------------------------
# The line under a message that shows its buttons: "1) Absenden   2) Ändern   3) Abbrechen".
_BUTTON_LINE = re.compile(r"1\) \S.*")


class TerminalDriver:
    """`spoc chat`'s own path: a line goes through `ConsoleChannel.translate` (`@anna ...` is anna's, a
    button is answered by its label) into `Application.handle`; the bot's messages are printed."""

    def __init__(self, app: Application, console: ConsoleChannel, out: io.StringIO) -> None:
        self.app, self.console, self.out = app, console, out

    def play(self, step: Step) -> None:
        text = step.label if isinstance(step, Press) else step.text
        # The terminal has no groups: a command "in the team's channel" is a line like any other.
        inbound = self.console.translate(f"@{step.who} {text}")
        assert inbound is not None
        if isinstance(step, Press):
            assert inbound.is_button, f"{step.who} was offered no button {step.label!r}"
        self.app.handle(inbound)

    def transcript(self) -> list[tuple[str, str]]:
        messages: list[tuple[str, str]] = []
        for line in self.out.getvalue().splitlines():
            if line.startswith("["):
                reader, _, text = line[1:].partition("] ")
                messages.append((reader, text))
            else:  # a message's next line (indented), or its buttons
                reader, text = messages[-1]
                messages[-1] = (reader, f"{text}\n{line.strip()}")
        return messages

    def readings(self) -> list[tuple[str, str]]:
        readings = []
        for reader, text in self.transcript():
            *lines, last = text.split("\n")
            readings.append((reader, "\n".join(lines) if lines and _BUTTON_LINE.fullmatch(last) else text))
        return readings


# ---- Telegram -------------------------------------------------------------------------------------------
class TelegramDriver:
    """People in Telegram: private chats with the bot, commands in a team's group, inline keyboards."""

    def __init__(self, desk: TelegramDesk, config: DeskConfig) -> None:
        self.desk, self.app, self.fake = desk, desk.app, desk.fake
        self.groups = {p.id: [TEAM_GROUPS[team] for team in p.teams] for p in config.people if p.id in PEOPLE}
        self.readers = {user.id: handle for handle, user in PEOPLE.items()}
        self.readers.update({group: f"#{team}" for team, group in TEAM_GROUPS.items()})

    def play(self, step: Step) -> None:
        user = PEOPLE[step.who]
        if isinstance(step, Say):
            self.desk.say(user, step.text)
        elif isinstance(step, Command):
            self.desk.command(user, step.text, step.team)
        else:
            chat, message_id = self._offering(step.who, step.label)
            self.desk.press(user, chat, message_id, step.label)

    def _offering(self, who: str, label: str) -> tuple[int, int]:
        """The latest message whose keyboard (as it is now) offers the button: in the person's private
        chat, else in one of their teams' groups."""
        for chats in ([PEOPLE[who].id], self.groups[who]):
            for call in reversed(self.fake.sent()):
                if call.chat_id not in chats or call.message_id is None:
                    continue
                if label in dict(self.fake.buttons(call.chat_id, call.message_id)):
                    return call.chat_id, call.message_id
        raise AssertionError(f"{who} was offered no button {label!r}")

    def transcript(self) -> list[tuple[str, str]]:
        # Sent messages, and the edits of the teams' cards (sent by the relay, in order). A pressed
        # keyboard's edit in a private chat ("› Absenden") is made while the press is being handled, so
        # where it falls among the answers is a matter of timing: left out.
        return [
            (self.readers[call.chat_id], call.visible_text or "")
            for call in self.fake.calls
            if call.ok
            and call.chat_id in self.readers
            and (call.method == "sendMessage" or (call.method == "editMessageText" and call.chat_id < 0))
        ]

    def readings(self) -> list[tuple[str, str]]:
        return [
            (self.readers[call.chat_id], call.visible_text or "")
            for call in self.fake.sent()
            if call.chat_id in self.readers
        ]


# ---- running the scenario once per channel --------------------------------------------------------------
TERMINAL = "terminal"
TELEGRAM = ("telegram-polling", "telegram-webhook")


def start(
    channel: str, database: str, nlu: NluBackend, config: DeskConfig
) -> tuple[Driver, Callable[[], None]]:
    """The desk on `channel`, on a fresh database, with the fake clock at its usual start; returns the
    driver and what closes it all."""
    clock = FakeClock()
    settings = Settings(spoc_database_url=database, _env_file=None)  # type: ignore[call-arg]

    def build(adapters: dict[str, ChannelAdapter]) -> Application:
        return build_application(settings, adapters, clock=clock, nlu=nlu, config=config)

    if channel == TERMINAL:
        out = io.StringIO()
        console = ConsoleChannel(out, "alice", team_members(config))
        app = build({console.name: console})
        return TerminalDriver(app, console, out), app.close
    fake = FakeTelegram()
    desk = TelegramDesk(build, fake, clock, webhook=channel == "telegram-webhook")

    def close() -> None:
        desk.close()
        desk.app.close()
        fake.close()

    return TelegramDriver(desk, config), close


@dataclass
class Played:
    """What a channel left once the scenario was played: the desk's history, and what people saw."""

    history: dict[str, list[tuple[Any, ...]]]
    transcript: list[tuple[str, str]]
    readings: list[tuple[str, str]]


@dataclass
class Plays:
    """Each channel's play of the scenario, played once per module on first use."""

    folder: Path
    nlu: NluBackend
    config: DeskConfig
    done: dict[str, Played] = field(default_factory=dict)

    def __call__(self, channel: str) -> Played:
        if channel not in self.done:
            driver, close = start(
                channel, f"sqlite:///{self.folder / f'{channel}.db'}", self.nlu, self.config
            )
            try:
                for step in SCENARIO:
                    driver.play(step)
                self.done[channel] = Played(history(driver.app), driver.transcript(), driver.readings())
            finally:
                close()
        return self.done[channel]


@pytest.fixture(scope="module")
def plays(
    tmp_path_factory: pytest.TempPathFactory, nlu: NluBackend, demo_config: DeskConfig
) -> Iterator[Plays]:
    # One configuration for every channel: the demo desk with its Telegram groups and accounts added; the
    # terminal's team channels (#service-desk...) are in it too.
    yield Plays(tmp_path_factory.mktemp("channels-alike"), nlu, telegram_desk_config(demo_config))


# ---- what the desk remembers, channel-neutrally ---------------------------------------------------------
Rows = list[dict[str, Any]]


def history(app: Application) -> dict[str, Rows]:
    with app.sessions() as session:
        tickets = session.scalars(
            select(Ticket)
            .options(selectinload(Ticket.requester), selectinload(Ticket.assignee), selectinload(Ticket.team))
            .order_by(Ticket.id)
        ).all()
        events = session.scalars(select(TicketEvent).order_by(TicketEvent.id)).all()
        comments = session.scalars(select(Comment).order_by(Comment.id)).all()
        teams = {(c.channel, c.address): c.team.slug for c in session.scalars(select(TeamChannel))}
        outbox = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        cards = session.scalars(select(TicketCard).order_by(TicketCard.id)).all()
        return {
            "tickets": [ticket_row(ticket) for ticket in tickets],
            "events": [
                {
                    "ticket": f"SD-{e.ticket_id}",
                    "kind": e.kind,
                    "actor": e.actor.handle if e.actor else None,
                    "old": e.old_value,
                    "new": e.new_value,
                    "note": e.note,
                    "at": e.at,
                }
                for e in events
            ],
            "comments": [
                {
                    "ticket": f"SD-{c.ticket_id}",
                    "author": c.author.handle,
                    "body": c.body,
                    "public": c.public,
                    "at": c.created_at,
                }
                for c in comments
            ],
            "outbox": [outbox_row(row, teams) for row in outbox],
            "cards": [{"ticket": f"SD-{c.ticket_id}", "team": teams[c.channel, c.address]} for c in cards],
        }


def ticket_row(t: Ticket) -> dict[str, Any]:
    return {
        "key": t.key, "category": t.category, "team": t.team.slug, "status": t.status, "priority": t.priority,
        "impact": t.impact, "urgency": t.urgency, "language": t.language, "requester": t.requester.handle,
        "assignee": t.assignee.handle if t.assignee else None, "title": t.title,
        "description": t.description, "details": t.details, "created_at": t.created_at,
        "first_response_at": t.first_response_at, "resolved_at": t.resolved_at, "closed_at": t.closed_at,
        "response_due_at": t.response_due_at, "resolution_due_at": t.resolution_due_at,
    }  # fmt: skip


def outbox_row(row: OutboxMessage, teams: dict[tuple[str, str], str]) -> dict[str, Any]:
    # To a person (by handle), or to the team whose channel it went to.
    to = row.recipient_person.handle if row.recipient_person else teams[row.channel, row.address]
    return {
        "kind": neutral_kind(row.kind),
        "to": to,
        "ticket": f"SD-{row.ticket_id}" if row.ticket_id else None,
        "text": row.text,
        "buttons": [(b["label"], b["value"]) for b in row.buttons],
        # delivered at the first attempt, given up, or still waiting
        "sent": row.sent_at is not None,
        "failed": row.failed_at is not None,
        "attempts": row.attempts,
        "last_error": row.last_error,
    }


def neutral_kind(kind: str) -> str:
    # In a Telegram group, the answer to a command or to a card's button is for the one who typed or
    # pressed it alone: written as kind "private" and sent to their private chat. The terminal has no
    # groups: the same line is the person's own, answered in their own chat as a plain "reply". Same
    # person, same text.
    return "reply" if kind == "private" else kind


# ---- the tests ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("channel", [TERMINAL, *TELEGRAM])
def test_each_channel_shows_the_key_moments_in_order(plays: Plays, channel: str) -> None:
    played = plays(channel)
    shown = iter(played.transcript)
    for reader, part in KEY_MOMENTS:
        assert any(r == reader and part in text for r, text in shown), (
            f"{channel}: {reader} was not shown {part!r} (after the moments before it)"
        )
    # the internal note is for the desk alone; the requester never reads it
    assert not [text for reader, text in played.transcript if reader == "bob" and "Lizenz" in text]
    what = ("category", "team", "status", "requester", "assignee")
    assert [tuple(t[k] for k in what) for t in played.history["tickets"]] == [
        ("incident", "service-desk", "closed", "alice", "anna"),
        ("installation", "workplace", "assigned", "bob", "ben"),
    ]
    # ben's note is internal; his answer, alice's and anna's resolution are public
    assert [(c["author"], c["public"]) for c in played.history["comments"]] == [
        ("ben", False), ("ben", True), ("alice", True), ("anna", True),
    ]  # fmt: skip


def test_telegram_shows_the_cards_changing_in_place_and_the_terminal_their_notices(plays: Plays) -> None:
    # The terminal cannot change a printed line: it prints the team's notices, and the card updates are
    # recorded as sent without being shown (the outbox rows exist on both channels, see below).
    card = (
        "SD-1 · Störung · P3 · von Alice Wagner\nMein Outlook stürzt seit heute Morgen bei jedem Start ab\n"
    )
    telegram = plays("telegram-polling").transcript
    states = [
        text.removeprefix(card) for r, text in telegram if r == "#service-desk" and text.startswith(card)
    ]
    assert states == [
        "Status: zugewiesen · Bearbeitung: Anna Schmidt",
        "Status: gelöst · Bearbeitung: Anna Schmidt",
        "Status: geschlossen · Bearbeitung: Anna Schmidt",
    ]
    assert not [text for r, text in plays(TERMINAL).transcript if text.startswith(card)]


@pytest.mark.parametrize("part", ["tickets", "events", "comments", "outbox", "cards"])
@pytest.mark.parametrize("channel", [pytest.param(c, id=f"{c}-vs-terminal") for c in TELEGRAM])
def test_the_same_history_on_telegram_as_in_the_terminal(plays: Plays, channel: str, part: str) -> None:
    terminal, telegram = plays(TERMINAL).history[part], plays(channel).history[part]
    assert terminal, f"the scenario left no {part}"
    assert telegram == terminal


@pytest.mark.parametrize("channel", [pytest.param(c, id=f"{c}-vs-terminal") for c in TELEGRAM])
def test_people_read_the_same_messages_on_telegram_as_in_the_terminal(plays: Plays, channel: str) -> None:
    assert plays(channel).readings == plays(TERMINAL).readings

"""`spoc eval conversations`: whole conversations, written apart from the code, through the terminal
channel on a fresh database each, scored on the tickets they leave and on how the bot talked.

A conversation file (YAML) holds ``conversations:``, each with ``id``, ``person``, ``language`` (the
language every reply to the person must be in; with ``switch_at: N`` only from turn N on, the person's
own language before), ``pattern``, ``turns`` (lines as typed into `spoc chat`; ``@name text`` is that
person's), ``said`` (field → index of the turn that first gave it) and ``tickets`` (expected, in key
order: category, priority, team, optional status, ``contains`` {field: words}, ``comment``).

Measured: the share of conversations that leave exactly the right tickets; re-asked questions (a
question asked again because the answer was not understood) per conversation; questions about what the
conversation had already said; person turns until the first ticket; replies in the wrong language.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml
from sqlalchemy import select

from bot.app import build_application
from bot.channels.console import ConsoleChannel
from bot.clock import Clock, SystemClock
from bot.config.loader import load_desk_config
from bot.i18n import TEXTS
from bot.messages import Outgoing
from bot.settings import Settings
from bot.terminal import team_members
from nlu.answers import AnswerModels
from nlu.backend import NluBackend
from storage.database import make_engine
from storage.migrate import upgrade
from storage.models import Conversation, Person, Ticket

GOALS = {"right_tickets": 0.95, "reasked_per_conversation": 0.1, "asked_already_said": 0, "wrong_language": 0}
_HOME_LANGUAGE = {"alice": "de", "bob": "en", "paul": "de"}


class _RecordingConsole(ConsoleChannel):
    """The terminal channel, keeping what it printed as messages too."""

    def __init__(self, out: TextIO, current: str) -> None:
        super().__init__(out, current)
        self.messages: list[Outgoing] = []

    def send(self, message: Outgoing) -> str | None:
        self.messages.append(message)
        return super().send(message)


@dataclass
class Scored:
    id: str
    pattern: str
    right: bool
    reasked: int
    asked_already_said: int
    wrong_language: int
    turns_to_ticket: int | None
    problems: list[str] = field(default_factory=list)


def load_conversations(folder: Path) -> list[dict[str, Any]]:
    conversations: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        conversations.extend(doc.get("conversations") or [])
    return conversations


def evaluate(
    folder: Path,
    nlu: NluBackend,
    answers: AnswerModels,
    clock: Clock | None = None,
) -> list[Scored]:
    clock = clock or SystemClock()
    config = load_desk_config(None)
    with tempfile.TemporaryDirectory(prefix="spoc-eval-") as tmp:
        template = Path(tmp) / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        scored = []
        for number, conversation in enumerate(load_conversations(folder)):
            database = Path(tmp) / f"c{number}.db"
            shutil.copy(template, database)
            scored.append(_run(conversation, f"sqlite:///{database}", nlu, answers, clock, config))
            database.unlink()
    return scored


def _run(
    conversation: dict[str, Any], url: str, nlu: NluBackend, answers: AnswerModels, clock: Clock, config: Any
) -> Scored:
    person = str(conversation["person"])
    console = _RecordingConsole(io.StringIO(), person)
    settings = Settings(spoc_database_url=url, _env_file=None)  # type: ignore[call-arg]
    app = build_application(
        settings, {"console": console}, clock=clock, nlu=nlu, config=config, answers=answers
    )
    console.team_members = team_members(app.config)
    said: dict[str, int] = {str(k): int(v) for k, v in (conversation.get("said") or {}).items()}
    switch_at = conversation.get("switch_at")
    expected_language = str(conversation["language"])
    reasked = already = wrong_language = 0
    turns_to_ticket: int | None = None
    person_turns = 0
    asked_before: tuple[str, str] | None = None
    try:
        for index, line in enumerate(conversation["turns"]):
            inbound = console.translate(str(line))
            if inbound is None:
                continue
            own = inbound.user_id == person
            person_turns += own
            before = len(console.messages)
            misses_before = _state(app, person).get("misses") or 0
            app.handle(inbound)
            state = _state(app, person)
            if own and (state.get("misses") or 0) > misses_before:
                reasked += 1
            asking = (str(state.get("category")), str(state["asking"])) if state.get("asking") else None
            if asking and asking != asked_before and asking[1] in said and said[asking[1]] <= index:
                already += 1
            asked_before = asking
            if turns_to_ticket is None and _ticket_count(app) > 0:
                turns_to_ticket = person_turns
            language = (
                expected_language
                if switch_at is None or index >= int(switch_at)
                else _HOME_LANGUAGE.get(person, "de")
            )
            if own:
                for message in console.messages[before:]:
                    shown = reply_language(message.text)
                    if message.address == person and shown is not None and shown != language:
                        wrong_language += 1
        problems = _compare(app, conversation.get("tickets") or [])
    finally:
        app.close()
    return Scored(
        id=str(conversation["id"]),
        pattern=str(conversation.get("pattern", "")),
        right=not problems,
        reasked=reasked,
        asked_already_said=already,
        wrong_language=wrong_language,
        turns_to_ticket=turns_to_ticket,
        problems=problems,
    )


def _state(app: Any, handle: str) -> dict[str, Any]:
    with app.sessions() as session:
        row = session.scalar(
            select(Conversation)
            .join(Person, Person.id == Conversation.person_id)
            .where(Person.handle == handle)
        )
        return dict(row.state or {}) if row is not None and row.flow == "request" else {}


def _ticket_count(app: Any) -> int:
    with app.sessions() as session:
        return len(session.scalars(select(Ticket.id)).all())


def _compare(app: Any, expected: Sequence[dict[str, Any]]) -> list[str]:
    with app.sessions() as session:
        tickets = list(session.scalars(select(Ticket).order_by(Ticket.id)))
        if len(tickets) != len(expected):
            return [f"{len(tickets)} tickets, expected {len(expected)}"]
        problems: list[str] = []
        for ticket, want in zip(tickets, expected, strict=True):
            for name, got in (
                ("category", ticket.category),
                ("priority", ticket.priority),
                ("team", ticket.team.slug),
                ("status", ticket.status),
            ):
                if name in want and str(want[name]) != str(got):
                    problems.append(f"{ticket.key} {name} {got}, expected {want[name]}")
            for name, words in (want.get("contains") or {}).items():
                value = " ".join(
                    [str((ticket.details or {}).get(name, ""))]
                    + (
                        [ticket.title, ticket.description]
                        if name in ("what", "question", "document", "topic")
                        else []
                    )
                ).lower()
                if str(words).lower() not in value:
                    problems.append(f"{ticket.key} {name} lacks {words!r}")
            if "comment" in want and not any(
                str(want["comment"]).lower() in c.body.lower() for c in ticket.comments if c.public
            ):
                problems.append(f"{ticket.key} has no comment with {want['comment']!r}")
        return problems


def _prefixes() -> list[tuple[str, str]]:
    """The fixed start of every text the bot says, with its language (longest first)."""
    found: dict[str, set[str]] = defaultdict(set)
    for texts in TEXTS.values():
        for language, template in texts.items():
            prefix = template.split("{", 1)[0].strip()
            if len(prefix) >= 4:
                found[prefix].add(language)
    return sorted(((p, next(iter(ls))) for p, ls in found.items() if len(ls) == 1), key=lambda x: -len(x[0]))


_PREFIXES = _prefixes()


def reply_language(text: str) -> str | None:
    """The language a reply of the bot's is written in, from the template it starts with."""
    for prefix, language in _PREFIXES:
        if text.startswith(prefix):
            return language
    return None


def report(scored: Sequence[Scored], out: TextIO, as_json: bool = False) -> dict[str, Any]:
    count = len(scored) or 1
    reached = [s.turns_to_ticket for s in scored if s.turns_to_ticket is not None]
    summary = {
        "conversations": len(scored),
        "right_tickets": round(sum(s.right for s in scored) / count, 4),
        "reasked_per_conversation": round(sum(s.reasked for s in scored) / count, 4),
        "asked_already_said": sum(s.asked_already_said for s in scored),
        "turns_to_ticket": round(sum(reached) / len(reached), 2) if reached else None,
        "wrong_language": sum(s.wrong_language for s in scored),
        "per_pattern": {
            pattern: {
                "conversations": total,
                "right": sum(s.right for s in scored if s.pattern == pattern),
            }
            for pattern, total in sorted(Counter(s.pattern for s in scored).items())
        },
        "failed": [{"id": s.id, "problems": s.problems} for s in scored if not s.right],
    }
    if as_json:
        out.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        return summary
    out.write(f"conversations: {summary['conversations']}\n")
    out.write(f"right tickets: {summary['right_tickets']:.1%} (goal {GOALS['right_tickets']:.0%})\n")
    out.write(f"re-asked questions per conversation: {summary['reasked_per_conversation']:.2f}\n")
    out.write(f"questions about what was already said: {summary['asked_already_said']}\n")
    out.write(f"turns to the first ticket (mean): {summary['turns_to_ticket']}\n")
    out.write(f"replies in the wrong language: {summary['wrong_language']}\n")
    out.write("per pattern (right / all):\n")
    for pattern, figures in summary["per_pattern"].items():
        out.write(f"  {pattern:16} {figures['right']:3} / {figures['conversations']}\n")
    return summary


def meets_goals(summary: dict[str, Any]) -> bool:
    return (
        summary["right_tickets"] >= GOALS["right_tickets"]
        and summary["reasked_per_conversation"] <= GOALS["reasked_per_conversation"]
        and summary["asked_already_said"] <= GOALS["asked_already_said"]
        and summary["wrong_language"] <= GOALS["wrong_language"]
    )

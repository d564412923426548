"""Reading a person's answer to one question: free text, a choice of three levels, a number, or a time
(kept as written, with the date it resolves to)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dates import upcoming, with_resolved
from bot.intents.catalogue import Question
from bot.messages import Button
from bot.turn import Turn

MAX_ANSWER = 500
MAX_PARTICIPANTS = 500
LEVELS = ("low", "medium", "high")
_NUMBER = re.compile(r"\b(\d{1,6})\b")
_WORD_NUMBERS = {
    "ein": 1, "eine": 1, "einer": 1, "one": 1, "zwei": 2, "two": 2, "drei": 3, "three": 3, "vier": 4,
    "four": 4, "fünf": 5, "fuenf": 5, "five": 5, "sechs": 6, "six": 6, "sieben": 7, "seven": 7, "acht": 8,
    "eight": 8, "neun": 9, "nine": 9, "zehn": 10, "ten": 10, "zwölf": 12, "twelve": 12,
}  # fmt: skip


@dataclass(frozen=True)
class Parsed:
    value: str | None
    # The text key of the hint to give when the answer could not be read.
    problem: str | None = None


def level_labels(question: Question) -> str:
    """The prefix of the texts naming a question's levels. An incident's urgency is asked as "can you
    work?"; an order's urgency is never asked, only taken from "dringend" / "no rush", so it reads
    "urgent" / "not urgent"."""
    return f"{question.kind}_cue" if question.kind == "urgency" and not question.ask else question.kind


def question_key(category: str, question: Question) -> str:
    return "q_urgency_cue" if level_labels(question) == "urgency_cue" else f"q_{category}_{question.name}"


def level_buttons(turn: Turn, labels: str) -> tuple[Button, ...]:
    return tuple(turn.button(f"{labels}_{level}", level) for level in LEVELS)


def buttons_for(turn: Turn, question: Question) -> tuple[Button, ...]:
    return level_buttons(turn, level_labels(question)) if question.kind in ("impact", "urgency") else ()


def parse_answer(
    turn: Turn, question: Question, text: str, entities: Sequence[Mapping[str, Any]] = ()
) -> Parsed:
    """``entities``: what the NLU found in ``text`` (a date for a "when?" question)."""
    text = text.strip()
    if question.kind in ("impact", "urgency"):
        return _parse_level(turn, level_labels(question), text)
    if question.kind == "number":
        return _parse_number(text)
    if not text:
        return Parsed(None, "answer_empty")
    if question.kind == "datetime":
        return Parsed(_with_resolved_date(turn, text[:MAX_ANSWER], entities))
    return Parsed(text[:MAX_ANSWER])


def _with_resolved_date(turn: Turn, text: str, entities: Sequence[Mapping[str, Any]]) -> str:
    # "Irgendwann im Januar" names no day: it stays as written.
    entity = upcoming(entities)
    return with_resolved(text, entity, turn.language) if entity else text


def _parse_level(turn: Turn, labels_prefix: str, text: str) -> Parsed:
    lowered = text.lower()
    if lowered in LEVELS:
        return Parsed(lowered)
    if lowered in ("1", "2", "3"):
        return Parsed(LEVELS[int(lowered) - 1])
    for level in LEVELS:
        labels = {turn.translate(language, f"{labels_prefix}_{level}").lower() for language in ("de", "en")}
        if lowered in labels:
            return Parsed(level)
    return Parsed(None, "answer_choose")


def _parse_number(text: str) -> Parsed:
    match = _NUMBER.search(text)
    number = int(match.group(1)) if match else _WORD_NUMBERS.get(text.lower().split()[0] if text else "")
    if number is None or not 1 <= number <= MAX_PARTICIPANTS:
        return Parsed(None, "answer_number")
    return Parsed(str(number))

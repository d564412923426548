"""Reading a person's answer to one question: free text, a choice of three levels, or a number."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def level_buttons(turn: Turn, kind: str) -> tuple[Button, ...]:
    return tuple(turn.button(f"{kind}_{level}", level) for level in LEVELS)


def buttons_for(turn: Turn, question: Question) -> tuple[Button, ...]:
    return level_buttons(turn, question.kind) if question.kind in ("impact", "urgency") else ()


def parse_answer(turn: Turn, question: Question, text: str) -> Parsed:
    text = text.strip()
    if question.kind in ("impact", "urgency"):
        return _parse_level(turn, question.kind, text)
    if question.kind == "number":
        return _parse_number(text)
    return Parsed(text[:MAX_ANSWER]) if text else Parsed(None, "answer_empty")


def _parse_level(turn: Turn, kind: str, text: str) -> Parsed:
    lowered = text.lower()
    if lowered in LEVELS:
        return Parsed(lowered)
    if lowered in ("1", "2", "3"):
        return Parsed(LEVELS[int(lowered) - 1])
    for level in LEVELS:
        labels = {turn.translate(language, f"{kind}_{level}").lower() for language in ("de", "en")}
        if lowered in labels:
            return Parsed(level)
    return Parsed(None, "answer_choose")


def _parse_number(text: str) -> Parsed:
    match = _NUMBER.search(text)
    number = int(match.group(1)) if match else _WORD_NUMBERS.get(text.lower().split()[0] if text else "")
    if number is None or not 1 <= number <= MAX_PARTICIPANTS:
        return Parsed(None, "answer_number")
    return Parsed(str(number))

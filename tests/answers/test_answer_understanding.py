"""Answer understanding, table-driven: hundreds of free-text answers per answer kind in German and English
(tests/answers/cases_*.yml, written apart from the training data in nlu/answer_data), including answers
that must NOT be read as a choice. Each kind must read its table well; a "none" text must never become a
choice at the confidence the bot acts on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import desk_entities
from bot.clock import FakeClock
from bot.config.loader import load_desk_config
from bot.flows.answers import ASKED_CONFIDENCE, META_CONFIDENCE, read_count
from nlu.answers import NONE, AnswerModels

CASES = Path(__file__).parent
LANGUAGES = ("de", "en")
# The share of a kind's table read right (label, or "not an answer" for the none list).
MIN_ACCURACY = 0.9
# Of the texts that are no answer, at most this share may be taken as one.
MAX_FALSE_CHOICES = 0.05


def cases(language: str) -> dict[str, Any]:
    return yaml.safe_load((CASES / f"cases_{language}.yml").read_text(encoding="utf-8"))


def _read(answers: AnswerModels, kind: str, text: str, threshold: float) -> str:
    reading = answers.read(kind, text)
    return reading.label if reading.label != NONE and reading.confidence >= threshold else NONE


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["impact", "blocking", "summary", "yesno", "meta"])
def test_each_kind_reads_its_table(answers: AnswerModels, language: str, kind: str) -> None:
    table = cases(language)[kind]
    threshold = META_CONFIDENCE if kind == "meta" else ASKED_CONFIDENCE
    wrong: list[str] = []
    total = 0
    for label, texts in table.items():
        for text in texts:
            total += 1
            got = _read(answers, kind, text, threshold)
            if got != str(label):
                wrong.append(f"{text!r}: {got}, expected {label}")
    accuracy = 1 - len(wrong) / total
    assert total >= 120  # at least 40 per label and the none list
    assert accuracy >= MIN_ACCURACY, f"{accuracy:.1%} right; wrong:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["impact", "blocking", "summary", "yesno"])
def test_no_answer_is_rarely_taken_for_a_choice(answers: AnswerModels, language: str, kind: str) -> None:
    none = cases(language)[kind][NONE]
    taken = [text for text in none if _read(answers, kind, text, ASKED_CONFIDENCE) != NONE]
    assert len(taken) <= MAX_FALSE_CHOICES * len(none), taken


@pytest.mark.parametrize("language", LANGUAGES)
def test_head_counts(language: str) -> None:
    extractor = desk_entities(load_desk_config(None), FakeClock())
    table = cases(language)
    wrong = []
    for text, expected in table["number"]:
        got = read_count(text, extractor.extract(text))
        if got != expected:
            wrong.append(f"{text!r}: {got}, expected {expected}")
    for text in table["number_none"]:
        got = read_count(text, extractor.extract(text))
        if got is not None:
            wrong.append(f"{text!r}: {got}, expected no number")
    total = len(table["number"]) + len(table["number_none"])
    assert 1 - len(wrong) / total >= MIN_ACCURACY, "\n".join(wrong)


@pytest.mark.parametrize(
    ("kind", "text", "label"),
    [
        # The issue's own examples: each must be read right.
        ("impact", "unser ganzes Team, etwa 8 Leute", "medium"),
        ("impact", "nur bei mir glaub ich", "low"),
        ("impact", "me and 2 ppl in my team", "medium"),
        ("impact", "the whole floor", "high"),
        ("blocking", "geht so, ich kann halbwegs arbeiten", "medium"),
        ("blocking", "pretty much blocked, can't schedule anything", "high"),
        ("blocking", "kann gar nicht arbeiten", "high"),
        ("blocking", "nervig, aber geht", "medium"),
        ("blocking", "it's blocking the release", "high"),
        ("summary", "ja passt", "confirm"),
        ("summary", "ja bitte", "confirm"),
        ("summary", "ok danke", "confirm"),
        ("summary", "jo", "confirm"),
        ("summary", "yes please", "confirm"),
        ("summary", "yep", "confirm"),
        ("summary", "cool, thanks", "confirm"),
        ("summary", "perfect", "confirm"),
        ("summary", "👍", "confirm"),
        ("meta", "weiß nicht", "dont_know"),
        ("meta", "no idea", "dont_know"),
        ("meta", "ach, vergiss es, hat sich erledigt", "withdraw"),
        ("meta", "never mind, it works again", "withdraw"),
        ("meta", "danke trotzdem", "withdraw"),
        ("meta", "was meinst du mit Inventarnummer?", "clarify"),
        ("meta", "what do you mean?", "clarify"),
    ],
)
def test_the_examples_people_gave(answers: AnswerModels, kind: str, text: str, label: str) -> None:
    threshold = META_CONFIDENCE if kind == "meta" else ASKED_CONFIDENCE
    assert _read(answers, kind, text, threshold) == label

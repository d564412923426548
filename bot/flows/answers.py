"""Reading a person's answer to one question the way a colleague would: free text, a choice of three
levels (in any words: "nur bei mir glaub ich", "pretty much blocked"), a number ("zu dritt", "a dozen"),
a time (kept as written, with the date it resolves to), or "weiß nicht" where the field may stay open.

The NLU's answer classifiers (``nlu.answers``) say which option a text means and how sure they are;
this module adds what only the bot knows: the options' labels and numbers as shown, which fields may stay
unknown, and how a head count maps to "who is affected".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dates import upcoming, with_resolved
from bot.intents.catalogue import FirstMessage, Question
from bot.intents.prefill import impact as prefill_impact
from bot.intents.prefill import impact_of_count
from bot.messages import Button
from bot.turn import Turn
from nlu.answers import NONE
from nlu.cues import number_value
from nlu.language import looks_like_code

MAX_ANSWER = 500
MAX_PARTICIPANTS = 500
LEVELS = ("low", "medium", "high")
# How sure a classifier must be to take a free text as the answer to the question just asked...
ASKED_CONFIDENCE = 0.5
# ...and to take it as the answer to a question not asked yet ("seit gestern, und das ganze Team hat es"):
# a wrong pre-fill is worse than a question.
AHEAD_CONFIDENCE = 0.8
# How likely a level must be, though unsure, to be proposed back ("Meinst du »Nur ich«?").
GUESS_CONFIDENCE = 0.2
# What people say instead of an answer ("weiß nicht", "was meinst du?", "hat sich erledigt").
META_CONFIDENCE = 0.6
# A free-text answer this short that is only a yes or a no ("jup", "nö") answers no "which?" question.
BARE_WORDS = 2
_NUMBER = re.compile(r"(?<![\w.,:/#-])(\d{1,6})(?![\d.,:]\d)")
_WORD = re.compile(r"[^\W\d_]+")
_BARE = re.compile(r"[\s.,;:!?()\"'»«„“”]+")
_ONLY_ME = re.compile(
    r"^(?:nur\s+)?(?:für\s+)?(?:mich|ich)(?:\s+allein)?$|^(?:just|only)?\s*(?:for\s+)?(?:me|myself)(?:\s+alone)?$",
    re.IGNORECASE,
)


_NUMBER_WORD = r"\d{1,4}|[^\W\d_]+"
# "ich plus 3", "me and 4 others", "für mich und 4 weitere": the writer and N more.
_ME_PLUS = re.compile(
    rf"\b(?:ich|mich|me|myself|i)\s+(?:und|and|plus|\+)\s+({_NUMBER_WORD})\s*(?:weitere\w*|andere\w*|others?|"
    r"more|more\s+people|leute|people)?$"
)
# "ich und mein Kollege", "me and my boss": the writer and one more.
_ME_AND_ONE = re.compile(
    r"\b(?:ich|mich|me|myself|i)\s+(?:und|and)\s+(?:mein|meine|meinen|my|ein|eine|einen|a|an|one)\s+"
    r"(?!(?:team|abteilung|department|kollegen\b|colleagues|leute|people))[^\W\d_]+$"
)
_BOTH = re.compile(r"\b(?:uns\s+beide|wir\s+beide|zu\s+zweit|beide|both\s+of\s+us|the\s+two\s+of\s+us)\b")
_ONE_PERSON = re.compile(r"^(?:nur\s+)?(?:eine|one|a\s+single|1)\s+(?:person|personen|mensch|person\s+only)$")
_DOZEN = re.compile(r"(?:\b(halbes|half\s+a|half|\d{1,3}|[^\W\d_]+)\s+)?(?:dutzend|dozen)\b")
_COUNTED = re.compile(r"(?<![\w.,:/#-])(\d{1,4}|[^\W\d_]+)(?![\d.,:]\d)(?!\.\s)")
# A number followed by one of these counts something else: days, floors, hours, a time.
_UNIT_AFTER = re.compile(
    r"\.?\s*(?:tag|tage|tagen|woche|wochen|monat|monate|monaten|jahr|jahre|stunde|stunden|minute|minuten|"
    r"uhr|og|stock|etage|floor|days?|weeks?|months?|years?|hours?|minutes?|am|pm|h|%|gb|mb)\b"
)


_TOTAL = re.compile(
    r"\b(?:also|insgesamt|in\s+total|total|that\s+makes|das\s+sind|macht|so)\s+(\d{1,4}|[^\W\d_]+)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Answer:
    """What one message says to the question asked. ``value`` when understood; ``unknown`` when the
    person does not know and the field may stay open; else ``problem``, the text key of what to ask."""

    value: str | None = None
    unknown: bool = False
    problem: str | None = None


def level_labels(question: Question) -> str:
    """The prefix of the texts naming a question's levels. An incident's urgency is asked as "can you
    work?"; an order's urgency is never asked, only taken from "dringend" / "no rush", so it reads
    "urgent" / "not urgent"."""
    return f"{question.kind}_cue" if question.kind == "urgency" and not question.ask else question.kind


def question_key(category: str, question: Question) -> str:
    return "q_urgency_cue" if level_labels(question) == "urgency_cue" else f"q_{category}_{question.name}"


def reask_key(question: Question) -> str | None:
    """A second wording of the question, with examples, for when the first answer was not understood."""
    if question.kind in ("impact", "urgency"):
        return f"reask_{level_labels(question)}"
    if question.kind == "number":
        return "reask_number"
    return None


def level_buttons(turn: Turn, labels: str) -> tuple[Button, ...]:
    return tuple(turn.button(f"{labels}_{level}", level) for level in LEVELS)


def buttons_for(turn: Turn, question: Question) -> tuple[Button, ...]:
    return level_buttons(turn, level_labels(question)) if question.kind in ("impact", "urgency") else ()


def read_meta(turn: Turn, text: str) -> str | None:
    """ "dont_know", "clarify" or "withdraw" when that is what the message says instead of an answer.
    Code or SQL is taken as typed (an answer), never as one of these."""
    if looks_like_code(text):
        return None
    reading = turn.nlu.read_answer("meta", text)
    return reading.label if reading.label != NONE and reading.confidence >= META_CONFIDENCE else None


def outweighs_meta(turn: Turn, question: Question, text: str) -> bool:
    """Whether a text reads more surely as a level of ``question`` than as "weiß nicht" / "never mind":
    "it's impaired" answers "how badly?", though it sounds a little like giving up."""
    if question.kind not in ("impact", "urgency") or level_labels(question) == "urgency_cue":
        return False
    kind = "impact" if question.kind == "impact" else "blocking"
    level = turn.nlu.read_answer(kind, text)
    meta = turn.nlu.read_answer("meta", text)
    return level.label != NONE and level.confidence >= ASKED_CONFIDENCE and level.confidence > meta.confidence


def understand(
    turn: Turn, question: Question, text: str, entities: Sequence[Mapping[str, Any]] = ()
) -> Answer:
    """The answer to ``question`` in ``text``; ``entities`` are what the NLU found in it."""
    text = text.strip()
    if question.kind in ("impact", "urgency"):
        level = read_level(turn, question, text, entities, ASKED_CONFIDENCE)
        return Answer(level) if level else Answer(problem="answer_choose")
    if question.kind == "number":
        number = read_count(text, entities)
        if number is None or not 1 <= number <= MAX_PARTICIPANTS:
            return Answer(problem="answer_number")
        return Answer(str(number))
    if not _WORD.search(text) and not _NUMBER.search(text):
        return Answer(problem="answer_empty")
    if len(text.split()) <= BARE_WORDS and _is_bare_yes_or_no(turn, text):
        # "jup" to "which device?": no description of anything.
        return Answer(problem="needs_words")
    if question.kind == "datetime":
        return Answer(_with_resolved_date(turn, text[:MAX_ANSWER], entities))
    return Answer(text[:MAX_ANSWER])


def guess_level(
    turn: Turn, question: Question, text: str, entities: Sequence[Mapping[str, Any]]
) -> str | None:
    """The level a text half says, too unsure to take but worth proposing back; None for a text that
    is about something else (a yes, a date) or for a question read only by cues."""
    if question.kind not in ("impact", "urgency") or level_labels(question) == "urgency_cue":
        return None
    if _is_bare_yes_or_no(turn, text) or not _WORD.search(text):
        return None
    kind = "impact" if question.kind == "impact" else "blocking"
    reading = turn.nlu.read_answer(kind, text)
    return reading.guess if reading.guess_confidence >= GUESS_CONFIDENCE else None


def is_plain_yes(turn: Turn, text: str) -> bool:
    """ "ja", "jo passt", "👍", "yes exactly": a yes and nothing else."""
    reading = turn.nlu.read_answer("yesno", text)
    if reading.label == "yes" and reading.confidence >= META_CONFIDENCE:
        return True
    summary = turn.nlu.read_answer("summary", text)
    return summary.label == "confirm" and summary.confidence >= META_CONFIDENCE


def _is_bare_yes_or_no(turn: Turn, text: str) -> bool:
    reading = turn.nlu.read_answer("yesno", text)
    return reading.label != NONE and reading.confidence >= META_CONFIDENCE


def read_level(
    turn: Turn,
    question: Question,
    text: str,
    entities: Sequence[Mapping[str, Any]],
    confidence: float,
    asked: bool = True,
    cues_only: bool = False,
) -> str | None:
    """low / medium / high: a button's number or label (only for the question ``asked``: "2" says
    nothing about the next question), else what the classifier reads with at least ``confidence``
    (``cues_only``: only its fixed phrases), else (for who is affected) a head count."""
    labels = level_labels(question)
    bare = _BARE.sub(" ", text.lower()).strip()
    if bare.isdigit():
        # A button's number, for the question asked; "4" or "0" is none of the options.
        return LEVELS[int(bare) - 1] if asked and bare in ("1", "2", "3") else None
    if bare in LEVELS:
        return bare
    for level in LEVELS:
        names = {turn.translate(language, f"{labels}_{level}").lower() for language in ("de", "en")}
        if bare in {_BARE.sub(" ", name).strip() for name in names}:
            return level if asked else None
    kind = "impact" if question.kind == "impact" else "blocking"
    if labels == "urgency_cue":
        # "How urgent" is read by the NLU's urgency cues ("dringend", "no rush"), not by the classifier.
        cues = [str(e["value"]) for e in entities if e.get("entity") == "urgency"]
        return cues[0] if cues else ("medium" if bare in ("normal", "mittel", "medium") else None)
    counted = [int(e["value"]) for e in entities if e.get("entity") == "people_count"]
    reading = turn.nlu.read_answer(kind, text, cues_only)
    if kind == "impact" and counted:
        # "all of us, about sixty people", "the whole floor, like 25 people": the wider of the two.
        by_count = impact_of_count(counted[0])
        said = reading.label if reading.label != NONE and reading.confidence >= confidence else by_count
        return max(by_count, said, key=LEVELS.index)
    if reading.label != NONE and reading.confidence >= confidence:
        return reading.label
    if kind == "impact" and reading.label == NONE and reading.confidence >= confidence:
        return None  # surely no answer about people ("flackert die ganze Zeit"): no head count either
    if kind == "impact" and (said := prefill_impact(FirstMessage(text, tuple(entities)))):
        return said  # "my whole team, we all get it": the phrases a first message is read for
    if kind == "impact":
        count = read_count(text, entities)
        if count is not None:
            return impact_of_count(count)
    return None


def read_count(text: str, entities: Sequence[Mapping[str, Any]] = ()) -> int | None:
    """How many people: the NLU's head count ("mich und zwei Kollegen" is 3), "ich plus 3" (4), "wir
    beide" (2), "ein halbes Dutzend", digits or a number word that count nothing else ("seit 2 Tagen",
    "im 3. OG" count days and floors), "nur ich" / "just me"."""
    total = _TOTAL.search(text)
    if total and (value := _number(total.group(1).lower())) is not None:
        return value  # "sieben Leute plus ich, also acht": the total counts, when one is said
    counts = [int(e["value"]) for e in entities if e.get("entity") == "people_count"]
    if counts:
        return counts[0]
    bare = _BARE.sub(" ", text).strip()
    if _ONLY_ME.match(bare):
        return 1
    lowered = bare.lower()
    if (match := _ME_PLUS.search(lowered)) and (others := _number(match.group(1))) is not None:
        return others + 1
    if _ME_AND_ONE.search(lowered) or _BOTH.search(lowered):
        return 2
    if _ONE_PERSON.search(lowered):
        return 1
    if match := _DOZEN.search(lowered):
        factor = match.group(1)
        if factor in ("halbes", "half", "half a"):
            return 6
        return 12 * (_number(factor) or 1) if factor else 12
    for match in _COUNTED.finditer(lowered):
        if not _UNIT_AFTER.match(lowered, match.end()):
            value = _number(match.group(1))
            if value is not None:
                return value
    return None


def _number(word: str) -> int | None:
    if word in ("hundert", "hundred", "einhundert"):
        return 100
    return number_value(word)


def _with_resolved_date(turn: Turn, text: str, entities: Sequence[Mapping[str, Any]]) -> str:
    # "Irgendwann im Januar" names no day: it stays as written.
    entity = upcoming(entities)
    return with_resolved(text, entity, turn.language) if entity else text

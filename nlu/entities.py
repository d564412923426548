"""Rule-based entity extraction. Today: ticket references, normalised to ``SD-<n>``.

Rules rather than a learned tagger because the forms are few and regular, and a false ticket number
is worse than a missed one (the bot would show someone the wrong ticket). Bare numbers therefore
count only right after words that announce a ticket ("Ticket 42", "Status von 42", "wie steht es um
42") and never when a unit follows ("seit 2 Tagen", "für 10 Leute").
"""

from __future__ import annotations

import re
from typing import Final, Literal, NotRequired, TypedDict

TICKET_PREFIX: Final = "SD-"
_MAX_DIGITS: Final = 9


class Entity(TypedDict):
    """One entity in Rasa's format: ``text[start:end]`` is the phrase, ``value`` its normalised meaning.

    ``value`` is a str for every entity but ``people_count`` (an int). Dates and times carry two extras,
    as Rasa's own extractors carry theirs: ``grain`` and, only when the phrase points back, ``past``.
    """

    entity: str
    value: str | int
    start: int
    end: int
    grain: NotRequired[Literal["day", "week", "part_of_day", "hour", "minute"]]
    past: NotRequired[bool]


# Number not glued to more digits, a decimal/version/time part or letters ("11.2", "10:30", "42b").
_NUM_END = r"(?![.,:/]?\d)(?![^\W\d_])"
_NUMBER = rf"(?<![\w.,:/-])(?P<num>\d{{1,{_MAX_DIGITS}}}){_NUM_END}"

# SD-42, sd 42, sd42, SD – 42
_PREFIXED = re.compile(rf"(?<![\w-])sd\s?[-–]?\s?(?P<num>\d{{1,{_MAX_DIGITS}}}){_NUM_END}", re.IGNORECASE)
# #42 (not an HTML entity like &#42;)
_HASH = re.compile(rf"(?<![\w&#])#(?P<num>\d{{1,{_MAX_DIGITS}}}){_NUM_END}")

# Words that announce a ticket right before a bare number. "für"/"for" are deliberately missing:
# "Anfrage für 3 neue Laptops" is about laptops, not ticket 3.
_KEYWORDS = (
    r"tickets?|ticketnummer|ticket-?nr\.?|ticket-nummer|vorgang|vorgangsnummer|anfrage|request|case"
    r"|status|stand|update|issue|meldung"
)
_PHRASES = (
    r"wie\s+steht\s+es\s+(?:um|mit)|wie\s+sieht\s+es\s+(?:mit|bei)|was\s+ist\s+mit|was\s+macht"
    r"|wo\s+bleibt|neuigkeiten\s+(?:zu|von)|what\s+about|what'?s\s+up\s+with|what'?s\s+happening\s+with"
    r"|(?:any\s+)?news\s+(?:on|about)|(?:any\s+)?updates?\s+(?:on|about)|how'?s|how\s+is|where\s+is"
)
_FILLERS = (
    r"nr\.?|no\.?|nummer|number|num\.?|von|vom|zu|zum|um|mit|of|on|about|the|my|mein|meinem|meiner"
    r"|meines|meine|meinen|der|die|das|den|dem|ticket|tickets|anfrage|request"
)
_CONTEXT = re.compile(
    rf"(?<![\w-])(?:{_KEYWORDS}|{_PHRASES})(?![\w-])\s*[:]?\s*(?:(?:{_FILLERS})(?![\w-])\s*[:]?\s*){{0,2}}{_NUMBER}",
    re.IGNORECASE,
)

# A number followed by one of these counts something else ("seit 2 Tagen", "10 Leute", "16 GB").
_UNIT_WORD = re.compile(r"\s*(?P<unit>[^\W\d_]+|[%€$])")
_UNITS: Final = frozenset(
    str.split(
        "h std min s sek sec ms mal x times uhr am pm gb mb tb kb ghz mhz zoll inch eur euro % € $ cm mm m"
        " km kg dpi px mbit mbps"
    )
)
_UNIT_STEMS: Final = tuple(
    str.split(
        "tag woche monat jahr stunde minute sekunde day week month year hour second leute person mitarbeit"
        " kolleg user nutzer benutzer teilnehm people employee participant colleague member mitglied lizenz"
        " licen stück stueck piece seite page platz plätze seat gerät geraet device"
    )
)


def extract_entities(text: str) -> list[Entity]:
    """Entities in ``text`` with character offsets into ``text`` itself, ordered by position."""
    spans: list[tuple[int, int, str]] = []
    for pattern, whole in ((_PREFIXED, True), (_HASH, True), (_CONTEXT, False)):
        for match in pattern.finditer(text):
            number = int(match.group("num"))
            if number == 0 or _unit_follows(text, match.end("num")):
                continue
            start = match.start() if whole else match.start("num")
            spans.append((start, match.end("num"), f"{TICKET_PREFIX}{number}"))
    return [
        Entity(entity="ticket", value=value, start=start, end=end)
        for start, end, value in _without_overlaps(spans)
    ]


_SINGLE_REF = re.compile(rf"\s*(?:sd\s*[-–]?\s*|#\s*)?0*(?P<num>[1-9]\d{{0,{_MAX_DIGITS - 1}}})\s*", re.I)


def parse_ticket_ref(text: str) -> str | None:
    """Normalise one command argument ("SD-42", "sd 42", "sd42", "#42", "42") to "SD-42", else None."""
    match = _SINGLE_REF.fullmatch(text)
    return f"{TICKET_PREFIX}{int(match.group('num'))}" if match else None


def _unit_follows(text: str, end: int) -> bool:
    match = _UNIT_WORD.match(text, end)
    if match is None:
        return False
    unit = match.group("unit").casefold()
    return unit in _UNITS or unit.startswith(_UNIT_STEMS)


def _without_overlaps(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    # Earliest start wins, then the longest span: "Ticket #42" keeps "#42", not just "42".
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept

"""Dates and times in German and English chat messages, resolved against a clock and a time zone.

A small grammar rather than dateparser: dateparser takes ~0.5 s to import and milliseconds per text,
and it does not read "next Tuesday afternoon" or "morgen früh". Here each kind of phrase is one regex
compiled at import (relative days, weekdays, weeks, offsets such as "in 2 Tagen" / "seit 3 Tagen",
calendar dates, parts of the day, clock times); the pieces found are then joined when they stand next
to each other ("nächsten Donnerstag" + "um 10", "tomorrow" + "afternoon") and resolved together.

Conventions (what a requester most likely means; the flows show the resolved date, so a wrong guess is
seen and corrected):
- A weekday alone, "am Donnerstag", "nächsten Donnerstag", "next/this Thursday" mean the coming one:
  the first such day after today (said on a Tuesday, "Dienstag" is a week ahead). "letzten Freitag",
  "last Friday", "seit Montag" mean the latest one before today.
- "nächste Woche" / "next week" is that week's Monday with grain "week"; "diese Woche" this week's
  Monday, "letzte Woche" last week's (past). "Ende der Woche" is Friday, "Mitte" Wednesday (grain day).
- A clock time or a part of the day without a day is today if it is still ahead (for a part: if it has
  not ended), otherwise tomorrow; after "seit"/"since" it is the latest such moment not after now.
- Hours 1 to 6 without am/pm, without a leading zero and without a morning cue are afternoon hours
  ("um 3" is 15:00): nobody at a desk asks for a 3 a.m. appointment.
- A calendar date without a year is the coming one, unless it was at most 30 days ago ("am 3.11." said
  on 24 November is this 3 November: people report what happened; "am 1. Juli" is next July). After
  "seit"/"since" it is the latest one not after today, after "ab"/"bis"/"until" always the coming one.
- Bare numbers are never times: only "um 10", "at 10", "10 Uhr", "3pm", "10:30", "14.30 Uhr" are.
  "d.m." needs a date word before it ("am 3.12.", "bis zum 3.12.") unless it has a year: "Raum 4.12."
  is a room. English numeric dates (12/03) are ambiguous and not read; ISO 2026-12-03 and written
  months ("December 3rd", "3. Dezember") are.
- Parts of the day resolve to morning 09:00, noon 12:00, afternoon 14:00, evening 18:00.
- "past" is set when the phrase points back ("seit", "since", "ago", "letzten", "gestern") or names
  a day before today ("diese Woche", a week that began on Monday, is not past).
- "am 29.02." without a year is the next 29 February, however many years ahead (at most 8); after
  "seit" the latest one.
- A local time that does not exist (the hour skipped when daylight saving time starts: 02:30 on the
  last Sunday of March in Berlin) is moved forward by the skipped hour, as a clock on the wall would
  show it (03:30+02:00). A time that exists twice (02:30 when daylight saving time ends) is the first
  one, still in summer time (fold=0).
- Dates outside what Python can represent (year 0, "in 3 Monaten" said on 31.12.9999) are no dates:
  such a phrase yields nothing, never an error.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

from nlu.cues import NUMBER_WORD_PATTERN, ascii_fold, compile_words, number_value, spellings
from nlu.entities import Entity

Grain = Literal["day", "week", "part_of_day", "hour", "minute"]

PART_HOURS: Final = {"morning": 9, "noon": 12, "afternoon": 14, "evening": 18}
# The last minute of each part of the day: "nachmittags" said at 15:00 still means today, at 18:00 tomorrow.
_PART_ENDS: Final = {
    "morning": time(11, 59), "noon": time(13, 59), "afternoon": time(17, 59), "evening": time(23, 59)
}  # fmt: skip

_WEEKDAYS: Final = {
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4, "samstag": 5,
    "sonnabend": 5, "sonntag": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
_MONTHS: Final = {
    "januar": 1, "jänner": 1, "january": 1, "jan": 1, "februar": 2, "february": 2, "feb": 2,
    "märz": 3, "march": 3, "mär": 3, "mrz": 3, "april": 4, "apr": 4, "mai": 5, "may": 5, "juni": 6,
    "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10, "november": 11,
    "nov": 11, "dezember": 12, "december": 12, "dez": 12, "dec": 12,
}  # fmt: skip
# Month first ("December 3rd") only with full English names: "Jan 3" is as likely a colleague called Jan.
_MONTHS_EN_FULL: Final = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
)


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_MONTH_SPELLINGS: Final = spellings(_MONTHS)
_WEEKDAY = _alternatives(_WEEKDAYS)
_MONTH = _alternatives(_MONTHS)
_NEXT = r"nächste[nmrs]?|kommende[nmrs]?|diese[nmrs]?|next|coming|this(?:\s+coming)?"
_LAST = r"letzte[nmrs]?|vergangene[nmrs]?|vorige[nmrs]?|last|past|previous"
_SINCE = r"seit|since"
_COUNT_WORD = rf"\d{{1,3}}|{NUMBER_WORD_PATTERN}|einer|einem|einen|eine|ein|an|a"

_RELATIVE_DAY = compile_words(
    rf"(?:(?P<since>{_SINCE})\s+)?(?P<word>übermorgen|vorgestern|gestern|heute|morgen|today|tomorrow"
    r"|yesterday|tonight|(?:the\s+)?day\s+after\s+tomorrow|(?:the\s+)?day\s+before\s+yesterday"
    r"|letzte\s+nacht|last\s+night|heute\s+nacht)"
)
_WEEKDAY_PHRASE = compile_words(
    rf"(?:(?P<since>{_SINCE})\s+)?(?:(?:am|on|den|dem)\s+)?(?:(?P<mod>{_LAST}|{_NEXT})\s+)?"
    rf"(?P<wd>{_WEEKDAY})(?P<part>morgen|vormittag|mittag|nachmittag|abend)?"
)
_WEEK = compile_words(
    rf"(?:(?P<since>{_SINCE})\s+)?(?:(?P<edge>anfang|ende|mitte|beginning\s+of|start\s+of|end\s+of|middle\s+of)"
    rf"\s+)?(?:(?:der|die|the)\s+)?(?:(?P<mod>übernächste[nmrs]?|{_LAST}|{_NEXT})\s+)?(?:woche|week)"
)
_UNITS = (
    r"tag|tage|tagen|woche|wochen|monat|monate|monaten|stunde|stunden|std|h|minute|minuten|min|day|days"
    r"|week|weeks|month|months|hour|hours|hrs|minutes|mins"
)
# "seit 2h" is two hours, not 02:00: units may be glued to digits.
_OFFSET = compile_words(
    r"(?:(?P<pre>in|within|innerhalb(?:\s+von)?|seit|since|vor|for\s+the\s+(?:last|past)"
    rf"|in\s+the\s+(?:last|past)|the\s+(?:last|past))\s+)?(?P<n>{_COUNT_WORD})(?:\s+|(?<=\d))(?P<unit>{_UNITS})"
    r"(?P<ago>\s+ago)?"
)
_ISO_DATE = re.compile(r"(?<![\w.:/-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\w:/-]|\.\d)")
# 3.12.2026, 03.12.26, 3.12. and (after a date word) 3.12
_NUMERIC_DATE = re.compile(
    r"(?<![\w.,:/-])(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})(?:\.(?P<y>\d{4}|\d{2})(?!\d)|(?P<dot>\.))?(?![\d.]?\d)"
)
# The words before a calendar date: kept in the phrase ("am", "seit"), or saying it lies ahead ("ab", "bis").
_DATE_CONTEXT = compile_words(
    rf"(?:(?P<keep>am|on|(?:{_SINCE})(?:\s+(?:dem|the))?)|(?P<ahead>zum|bis(?:\s+zum)?|ab(?:\s+dem)?|by|until"
    rf"|till|from)|vom|den|dem|(?:{_WEEKDAY}),?)\s*$"
)
_RECENT_DAYS = 30  # a date without a year up to this far back is the past one ("am 3.11." on 24 November)
_LEAP_YEARS_APART = 8  # the longest gap between two 29 Februaries (2096 -> 2104)
_WRITTEN_DATE = compile_words(
    rf"(?:(?P<since>{_SINCE})\s+)?(?:(?:am|on|den|dem|the)\s+)?(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th)?\s*"
    rf"(?:of\s+)?(?P<mon>{_MONTH})(?:\s+(?P<y>\d{{4}}))?"
)
_WRITTEN_DATE_EN = compile_words(
    rf"(?:(?P<since>{_SINCE})\s+)?(?:on\s+)?(?P<mon>{_MONTHS_EN_FULL})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
    r"(?:,?\s+(?P<y>\d{4}))?(?![.:]\d)"
)
_PARTS = (
    ("morning", r"morgens|frühmorgens|vormittags|am\s+morgen|am\s+vormittag|in\s+the\s+morning", True),
    ("morning", r"vormittag|früh|morning", False),
    (
        "noon",
        r"mittags|am\s+mittag|zur\s+mittagszeit|mittagszeit|(?:at\s+)?noon|midday|(?:at\s+)?lunchtime",
        True,
    ),
    ("noon", r"mittag", False),
    ("afternoon", r"nachmittags|am\s+nachmittag|in\s+the\s+afternoon", True),
    ("afternoon", r"nachmittag|afternoon", False),
    ("evening", r"abends|am\s+abend|in\s+the\s+evening", True),
    ("evening", r"abend|evening", False),
)
_PART = compile_words(
    r"(?P<this>this\s+)?(?:"
    + "|".join(f"(?P<{name}_{'free' if free else 'bound'}>{pattern})" for name, pattern, free in _PARTS)
    + ")"
)
# Prepositions that belong to a clock time's phrase; "ab"/"bis"/"until" are left out of the span.
# Not "ca." / "circa": "ca. 10 MA" counts people.
_TIME_PRE = r"(?P<pre>um|at|gegen|so\s+gegen|around|seit|since)\s+"
_GERMAN_AFTER_AM = rf"\s+(?:{_WEEKDAY}|morgen|vormittag|mittag|nachmittag|abend|ende|anfang|wochenende|\d)"
_MERIDIEM = rf"a\.m\.|p\.m\.|am(?!{_GERMAN_AFTER_AM})|pm"
_TIME_COLON = compile_words(
    rf"(?:{_TIME_PRE}|(?:ab|bis|from|until|by)\s+)?(?<![\d.,:])(?P<h>\d{{1,2}})(?P<sep>[:.])(?P<m>\d{{2}})"
    rf"(?![:.]?\d)(?:\s*(?P<suf>uhr|h|{_MERIDIEM}))?"
)
_TIME_SUFFIX = compile_words(
    rf"(?:{_TIME_PRE})?(?<![\d.,:])(?P<h>\d{{1,2}})\s*(?P<suf>uhr|o['’]clock|{_MERIDIEM})"
)
_TIME_BARE = compile_words(rf"{_TIME_PRE}(?P<h>\d{{1,2}})(?:\s*h)?(?![.,:]\d)")
_TIME_HALF = compile_words(rf"(?:{_TIME_PRE})?halb\s+(?P<h>\d{{1,2}}|{NUMBER_WORD_PATTERN})(?:\s*uhr)?")
_TIME_WORD = compile_words(rf"(?:{_TIME_PRE})?(?P<h>{NUMBER_WORD_PATTERN})\s+(?:uhr|o['’]clock)")
# "um 10 Prozent", "at 10 people", "seit 10 Jahren": a count, not a time.
_NOT_A_TIME_AFTER = re.compile(
    r"\s*(?:%|(?:prozent|percent|leute|people|personen|persons|kollegen|colleagues|user|users|teilnehmer"
    r"|euro|eur|grad|degrees|mal|times|minuten|minutes|stunden|hours|tage|tagen|days|wochen|weeks|monaten"
    r"|months|jahren|jahre|years|seiten|pages|gb|mb)\b)",
    re.IGNORECASE,
)
_GREETING_BEFORE = compile_words(
    r"(?:guten|gute|schönen|einen\s+schönen|good|nice|lovely|jeden|jedem|den|diesen|einen)\s+$"
)
# A chat opened with "Morgen!" or "Morgen zusammen" greets; a bare "morgen" answers "when?".
_GREETING_START = compile_words(r"^\s*morgen(?:\s*[!,;]|\s+(?:zusammen|allerseits|alle|leute|ihr|team)\b)")
_JOIN_GAP = re.compile(r"\s*(?P<comma>,)?\s*")
# "since this morning", "seit ca. 10 Uhr": "seit" before a phrase that does not carry it itself.
_SINCE_BEFORE = compile_words(
    r"(?:seit|since)\s+(?:(?:about|around|approx\.?|etwa|ca\.|circa|ungefähr)\s+)?$"
)
_LOOKBEHIND = 30
# Substrings (of the lower-cased text) without which a finder cannot match: it skips its regexes.
_RELATIVE_NEEDLES: Final = (
    "heut",
    "morgen",
    "gestern",
    "today",
    "tomorrow",
    "yesterday",
    "tonight",
    "nacht",
    "night",
)
_OFFSET_NEEDLES: Final = ("tag", "woche", "monat", "stund", "minut", "day", "week", "month", "hour")
_PART_NEEDLES: Final = (
    "morgen", "früh", "frueh", "fruh", "mittag", "abend", "morning", "noon", "midday", "lunch", "afternoon",
    "evening",
)  # fmt: skip


PieceKind = Literal["day", "weekday", "date", "week", "moment", "part", "time"]


@dataclass(slots=True)
class _Piece:
    start: int
    end: int
    kind: PieceKind
    day: date | None = None
    moment: datetime | None = None
    grain: Grain = "day"
    past: bool = False
    since: bool = False
    part: str | None = None
    needs_day: bool = False  # "früh", "morning", "Abend": a part of the day only next to a day
    hour: int = 0
    minute: int | None = None
    meridiem: str | None = None
    literal_hour: bool = False  # "03:00", "15 Uhr": no business-hours guess
    weekday: int | None = None
    maybe_morning: bool = False  # "morgen" right after a day is "Morgen", the morning


@dataclass(slots=True)
class _Clock:
    now: datetime  # aware, in the desk's zone
    today: date
    zone: ZoneInfo


@dataclass(slots=True)
class _Scan:
    """The text, and what lets a finder skip its regexes cheaply: most messages name no date at all."""

    text: str
    lower: str
    digits: bool

    def has(self, *needles: str) -> bool:
        return any(needle in self.lower for needle in needles)


def find_datetimes(text: str, now: datetime, timezone: ZoneInfo) -> list[Entity]:
    """Date and time phrases in ``text`` with their ISO 8601 value in ``timezone`` (see module doc)."""
    try:
        local = now.astimezone(timezone)
    except OverflowError:  # a clock at the very end of the years a datetime can hold
        return []
    clock = _Clock(local, local.date(), timezone)
    scan = _Scan(text, text.lower(), any(ch.isdigit() for ch in text))
    pieces = _without_overlaps([piece for finder in _FINDERS for piece in finder(scan, clock)])
    entities: list[Entity] = []
    for group in _groups(text, pieces):
        _take_since(text, group)
        entity = _resolve(group, clock)
        if entity is not None:
            entities.append(entity)
    return entities


# --- finding pieces ----------------------------------------------------------------------------------


def _relative_days(scan: _Scan, clock: _Clock) -> list[_Piece]:
    pieces: list[_Piece] = []
    if not scan.has(*_RELATIVE_NEEDLES):
        return pieces
    text = scan.text
    for match in _RELATIVE_DAY.finditer(text):
        word = " ".join(match.group("word").casefold().split())
        since = bool(match.group("since"))
        if word == "morgen" and not since and _is_greeting(text, match.start()):
            continue
        offset, part = _RELATIVE_WORDS[_plain(word)]
        day = _add_days(clock.today, offset)
        if day is None:
            continue
        pieces.append(
            _Piece(
                *match.span(), "day", day=day, past=since or offset < 0, since=since, part=part,
                maybe_morning=word == "morgen" and not since,
            )
        )  # fmt: skip
    return pieces


_RELATIVE_WORDS: Final[dict[str, tuple[int, str | None]]] = {
    "heute": (0, None), "today": (0, None), "tonight": (0, "evening"), "heute nacht": (0, "evening"),
    "morgen": (1, None), "tomorrow": (1, None), "uebermorgen": (2, None), "ubermorgen": (2, None),
    "day after tomorrow": (2, None), "the day after tomorrow": (2, None), "gestern": (-1, None),
    "yesterday": (-1, None), "letzte nacht": (-1, None), "last night": (-1, None), "vorgestern": (-2, None),
    "day before yesterday": (-2, None), "the day before yesterday": (-2, None),
}  # fmt: skip


def _weekdays(scan: _Scan, clock: _Clock) -> list[_Piece]:
    pieces: list[_Piece] = []
    if not scan.has("tag", "day", "mittwoch", "sonnabend"):
        return pieces
    text = scan.text
    for match in _WEEKDAY_PHRASE.finditer(text):
        weekday = _WEEKDAYS[match.group("wd").casefold()]
        mod = _plain(match.group("mod") or "")
        since = bool(match.group("since"))
        back = since or mod.startswith(("letzt", "vergangen", "vorig", "last", "past", "previous"))
        if back:  # the latest such day before today
            day = _add_days(clock.today, -((clock.today.weekday() - weekday) % 7 or 7))
        else:  # the first such day after today
            day = _add_days(clock.today, (weekday - clock.today.weekday()) % 7 or 7)
        if day is None:
            continue
        part = _part_name(match.group("part")) if match.group("part") else None
        pieces.append(
            _Piece(*match.span(), "weekday", day=day, past=back, since=since, part=part, weekday=weekday)
        )
    return pieces


def _weeks(scan: _Scan, clock: _Clock) -> list[_Piece]:
    pieces: list[_Piece] = []
    if not scan.has("woche", "week"):
        return pieces
    text = scan.text
    for match in _WEEK.finditer(text):
        mod, edge = _plain(match.group("mod") or ""), _plain(match.group("edge") or "")
        if not mod and not edge:
            continue  # "die Woche": which one?
        weeks = 0
        if mod.startswith(("uebernaechst", "ubernachst")):
            weeks = 2
        elif mod.startswith(("naechst", "nachst", "kommend", "next", "coming")):
            weeks = 1
        elif mod.startswith(("letzt", "vergangen", "vorig", "last", "past", "previous")):
            weeks = -1
        monday = _add_days(clock.today, 7 * weeks - clock.today.weekday())
        since = bool(match.group("since"))
        grain: Grain = "day"
        if monday is None:
            continue
        if edge.startswith(("ende", "end")):
            day = _add_days(monday, 4)
        elif edge.startswith(("mitte", "middle")):
            day = _add_days(monday, 2)
        else:
            day, grain = monday, "week"
        if day is None:
            continue
        pieces.append(
            _Piece(*match.span(), "week", day=day, grain=grain, past=since or weeks < 0, since=since)
        )
    return pieces


def _offsets(scan: _Scan, clock: _Clock) -> list[_Piece]:
    pieces: list[_Piece] = []
    if not scan.digits and not scan.has(*_OFFSET_NEEDLES):
        return pieces
    text = scan.text
    for match in _OFFSET.finditer(text):
        pre = " ".join((match.group("pre") or "").casefold().split())
        ago = bool(match.group("ago"))
        if (not pre and not ago) or (pre and ago):
            continue  # "2 Tage" alone is a duration, not a date
        count = _count(match.group("n"))
        if count is None:
            continue
        back = ago or pre in ("seit", "since", "vor") or pre.endswith(("last", "past"))
        sign = -1 if back else 1
        unit = match.group("unit").casefold()
        piece = _Piece(*match.span(), "day", past=back, since=back and not ago and pre != "vor")
        if unit == "h" or unit.startswith(("std", "stund", "hour", "hr", "min")):
            minutes = count * (1 if unit.startswith("min") else 60)
            # In UTC: "in 2 Stunden" is two real hours, also across a change of daylight saving time.
            try:
                moment = clock.now.astimezone(UTC) + sign * timedelta(minutes=minutes)
                moment = moment.astimezone(clock.zone)
            except OverflowError:
                continue  # beyond the years a datetime can hold
            piece.kind, piece.grain = "moment", "minute"
            piece.moment = moment.replace(second=0, microsecond=0)
        elif unit.startswith(("monat", "month")):
            piece.day = _add_months(clock.today, sign * count)
        else:
            days = count * (7 if unit.startswith(("woche", "week")) else 1)
            piece.day = _add_days(clock.today, sign * days)
        if piece.kind != "moment" and piece.day is None:
            continue
        pieces.append(piece)
    return pieces


def _calendar_dates(scan: _Scan, clock: _Clock) -> list[_Piece]:
    pieces: list[_Piece] = []
    if not scan.digits:
        return pieces
    text = scan.text
    for match in _ISO_DATE.finditer(text):
        day = _valid_date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        if day is not None:
            pieces.append(_Piece(*match.span(), "date", day=day, past=day < clock.today))
    for match in _NUMERIC_DATE.finditer(text):
        start = match.start()
        context = _DATE_CONTEXT.search(text, max(0, start - _LOOKBEHIND), start)
        year = match.group("y")
        if not year and context is None:
            continue  # "Raum 4.12.", "Version 2.3": numbers, not dates
        keep = context is not None and context.group("keep")
        start = context.start() if keep else start  # "am 3.12.", "seit dem 3.11." (the "seit" counts)
        piece = _dated(
            clock, (match.group("d"), match.group("m"), year), _direction(context), start, match.end()
        )
        if piece is not None:
            pieces.append(piece)
    for pattern in (_WRITTEN_DATE, _WRITTEN_DATE_EN):
        for match in pattern.finditer(text):
            month = _MONTH_SPELLINGS[ascii_fold(match.group("mon"))]
            if pattern is _WRITTEN_DATE_EN and not match.group("mon")[0].isupper():
                continue  # "you may 3 times...": only a capitalised "May 3" is a date
            context = _DATE_CONTEXT.search(text, max(0, match.start() - _LOOKBEHIND), match.start())
            direction = "back" if match.group("since") else _direction(context)
            piece = _dated(clock, (match.group("d"), str(month), match.group("y")), direction, *match.span())
            if piece is not None:
                pieces.append(piece)
    return pieces


def _parts(scan: _Scan, clock: _Clock) -> list[_Piece]:
    pieces: list[_Piece] = []
    if not scan.has(*_PART_NEEDLES):
        return pieces
    text = scan.text
    for match in _PART.finditer(text):
        name = next(key for key, value in match.groupdict().items() if value and key != "this")
        part, _, how = name.partition("_")
        needs_day = how == "bound"
        if needs_day and _is_greeting(text, match.start()):
            continue  # "Guten Abend", "good afternoon"
        day = clock.today if match.group("this") else None
        pieces.append(_Piece(*match.span(), "part", day=day, part=part, needs_day=needs_day and day is None))
    return pieces


def _times(scan: _Scan, clock: _Clock) -> list[_Piece]:
    pieces: list[_Piece] = []
    text = scan.text
    patterns = (_TIME_COLON, _TIME_SUFFIX, _TIME_BARE) if scan.digits else ()
    if scan.has("halb"):
        patterns += (_TIME_HALF,)
    if scan.has("uhr", "clock"):
        patterns += (_TIME_WORD,)
    for pattern in patterns:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            hour = number_value(groups["h"])
            minute = int(groups["m"]) if groups.get("m") else None
            suffix = (groups.get("suf") or "").casefold().replace(".", "")
            pre = (groups.get("pre") or "").casefold()
            if hour is None:
                continue
            if pattern is _TIME_HALF:
                hour, minute = (hour - 1) or 12, 30  # "halb zehn" is 9:30, "halb eins" 12:30
            if pattern is _TIME_COLON and groups["sep"] == "." and not (suffix or pre):
                continue  # "Raum 4.12", "Version 2.30"
            if pattern is _TIME_BARE and _NOT_A_TIME_AFTER.match(text, match.end()):
                continue  # "um 10 Prozent"
            meridiem = suffix if suffix in ("am", "pm") else None
            if not (0 <= hour <= (12 if meridiem else 23)) or (minute is not None and minute > 59):
                continue
            if pre:
                start = match.start("pre")  # "um 10", "seit 8 Uhr"
            elif pattern is _TIME_HALF:
                start = match.start()  # "halb 10"
            else:
                start = match.start("h")  # "ab 10:30": "ab" stays outside
            piece = _Piece(start, match.end(), "time", hour=hour, minute=minute, meridiem=meridiem)
            piece.since = pre in ("seit", "since")
            piece.literal_hour = groups["h"].startswith("0") or hour >= 13 or hour == 0
            piece.grain = "minute" if minute is not None else "hour"
            pieces.append(piece)
    return pieces


_FINDERS: Final[tuple[Callable[[_Scan, _Clock], list[_Piece]], ...]] = (
    _relative_days, _weekdays, _weeks, _offsets, _calendar_dates, _parts, _times
)  # fmt: skip


# --- joining and resolving ---------------------------------------------------------------------------


def _without_overlaps(pieces: list[_Piece]) -> list[_Piece]:
    """Longest first, then earliest: "am Morgen" (a part) over its "Morgen" (tomorrow)."""
    kept: list[_Piece] = []
    for piece in sorted(pieces, key=lambda p: (p.start - p.end, p.start)):
        if all(piece.end <= other.start or other.end <= piece.start for other in kept):
            kept.append(piece)
    return sorted(kept, key=lambda p: p.start)


_DAYISH: Final = ("day", "weekday", "date", "week", "moment")


def _groups(text: str, pieces: list[_Piece]) -> list[list[_Piece]]:
    """Pieces next to each other that describe one moment: day, part of the day, clock time."""
    groups: list[list[_Piece]] = []
    for piece in pieces:
        group = groups[-1] if groups else None
        gap = _JOIN_GAP.fullmatch(text, group[-1].end, piece.start) if group else None
        # After a comma only what completes the day: "Donnerstag, 3.12.", "morgen, 10 Uhr".
        dayish = piece.kind in _DAYISH and group is not None and group[-1].kind != "weekday"
        if group and gap and not (gap.group("comma") and dayish) and _joins(group, piece):
            group.append(piece)
        else:
            groups.append([piece])
    return groups


def _joins(group: list[_Piece], piece: _Piece) -> bool:
    kinds = {p.kind for p in group}
    day = next((p for p in group if p.kind in _DAYISH), None)
    if piece.kind in _DAYISH:
        if any(p.day is not None for p in group if p.kind == "part"):
            return False  # "this morning" has its day
        if day is None:
            return piece.kind not in ("week", "moment")  # "um 10 morgen", "at 3pm tomorrow"
        if piece.maybe_morning and "part" not in kinds and day.part is None and day.kind != "week":
            piece.kind, piece.part, piece.maybe_morning = "part", "morning", False  # "heute Morgen"
            return True
        # "Donnerstag, 3.12.", "nächste Woche Dienstag"
        pair = {day.kind, piece.kind}
        return len(group) == 1 and (
            pair == {"weekday", "date"} or (day.kind == "week" and piece.kind == "weekday")
        )
    if day is not None and day.kind in ("week", "moment") and "weekday" not in kinds:
        return False  # "nächste Woche um 10": which day?
    if piece.kind == "part":
        return "part" not in kinds and (day is None or day.part is None)
    return "time" not in kinds  # a clock time


def _take_since(text: str, group: list[_Piece]) -> None:
    first = group[0]
    if any(p.since for p in group):
        return
    before = _SINCE_BEFORE.search(text, max(0, first.start - _LOOKBEHIND), first.start)
    if before is not None:
        first.start, first.since, first.past = before.start(), True, True


def _resolve(group: list[_Piece], clock: _Clock) -> Entity | None:
    days = [p for p in group if p.kind in _DAYISH]
    part_piece = next((p for p in group if p.kind == "part"), None)
    clock_time = next((p for p in group if p.kind == "time"), None)
    day_piece = _day_of(days)
    if days and day_piece is None:
        return None  # "nächste Woche Freitag" past the last day a date can hold
    part = part_piece.part if part_piece else day_piece.part if day_piece else None
    if part_piece is not None and part_piece.needs_day and day_piece is None and clock_time is None:
        return None  # "zu früh", "the morning after": no day to attach it to
    since = any(p.since for p in group)
    start, end = group[0].start, group[-1].end
    if day_piece is not None and day_piece.kind == "moment" and day_piece.moment is not None:
        return _entity(start, end, day_piece.moment.isoformat(), "minute", day_piece.past)
    if clock_time is None and part is None:
        assert day_piece is not None and day_piece.day is not None
        return _entity(start, end, day_piece.day.isoformat(), day_piece.grain, day_piece.past)
    hour, minute = _clock_of(clock_time, part)
    day = day_piece.day if day_piece is not None else part_piece.day if part_piece is not None else None
    if day is None:
        if clock_time is not None:
            day = _next_or_last(clock, time(hour, minute), back=since)
        else:
            day = _next_or_last(clock, _PART_ENDS[part or "morning"], back=since)
        if day is None:
            return None
    grain: Grain = clock_time.grain if clock_time is not None else "part_of_day"
    value = _wall_time(day, hour, minute, clock.zone).isoformat()
    past = since or any(p.past for p in days) or day < clock.today
    return _entity(start, end, value, grain, past)


def _day_of(days: list[_Piece]) -> _Piece | None:
    """The piece that fixes the day: a calendar date over its weekday; a weekday within "nächste Woche"."""
    if not days:
        return None
    if len(days) == 1:
        return days[0]
    dated = next((p for p in days if p.kind == "date"), None)
    if dated is not None:
        return dated
    week = next(p for p in days if p.kind == "week")
    weekday = next(p for p in days if p.kind == "weekday")
    assert week.day is not None and weekday.weekday is not None
    day = _add_days(week.day, weekday.weekday - week.day.weekday())
    if day is None:
        return None
    return _Piece(week.start, weekday.end, "day", day=day, past=week.past, part=weekday.part)


def _clock_of(clock_time: _Piece | None, part: str | None) -> tuple[int, int]:
    if clock_time is None:
        return PART_HOURS[part or "morning"], 0
    hour, minute = clock_time.hour, clock_time.minute or 0
    if clock_time.meridiem == "pm" and hour < 12:
        hour += 12
    elif clock_time.meridiem == "am" and hour == 12:
        hour = 0
    elif clock_time.meridiem is None and part in ("afternoon", "evening") and hour < 12:
        hour += 12  # "nachmittags um 3", "tomorrow evening at 8"
    elif clock_time.meridiem is None and part is None and not clock_time.literal_hour and 1 <= hour <= 6:
        hour += 12  # "um 3": business hours, see the module doc
    return hour, minute


def _next_or_last(clock: _Clock, moment: time, *, back: bool) -> date | None:
    """Today if ``moment`` is still ahead (not yet behind, after "seit"), else tomorrow (yesterday)."""
    now = clock.now.time().replace(second=0, microsecond=0, tzinfo=None)
    if back:
        return clock.today if moment <= now else _add_days(clock.today, -1)
    return clock.today if moment >= now else _add_days(clock.today, 1)


Direction = Literal["back", "ahead", "recent"]


def _direction(context: re.Match[str] | None) -> Direction:
    if context is None:
        return "recent"
    if context.group("ahead"):
        return "ahead"  # "ab 1. Juli", "bis zum 3.12."
    keep = context.group("keep")
    return "back" if keep and _plain(keep).startswith(("seit", "since")) else "recent"


def _dated(
    clock: _Clock, parts: tuple[str, str, str | None], direction: Direction, start: int, end: int
) -> _Piece | None:
    """A calendar date; without a year the one ``direction`` points to: after "seit" the latest one not
    after today, after "ab"/"bis" the next one, otherwise a recent past one or else the next one."""
    day, month, year = parts
    d, m = int(day), int(month)
    today = clock.today
    if year is not None:
        resolved = _valid_date(int(year) + (2000 if len(year) == 2 else 0), m, d)
    else:
        # 29 February comes every 4 years, and 2100 skips one: up to 8 years either way.
        years = range(-_LEAP_YEARS_APART, _LEAP_YEARS_APART + 1) if (m, d) == (2, 29) else (-1, 0, 1)
        candidates = [c for c in (_valid_date(today.year + k, m, d) for k in years) if c is not None]
        past = [c for c in candidates if c <= today]
        ahead = [c for c in candidates if c >= today]
        recent = [c for c in past if (today - c).days <= _RECENT_DAYS]
        if direction == "back":
            resolved = max(past, default=None)
        elif direction == "recent" and recent:
            resolved = max(recent)
        else:
            resolved = min(ahead, default=None)
    if resolved is None:
        return None
    since = direction == "back"
    return _Piece(start, end, "date", day=resolved, past=since or resolved < today, since=since)


def _entity(start: int, end: int, value: str, grain: Grain, past: bool) -> Entity:
    entity = Entity(entity="datetime", value=value, start=start, end=end, grain=grain)
    if past:
        entity["past"] = True
    return entity


def _is_greeting(text: str, start: int) -> bool:
    """ "Guten Morgen", "good afternoon", "jeden Morgen", and "Morgen!" / "Morgen zusammen" to open a chat."""
    if _GREETING_BEFORE.search(text, max(0, start - _LOOKBEHIND), start):
        return True
    return bool(text[:start].strip() == "" and _GREETING_START.match(text, 0))


def _part_name(word: str) -> str:
    word = word.casefold()
    if word.startswith("nach"):
        return "afternoon"
    if word.startswith("mittag"):
        return "noon"
    return "evening" if word.startswith("abend") else "morning"


def _count(word: str) -> int | None:
    folded = word.casefold()
    if folded in ("ein", "eine", "einer", "einem", "einen", "a", "an"):
        return 1
    return number_value(folded)


def _plain(word: str) -> str:
    return " ".join(word.casefold().replace("ä", "ae").replace("ü", "ue").replace("ö", "oe").split())


# Every date is made by one of the three functions below: None, never an exception, outside the years a
# date can hold (year 0 is valid for calendar.monthrange, not for date).


def _valid_date(year: int, month: int, day: int) -> date | None:
    if not (MINYEAR <= year <= MAXYEAR and 1 <= month <= 12):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _add_days(day: date, days: int) -> date | None:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def _add_months(day: date, months: int) -> date | None:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not MINYEAR <= year <= MAXYEAR:
        return None
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _wall_time(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    """``hour``:``minute`` on ``day`` in ``zone`` as a clock on the wall shows it: a time skipped when
    daylight saving time starts moves forward by the skipped hour (02:30 -> 03:30+02:00); a time that
    exists twice when it ends is the first (fold=0, summer time)."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    try:
        return local.astimezone(UTC).astimezone(zone)  # the round trip gives a skipped time its real offset
    except OverflowError:  # 1 January of year 1 or 31 December 9999: no daylight saving time to mind
        return local


__all__ = ["PART_HOURS", "find_datetimes"]

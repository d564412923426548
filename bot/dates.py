"""Dates the NLU resolved ("nächsten Donnerstag um 10"), written out for people in German or English.

The NLU gives ISO 8601 in the desk's time zone plus a grain; a requester checking the summary and the
coach reading the ticket both want the weekday and the date spelt out, so a misunderstanding shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Final

from nlu.datetimes import PART_HOURS

_WEEKDAYS: Final = {
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_MONTHS_EN: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The hour the NLU uses for a part of the day ("afternoon" is 14:00), back to the words.
_PART_NAMES: Final = {
    "de": {"morning": "vormittags", "noon": "mittags", "afternoon": "nachmittags", "evening": "abends"},
    "en": {"morning": "morning", "noon": "noon", "afternoon": "afternoon", "evening": "evening"},
}
_PARTS: Final = {
    language: {PART_HOURS[part]: name for part, name in names.items()}
    for language, names in _PART_NAMES.items()
}
_WEEK: Final = {"de": "Woche ab {day}", "en": "week of {day}"}


def describe_datetime(value: str, grain: str, language: str) -> str | None:
    """ "Do, 26.11.2026, 10:00 Uhr" / "Thu 26 Nov 2026, 10:00"; None for a value that is no ISO date."""
    language = language if language in _WEEKDAYS else "en"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    day = _day(moment.date(), language)
    if grain == "week":
        return _WEEK[language].format(day=day)
    if grain == "part_of_day":
        part = _PARTS[language].get(moment.hour)
        return f"{day}, {part}" if part else f"{day}, {_clock(moment, language)}"
    if grain in ("hour", "minute"):
        return f"{day}, {_clock(moment, language)}"
    return day


def _day(day: date, language: str) -> str:
    weekday = _WEEKDAYS[language][day.weekday()]
    if language == "de":
        return f"{weekday}, {day:%d.%m.%Y}"
    return f"{weekday} {day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def _clock(moment: datetime, language: str) -> str:
    return f"{moment:%H:%M} Uhr" if language == "de" else f"{moment:%H:%M}"


def upcoming(entities: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The first date or time in a message that lies ahead (not "seit gestern")."""
    return next((e for e in entities if e.get("entity") == "datetime" and not e.get("past")), None)


def with_resolved(words: str, entity: Mapping[str, Any], language: str) -> str:
    """ "nächsten Donnerstag um 10 (Do, 26.11.2026, 10:00 Uhr)": the words as written plus the date they
    mean, so a misunderstanding shows in the summary."""
    resolved = describe_datetime(str(entity["value"]), str(entity.get("grain", "day")), language)
    return f"{words} ({resolved})" if resolved else words

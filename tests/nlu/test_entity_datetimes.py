"""Dates and times as a requester writes them, resolved the way they mean them.

The clock stands still at Tuesday 24 November 2026, 09:00 UTC: 10:00 at a desk in Berlin (CET, +01:00).
Every case checks the phrase the offsets point at, the value, its grain and whether it points back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from nlu.datetimes import find_datetimes

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday, 10:00 in Berlin

Found = tuple[str, str, str, bool]  # phrase, value, grain, past


def found(text: str, now: datetime = NOW, zone: ZoneInfo = BERLIN) -> list[Found]:
    entities = find_datetimes(text, now, zone)
    assert all(e["entity"] == "datetime" for e in entities)
    return [
        (text[e["start"] : e["end"]], str(e["value"]), e["grain"], e.get("past", False)) for e in entities
    ]


GERMAN: list[tuple[str, list[Found]]] = [
    ("Kannst du morgen vorbeikommen?", [("morgen", "2026-11-25", "day", False)]),
    ("morgen", [("morgen", "2026-11-25", "day", False)]),
    ("Geht das heute noch?", [("heute", "2026-11-24", "day", False)]),
    ("übermorgen passt", [("übermorgen", "2026-11-26", "day", False)]),
    ("uebermorgen passt", [("uebermorgen", "2026-11-26", "day", False)]),
    ("Der Drucker ging gestern noch", [("gestern", "2026-11-23", "day", True)]),
    ("vorgestern gemeldet", [("vorgestern", "2026-11-22", "day", True)]),
    ("Outlook geht seit gestern nicht", [("seit gestern", "2026-11-23", "day", True)]),
    (
        "Mein Outlook stürzt seit heute Morgen bei jedem Start ab",
        [("seit heute Morgen", "2026-11-24T09:00:00+01:00", "part_of_day", True)],
    ),
    (
        "heute Morgen hat es noch geklappt",
        [("heute Morgen", "2026-11-24T09:00:00+01:00", "part_of_day", False)],
    ),
    ("morgen früh bitte", [("morgen früh", "2026-11-25T09:00:00+01:00", "part_of_day", False)]),
    ("morgen Nachmittag?", [("morgen Nachmittag", "2026-11-25T14:00:00+01:00", "part_of_day", False)]),
    ("gestern Abend ging es noch", [("gestern Abend", "2026-11-23T18:00:00+01:00", "part_of_day", True)]),
    ("heute Abend", [("heute Abend", "2026-11-24T18:00:00+01:00", "part_of_day", False)]),
    ("seit heute Mittag", [("seit heute Mittag", "2026-11-24T12:00:00+01:00", "part_of_day", True)]),
    # A weekday is the coming one; said on a Tuesday, "Dienstag" is next week's.
    ("am Donnerstag", [("am Donnerstag", "2026-11-26", "day", False)]),
    ("Donnerstag wäre gut", [("Donnerstag", "2026-11-26", "day", False)]),
    ("Dienstag wäre gut", [("Dienstag", "2026-12-01", "day", False)]),
    ("nächsten Donnerstag", [("nächsten Donnerstag", "2026-11-26", "day", False)]),
    ("naechsten Montag", [("naechsten Montag", "2026-11-30", "day", False)]),
    (
        "Geht es nächsten Donnerstag um 10?",
        [("nächsten Donnerstag um 10", "2026-11-26T10:00:00+01:00", "hour", False)],
    ),
    ("am Freitag um 14:30", [("am Freitag um 14:30", "2026-11-27T14:30:00+01:00", "minute", False)]),
    ("Dienstagnachmittag", [("Dienstagnachmittag", "2026-12-01T14:00:00+01:00", "part_of_day", False)]),
    ("am Montag früh", [("am Montag früh", "2026-11-30T09:00:00+01:00", "part_of_day", False)]),
    ("letzten Freitag", [("letzten Freitag", "2026-11-20", "day", True)]),
    ("seit Montag", [("seit Montag", "2026-11-23", "day", True)]),
    ("seit letztem Mittwoch", [("seit letztem Mittwoch", "2026-11-18", "day", True)]),
    # Weeks: that week's Monday.
    ("nächste Woche", [("nächste Woche", "2026-11-30", "week", False)]),
    ("ab nächster Woche", [("nächster Woche", "2026-11-30", "week", False)]),
    ("diese Woche noch", [("diese Woche", "2026-11-23", "week", False)]),
    ("seit letzter Woche", [("seit letzter Woche", "2026-11-16", "week", True)]),
    ("übernächste Woche", [("übernächste Woche", "2026-12-07", "week", False)]),
    ("bis Ende der Woche", [("Ende der Woche", "2026-11-27", "day", False)]),
    (
        "nächste Woche Dienstag um 10",
        [("nächste Woche Dienstag um 10", "2026-12-01T10:00:00+01:00", "hour", False)],
    ),
    # Offsets.
    ("in 2 Tagen", [("in 2 Tagen", "2026-11-26", "day", False)]),
    ("in zwei Wochen", [("in zwei Wochen", "2026-12-08", "day", False)]),
    ("Das geht seit 3 Tagen so", [("seit 3 Tagen", "2026-11-21", "day", True)]),
    ("seit einer Woche", [("seit einer Woche", "2026-11-17", "day", True)]),
    ("vor 2 Stunden", [("vor 2 Stunden", "2026-11-24T08:00:00+01:00", "minute", True)]),
    ("seit 2h", [("seit 2h", "2026-11-24T08:00:00+01:00", "minute", True)]),
    ("in einer Stunde", [("in einer Stunde", "2026-11-24T11:00:00+01:00", "minute", False)]),
    # Calendar dates.
    ("am 3.12.", [("am 3.12.", "2026-12-03", "day", False)]),
    ("03.12.2026", [("03.12.2026", "2026-12-03", "day", False)]),
    ("am 3.12.26 um 9 Uhr", [("am 3.12.26 um 9 Uhr", "2026-12-03T09:00:00+01:00", "hour", False)]),
    ("3. Dezember", [("3. Dezember", "2026-12-03", "day", False)]),
    ("am 1. März", [("am 1. März", "2027-03-01", "day", False)]),
    ("ab 1. Juli", [("1. Juli", "2027-07-01", "day", False)]),
    ("am 3.11. ging es noch", [("am 3.11.", "2026-11-03", "day", True)]),  # 3 weeks ago: reported
    ("seit dem 3.11.", [("seit dem 3.11.", "2026-11-03", "day", True)]),
    (
        "Donnerstag, 3.12. um 10 Uhr",
        [("Donnerstag, 3.12. um 10 Uhr", "2026-12-03T10:00:00+01:00", "hour", False)],
    ),
    # Clock times: today if still ahead, else tomorrow; hours 1-6 are afternoon hours.
    ("um 14 Uhr", [("um 14 Uhr", "2026-11-24T14:00:00+01:00", "hour", False)]),
    ("um 10 Uhr", [("um 10 Uhr", "2026-11-24T10:00:00+01:00", "hour", False)]),
    ("um 9", [("um 9", "2026-11-25T09:00:00+01:00", "hour", False)]),
    ("um 3", [("um 3", "2026-11-24T15:00:00+01:00", "hour", False)]),
    ("14.30 Uhr", [("14.30 Uhr", "2026-11-24T14:30:00+01:00", "minute", False)]),
    ("um halb 3", [("um halb 3", "2026-11-24T14:30:00+01:00", "minute", False)]),
    ("gegen zehn Uhr", [("gegen zehn Uhr", "2026-11-24T10:00:00+01:00", "hour", False)]),
    ("morgen um 14:30", [("morgen um 14:30", "2026-11-25T14:30:00+01:00", "minute", False)]),
    ("morgen Nachmittag um 3", [("morgen Nachmittag um 3", "2026-11-25T15:00:00+01:00", "hour", False)]),
    ("SAP ist seit 8 Uhr weg", [("seit 8 Uhr", "2026-11-24T08:00:00+01:00", "hour", True)]),
    ("seit ca. 9 Uhr", [("seit ca. 9 Uhr", "2026-11-24T09:00:00+01:00", "hour", True)]),
    ("nachmittags", [("nachmittags", "2026-11-24T14:00:00+01:00", "part_of_day", False)]),
    # A part of the day not over yet is today's (10:00 is still "Vormittag").
    ("am Vormittag", [("am Vormittag", "2026-11-24T09:00:00+01:00", "part_of_day", False)]),
    ("abends", [("abends", "2026-11-24T18:00:00+01:00", "part_of_day", False)]),
    (
        "Seit gestern geht nichts, kannst du morgen um 10 vorbeikommen?",
        [
            ("Seit gestern", "2026-11-23", "day", True),
            ("morgen um 10", "2026-11-25T10:00:00+01:00", "hour", False),
        ],
    ),
    ("Guten Morgen, geht es morgen um 10?", [("morgen um 10", "2026-11-25T10:00:00+01:00", "hour", False)]),
]

ENGLISH: list[tuple[str, list[Found]]] = [
    ("can you come tomorrow?", [("tomorrow", "2026-11-25", "day", False)]),
    ("VPN down since yesterday", [("since yesterday", "2026-11-23", "day", True)]),
    ("the day after tomorrow", [("the day after tomorrow", "2026-11-26", "day", False)]),
    (
        "next Tuesday afternoon",
        [("next Tuesday afternoon", "2026-12-01T14:00:00+01:00", "part_of_day", False)],
    ),
    ("on Thursday", [("on Thursday", "2026-11-26", "day", False)]),
    ("on Thursday morning", [("on Thursday morning", "2026-11-26T09:00:00+01:00", "part_of_day", False)]),
    ("last Friday", [("last Friday", "2026-11-20", "day", True)]),
    ("broken since Monday", [("since Monday", "2026-11-23", "day", True)]),
    ("next week", [("next week", "2026-11-30", "week", False)]),
    ("it worked last week", [("last week", "2026-11-16", "week", True)]),
    ("this week", [("this week", "2026-11-23", "week", False)]),
    ("in two weeks", [("in two weeks", "2026-12-08", "day", False)]),
    ("I reported it 3 days ago", [("3 days ago", "2026-11-21", "day", True)]),
    ("for the last 2 days", [("for the last 2 days", "2026-11-22", "day", True)]),
    ("tomorrow at 9am", [("tomorrow at 9am", "2026-11-25T09:00:00+01:00", "hour", False)]),
    ("at 9 tomorrow", [("at 9 tomorrow", "2026-11-25T09:00:00+01:00", "hour", False)]),
    ("at 3pm", [("at 3pm", "2026-11-24T15:00:00+01:00", "hour", False)]),
    ("at 10", [("at 10", "2026-11-24T10:00:00+01:00", "hour", False)]),
    ("at 12am", [("at 12am", "2026-11-25T00:00:00+01:00", "hour", False)]),
    ("tomorrow evening at 8", [("tomorrow evening at 8", "2026-11-25T20:00:00+01:00", "hour", False)]),
    ("since this morning", [("since this morning", "2026-11-24T09:00:00+01:00", "part_of_day", True)]),
    (
        "Since about 8:30 nobody can log in",
        [("Since about 8:30", "2026-11-24T08:30:00+01:00", "minute", True)],
    ),
    ("this afternoon", [("this afternoon", "2026-11-24T14:00:00+01:00", "part_of_day", False)]),
    ("tonight", [("tonight", "2026-11-24T18:00:00+01:00", "part_of_day", False)]),
    ("in the morning", [("in the morning", "2026-11-24T09:00:00+01:00", "part_of_day", False)]),
    ("last night's update", [("last night", "2026-11-23", "day", True)]),
    ("December 3rd", [("December 3rd", "2026-12-03", "day", False)]),
    ("on 12 May", [("on 12 May", "2027-05-12", "day", False)]),
    ("the 3rd of December", [("the 3rd of December", "2026-12-03", "day", False)]),
    ("2026-12-03", [("2026-12-03", "2026-12-03", "day", False)]),
    ("within an hour", [("within an hour", "2026-11-24T11:00:00+01:00", "minute", False)]),
]


@pytest.mark.parametrize(("text", "expected"), GERMAN)
def test_german_dates_and_times(text: str, expected: list[Found]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(("text", "expected"), ENGLISH)
def test_english_dates_and_times(text: str, expected: list[Found]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Guten Morgen",
        "Guten Morgen zusammen, mein Drucker streikt",
        "Morgen! Wie geht's?",
        "Good morning, my laptop is broken",
        "Good afternoon",
        "Guten Abend",
        "Ich arbeite jeden Morgen im Büro",
        "Windows 10",
        "Office 365",
        "Update auf Version 2.3",
        "Raum 4.12",
        "Bitte in Raum 4.12.",
        "SD-42",
        "Ticket 42",
        "für 10 Leute",
        "12 participants",
        "um 10 Prozent teurer",
        "Im ganzen 3. Stock gibt es kein WLAN",
        "der Drucker im 2. OG",
        "Das kam zu früh",
        "12/03",  # month/day or day/month: not read
        "ca. 10 MA",
        "Fehler 0x80070005",
        "Tel. 0171 9876543",
        "2 Tage Urlaub",
    ],
)
def test_numbers_and_greetings_are_not_dates(text: str) -> None:
    assert found(text) == []


def test_the_desk_time_zone_decides_what_today_is() -> None:
    # 23:30 UTC on Tuesday is already Wednesday 00:30 in Berlin.
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert found("morgen", late) == [("morgen", "2026-11-26", "day", False)]
    assert found("tomorrow", late, ZoneInfo("America/New_York")) == [("tomorrow", "2026-11-25", "day", False)]


def test_times_across_the_end_of_daylight_saving_time() -> None:
    # Saturday 24 October 2026, 10:00 CEST (+02:00); the clocks go back on Sunday at 03:00.
    saturday = datetime(2026, 10, 24, 8, 0, tzinfo=UTC)
    assert found("heute um 18 Uhr", saturday) == [
        ("heute um 18 Uhr", "2026-10-24T18:00:00+02:00", "hour", False)
    ]
    assert found("morgen um 10", saturday) == [("morgen um 10", "2026-10-25T10:00:00+01:00", "hour", False)]
    # Two real hours after 02:30 CEST are 03:30 CET, not 04:30.
    night = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert found("in 2 Stunden", night) == [("in 2 Stunden", "2026-10-25T03:30:00+01:00", "minute", False)]
    # 02:30 comes twice that night: the first one, still summer time.
    assert found("morgen um 02:30", saturday) == [
        ("morgen um 02:30", "2026-10-25T02:30:00+02:00", "minute", False)
    ]


def test_a_time_skipped_when_daylight_saving_time_starts_is_moved_forward() -> None:
    # Saturday 28 March 2026, 13:00 CET; on Sunday the clocks jump from 02:00 to 03:00: no 02:30.
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert found("morgen um 02:30", saturday) == [
        ("morgen um 02:30", "2026-03-29T03:30:00+02:00", "minute", False)
    ]
    assert found("morgen um 10", saturday) == [("morgen um 10", "2026-03-29T10:00:00+02:00", "hour", False)]


def test_a_new_year_lies_ahead_in_late_december() -> None:
    december = datetime(2026, 12, 30, 9, 0, tzinfo=UTC)  # Wednesday
    assert found("am 3.1.", december) == [("am 3.1.", "2027-01-03", "day", False)]
    assert found("nächste Woche", december) == [("nächste Woche", "2027-01-04", "week", False)]
    assert found("am 20.12.", december) == [("am 20.12.", "2026-12-20", "day", True)]


def test_a_clock_time_already_past_today_means_tomorrow_unless_it_points_back() -> None:
    evening = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # 18:00 in Berlin
    assert found("um 10", evening) == [("um 10", "2026-11-25T10:00:00+01:00", "hour", False)]
    assert found("seit 10 Uhr", evening) == [("seit 10 Uhr", "2026-11-24T10:00:00+01:00", "hour", True)]
    assert found("nachmittags", evening) == [
        ("nachmittags", "2026-11-25T14:00:00+01:00", "part_of_day", False)
    ]


def test_invalid_calendar_dates_are_not_dates() -> None:
    assert found("am 31.2.") == []
    assert found("am 31. Februar") == []
    assert found("um 25 Uhr") == []
    assert found("am 29.2.2027") == []


def test_29_february_without_a_year_is_the_next_one_even_years_ahead() -> None:
    assert found("am 29.02.") == [("am 29.02.", "2028-02-29", "day", False)]
    assert found("seit dem 29.2.") == [("seit dem 29.2.", "2024-02-29", "day", True)]
    assert found("am 29. Februar um 10 Uhr") == [
        ("am 29. Februar um 10 Uhr", "2028-02-29T10:00:00+01:00", "hour", False)
    ]
    # 2100 is no leap year: eight years from one 29 February to the next.
    march_2097 = datetime(2097, 3, 1, 9, 0, tzinfo=UTC)
    assert found("am 29.2.", march_2097) == [("am 29.2.", "2104-02-29", "day", False)]


@pytest.mark.parametrize(
    "text",
    ["Termin am 0000-01-01 bitte", "3. Dezember 0000", "am 3.12.0000", "seit dem 29.02.0000"],
)
def test_a_year_no_date_can_hold_is_no_date(text: str) -> None:
    assert found(text) == []


def test_at_the_end_of_the_calendar_phrases_beyond_it_are_no_dates() -> None:
    last_day = datetime(9999, 12, 31, 12, 0, tzinfo=UTC)  # 13:00 in Berlin
    for text in ("morgen", "übermorgen", "in 2 Tagen", "nächste Woche", "nächsten Freitag", "in 3 Monaten"):
        assert found(text, last_day) == [], text
    assert found("gestern", last_day) == [("gestern", "9999-12-30", "day", True)]
    assert found("in 5 Stunden", last_day) == [("in 5 Stunden", "9999-12-31T18:00:00+01:00", "minute", False)]
    assert found("am 31.12.9999 um 23:30") == [
        ("am 31.12.9999 um 23:30", "9999-12-31T23:30:00+01:00", "minute", False)
    ]
    last_minute = datetime(9999, 12, 31, 22, 59, tzinfo=UTC)  # 23:59 in Berlin
    assert found("in 2 Stunden", last_minute) == []
    assert found("um 9", last_minute) == []  # tomorrow's 09:00


def test_at_the_start_of_the_calendar_phrases_before_it_are_no_dates() -> None:
    first_day = datetime(1, 1, 1, 12, 0, tzinfo=UTC)
    utc = ZoneInfo("UTC")
    for text in ("gestern", "vor 3 Tagen", "letzte Woche", "letzten Freitag", "vor 3 Monaten", "seit 13 Uhr"):
        assert found(text, first_day, utc) == [], text
    assert found("vor 2 Stunden", first_day, utc) == [
        ("vor 2 Stunden", "0001-01-01T10:00:00+00:00", "minute", True)
    ]
    assert found("morgen", first_day, utc) == [("morgen", "0001-01-02", "day", False)]
    assert found("am 1.1.0001 um 0:30", first_day, utc) == [
        ("am 1.1.0001 um 0:30", "0001-01-01T00:30:00+00:00", "minute", False)
    ]

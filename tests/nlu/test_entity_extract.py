"""One extractor for everything a flow pre-fills: what a requester already said is never asked again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from nlu.catalogue import Catalogue, CatalogueItem
from nlu.entities import Entity
from nlu.extract import EntityExtractor
from nlu.text import MAX_CHARS

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday, 10:00 in Berlin

CATALOGUE = Catalogue(
    [
        CatalogueItem("Outlook", "software", ("e-mail-programm",)),
        CatalogueItem("Microsoft Teams", "software", ("teams", "ms teams")),
        CatalogueItem("Visio", "software", ("ms visio",)),
        CatalogueItem("MS Project", "software", ("microsoft project",)),
        CatalogueItem("SharePoint", "software", ("share point",)),
        CatalogueItem("Windows", "software", ("windows 10", "windows 11")),
        CatalogueItem("Microsoft 365", "software", ("office", "office 365")),
        CatalogueItem("Laptop", "hardware", ("notebook",)),
        CatalogueItem("Printer", "hardware", ("drucker",)),
        CatalogueItem("Docking station", "hardware", ("dockingstation", "dock")),
    ]
)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def extractor() -> EntityExtractor:
    return EntityExtractor(CATALOGUE, timezone="Europe/Berlin", now=FakeClock(NOW))


def summary(text: str, entities: list[Entity]) -> list[tuple[str, object, str]]:
    """(entity, value, the exact text its offsets point at)."""
    return [(e["entity"], e["value"], text[e["start"] : e["end"]]) for e in entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mein outlok stürzt seit heute Morgen ab, dringend!",
            [
                ("software", "Outlook", "outlok"),
                ("datetime", "2026-11-24T09:00:00+01:00", "seit heute Morgen"),
                ("urgency", "high", "dringend"),
            ],
        ),
        (
            "Kannst du nächsten Donnerstag um 10 für mich und zwei Kollegen Visio installieren?",
            [
                ("datetime", "2026-11-26T10:00:00+01:00", "nächsten Donnerstag um 10"),
                ("people_count", 3, "mich und zwei Kollegen"),
                ("software", "Visio", "Visio"),
            ],
        ),
        (
            "Need MS Project for 5 colleagues by next Tuesday afternoon, no rush",
            [
                ("software", "MS Project", "MS Project"),
                ("people_count", 5, "5 colleagues"),
                ("datetime", "2026-12-01T14:00:00+01:00", "next Tuesday afternoon"),
                ("urgency", "low", "no rush"),
            ],
        ),
        (
            "SD-42 ist immer noch offen, seit 3 Tagen geht nichts mehr",
            [
                ("ticket", "SD-42", "SD-42"),
                ("datetime", "2026-11-21", "seit 3 Tagen"),
                ("urgency", "high", "geht nichts mehr"),
            ],
        ),
        (
            "Windows 10 Update auf 12 Notebooks, Office 365 für 12 Leute",
            [
                ("software", "Windows", "Windows 10"),
                ("hardware", "Laptop", "Notebooks"),
                ("software", "Microsoft 365", "Office 365"),
                ("people_count", 12, "12 Leute"),
            ],
        ),
        (
            "Our team can't use Teams since yesterday, we can't work",
            [
                ("software", "Microsoft Teams", "Teams"),
                ("datetime", "2026-11-23", "since yesterday"),
                ("urgency", "high", "can't work"),
            ],
        ),
        ("Guten Morgen, wie steht es um 42?", [("ticket", "SD-42", "42")]),
        ("Version 2.3 in Raum 4.12", []),
        (
            "Wir brauchen eine Scrum-Schulung für unsere drei Teams, 15 Leute",
            [("people_count", 15, "15 Leute")],
        ),
        ("How do I mark an email as urgent in Outlook?", [("software", "Outlook", "Outlook")]),
        ("Laptop lässt sich nicht docken", [("hardware", "Laptop", "Laptop")]),
        ("Termin am 0000-01-01 bitte", []),
        ("Termin am 29.02.", [("datetime", "2028-02-29", "am 29.02.")]),
    ],
)
def test_a_message_yields_every_entity_with_its_phrase(
    extractor: EntityExtractor, text: str, expected: list[tuple[str, object, str]]
) -> None:
    assert summary(text, extractor.extract(text)) == expected


def test_ticket_references_win_over_times_and_numbers(extractor: EntityExtractor) -> None:
    # "Status um 42" asks about ticket 42; "um 10" alone would be a time.
    text = "Status um 10?"
    assert summary(text, extractor.extract(text)) == [("ticket", "SD-10", "10")]
    text = "Ticket #12 für 3 Leute um 10 Uhr"
    assert summary(text, extractor.extract(text)) == [
        ("ticket", "SD-12", "#12"),
        ("people_count", 3, "3 Leute"),
        ("datetime", "2026-11-24T10:00:00+01:00", "um 10 Uhr"),
    ]


def test_the_longer_catalogue_phrase_wins(extractor: EntityExtractor) -> None:
    text = "Windows 11 und ms teams"
    assert summary(text, extractor.extract(text)) == [
        ("software", "Windows", "Windows 11"),
        ("software", "Microsoft Teams", "ms teams"),
    ]


def test_dates_carry_grain_and_past() -> None:
    extractor = EntityExtractor(timezone="Europe/Berlin", now=FakeClock(NOW))
    [since, meeting] = extractor.extract("Seit gestern kaputt, nächste Woche geht's")
    assert since == {
        "entity": "datetime", "value": "2026-11-23", "start": 0, "end": 12, "grain": "day", "past": True,
    }  # fmt: skip
    assert meeting["grain"] == "week" and "past" not in meeting


def test_entities_are_in_the_contract_format(extractor: EntityExtractor) -> None:
    text = "Bitte morgen um 9 den Drucker für 4 Kollegen prüfen, SD-7 ist dringend"
    entities = extractor.extract(text)
    assert [e["entity"] for e in entities] == ["datetime", "hardware", "people_count", "ticket", "urgency"]
    for entity in entities:
        assert (
            {"entity", "value", "start", "end"}
            <= entity.keys()
            <= {"entity", "value", "start", "end", "grain", "past"}
        )
        assert isinstance(entity["value"], int if entity["entity"] == "people_count" else str)
    assert json.loads(json.dumps(entities)) == entities


def test_the_injected_clock_is_read_for_every_message() -> None:
    clock = FakeClock(NOW)
    extractor = EntityExtractor(timezone="Europe/Berlin", now=clock)
    assert extractor.extract("morgen")[0]["value"] == "2026-11-25"
    clock.now = NOW + timedelta(days=7)
    assert extractor.extract("morgen")[0]["value"] == "2026-12-02"


def test_the_desk_time_zone_is_used() -> None:
    late = FakeClock(datetime(2026, 11, 24, 23, 30, tzinfo=UTC))
    assert EntityExtractor(timezone="Europe/Berlin", now=late).extract("heute")[0]["value"] == "2026-11-25"
    assert EntityExtractor(timezone="UTC", now=late).extract("heute")[0]["value"] == "2026-11-24"


def test_without_a_clock_today_is_the_real_today() -> None:
    before = datetime.now(UTC).date()
    [today] = EntityExtractor().extract("today")
    assert today["value"] in {before.isoformat(), datetime.now(UTC).date().isoformat()}


def test_a_naive_clock_is_read_as_utc() -> None:
    naive = FakeClock(datetime(2026, 11, 24, 23, 30))  # noqa: DTZ001 - exactly what is being tested
    assert EntityExtractor(timezone="Europe/Berlin", now=naive).extract("heute")[0]["value"] == "2026-11-25"


def test_an_unknown_time_zone_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        EntityExtractor(timezone="Mars/Olympus")


def test_without_a_catalogue_no_items_are_found() -> None:
    entities = EntityExtractor(now=FakeClock(NOW)).extract("Outlook und der Drucker")
    assert entities == []


def test_a_long_message_is_read_up_to_the_nlu_limit(extractor: EntityExtractor) -> None:
    sentence = "Seit gestern geht Outlook nicht, SD-12 betrifft 5 Kollegen, bitte morgen um 10, dringend! "
    text = sentence * 40  # ~3,600 characters
    entities = extractor.extract(text)
    assert entities, "a long message still yields its entities"
    assert max(e["end"] for e in entities) <= MAX_CHARS
    assert sum(e["entity"] == "ticket" for e in entities) == MAX_CHARS // len(sentence)  # whole sentences
    starts = [e["start"] for e in entities]
    assert starts == sorted(starts)
    assert all(a["end"] <= b["start"] for a, b in pairwise(entities))


@pytest.mark.parametrize(
    "text",
    [
        "1" * 2000,
        "a" * 2000,
        "um " * 666,
        "seit " * 400,
        ("12.12." * 400)[:2000],
        ("10:30 " * 400)[:2000],
        ("nicht " * 400)[:2000],
        ("mich und " * 300)[:2000],
        ("share point " * 200)[:2000],
        ("- " * 1000)[:2000],
        ("Mo" + "r" * 1998),
        ("x" * 1999) + "ä",
    ],
)
def test_pathological_input_of_the_longest_length_returns(extractor: EntityExtractor, text: str) -> None:
    entities = extractor.extract(text)
    assert all(0 <= e["start"] < e["end"] <= len(text) for e in entities)

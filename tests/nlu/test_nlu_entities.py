from __future__ import annotations

import pytest

from nlu.entities import extract_entities, parse_ticket_ref


def refs(text: str) -> list[tuple[str, str]]:
    """(value, the exact text the offsets point at) for every ticket entity."""
    found = extract_entities(text)
    assert all(e["entity"] == "ticket" for e in found)
    return [(e["value"], text[e["start"] : e["end"]]) for e in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SD-42 ist immer noch offen", [("SD-42", "SD-42")]),
        ("was ist mit sd 42?", [("SD-42", "sd 42")]),
        ("sd42 bitte schließen", [("SD-42", "sd42")]),
        ("Any news on #42?", [("SD-42", "#42")]),
        ("status 42", [("SD-42", "42")]),
        ("ticket 42", [("SD-42", "42")]),
        ("Ticket Nr. 42 ist dringend", [("SD-42", "42")]),
        ("wie steht es um 42", [("SD-42", "42")]),
        ("what about my ticket 42?", [("SD-42", "42")]),
        ("status of 42.", [("SD-42", "42")]),
        ("Ticket SD-0042", [("SD-42", "SD-0042")]),
        ("Ticket #42 und SD-7", [("SD-42", "#42"), ("SD-7", "SD-7")]),
        ("Hallo 👋 wie steht es um SD-9?", [("SD-9", "SD-9")]),
    ],
)
def test_ticket_references_in_every_form_with_offsets(text: str, expected: list[tuple[str, str]]) -> None:
    assert refs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mein Laptop geht seit 2 Tagen nicht",
        "Windows 11 installieren",
        "Ich brauche einen Raum für 10 Leute",
        "Status seit 2 Tagen unverändert",
        "Anfrage für 3 neue Laptops",
        "Ticket um 10 Uhr",
        "Update auf Version 11.2",
        "Stand 10:30",
        "Ticket 0",
        "Office 365 lizenz für 5 user",
        "&#42;",
        "42",  # a lone number is a ticket only where the bot asked for one: parse_ticket_ref
    ],
)
def test_no_false_ticket_references(text: str) -> None:
    assert refs(text) == []


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("SD-42", "SD-42"),
        ("sd-42", "SD-42"),
        ("sd 42", "SD-42"),
        ("sd42", "SD-42"),
        ("#42", "SD-42"),
        ("42", "SD-42"),
        (" 042 ", "SD-42"),
        ("SD-0", None),
        ("0", None),
        ("", None),
        ("abc", None),
        ("42a", None),
        ("SD-", None),
        ("-42", None),
        ("4.2", None),
        ("1234567890123", None),
    ],
)
def test_parse_ticket_ref(arg: str, expected: str | None) -> None:
    assert parse_ticket_ref(arg) == expected

"""What a request's first message pre-fills: the answer the bot then does not ask for."""

import pytest

from bot.intents import FirstMessage, prefill


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Outlook stürzt ab, nur bei mir", "low"),
        ("Mein Bildschirm flackert die ganze Zeit", None),
        ("Bei den Kollegen geht es, nur mein Laptop hat kein WLAN", "low"),
        ("Der Drucker geht bei uns im Team nicht, meine Kollegen sind auch betroffen", "medium"),
        ("VPN is down for our team", "medium"),
        ("Das WLAN ist im ganzen Gebäude weg", "high"),
        ("SAP is down for everyone", "high"),
    ],
)
def test_impact_follows_the_questions_options(text: str, expected: str | None) -> None:
    # Options: only me (low), my team / several people (medium), many people / a whole site (high).
    assert prefill.impact(FirstMessage(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Unser Team kann seit heute früh nicht mehr auf SharePoint zugreifen", "seit heute früh"),
        ("Mein Outlook stürzt seit heute Morgen bei jedem Start ab", "seit heute Morgen"),
        ("VPN not working since yesterday, no connection at all", "since yesterday"),
        ("Seit dem Update gestern geht nichts mehr", "Seit dem Update gestern"),
        ("ab und zu hängt Teams", None),
        ("Word stürzt ab seit gestern", "seit gestern"),
    ],
)
def test_since_takes_the_time_and_stops_at_the_problem(text: str, expected: str | None) -> None:
    assert prefill.since(FirstMessage(text)) == expected

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


@pytest.mark.parametrize(
    ("function", "text", "expected"),
    [
        (prefill.since, "Jira ist seit ca. 2 Stunden extrem langsam", "seit ca. 2 Stunden"),
        (prefill.impact, "Das WLAN ist im ganzen Gebäude weg", "high"),
        (prefill.impact, "The whole Leeds office has had no internet since 10am", "high"),
        (prefill.impact, "niemand im Haus kann raustelefonieren", "high"),
        (prefill.impact, "Jira hängt, das ganze Projektteam ist betroffen", "medium"),
        (prefill.item, "Bitte installiert mir MindManager auf PC-0815", "MindManager"),
        (prefill.item, "könnt ihr mir notepad++ installieren", "notepad++"),
        (prefill.item, "Ich bräuchte SPSS installiert", "SPSS"),
        (prefill.item, "please install Inkscape on my laptop", "Inkscape"),
        (prefill.item, "Kannst du mir bitte das installieren?", None),
        (prefill.device, "Bitte installiert mir MindManager auf PC-0815", "PC-0815"),
        (prefill.device, "sorry, falsche Nummer, der Laptop ist NB-20413", "der Laptop ist NB-20413"),
        (prefill.device, "Bitte Visio auf meinem Rechner", None),
        (prefill.topic, "Schulung zu Scrum für mein Team bitte", "Scrum"),
        (prefill.topic, "We need a training on writing user stories for 5 people", "writing user stories"),
        (prefill.topic, "Wir brauchen eine Schulung für mein Team", None),
        (prefill.appointment, "eine Confluence-Schulung, gerne im Februar", "im Februar"),
        (prefill.appointment, "a workshop next quarter would be great", "next quarter"),
        (prefill.description, "Ich bräuchte ein Handbuch", None),
        (prefill.application, "wie kan ich in teams nen kanal anlegen", "Microsoft Teams"),
        (prefill.application, "In SAP, where do I find my holiday days?", "SAP"),
        (prefill.application, "meine Reisekosten in Concur abrechnen, wie geht das?", "Concur"),
        (prefill.topic, "Our new hires need an SAP basics training", "SAP basics"),
    ],
)
def test_what_a_first_message_says_is_read_and_nothing_else(
    function, text: str, expected: str | None
) -> None:  # type: ignore[no-untyped-def]
    assert function(FirstMessage(text)) == expected


def test_a_product_alone_is_no_subject() -> None:
    message = FirstMessage(
        "Ich hab ne Frage zu Teams",
        ({"entity": "software", "value": "Microsoft Teams", "start": 20, "end": 25},),
    )
    assert prefill.description(message) is None


def test_a_head_count_in_an_incident_says_who_is_affected() -> None:
    message = FirstMessage(
        "Jira ist langsam, 12 Leute sind betroffen",
        ({"entity": "people_count", "value": 12, "start": 18, "end": 27},),
    )
    assert prefill.impact(message) == "medium"


def test_an_accessory_is_the_item_and_not_the_device() -> None:
    message = FirstMessage(
        "I need a laptop stand", ({"entity": "hardware", "value": "Laptop", "start": 9, "end": 15},)
    )
    assert (prefill.item(message), prefill.device(message)) == ("laptop stand", None)


@pytest.mark.parametrize(
    ("text", "fits"),
    [
        ("since Tuesday", True),
        ("nach dem Umzug", True),
        ("seit 2 Wochen", True),
        ("hi again, sorry, got pulled into a meeting", False),
        ("so können wir nicht arbeiten", False),
    ],
)
def test_an_answer_to_since_when_must_name_a_time(text: str, fits: bool) -> None:
    assert prefill.tells_time(FirstMessage(text)) is fits


def test_a_time_in_the_past_says_since_when() -> None:
    text = "The team calendar stopped syncing yesterday"
    past = {"entity": "datetime", "value": "2026-12-03", "grain": "day", "past": True, "start": 34, "end": 43}
    assert prefill.since(FirstMessage(text, (past,))) == "yesterday"
    ahead = {**past, "past": False}
    assert prefill.since(FirstMessage(text, (ahead,))) is None

"""Urgency cues and head counts: what a requester says about how urgent it is and for how many people."""

from __future__ import annotations

import pytest

from nlu.cues import find_people_count, find_urgency


def urgency(text: str) -> list[tuple[str, str]]:
    entities = find_urgency(text)
    assert all(e["entity"] == "urgency" for e in entities)
    return [(str(e["value"]), text[e["start"] : e["end"]]) for e in entities]


def people(text: str) -> list[tuple[int, str]]:
    entities = find_people_count(text)
    assert all(e["entity"] == "people_count" and isinstance(e["value"], int) for e in entities)
    return [(int(e["value"]), text[e["start"] : e["end"]]) for e in entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Das ist dringend!!", [("high", "dringend")]),
        ("DRINGEND: Drucker kaputt", [("high", "DRINGEND")]),
        ("Bitte eilig bearbeiten", [("high", "eilig")]),
        ("Eilt!", [("high", "Eilt")]),
        ("Es eilt, bitte melden", [("high", "Es eilt")]),
        ("Bitte sofort zurückrufen", [("high", "sofort")]),
        ("Hier geht gar nichts mehr", [("high", "geht gar nichts mehr")]),
        ("Ich kann nicht arbeiten", [("high", "kann nicht arbeiten")]),
        ("kann gar nicht mehr arbeiten!", [("high", "kann gar nicht mehr arbeiten")]),
        ("Das blockiert unser ganzes Team", [("high", "blockiert")]),
        ("Ist kritisch, bitte schnell", [("high", "kritisch")]),
        ("Notfall im Lager", [("high", "Notfall")]),
        ("Prio 1 bitte", [("high", "Prio 1")]),
        ("Priorität: hoch", [("high", "Priorität: hoch")]),
        ("so schnell wie möglich", [("high", "so schnell wie möglich")]),
        ("schnellstmöglich bitte", [("high", "schnellstmöglich")]),
        ("please fix asap", [("high", "asap")]),
        ("ASAP!!!", [("high", "ASAP")]),
        ("Urgent: payment system down", [("high", "Urgent")]),
        ("this is blocking the release", [("high", "blocking")]),
        ("I can't work like this", [("high", "can't work")]),
        ("I cannot work", [("high", "cannot work")]),
        ("small emergency: my account was hacked", [("high", "emergency")]),
        ("This is critical!", [("high", "critical")]),
        ("need it as soon as possible", [("high", "as soon as possible")]),
        ("please call me immediately", [("high", "immediately")]),
        ("high priority please", [("high", "high priority")]),
        # negated high cues are low cues
        ("nicht dringend", [("low", "nicht dringend")]),
        ("Ist nicht so dringend", [("low", "nicht so dringend")]),
        ("kein Notfall, aber lästig", [("low", "kein Notfall")]),
        ("eilt nicht", [("low", "eilt nicht")]),
        ("Muss nicht sofort sein", [("low", "nicht sofort")]),
        ("not urgent", [("low", "not urgent")]),
        ("it's not really critical", [("low", "not really critical")]),
        # low cues
        ("Keine Eile", [("low", "Keine Eile")]),
        ("hat Zeit bis nächste Woche", [("low", "hat Zeit")]),
        ("wenn du mal Zeit hast", [("low", "wenn du mal Zeit hast")]),
        ("niedrige Priorität", [("low", "niedrige Priorität")]),
        ("no rush", [("low", "no rush")]),
        ("whenever you have time", [("low", "whenever you have time")]),
        ("low priority", [("low", "low priority")]),
        ("no rush, but it is blocking me", [("low", "no rush"), ("high", "blocking")]),
        # an urgency word after a verb of marking is a cue when the requester's ticket is marked
        ("Bitte mein Ticket als dringend markieren", [("high", "dringend")]),
        ("Please mark my request as urgent", [("high", "urgent")]),
        ("Bitte SD-42 auf dringend setzen", [("high", "dringend")]),
        # and where it is not given to a flag
        ("Das ist dringend", [("high", "dringend")]),
        ("it's urgent", [("high", "urgent")]),
        ("dringend!!", [("high", "dringend")]),
        ("eilt", [("high", "eilt")]),
        ("Please treat this as urgent", [("high", "urgent")]),
        ("I need to set up the VPN, urgent", [("high", "urgent")]),
        ("Mark as read geht nicht, ASAP bitte", [("high", "ASAP")]),
    ],
)
def test_urgency_cues_with_their_phrase(text: str, expected: list[tuple[str, str]]) -> None:
    assert urgency(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Outlook stürzt sofort ab",  # how fast it fails, not how fast help is wanted
        "Teams schließt sich sofort wieder",
        "It crashes immediately after login",
        "Can a coach help me find the critical path?",
        "Please send the IT emergency plan",
        "Ich brauche den Notfallplan",
        "unkritisch",
        "Ich möchte Visio installiert haben",
        "Mein Drucker geht nicht",
        # the value of a flag in a tool, not how urgent the request is
        "How do I mark an email as urgent in Outlook?",
        "How can I flag the email urgent?",
        "mark it urgent",
        "How do I set high priority on an email?",
        "Wie setze ich in Outlook eine Mail auf dringend?",
        "Wie kann ich eine Mail als dringend markieren?",
        "Wie markiere ich Mails als dringend?",
        "als dringend markieren",
        "Wie kann ich in Outlook die Priorität hoch setzen?",
        "Wie kann ich eine Mail als nicht dringend kennzeichnen?",
    ],
)
def test_no_urgency_where_none_is_said(text: str) -> None:
    assert urgency(text) == []


def test_a_cue_after_a_flag_value_in_the_same_message_still_counts() -> None:
    text = "Mails als dringend markieren geht nicht mehr. Ist aber dringend!"
    [cue] = find_urgency(text)
    assert (cue["value"], cue["start"]) == ("high", text.rindex("dringend"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 Kollegen brauchen Zugriff", [(5, "5 Kollegen")]),
        ("einen Raum für zehn Leute", [(10, "zehn Leute")]),
        ("Schulung für 12 Teilnehmer", [(12, "12 Teilnehmer")]),
        ("für 3 neue Mitarbeiter", [(3, "3 neue Mitarbeiter")]),
        ("25 Mitarbeitende im Kundenservice", [(25, "25 Mitarbeitende")]),
        ("Schulung für fünf Kolleginnen", [(5, "fünf Kolleginnen")]),
        ("fuenf Kolleg:innen", [(5, "fuenf Kolleg:innen")]),
        ("für zwanzig Personen", [(20, "zwanzig Personen")]),
        ("ein Dutzend Leute", [(12, "ein Dutzend Leute")]),
        ("für mich und zwei Kollegen", [(3, "mich und zwei Kollegen")]),
        ("für mich und meinen Kollegen", [(2, "mich und meinen Kollegen")]),
        ("Betrifft nur mich", [(1, "nur mich")]),
        ("Das geht nur bei mir nicht", [(1, "nur bei mir")]),
        ("wir sind zu dritt", [(3, "zu dritt")]),
        ("drei von uns haben das Problem", [(3, "drei von uns")]),
        ("Office 365 Lizenz für 5 user", [(5, "5 user")]),
        ("12 participants", [(12, "12 participants")]),
        ("training for 8 people", [(8, "8 people")]),
        ("two new colleagues start on Monday", [(2, "two new colleagues")]),
        ("a dozen people", [(12, "a dozen people")]),
        ("Adobe licenses for the legal team (3 users)", [(3, "3 users")]),
        ("for me and 3 colleagues", [(4, "me and 3 colleagues")]),
        ("me and my colleague", [(2, "me and my colleague")]),
        ("just me", [(1, "just me")]),
        ("only me so far", [(1, "only me")]),
        ("three of us", [(3, "three of us")]),
        ("about 120 people", [(120, "120 people")]),
    ],
)
def test_people_counts_with_their_phrase(text: str, expected: list[tuple[int, str]]) -> None:
    assert people(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the whole team can't log in",
        "das ganze Team ist betroffen",
        "alle Kollegen sind betroffen",
        "SD-42 Kollegen",
        "Ticket 42",
        "um 10 Uhr",
        "am 3.12.",
        "Windows 10",
        "Office 365",
        "Version 2.3 für Kollegen",
        "Raum 4.12",
        "5 Laptops",
        "10 Lizenzen",
        "seit 2 Tagen",
        "nicht nur ich",
        "not just me",
        "mich und meine Kollegen",  # how many colleagues? not said
        "ein Kollege hat das auch",
    ],
)
def test_no_head_count_where_none_is_said(text: str) -> None:
    assert people(text) == []


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a Teams training for my team of 5", 5),
        ("our team of twelve", 12),
        ("das Team (12) braucht eine Einführung", 12),
        ("eine OneNote-Schulung für uns drei", 3),
        ("wir vier brauchen das", 4),
        ("Our new hires need an SAP training, there are four of them", 4),
        ("wir sind 8", 8),
    ],
)
def test_group_sizes_are_head_counts(text: str, count: int) -> None:
    assert [e["value"] for e in find_people_count(text)] == [count]


@pytest.mark.parametrize(
    "text", ["wir 3 Uhr treffen uns", "team of 3 pm colleagues meeting", "I also need 2 licences for Visio"]
)
def test_times_after_a_group_are_no_head_counts(text: str) -> None:
    assert find_people_count(text) == []

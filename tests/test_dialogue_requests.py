"""Every request type in German and English, as transcripts: the first message, the questions the bot
asks (and those it does not, because the first message said it already), the summary with Submit /
Change / Cancel, and the ticket it opens, routed to the right team, with the key told to the requester."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.support import DeskBot, labels_to, say_or_press, text_to

ALL_QUESTIONS = {
    "de": (
        "Was genau funktioniert nicht?",
        "Seit wann tritt das auf?",
        "Wer ist betroffen?",
        "Wie stark behindert dich das",
        "Welche Software oder Hardware brauchst du?",
        "Für welches Gerät",
        "Zu welchem Thema soll die Schulung sein?",
        "Für wie viele Personen?",
        "Wann soll sie stattfinden",
        "Welches Dokument",
        "Was möchtest du wissen?",
        "Um welche Anwendung geht es?",
        "Zu welchem Thema wünschst du dir das Coaching",
        "Wann würde es dir passen",
    ),
    "en": (
        "What exactly is not working?",
        "Since when has this been happening?",
        "Who is affected?",
        "How badly does it block your work?",
        "Which software or hardware do you need?",
        "For which device",
        "What should the training be about?",
        "For how many people?",
        "When should it take place",
        "Which document",
        "What would you like to know?",
        "Which application is it about?",
        "What should the coaching be about",
        "When would suit you",
    ),
}
SUMMARY = {"de": "Bitte prüfe deine Anfrage", "en": "Please check your request"}
SUBMIT = {"de": "Absenden", "en": "Submit"}


@dataclass(frozen=True)
class Case:
    who: str
    language: str
    first: str
    # (the question the bot asks, the answer; a leading "!" presses the button with that label)
    steps: tuple[tuple[str, str], ...]
    summary: tuple[str, ...]
    category: str
    team: str
    team_name: str
    details: dict[str, str]
    priority: str
    levels: tuple[str, str] = ("low", "medium")
    also_told: tuple[str, ...] = field(default_factory=tuple)


CASES = [
    Case(
        "alice",
        "de",
        "Mein Drucker druckt nicht mehr",
        (
            ("Seit wann tritt das auf?", "seit gestern"),
            ("Wer ist betroffen?", "!Nur ich"),
            ("Wie stark behindert dich das bei der Arbeit?", "!Ich bin eingeschränkt"),
        ),
        ("Störung", "Priorität P4", "Problem: Mein Drucker druckt nicht mehr", "Seit: seit gestern"),
        "incident",
        "service-desk",
        "Service Desk",
        {"what": "Mein Drucker druckt nicht mehr", "since": "seit gestern"},
        "P4",
        ("low", "medium"),
    ),
    Case(
        "bob",
        "en",
        "My laptop won't start since yesterday",
        (
            ("Who is affected?", "!My team / several people"),
            ("How badly does it block your work?", "!I cannot work at all"),
        ),
        ("Incident", "priority P2", "Since: since yesterday", "Affected: My team / several people"),
        "incident",
        "service-desk",
        "Service Desk",
        {"what": "My laptop won't start since yesterday", "since": "since yesterday"},
        "P2",
        ("medium", "high"),
    ),
    Case(
        "alice",
        "de",
        "Bitte installiert mir Visio auf meinem Laptop",
        (),
        ("Installation / Bestellung", "Software/Hardware: Visio", "Gerät: meinem Laptop"),
        "installation",
        "workplace",
        "Workplace & Installation",
        {"item": "Visio", "device": "meinem Laptop"},
        "P4",
        ("low", "low"),
    ),
    Case(
        "bob",
        "en",
        "I need new software",
        (
            ("Which software or hardware do you need?", "Visio"),
            ("For which device", "Laptop NB-4711"),
        ),
        ("Installation / order", "Software/hardware: Visio", "Device: Laptop NB-4711"),
        "installation",
        "workplace",
        "Workplace & Installation",
        {"item": "Visio", "device": "Laptop NB-4711"},
        "P4",
        ("low", "low"),
    ),
    Case(
        "alice",
        "de",
        "Wie erstelle ich in Excel eine Pivot-Tabelle?",
        (),
        ("Frage zur Bedienung", "Frage: Wie erstelle ich in Excel eine Pivot-Tabelle?", "Anwendung: Excel"),
        "user_support",
        "service-desk",
        "Service Desk",
        {"question": "Wie erstelle ich in Excel eine Pivot-Tabelle?", "application": "Excel"},
        "P4",
    ),
    Case(
        "bob",
        "en",
        "How do I create a pivot table?",
        (("Which application is it about?", "Excel"),),
        ("How-to question", "Question: How do I create a pivot table?", "Application: Excel"),
        "user_support",
        "service-desk",
        "Service Desk",
        {"question": "How do I create a pivot table?", "application": "Excel"},
        "P4",
    ),
    Case(
        "alice",
        "de",
        "Ich brauche eine Dokumentation",
        (
            (
                "Welches Dokument oder welche Systemdokumentation suchst du?",
                "Handbuch zur Reisekostenabrechnung",
            ),
        ),
        ("Dokumentation", "Dokument: Handbuch zur Reisekostenabrechnung"),
        "documentation",
        "service-desk",
        "Service Desk",
        {"document": "Handbuch zur Reisekostenabrechnung"},
        "P4",
        ("low", "low"),
    ),
    Case(
        "bob",
        "en",
        "Where can I find the manual for Jira?",
        (),
        ("Documentation", "Document: Where can I find the manual for Jira?"),
        "documentation",
        "service-desk",
        "Service Desk",
        {"document": "Where can I find the manual for Jira?"},
        "P4",
        ("low", "low"),
    ),
    Case(
        "alice",
        "de",
        "Ich brauche eine Schulung",
        (
            ("Zu welchem Thema soll die Schulung sein?", "Excel"),
            ("Für wie viele Personen?", "12"),
            ("Wann soll sie stattfinden", "im März"),
        ),
        ("Schulung", "Thema: Excel", "Teilnehmende: 12", "Zeitraum: im März"),
        "training",
        "service-desk",
        "Service Desk",
        {"topic": "Excel", "participants": "12", "when": "im März"},
        "P4",
        ("low", "low"),
    ),
    Case(
        "bob",
        "en",
        "We need an Excel training for 8 people",
        (("When should it take place", "next month"),),
        ("Training", "Topic: Excel", "Participants: 8", "When: next month"),
        "training",
        "service-desk",
        "Service Desk",
        {"topic": "Excel", "participants": "8", "when": "next month"},
        "P4",
        ("low", "low"),
    ),
    Case(
        "paul",
        "de",
        "Ich hätte gern ein Coaching zum Risikomanagement",
        (("Wann würde es dir passen", "Dienstag vormittags"),),
        (
            "PMO-Coaching",
            "Risikomanagement",
            "Wunschtermin: Dienstag vormittags (Di, 06.01.2026, vormittags)",
        ),
        "coaching",
        "pmo",
        "PMO Coaching",
        {
            "topic": "Ich hätte gern ein Coaching zum Risikomanagement",
            # The clock stands on Monday 5 January 2026: the coach sees which Tuesday is meant.
            "preferred_time": "Dienstag vormittags (Di, 06.01.2026, vormittags)",
        },
        "P4",
        ("low", "low"),
        # The PMO team assigns round robin: paul learns at once who his coach is.
        ("Carla Weber", "Frankfurt, PMO, Raum 5.02"),
    ),
    Case(
        "paul",
        "en",
        "I would like a coaching on project planning",
        (("When would suit you", "Tuesday mornings"),),
        ("PMO coaching", "Topic: I would like a coaching on project planning", "Preferred time: Tuesday"),
        "coaching",
        "pmo",
        "PMO Coaching",
        {
            "topic": "I would like a coaching on project planning",
            "preferred_time": "Tuesday mornings (Tue 6 Jan 2026)",
        },
        "P4",
        ("low", "low"),
        ("Carla Weber", "is now handling your request SD-1"),
    ),
]

# What the NLU's entities pre-fill: catalogue items, urgency cues, head counts and dates, resolved
# against the desk's clock (Monday 5 January 2026) and time zone, shown with the date they mean.
COACHING_WITH_TIME = "Ich hätte gern ein Coaching zur Stakeholderanalyse, gern nächsten Donnerstag um 10"
ENTITY_CASES = [
    Case(
        "alice",
        "de",
        "Bitte installiert mir Visio auf meinem Laptop, ist dringend",
        (),
        ("Software/Hardware: Visio", "Gerät: meinem Laptop", "Dringlichkeit: Dringend", "Priorität P3"),
        "installation",
        "workplace",
        "Workplace & Installation",
        {"item": "Visio", "device": "meinem Laptop"},
        "P3",
        ("low", "high"),
    ),
    Case(
        "bob",
        "en",
        "Please install Visio on my laptop, it's urgent",
        (),
        ("Software/hardware: Visio", "Device: my laptop", "Urgency: Urgent", "priority P3"),
        "installation",
        "workplace",
        "Workplace & Installation",
        {"item": "Visio", "device": "my laptop"},
        "P3",
        ("low", "high"),
    ),
    Case(
        "alice",
        "de",
        "Kein Stress, aber ich bräuchte irgendwann eine neue Dockingstation für meinen Rechner",
        # "meinen Rechner" alone does not say which machine: asked, answered in words.
        (("Für welches Gerät", "der Desktop-PC im Büro, PC-4711"),),
        (
            "Software/Hardware: Docking station",
            "Gerät: der Desktop-PC im Büro, PC-4711",
            "Dringlichkeit: Nicht dringend",
        ),
        "installation",
        "workplace",
        "Workplace & Installation",
        {"item": "Docking station", "device": "der Desktop-PC im Büro, PC-4711"},
        "P4",
        ("low", "low"),
    ),
    Case(
        "alice",
        "de",
        "Wir brauchen eine Teams-Schulung für zehn Kollegen am 3. Februar um 10 Uhr",
        (),
        (
            "Thema: Microsoft Teams",
            "Teilnehmende: 10",
            "Zeitraum: am 3. Februar um 10 Uhr (Di, 03.02.2026, 10:00 Uhr)",
        ),
        "training",
        "service-desk",
        "Service Desk",
        {
            "topic": "Microsoft Teams",
            "participants": "10",
            "when": "am 3. Februar um 10 Uhr (Di, 03.02.2026, 10:00 Uhr)",
        },
        "P4",
        ("low", "low"),
    ),
    Case(
        "bob",
        "en",
        "Can we get an Excel training for 5 colleagues next Tuesday afternoon?",
        (),
        ("Topic: Excel", "Participants: 5", "When: next Tuesday afternoon (Tue 6 Jan 2026, afternoon)"),
        "training",
        "service-desk",
        "Service Desk",
        {"topic": "Excel", "participants": "5", "when": "next Tuesday afternoon (Tue 6 Jan 2026, afternoon)"},
        "P4",
        ("low", "low"),
    ),
    Case(
        "paul",
        "de",
        COACHING_WITH_TIME,
        (),
        ("PMO-Coaching", "Wunschtermin: nächsten Donnerstag um 10 (Do, 08.01.2026, 10:00 Uhr)"),
        "coaching",
        "pmo",
        "PMO Coaching",
        {
            "topic": COACHING_WITH_TIME,
            "preferred_time": "nächsten Donnerstag um 10 (Do, 08.01.2026, 10:00 Uhr)",
        },
        "P4",
        ("low", "low"),
        ("Carla Weber",),
    ),
    Case(
        "bob",
        "en",
        "Outlook crashes every time I open it, I can't work, need help ASAP",
        (("Since when has this been happening?", "since this morning"), ("Who is affected?", "!Only me")),
        ("Incident", "Urgency: I cannot work at all", "priority P3"),
        "incident",
        "service-desk",
        "Service Desk",
        {
            "what": "Outlook crashes every time I open it, I can't work, need help ASAP",
            "since": "since this morning",
        },
        "P3",
        ("low", "high"),
    ),
]
CASES += ENTITY_CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.category}-{c.language}")
def test_request_from_first_message_to_ticket(bot: DeskBot, case: Case) -> None:
    sent = bot.say(case.who, case.first)
    asked: list[str] = []
    for question, answer in case.steps:
        told = text_to(sent, case.who)
        assert question in told, f"expected {question!r}, got {told!r}"
        asked.append(told)
        sent = say_or_press(bot, case.who, answer)

    summary = text_to(sent, case.who)
    assert summary.startswith(SUMMARY[case.language]), summary
    for expected in case.summary:
        assert expected in summary
    assert labels_to(sent, case.who) == (
        ["Absenden", "Ändern", "Abbrechen"] if case.language == "de" else ["Submit", "Change", "Cancel"]
    )
    # Nothing was asked beyond the steps: every other question stayed unasked.
    expected_questions = {q for q, _ in case.steps}
    for question in ALL_QUESTIONS[case.language]:
        if not any(question in q or q in question for q in expected_questions):
            assert all(question not in told for told in asked), f"{question!r} should not be asked"
    assert bot.tickets() == []

    sent = bot.press(case.who, SUBMIT[case.language])
    told = text_to(sent, case.who)
    assert "SD-1" in told and case.team_name in told and case.priority in told
    for expected in case.also_told:
        assert expected in told
    card = text_to(sent, f"#{case.team}")
    assert "SD-1" in card
    # The PMO team assigns its tickets itself: that card already names the coach and offers no Claim.
    auto_assigned = case.team == "pmo"
    assert labels_to(sent, f"#{case.team}") == (
        ["Zuweisen", "Anzeigen"] if auto_assigned else ["Übernehmen", "Zuweisen", "Anzeigen"]
    )
    assert ("Bearbeitung: Carla Weber" in card) == auto_assigned

    [ticket] = bot.tickets()
    assert (ticket.key, ticket.category, ticket.team.slug, ticket.priority) == (
        "SD-1",
        case.category,
        case.team,
        case.priority,
    )
    assert (ticket.impact, ticket.urgency) == case.levels
    assert ticket.details == case.details
    assert ticket.requester.handle == case.who
    assert ticket.language == case.language
    assert ticket.description == case.first


def test_incident_that_says_everything_goes_straight_to_the_summary(bot: DeskBot) -> None:
    sent = bot.say("bob", "The VPN is broken since today for everyone, urgent")
    summary = text_to(sent, "bob")
    assert summary.startswith("Please check your request (Incident, priority P1)")
    assert "Since: since today" in summary and "for everyone" not in summary.split("Since:")[1].split("\n")[0]
    assert "Affected: Many people / a whole site" in summary and "Urgency: I cannot work at all" in summary

    bot.press("bob", "Submit")
    ticket = bot.ticket(1)
    assert (ticket.impact, ticket.urgency, ticket.priority) == ("high", "high", "P1")
    assert ticket.details["since"] == "since today"


def test_installation_in_one_sentence_asks_nothing(bot: DeskBot) -> None:
    sent = bot.say("alice", "Bitte installiert mir Visio auf meinem Laptop")
    assert len(texts := [m.text for m in sent if m.address == "alice"]) == 1
    assert texts[0].startswith("Bitte prüfe deine Anfrage (Installation / Bestellung, Priorität P4)")
    assert "Software/Hardware: Visio" in texts[0] and "Gerät: meinem Laptop" in texts[0]


@pytest.mark.parametrize(
    ("who", "text", "item"),
    [
        ("alice", "Ich brauche einen neuen Laptop", "Software/Hardware: Laptop"),
        ("bob", "Can I get a new laptop please, no rush", "Software/hardware: Laptop"),
    ],
)
def test_ordering_a_device_is_not_asked_which_item(bot: DeskBot, who: str, text: str, item: str) -> None:
    sent = bot.say(who, text)
    told = text_to(sent, who)
    assert "Welche Software oder Hardware" not in told and "Which software or hardware" not in told
    assert item in told


def test_a_relaxed_incident_is_still_asked_how_badly_it_blocks(bot: DeskBot) -> None:
    # "nicht dringend" is no answer to "how badly does it block your work?": that is asked.
    bot.say("alice", "Outlook stürzt ständig ab, ist aber nicht dringend")
    sent = say_or_press(bot, "alice", "seit heute")
    sent = say_or_press(bot, "alice", "!Nur ich")
    assert "Wie stark behindert dich das bei der Arbeit?" in text_to(sent, "alice")


def test_training_that_names_the_head_count_does_not_ask_for_it(bot: DeskBot) -> None:
    sent = bot.say("bob", "We need an Excel training for 8 people")
    told = text_to(sent, "bob")
    assert "When should it take place" in told
    assert "How many" not in told and "how many people" not in told
    assert "What should the training be about?" not in told


def test_coaching_by_command_asks_topic_and_time(bot: DeskBot) -> None:
    sent = bot.say("paul", "/coaching")
    assert "Zu welchem Thema wünschst du dir das Coaching" in text_to(sent, "paul")
    sent = bot.say("paul", "Risikomanagement im Projekt")
    assert "Wann würde es dir passen" in text_to(sent, "paul")
    sent = bot.say("paul", "Dienstag vormittags")
    assert "Thema: Risikomanagement im Projekt" in text_to(sent, "paul")
    bot.press("paul", "Absenden")
    ticket = bot.ticket(1)
    assert (ticket.category, ticket.team.slug, ticket.assignee.handle) == ("coaching", "pmo", "carla")
    assert ticket.details == {
        "topic": "Risikomanagement im Projekt",
        "preferred_time": "Dienstag vormittags (Di, 06.01.2026, vormittags)",
    }


@pytest.mark.parametrize(
    ("who", "text", "refusal"),
    [
        ("alice", "Ich hätte gern ein Coaching zum Risikomanagement", "PMO-Coachings buchen Projektleiter"),
        ("alice", "/coaching", "PMO-Coachings buchen Projektleiter"),
        ("bob", "I would like a coaching on project planning", "PMO coaching sessions are booked by project"),
    ],
)
def test_coaching_is_refused_politely_to_someone_who_is_no_project_lead(
    bot: DeskBot, who: str, text: str, refusal: str
) -> None:
    sent = bot.say(who, text)
    told = text_to(sent, who)
    assert refusal in told
    # ... with a pointer to what they may ask for instead, and nothing under way afterwards.
    assert ("Schulung" in told) if who == "alice" else ("training" in told)
    assert labels_to(sent, who) == []
    sent = bot.say(who, "ja")
    assert "Bitte prüfe" not in text_to(sent, who) and "Please check" not in text_to(sent, who)
    assert bot.tickets() == []
    assert all(m.address == who for m in bot.channel.sent)


def test_change_a_field_in_the_summary_german(bot: DeskBot) -> None:
    bot.say("alice", "Bitte installiert mir Visio auf meinem Laptop")
    sent = bot.press("alice", "Ändern")
    assert "Was möchtest du ändern?" in text_to(sent, "alice")
    # Urgency is never asked for an order, but it can be set here when "dringend" was missed or misread.
    assert labels_to(sent, "alice") == ["Software/Hardware", "Gerät", "Dringlichkeit"]

    sent = bot.press("alice", "Gerät")
    assert "Für welches Gerät" in text_to(sent, "alice")
    sent = bot.say("alice", "Laptop NB-4711")
    summary = text_to(sent, "alice")
    assert "Gerät: Laptop NB-4711" in summary and "meinem Laptop" not in summary
    assert "Software/Hardware: Visio" in summary

    bot.press("alice", "Absenden")
    assert bot.ticket(1).details == {"item": "Visio", "device": "Laptop NB-4711"}


def test_change_by_typing_and_by_number_english(bot: DeskBot) -> None:
    bot.say("bob", "We need an Excel training for 8 people")
    bot.say("bob", "next month")
    sent = bot.say("bob", "change")
    assert "What would you like to change?" in text_to(sent, "bob")
    assert labels_to(sent, "bob") == ["Topic", "Participants", "When", "Urgency"]

    sent = bot.say("bob", "2")
    assert "For how many people?" in text_to(sent, "bob")
    sent = bot.say("bob", "12")
    summary = text_to(sent, "bob")
    assert "Participants: 12" in summary and "Participants: 8" not in summary

    sent = bot.say("bob", "change")
    sent = bot.say("bob", "when")
    assert "When should it take place" in text_to(sent, "bob")
    sent = bot.say("bob", "in March")
    assert "When: in March" in text_to(sent, "bob")

    sent = bot.say("bob", "submit")
    assert "SD-1" in text_to(sent, "bob")
    assert bot.ticket(1).details == {"topic": "Excel", "participants": "12", "when": "in March"}


def test_change_impact_recomputes_the_priority(bot: DeskBot) -> None:
    bot.say("alice", "Mein Drucker druckt nicht mehr")
    bot.say("alice", "seit heute")
    bot.press("alice", "Nur ich")
    sent = bot.press("alice", "Ich kann gar nicht arbeiten")
    assert "Priorität P3" in text_to(sent, "alice")

    bot.press("alice", "Ändern")
    sent = bot.press("alice", "Betroffen")
    assert "Wer ist betroffen?" in text_to(sent, "alice")
    assert labels_to(sent, "alice") == ["Nur ich", "Mein Team / mehrere Personen", "Viele / ganzer Standort"]
    sent = bot.press("alice", "Viele / ganzer Standort")
    summary = text_to(sent, "alice")
    assert "Priorität P1" in summary and "Betroffen: Viele / ganzer Standort" in summary

    bot.press("alice", "Absenden")
    ticket = bot.ticket(1)
    assert (ticket.impact, ticket.urgency, ticket.priority) == ("high", "high", "P1")


def test_an_unclear_answer_to_the_summary_is_asked_back_in_other_words(bot: DeskBot) -> None:
    bot.say("bob", "Where can I find the manual for Jira?")
    sent = bot.say("bob", "hmm, maybe")
    assert text_to(sent, "bob").startswith("Shall I submit it like this?")
    assert labels_to(sent, "bob") == ["Submit", "Change", "Cancel"]
    # A second miss: only the buttons and a person, never the same words again.
    sent = bot.say("bob", "hmm, maybe")
    assert text_to(sent, "bob").startswith("I am not sure how to read that.")
    assert labels_to(sent, "bob") == ["Submit", "Change", "Cancel", "Talk to a person"]
    assert bot.tickets() == []

"""Requests in Telegram, end to end through the real python-telegram-bot Application by long polling: a
requester opens each kind of request in German and in English in her private chat, the ticket's card
appears in the team's group, an agent presses Claim there, the card is edited in place and the requester
is told who handles it; replies travel both ways; the agents' commands are refused for everyone else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.desk.status import Status
from storage.models import Ticket
from tests.telegram.fake_telegram import Call, FakeTelegram
from tests.telegram.support import TelegramDesk
from tests.telegram.updates import ALICE, ANNA, BEN, BOB, LENA, PAUL, PEOPLE, TEAM_GROUPS, TelegramUser

WORKPLACE, SERVICE_DESK = TEAM_GROUPS["workplace"], TEAM_GROUPS["service-desk"]
HANDLES = {user.id: handle for handle, user in PEOPLE.items()}
SUBMIT = {"de": "Absenden", "en": "Submit"}
# Team cards are written in the desk's default language (German in the demo desk), whoever reads them.
CLAIM, ASSIGN = ("Übernehmen", "/claim SD-1"), ("Zuweisen", "/assign SD-1")
NOT_ALLOWED = {"de": "Das darfst du leider nicht.", "en": "Sorry, you are not allowed to do that."}


# ---- reading the desk and what Telegram was asked to do -----------------------------------------------
def tickets(desk: TelegramDesk) -> list[Ticket]:
    with desk.app.sessions() as session:
        found = list(session.scalars(select(Ticket).order_by(Ticket.id)))
        for ticket in found:  # load what assertions read, before the session closes
            _ = (ticket.assignee, ticket.requester, ticket.team, [c.author for c in ticket.comments])
        return found


def ticket(desk: TelegramDesk, number: int = 1) -> Ticket:
    return next(t for t in tickets(desk) if t.id == number)


def refused_calls(fake: FakeTelegram) -> list[Call]:
    """Messages and edits Telegram refused: invalid HTML, too long, a bad keyboard, a missing message."""
    return [c for c in fake.calls if c.method in ("sendMessage", "editMessageText") and not c.ok]


def answers_to(fake: FakeTelegram, query_id: str) -> list[Call]:
    return [c for c in fake.calls_to("answerCallbackQuery") if c.params.get("callback_query_id") == query_id]


def sent_since(fake: FakeTelegram, before: int, chat: int | None = None) -> list[Call]:
    return [
        c
        for c in fake.calls[before:]
        if c.method == "sendMessage" and c.ok and (chat is None or c.chat_id == chat)
    ]


# ---- people pressing buttons ------------------------------------------------------------------------
def press(desk: TelegramDesk, user: TelegramUser, chat: int, message_id: int, label: str) -> dict[str, Any]:
    """`user` presses `label` on the bot's message; returns the update once the press is handled and
    answered (answerCallbackQuery is sent on its own, next to the handling)."""
    data = dict(desk.fake.buttons(chat, message_id))[label]
    update = desk.updates_made.callback(user, desk.fake.message_json(chat, message_id, with_reply=True), data)
    desk.deliver(update)
    query = update["callback_query"]["id"]
    assert desk.fake.wait_for(lambda: bool(answers_to(desk.fake, query))), "the press was not answered"
    return update


def press_in_private(desk: TelegramDesk, user: TelegramUser, label: str) -> dict[str, Any]:
    """`user` presses `label` on the latest message in their chat that still offers it."""
    offering = [
        call.message_id
        for call in desk.fake.sent(user.id)
        if call.message_id is not None and label in dict(desk.fake.buttons(user.id, call.message_id))
    ]
    assert offering, f"{label!r} is not offered to {user.first_name}: {desk.texts_to(user.id)[-3:]}"
    return press(desk, user, user.id, offering[-1], label)


def answer(desk: TelegramDesk, user: TelegramUser, step: str) -> None:
    """Type `step`, or with a leading "!" press the button labelled with the rest."""
    if step.startswith("!"):
        press_in_private(desk, user, step[1:])
    else:
        desk.say(user, step)


def open_ticket(desk: TelegramDesk, user: TelegramUser, text: str, submit: str) -> int:
    """`user` asks in one message and submits the summary; returns the id of that first message, the
    one the bot's answers in this conversation reply to."""
    desk.say(user, text)
    start = desk.last_to(user.id).reply_to
    assert start is not None
    press_in_private(desk, user, submit)
    assert "SD-" in desk.texts_to(user.id)[-1]
    return start


def card_of(desk: TelegramDesk, group: int) -> int:
    """The message id of the (first) ticket card in a team's group."""
    card = desk.fake.sent(group)[0].message_id
    assert card is not None
    return card


# ---- 1. every kind of request, in German and in English -----------------------------------------------
@dataclass(frozen=True)
class Case:
    who: TelegramUser
    language: str
    first: str
    # (the question the bot asks, the answer: typed, or with a leading "!" the button pressed)
    steps: tuple[tuple[str, str], ...]
    category: str
    team: str
    confirmation: str
    # Coaching requests are assigned round robin at once: their card shows the coach, not Claim.
    assigned_to: str | None = None


CASES = [
    Case(
        ALICE,
        "de",
        "Mein Drucker druckt nicht mehr",
        (
            ("Seit wann tritt das auf?", "seit gestern"),
            ("Wer ist betroffen?", "!Nur ich"),
            ("Wie stark behindert dich das bei der Arbeit?", "!Ich bin eingeschränkt"),
        ),
        "incident",
        "service-desk",
        "Deine Anfrage SD-1 (Störung, Priorität P4) ist angelegt und beim Team Service Desk.",
    ),
    Case(
        BOB,
        "en",
        "My laptop won't start since yesterday",
        (
            ("Who is affected?", "!My team / several people"),
            ("How badly does it block", "!I cannot work at all"),
        ),
        "incident",
        "service-desk",
        "Your request SD-1 (Incident, priority P2) is open and with team Service Desk.",
    ),
    Case(
        ALICE,
        "de",
        "Bitte installiert mir Visio auf meinem Laptop",
        (),
        "installation",
        "workplace",
        "Deine Anfrage SD-1 (Installation / Bestellung, Priorität P4) ist angelegt und beim Team "
        "Workplace & Installation.",
    ),
    Case(
        BOB,
        "en",
        "I need new software",
        (("Which software or hardware do you need?", "Visio"), ("For which device", "Laptop NB-4711")),
        "installation",
        "workplace",
        "Your request SD-1 (Installation / order, priority P4) is open and with team "
        "Workplace & Installation.",
    ),
    Case(
        ALICE,
        "de",
        "Wie erstelle ich in Excel eine Pivot-Tabelle?",
        (),
        "user_support",
        "service-desk",
        "Deine Anfrage SD-1 (Frage zur Bedienung, Priorität P4) ist angelegt und beim Team Service Desk.",
    ),
    Case(
        BOB,
        "en",
        "How do I create a pivot table?",
        (("Which application is it about?", "Excel"),),
        "user_support",
        "service-desk",
        "Your request SD-1 (How-to question, priority P4) is open and with team Service Desk.",
    ),
    Case(
        ALICE,
        "de",
        "Ich brauche eine Dokumentation",
        (("Welches Dokument oder welche Systemdokumentation", "Handbuch zur Reisekostenabrechnung"),),
        "documentation",
        "service-desk",
        "Deine Anfrage SD-1 (Dokumentation, Priorität P4) ist angelegt und beim Team Service Desk.",
    ),
    Case(
        BOB,
        "en",
        "Where can I find the manual for Jira?",
        (),
        "documentation",
        "service-desk",
        "Your request SD-1 (Documentation, priority P4) is open and with team Service Desk.",
    ),
    Case(
        ALICE,
        "de",
        "Ich brauche eine Schulung",
        (
            ("Zu welchem Thema soll die Schulung sein?", "Excel"),
            ("Für wie viele Personen?", "12"),
            ("Wann soll sie stattfinden", "im März"),
        ),
        "training",
        "service-desk",
        "Deine Anfrage SD-1 (Schulung, Priorität P4) ist angelegt und beim Team Service Desk.",
    ),
    Case(
        BOB,
        "en",
        "We need an Excel training for 8 people",
        (("When should it take place", "next month"),),
        "training",
        "service-desk",
        "Your request SD-1 (Training, priority P4) is open and with team Service Desk.",
    ),
    # Coaching is for project leads. paul is the demo desk's only one (configured German, his Telegram
    # app set to English): he is answered in the language he writes in.
    Case(
        PAUL,
        "de",
        "Ich hätte gern ein Coaching zum Risikomanagement",
        (("Wann würde es dir passen", "Dienstag vormittags"),),
        "coaching",
        "pmo",
        "Deine Anfrage SD-1 (PMO-Coaching, Priorität P4) ist angelegt und beim Team PMO Coaching.",
        assigned_to="Carla Weber",
    ),
    Case(
        PAUL,
        "en",
        "I would like a coaching on project planning",
        (("When would suit you", "Tuesday mornings"),),
        "coaching",
        "pmo",
        "Your request SD-1 (PMO coaching, priority P4) is open and with team PMO Coaching.",
        assigned_to="Carla Weber",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.category}-{c.language}")
def test_a_request_in_a_private_chat_becomes_a_ticket_with_a_card_in_the_teams_group(
    desk: TelegramDesk, case: Case
) -> None:
    fake, who, group = desk.fake, case.who, TEAM_GROUPS[case.team]
    desk.say(who, case.first)
    start = fake.sent(who.id)[0].reply_to  # the bot answers under the message that started it all
    assert start is not None
    for question, step in case.steps:
        assert question in desk.texts_to(who.id)[-1]
        answer(desk, who, step)
    assert desk.last_to(who.id).buttons()[0] == (SUBMIT[case.language], "confirm")  # the summary
    assert tickets(desk) == []

    press_in_private(desk, who, SUBMIT[case.language])
    [made] = tickets(desk)
    assert (made.category, made.team.slug) == (case.category, case.team)
    assert made.requester.handle == HANDLES[who.id]
    opened = next(text for text in desk.texts_to(who.id) if "SD-1" in text)
    assert opened.startswith(case.confirmation), opened
    assert all(call.reply_to == start for call in fake.sent(who.id))

    card = fake.sent(group)[0]
    shown = fake.message(group, card.message_id or 0)
    headline = shown["visible_text"].split("\n")[0]
    assert "SD-1" in headline and made.requester.display_name in headline
    assert shown["entities"][0] == {"type": "bold", "offset": 0, "length": len(headline)}
    assert ASSIGN in card.buttons()
    if case.assigned_to is None:
        assert CLAIM in card.buttons()
    else:
        assert CLAIM not in card.buttons() and case.assigned_to in shown["visible_text"]
        assert case.assigned_to in desk.texts_to(who.id)[-1]
    assert [g for g in TEAM_GROUPS.values() if fake.sent(g)] == [group]  # no other team saw it
    assert refused_calls(fake) == []


# ---- 2. an agent claims at the card -------------------------------------------------------------------
def test_an_agent_claims_at_the_card_the_card_is_edited_in_place_and_the_requester_is_told(
    desk: TelegramDesk,
) -> None:
    fake = desk.fake
    start = open_ticket(desk, ALICE, "Bitte installiert mir Visio auf meinem Laptop", "Absenden")
    card = card_of(desk, WORKPLACE)
    before = len(fake.calls)

    pressed = press(desk, BEN, WORKPLACE, card, "Übernehmen")
    assert len(answers_to(fake, pressed["callback_query"]["id"])) == 1
    [edit] = [c for c in fake.calls[before:] if c.method == "editMessageText"]
    assert (edit.chat_id, edit.message_id) == (WORKPLACE, card)  # the same message, edited
    shown = fake.message(WORKPLACE, card)
    assert "Bearbeitung: Ben Fischer" in shown["visible_text"]
    assert CLAIM not in fake.buttons(WORKPLACE, card)  # nobody can claim it twice
    told = desk.last_to(ALICE.id)
    assert told.visible_text is not None and told.visible_text.startswith(
        "Ben Fischer (Workplace & Installation, München, Haus A, Raum 0.07 (IT-Werkstatt)) bearbeitet jetzt "
        "deine Anfrage SD-1."
    )
    assert told.reply_to == start
    assert desk.texts_to(BEN.id, fake.calls[before:]) == ["You are now handling SD-1."]
    # In the group only the card's news, under the card: the presser's answer was his alone.
    assert [(c.visible_text, c.reply_to) for c in sent_since(fake, before, WORKPLACE)] == [
        ("SD-1 übernimmt Ben Fischer.", card)
    ]
    claimed = ticket(desk)
    assert claimed.assignee is not None and claimed.assignee.handle == "ben"
    assert claimed.status == Status.ASSIGNED
    assert refused_calls(fake) == []


def test_an_agent_claims_with_a_command_addressed_to_the_bot_in_the_group(desk: TelegramDesk) -> None:
    fake = desk.fake
    start = open_ticket(desk, BOB, "Where can I find the manual for Jira?", "Submit")
    before = len(fake.calls)

    desk.command(ANNA, "/claim@spoc_desk_bot SD-1", "service-desk")
    assert desk.texts_to(ANNA.id, fake.calls[before:]) == ["Du bearbeitest jetzt SD-1."]
    assert (
        "Bearbeitung: Anna Schmidt" in fake.message(SERVICE_DESK, card_of(desk, SERVICE_DESK))["visible_text"]
    )
    told = desk.last_to(BOB.id)
    assert (told.visible_text or "").startswith(
        "Anna Schmidt (Service Desk, München, Haus A, Raum 1.12) is now handling your request SD-1."
    )
    assert told.reply_to == start
    assert refused_calls(fake) == []


def test_the_cards_assign_button_offers_the_teams_people_privately(desk: TelegramDesk) -> None:
    fake = desk.fake
    start = open_ticket(desk, ALICE, "Bitte installiert mir Visio auf meinem Laptop", "Absenden")
    card = card_of(desk, WORKPLACE)
    before = len(fake.calls)

    press(desk, LENA, WORKPLACE, card, "Zuweisen")  # the lead of both teams
    [choice] = sent_since(fake, before)
    assert (choice.chat_id, choice.visible_text) == (LENA.id, "Wem soll SD-1 zugewiesen werden?")
    assert [label for label, _ in choice.buttons()] == ["Ben Fischer", "Lena Hoffmann"]

    press_in_private(desk, LENA, "Ben Fischer")
    assert desk.texts_to(LENA.id)[-1] == "SD-1 ist jetzt Ben Fischer zugewiesen."
    assert desk.texts_to(BEN.id) == ["Lena Hoffmann assigned SD-1 to you: Visio"]
    assert "Bearbeitung: Ben Fischer" in fake.message(WORKPLACE, card)["visible_text"]
    told = desk.last_to(ALICE.id)
    assert "Ben Fischer" in (told.visible_text or "") and told.reply_to == start
    assignee = ticket(desk).assignee
    assert assignee is not None and assignee.handle == "ben"
    assert refused_calls(fake) == []


# ---- 3. replies, both ways ----------------------------------------------------------------------------
def test_a_reply_to_a_notice_of_a_closed_ticket_is_a_new_request(desk: TelegramDesk) -> None:
    fake = desk.fake
    open_ticket(desk, ALICE, "Bitte installiert mir Visio auf meinem Laptop", "Absenden")
    desk.command(BEN, "/claim SD-1")
    notice = desk.last_to(ALICE.id).message_id  # "Ben Fischer ... bearbeitet jetzt deine Anfrage SD-1"
    assert notice is not None
    desk.command(BEN, "/resolve SD-1 Visio ist installiert")
    press_in_private(desk, ALICE, "Ja, gelöst")
    assert ticket(desk).status == "closed"

    before = len(fake.calls)
    desk.say(ALICE, "Mein Drucker druckt seit heute nur leere Seiten", reply_to=(ALICE.id, notice))
    answers = desk.texts_to(ALICE.id, fake.calls[before:])
    assert answers and not any("SD-1" in text for text in answers)  # not "SD-1 is closed"
    assert len(ticket(desk).comments) == 1  # only Ben's resolution note: nothing added to SD-1
    assert desk.texts_to(BEN.id, fake.calls[before:]) == []


def test_replies_reach_the_other_side_and_are_public_comments_on_the_ticket(desk: TelegramDesk) -> None:
    fake = desk.fake
    start = open_ticket(desk, ALICE, "Bitte installiert mir Visio auf meinem Laptop", "Absenden")
    opened = desk.last_to(ALICE.id).message_id  # "Deine Anfrage SD-1 ... ist angelegt"
    card = card_of(desk, WORKPLACE)
    assert opened is not None

    # while nobody handles it, alice's answer to the confirmation goes to the team, under the card
    before = len(fake.calls)
    desk.say(ALICE, "Es ist das neue Modell mit Docking-Station", reply_to=(ALICE.id, opened))
    assert [(c.visible_text, c.reply_to) for c in sent_since(fake, before, WORKPLACE)] == [
        ("Alice Wagner antwortet zu SD-1: Es ist das neue Modell mit Docking-Station", card)
    ]
    assert desk.texts_to(ALICE.id, fake.calls[before:]) == [
        "Deine Nachricht ist zu SD-1 hinzugefügt und geht an das Team Workplace & Installation."
    ]

    press(desk, BEN, WORKPLACE, card, "Übernehmen")
    notice = desk.last_to(ALICE.id).message_id  # "Ben Fischer ... bearbeitet jetzt deine Anfrage SD-1"
    assert notice is not None

    # alice answers the claim notice (a Telegram reply): it goes to Ben, and she reads where it went
    before = len(fake.calls)
    desk.say(ALICE, "Ich bin ab 14 Uhr im Büro, der Laptop liegt bereit", reply_to=(ALICE.id, notice))
    assert desk.texts_to(BEN.id, fake.calls[before:]) == [
        "Alice Wagner replied on SD-1: Ich bin ab 14 Uhr im Büro, der Laptop liegt bereit"
    ]
    [added] = sent_since(fake, before, ALICE.id)
    assert added.visible_text == "Deine Nachricht ist zu SD-1 hinzugefügt und geht an Ben Fischer."
    assert added.reply_to == notice

    # Ben answers under the card in the group: alice reads it, the group reads nothing more
    before = len(fake.calls)
    desk.in_group(
        BEN, "workplace", "Ich komme um 15 Uhr <b>vorbei</b> & bringe Visio mit", reply_to=(WORKPLACE, card)
    )
    assert desk.texts_to(ALICE.id, fake.calls[before:]) == [
        "Ben Fischer zu SD-1: Ich komme um 15 Uhr <b>vorbei</b> & bringe Visio mit\n"
        "(Antworten mit /reply SD-1 dein Text)"
    ]
    assert desk.last_to(ALICE.id).reply_to == start
    assert desk.texts_to(BEN.id, fake.calls[before:]) == ["Your reply on SD-1 has been sent."]
    assert sent_since(fake, before, WORKPLACE) == []

    # and with the command, in his private chat
    before = len(fake.calls)
    desk.command(BEN, "/reply SD-1 Bis gleich!")
    assert desk.texts_to(ALICE.id, fake.calls[before:]) == [
        "Ben Fischer zu SD-1: Bis gleich!\n(Antworten mit /reply SD-1 dein Text)"
    ]
    assert desk.texts_to(BEN.id, fake.calls[before:]) == ["Your reply on SD-1 has been sent."]

    # an agent of another team may not answer for the workplace team
    before = len(fake.calls)
    desk.in_group(ANNA, "workplace", "Ich übernehme das gern", reply_to=(WORKPLACE, card))
    assert [(c.chat_id, c.visible_text) for c in sent_since(fake, before)] == [(ANNA.id, NOT_ALLOWED["de"])]

    comments = ticket(desk).comments
    assert [(c.author.handle, c.body, c.public) for c in comments] == [
        ("alice", "Es ist das neue Modell mit Docking-Station", True),
        ("alice", "Ich bin ab 14 Uhr im Büro, der Laptop liegt bereit", True),
        ("ben", "Ich komme um 15 Uhr <b>vorbei</b> & bringe Visio mit", True),
        ("ben", "Bis gleich!", True),
    ]
    assert refused_calls(fake) == []


# ---- 4. the agents' commands, refused for requesters ----------------------------------------------------
@pytest.mark.parametrize(
    ("requester", "language", "asking", "submit"),
    [
        (ALICE, "de", "Bitte installiert mir Visio auf meinem Laptop", "Absenden"),
        (BOB, "en", "Please install Visio on my laptop, it's urgent", "Submit"),
    ],
    ids=["de", "en"],
)
def test_agent_commands_and_the_claim_button_are_refused_privately_for_requesters(
    desk: TelegramDesk, requester: TelegramUser, language: str, asking: str, submit: str
) -> None:
    fake = desk.fake
    open_ticket(desk, requester, asking, submit)
    card = card_of(desk, WORKPLACE)
    before = len(fake.calls)

    desk.command(requester, "/claim SD-1", "workplace")
    pressed = press(desk, requester, WORKPLACE, card, "Übernehmen")  # a requester who is in the group
    desk.command(requester, "/resolve SD-1 erledigt", "workplace")
    desk.command(requester, "/queue")

    assert desk.texts_to(requester.id, fake.calls[before:]) == [NOT_ALLOWED[language]] * 4
    assert len(answers_to(fake, pressed["callback_query"]["id"])) == 1
    # nothing changed, and the group saw nothing of it
    assert sent_since(fake, before, WORKPLACE) == []
    assert [c for c in fake.calls[before:] if c.method == "editMessageText"] == []
    unchanged = ticket(desk)
    assert (unchanged.status, unchanged.assignee) == (Status.NEW, None)
    assert refused_calls(fake) == []


def test_someone_who_never_started_the_bot_is_told_under_the_command_how_to_get_the_answer(
    desk: TelegramDesk,
) -> None:
    fake = desk.fake
    open_ticket(desk, ALICE, "Bitte installiert mir Visio auf meinem Laptop", "Absenden")
    fake.unstarted.add(BOB.id)  # bob is in the group but never opened a chat with the bot
    command = desk.updates_made.command(BOB, "/claim SD-1", "workplace")
    before = len(fake.calls)

    desk.deliver(command)
    [private, public] = [c for c in fake.calls[before:] if c.method == "sendMessage"]
    assert (private.chat_id, private.status, private.visible_text) == (BOB.id, 403, NOT_ALLOWED["en"])
    # The group learns only how to get private answers, never what the answer was.
    assert public.chat_id == WORKPLACE and "press Start" in (public.visible_text or "")
    assert NOT_ALLOWED["en"] not in (public.visible_text or "")
    assert public.reply_to == command["message"]["message_id"]
    assert ticket(desk).assignee is None

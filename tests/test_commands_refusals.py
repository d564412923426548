"""What the desk refuses, through the commands: roles, other teams' tickets, other people's tickets,
transitions the status table forbids, and wrong input. Each time: one clear answer to the sender in
their language, no message to anyone else, and the ticket exactly as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.desk.status import SETTABLE_BY_COMMAND, Status
from bot.i18n import staff_status_key
from storage.models import Person, Ticket
from tests.support import DeskBot, text_to, texts_to
from tests.test_commands_support import BOB_INSTALLATION, open_ticket, refused, say_text

NOT_ALLOWED_EN = "Sorry, you are not allowed to do that."
NOT_ALLOWED_DE = "Das darfst du leider nicht."


# ---- roles ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        "/claim SD-1",
        "/unclaim SD-1",
        "/assign SD-1 anna",
        "/assign SD-1 bob",
        "/status SD-1 in_progress",
        "/status SD-1 waiting any news?",
        "/status SD-1 resolved done",
        "/status SD-1 resolved",
        "/status SD-1 closed",
        "/status SD-1 new",
        "/status SD-1 fertig",
        "/note SD-1 my own note",
        "/resolve SD-1 fixed it myself",
        "/priority SD-1 P1",
        "/queue",
        "/queue service-desk",
        "/mine",
    ],
)
def test_requester_cannot_use_agent_commands_on_their_own_ticket(bot: DeskBot, command: str) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    assert refused(bot, "bob", command, 1) == NOT_ALLOWED_EN
    # alice, in German: her own ticket SD-2 is hers to ask about, not to work on.
    open_ticket(bot, "alice")
    assert refused(bot, "alice", command.replace("SD-1", "SD-2"), 2) == NOT_ALLOWED_DE


def test_agent_commands_are_refused_alike_for_every_ticket(bot: DeskBot) -> None:
    # Someone else's ticket, a missing one, one's own: the same answer, so nothing is revealed.
    open_ticket(bot, "alice")
    assert refused(bot, "bob", "/claim SD-1", 1) == NOT_ALLOWED_EN
    assert refused(bot, "bob", "/claim SD-99", 1) == NOT_ALLOWED_EN


def test_requester_refusal_in_german(bot: DeskBot) -> None:
    open_ticket(bot, "alice")
    assert refused(bot, "alice", "/claim SD-1", 1) == NOT_ALLOWED_DE
    assert refused(bot, "alice", "/resolve SD-1 erledigt", 1) == NOT_ALLOWED_DE


@pytest.mark.parametrize(
    "command",
    ["/claim SD-1", "/resolve SD-1 done", "/status SD-1 in_progress", "/note SD-1 hm", "/priority SD-1 P2"],
)
def test_agent_of_another_team_is_told_whose_ticket_it_is(bot: DeskBot, command: str) -> None:
    open_ticket(bot, "bob")  # service desk
    answer = refused(bot, "ben", command, 1)
    assert answer == "That ticket belongs to team Service Desk; the team lead decides on it."


def test_agent_cannot_move_a_ticket_to_another_team_but_the_lead_can(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    answer = refused(bot, "anna", "/assign SD-1 ben", 1)
    assert answer == "Das Ticket gehört zum Team Service Desk; darüber entscheidet die Teamleitung."

    sent = bot.say("lena", "/assign SD-1 ben")
    assert texts_to(sent, "lena") == ["SD-1 ist jetzt Ben Fischer zugewiesen."]
    assert texts_to(sent, "ben") == [
        "Lena Hoffmann assigned SD-1 to you: My Outlook crashes on every start since this morning"
    ]
    assert "Ben Fischer (Workplace & Installation" in text_to(sent, "bob")
    ticket = bot.ticket(1)
    assert (ticket.assignee.handle, ticket.team.slug, ticket.status) == ("ben", "workplace", "assigned")
    team_event = next(e for e in ticket.events if e.kind == "team")
    assert (team_event.old_value, team_event.new_value, team_event.actor_id) == (
        "service-desk",
        "workplace",
        _id(bot, "lena"),
    )
    # Now it is ben's team's ticket: he works it, anna no longer does.
    assert texts_to(bot.say("ben", "/status SD-1 in_progress"), "ben") == ["SD-1 is now: in progress."]
    assert refused(bot, "anna", "/resolve SD-1 done", 1).startswith("Das Ticket gehört zum Team Workplace")


def test_agent_cannot_take_a_ticket_claimed_by_someone_else_but_the_lead_can(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("lena", "/claim SD-1")
    assert refused(bot, "anna", "/claim SD-1", 1) == "SD-1 bearbeitet schon Lena Hoffmann."
    assert refused(bot, "anna", "/assign SD-1 anna", 1) == "SD-1 bearbeitet schon Lena Hoffmann."
    assert refused(bot, "anna", "/unclaim SD-1", 1) == NOT_ALLOWED_DE
    assert bot.ticket(1).assignee.handle == "lena"

    bot.say("lena", "/assign SD-1 anna")
    sent = bot.say("lena", "/claim SD-1")
    assert texts_to(sent, "lena") == ["Du bearbeitest jetzt SD-1."]
    assert bot.ticket(1).assignee.handle == "lena"


def test_handler_may_hand_their_ticket_to_a_colleague(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    assert texts_to(bot.say("anna", "/assign SD-1 lena"), "anna") == [
        "SD-1 ist jetzt Lena Hoffmann zugewiesen."
    ]
    assert bot.ticket(1).assignee.handle == "lena"


def test_claiming_twice_says_so(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    assert refused(bot, "anna", "/claim SD-1", 1) == "SD-1 bearbeitet schon Anna Schmidt."
    assert refused(bot, "anna", "/assign SD-1 anna", 1) == "SD-1 bearbeitet schon Anna Schmidt."


def test_unclaim_of_an_unclaimed_ticket(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    assert refused(bot, "anna", "/unclaim SD-1", 1) == "SD-1 hat noch niemand übernommen."


def test_agent_cannot_see_another_teams_queue(bot: DeskBot) -> None:
    open_ticket(bot, "bob", BOB_INSTALLATION)
    answer = refused(bot, "anna", "/queue workplace")
    assert answer == say_text("de", "error_not_team_member", team="Workplace & Installation")
    assert "Workplace & Installation" in answer and "Visio" not in answer
    assert refused(bot, "anna", "/queue nowhere") == "Ein Team »nowhere« gibt es nicht."


@pytest.mark.parametrize(
    "command",
    [
        "/status {key}",
        "/show {key}",
        "/reply {key} Is this yours?",
        "/cancel {key}",
        "/reopen {key}",
        "/confirm {key}",
        "/sd status {key}",
    ],
)
def test_someone_elses_ticket_looks_exactly_like_a_missing_one(bot: DeskBot, command: str) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/resolve SD-1 Profile recreated")  # resolved, so confirm/reopen would be possible
    missing = refused(bot, "alice", command.format(key="SD-99"), 1)
    foreign = refused(bot, "alice", command.format(key="SD-1"), 1)
    assert foreign.replace("SD-1", "SD-x") == missing.replace("SD-99", "SD-x")
    assert missing == "Ein Ticket SD-99 finde ich nicht."
    assert "Outlook" not in foreign and "Bob" not in foreign


def test_other_people_do_not_see_your_ticket_in_their_list(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    assert texts_to(bot.say("alice", "/tickets"), "alice") == ["Du hast keine offenen Tickets."]


# ---- the status table, through the commands -----------------------------------------------------
def _resolved(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/resolve SD-1 Profile recreated")


def _closed(bot: DeskBot) -> None:
    _resolved(bot)
    bot.say("bob", "/confirm SD-1")


def _cancelled(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    bot.say("bob", "/cancel SD-1")


def _new(bot: DeskBot) -> None:
    open_ticket(bot, "bob")


def _waiting(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/status SD-1 waiting which version?")


def _refused_de(old: str, new: str) -> str:
    """The German refusal to an agent, with the status names as the desk's staff read them."""
    return say_text(
        "de",
        "error_invalid_transition",
        key="SD-1",
        old=say_text("de", staff_status_key(old)),
        new=say_text("de", staff_status_key(new)),
    )


SETUPS = {"new": _new, "waiting": _waiting, "resolved": _resolved, "closed": _closed, "cancelled": _cancelled}


@pytest.mark.parametrize(
    ("state", "who", "command", "answer"),
    [
        (
            "cancelled",
            "anna",
            "/resolve SD-1 done",
            "SD-1 ist storniert; das geht von dort aus nicht (gelöst).",
        ),
        ("cancelled", "anna", "/claim SD-1", "SD-1 ist storniert; das geht von dort aus nicht (zugewiesen)."),
        ("cancelled", "lena", "/claim SD-1", "SD-1 ist storniert; das geht von dort aus nicht (zugewiesen)."),
        (
            "cancelled",
            "anna",
            "/status SD-1 in_progress",
            "SD-1 ist storniert; das geht von dort aus nicht (in Bearbeitung).",
        ),
        (
            "cancelled",
            "bob",
            "/reopen SD-1",
            "SD-1 is cancelled; that is not possible from there (in progress).",
        ),
        (
            "cancelled",
            "bob",
            "/cancel SD-1",
            "SD-1 is cancelled; that is not possible from there (cancelled).",
        ),
        (
            "cancelled",
            "bob",
            "/reply SD-1 hello?",
            "SD-1 is cancelled; that is not possible from there (reply).",
        ),
        ("closed", "anna", "/claim SD-1", "SD-1 ist geschlossen; das geht von dort aus nicht (zugewiesen)."),
        ("closed", "lena", "/claim SD-1", "SD-1 ist geschlossen; das geht von dort aus nicht (zugewiesen)."),
        ("closed", "anna", "/unclaim SD-1", "SD-1 ist geschlossen; das geht von dort aus nicht (neu)."),
        (
            "closed",
            "lena",
            "/assign SD-1 anna",
            "SD-1 ist geschlossen; das geht von dort aus nicht (zugewiesen).",
        ),
        (
            "closed",
            "anna",
            "/resolve SD-1 again",
            "SD-1 ist geschlossen; das geht von dort aus nicht (gelöst).",
        ),
        (
            "closed",
            "anna",
            "/status SD-1 cancelled",
            "SD-1 ist geschlossen; das geht von dort aus nicht (storniert).",
        ),
        (
            "closed",
            "anna",
            "/status SD-1 waiting",
            _refused_de("closed", "waiting"),
        ),
        ("closed", "bob", "/reopen SD-1", "SD-1 is closed; that is not possible from there (in progress)."),
        ("closed", "bob", "/confirm SD-1", "SD-1 is closed; that is not possible from there (closed)."),
        ("closed", "bob", "/cancel SD-1", "SD-1 is closed; that is not possible from there (cancelled)."),
        (
            "closed",
            "bob",
            "/reply SD-1 one more thing",
            "SD-1 is closed; that is not possible from there (reply).",
        ),
        ("new", "bob", "/confirm SD-1", "SD-1 is new; that is not possible from there (closed)."),
        (
            "waiting",
            "bob",
            "/confirm SD-1",
            "SD-1 is waiting for your answer; that is not possible from there (closed).",
        ),
        ("new", "bob", "/reopen SD-1", "SD-1 is new; that is not possible from there (reopen)."),
        (
            "waiting",
            "bob",
            "/reopen SD-1",
            "SD-1 is waiting for your answer; that is not possible from there (reopen).",
        ),
        ("new", "anna", "/status SD-1 closed", "SD-1 ist neu; das geht von dort aus nicht (geschlossen)."),
        (
            "waiting",
            "anna",
            "/status SD-1 waiting",
            _refused_de("waiting", "waiting"),
        ),
        (
            "resolved",
            "anna",
            "/status SD-1 waiting",
            _refused_de("resolved", "waiting"),
        ),
        (
            "resolved",
            "anna",
            "/status SD-1 cancelled",
            "SD-1 ist gelöst; das geht von dort aus nicht (storniert).",
        ),
        ("resolved", "anna", "/resolve SD-1 twice", "SD-1 ist gelöst; das geht von dort aus nicht (gelöst)."),
        ("resolved", "bob", "/cancel SD-1", "SD-1 is resolved; that is not possible from there (cancelled)."),
        ("resolved", "anna", "/priority SD-1 P1", "SD-1 ist gelöst; das geht von dort aus nicht (P1)."),
    ],
)
def test_invalid_transition_names_the_current_status(
    bot: DeskBot, state: str, who: str, command: str, answer: str
) -> None:
    SETUPS[state](bot)
    assert bot.ticket(1).status == state
    assert refused(bot, who, command, 1) == answer


@pytest.mark.parametrize("status", ["new", "assigned", "neu", "zugewiesen"])
def test_new_and_assigned_are_set_by_claim_and_unclaim(bot: DeskBot, status: str) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    answer = refused(bot, "anna", f"/status SD-1 {status}", 1)
    assert answer.startswith("Den Status »") and "/claim, /unclaim oder /assign" in answer
    assert refused(bot, "ben", f"/status SD-1 {status}", 1).startswith("The status '")


def test_status_resolved_needs_the_resolution(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    assert refused(bot, "anna", "/status SD-1 resolved", 1) == (
        "So geht es: /status T resolved <text>  ·  /resolve T <text>"
    )
    bot.say("anna", "/status SD-1 resolved Treiber aktualisiert")
    assert bot.ticket(1).status == "resolved"


def test_every_status_the_command_accepts_is_named_in_the_unknown_status_answer() -> None:
    answer = say_text("en", "error_unknown_status", status="x")
    assert all(str(status) in answer for status in SETTABLE_BY_COMMAND)
    assert str(Status.NEW) not in answer.split("Possible:")[1]


# ---- wrong input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "command", "answer"),
    [
        ("bob", "/frobnicate", "I do not know the command /frobnicate. /help lists all commands."),
        ("anna", "/sd frobnicate SD-1", "Den Befehl /frobnicate kenne ich nicht. /help zeigt alle Befehle."),
        ("anna", "/claim", "So geht es: /claim T"),
        ("ben", "/claim", "Usage: /claim T"),
        ("anna", "/assign", "So geht es: /assign T [PERSON]"),
        ("anna", "/resolve SD-1", "So geht es: /resolve T text"),
        ("anna", "/resolve SD-1   ", "So geht es: /resolve T text"),
        ("anna", "/note SD-1", "So geht es: /note T text"),
        ("bob", "/reply SD-1", "Usage: /reply T text"),
        ("anna", "/priority SD-1", "So geht es: /priority T P1|P2|P3|P4"),
        ("anna", "/show", "So geht es: /show T"),
        ("anna", "/claim SD-999", "Ein Ticket SD-999 finde ich nicht."),
        ("ben", "/claim SD-999", "I cannot find a ticket SD-999."),
        ("anna", "/claim abc", "Ein Ticket abc finde ich nicht."),
        ("anna", "/assign SD-1 nobody", "Eine Person »nobody« kenne ich nicht."),
        ("anna", "/assign SD-1 bob", "Bob Miller bearbeitet keine Tickets."),
        ("lena", "/assign SD-1 paul", "Paul Becker bearbeitet keine Tickets."),
        ("anna", "/status SD-1 fertig", say_text("de", "error_unknown_status", status="fertig")),
        ("anna", "/priority SD-1 P9", "Ungültige Angabe: »P9«."),
        ("anna", "/priority SD-1 high", "Ungültige Angabe: »HIGH«."),
        ("bob", "/lang fr", "Usage: /lang de|en"),
        ("bob", "/lang", "Usage: /lang de|en"),
    ],
)
def test_wrong_input_gets_a_clear_answer_and_changes_nothing(
    bot: DeskBot, who: str, command: str, answer: str
) -> None:
    open_ticket(bot, "bob")
    assert refused(bot, who, command, 1) == answer


def test_lang_fr_keeps_the_language(bot: DeskBot) -> None:
    bot.say("bob", "/lang fr")
    assert texts_to(bot.say("bob", "/tickets"), "bob") == ["You have no open tickets."]


# ---- nothing half-done ---------------------------------------------------------------------------
def test_a_command_refused_half_way_leaves_no_trace(bot: DeskBot) -> None:
    """lena moves SD-1 to ben's team, then learns ben already has it: the team move is rolled back too."""
    open_ticket(bot, "bob")
    with bot.session() as session, session.begin():
        # ben had taken it while he still was in the service desk team.
        ticket = session.get(Ticket, 1)
        assert ticket is not None
        ticket.assignee = session.scalar(select(Person).where(Person.handle == "ben"))
    answer = refused(bot, "lena", "/assign SD-1 ben", 1)
    assert answer == "SD-1 bearbeitet schon Ben Fischer."
    ticket = bot.ticket(1)
    assert ticket.team.slug == "service-desk"
    assert [e.kind for e in ticket.events] == ["opened"]


def _id(bot: DeskBot, handle: str) -> int:
    with bot.session() as session:
        person_id = session.scalar(select(Person.id).where(Person.handle == handle))
        assert person_id is not None
        return person_id


def test_the_previous_handler_is_told_when_a_lead_takes_the_ticket_over(bot: DeskBot) -> None:
    open_ticket(bot, "bob")
    bot.say("anna", "/claim SD-1")
    sent = bot.say("lena", "/claim SD-1")
    assert text_to(sent, "anna") == "SD-1 bearbeitet jetzt Lena Hoffmann (durch Lena Hoffmann)."
    assert "Lena Hoffmann" in text_to(sent, "bob")
    assert bot.ticket(1).assignee.handle == "lena"

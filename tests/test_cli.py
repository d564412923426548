"""The `spoc` command line, run in-process: db upgrade, tickets list|show, nlu parse, and the terminal
channel (`spoc chat`) scripted through standard input, including the issue's acceptance scenario."""

from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import pytest
from sqlalchemy import select

from bot.channels.console import ConsoleChannel
from bot.cli import main
from bot.config.schema import DeskConfig
from bot.messages import Button, Outgoing
from bot.terminal import team_members
from nlu.cache import cache_path
from nlu.engine import BuiltinNlu
from storage.database import make_engine, make_session_factory
from storage.migrate import head_revision, is_up_to_date
from storage.models import Person

INTENTS = {
    "documentation", "training", "installation", "incident", "user_support", "coaching", "ticket_status",
    "my_tickets", "talk_to_agent", "greet", "goodbye", "thanks", "help", "affirm", "deny", "cancel",
    "out_of_scope",
}  # fmt: skip


@pytest.fixture(scope="session")
def nlu_cache_dir(tmp_path_factory: pytest.TempPathFactory, nlu: BuiltinNlu) -> Path:
    """The session's trained model, cached where `spoc` looks (SPOC_CACHE_DIR): no retraining per test."""
    folder = tmp_path_factory.mktemp("cli-nlu-cache")
    joblib.dump(nlu.model, cache_path(cache_dir=folder))
    return folder


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Spoc:
    """`spoc ...` in this process, with its environment, working directory and standard input."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str, stdin: str = "") -> Run:
        self.capsys.readouterr()
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return Run(code, out, err)

    def chat(self, *lines: str, person: str = "alice") -> Run:
        return self("chat", "--as", person, stdin="".join(f"{line}\n" for line in lines))


@pytest.fixture
def spoc(
    database_url: str,
    tmp_path: Path,
    nlu_cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Spoc:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPOC_DATABASE_URL", database_url)
    monkeypatch.setenv("SPOC_CACHE_DIR", str(nlu_cache_dir))
    monkeypatch.delenv("SPOC_CONFIG", raising=False)
    run = Spoc(capsys, monkeypatch)
    assert run("db", "upgrade").code == 0
    return run


def messages(out: str) -> list[tuple[str, str]]:
    """(recipient, text) of every message `spoc chat` printed; continuation lines belong to the message."""
    found: list[tuple[str, str]] = []
    for line in out.splitlines():
        start = re.match(r"^\[([^\]]+)\] (.*)$", line)
        if start:
            found.append((start.group(1), start.group(2)))
        elif line.startswith(" ") and found:
            recipient, text = found[-1]
            found[-1] = (recipient, f"{text}\n{line.strip()}")
    return found


def told(out: str, recipient: str) -> list[str]:
    return [text for to, text in messages(out) if to == recipient]


def echoed(out: str) -> list[str]:
    return [line for line in out.splitlines() if re.match(r"^[a-z][\w.-]*> ", line)]


# ---- db, help ------------------------------------------------------------------------------------------


def test_db_upgrade(database_url: str, spoc: Spoc) -> None:
    engine = make_engine(database_url)
    try:
        assert is_up_to_date(engine)
        again = spoc("db", "upgrade")
        assert (again.code, again.out) == (0, f"database at revision {head_revision(engine)}\n")
        assert is_up_to_date(engine)
    finally:
        engine.dispose()


def test_without_a_command_spoc_prints_its_help(spoc: Spoc) -> None:
    run = spoc()
    assert run.code == 2
    assert run.out.startswith("usage: spoc")
    for command in ("chat", "run", "nlu", "db", "tickets"):
        assert command in run.out


def test_an_incomplete_command_prints_help_too(spoc: Spoc) -> None:
    assert spoc("tickets").code == 2


def test_an_unknown_command_is_a_usage_error(spoc: Spoc) -> None:
    with pytest.raises(SystemExit) as exit_:
        spoc("frobnicate")
    assert exit_.value.code == 2


# ---- nlu parse -----------------------------------------------------------------------------------------


def test_nlu_parse_answers_each_line_in_the_contract_shape(spoc: Spoc) -> None:
    run = spoc("nlu", "parse", stdin="Mein Drucker druckt seit gestern nicht mehr\nwhat about SD-7?\n")

    assert run.code == 0
    lines = run.out.splitlines()
    assert len(lines) == 2
    results = [json.loads(line) for line in lines]
    for result in results:
        assert set(result) == {"text", "intent", "intent_ranking", "entities", "language"}
        assert set(result["intent"]) == {"name", "confidence"}
        assert result["intent"]["name"] in INTENTS
        assert 0.0 <= result["intent"]["confidence"] <= 1.0
        assert result["intent_ranking"] and all(
            set(r) == {"name", "confidence"} and r["name"] in INTENTS for r in result["intent_ranking"]
        )
        for entity in result["entities"]:
            assert {"entity", "value", "start", "end"} <= set(entity)
    german, english = results
    assert german["text"] == "Mein Drucker druckt seit gestern nicht mehr" and german["language"] == "de"
    assert german["intent"]["name"] == "incident"
    assert english["language"] == "en" and english["intent"]["name"] == "ticket_status"
    [ticket] = [e for e in english["entities"] if e["value"] == "SD-7"]
    assert english["text"][ticket["start"] : ticket["end"]] == "SD-7"


# ---- tickets list|show ---------------------------------------------------------------------------------


def test_no_tickets_yet(spoc: Spoc) -> None:
    assert spoc("tickets", "list").out == "no tickets\n"
    assert spoc("tickets", "list", "--json").json() == []


def test_unknown_status_and_unknown_ticket(spoc: Spoc) -> None:
    run = spoc("tickets", "list", "--status", "erledigt-ish")
    assert run.code == 2 and run.out == ""
    assert "unknown status 'erledigt-ish'" in run.err and "in_progress" in run.err

    for reference in ("SD-99", "#99", "not-a-ticket"):
        run = spoc("tickets", "show", reference, "--json")
        assert run.code == 1 and run.out == ""  # stdout stays clean for scripts reading JSON
        assert f"no ticket {reference}" in run.err


# ---- the acceptance scenario ---------------------------------------------------------------------------


def test_alice_reports_outlook_crashing_and_anna_resolves_it_in_german(spoc: Spoc) -> None:
    run = spoc.chat(
        "Mein Outlook stürzt seit heute Morgen bei jedem Start ab",
        "1",  # Wer ist betroffen? -> Nur ich
        "3",  # Wie stark behindert dich das? -> Ich kann gar nicht arbeiten
        "Absenden",  # the summary, answered by the button's label
        "@anna /claim SD-1",
        "@anna /status SD-1 in_progress",
        "@anna /resolve SD-1 Profil neu angelegt",
        person="alice",
    )
    assert run.code == 0, run.err

    alice = told(run.out, "alice")
    assert "Wer ist betroffen?" in alice[0] and "1) Nur ich" in alice[0]
    assert "3) Ich kann gar nicht arbeiten" in alice[1]
    assert "Bitte prüfe deine Anfrage (Störung" in alice[2] and "seit heute Morgen" in alice[2]
    assert "SD-1" in alice[3] and "Service Desk" in alice[3]
    assert "Anna Schmidt" in alice[4] and "Raum 1.12" in alice[4] and "bearbeitet jetzt" in alice[4]
    assert "SD-1 ist jetzt: in Bearbeitung" in alice[5]
    assert "Anna Schmidt hat SD-1 gelöst: Profil neu angelegt" in alice[6]
    assert "1) Ja, gelöst   2) Nein, wieder öffnen" in alice[6]
    assert len(alice) == 7

    desk = told(run.out, "#service-desk")
    assert desk[0].startswith("Neu: SD-1 · Störung") and "Übernehmen" in desk[0]
    assert told(run.out, "anna")[0] == "Du bearbeitest jetzt SD-1."
    assert echoed(run.out) == [
        "alice> Mein Outlook stürzt seit heute Morgen bei jedem Start ab",
        "alice> 1",
        "alice> 3",
        "alice> Absenden",
        "anna> /claim SD-1",
        "anna> /status SD-1 in_progress",
        "anna> /resolve SD-1 Profil neu angelegt",
    ]

    ticket = spoc("tickets", "show", "SD-1", "--json").json()
    assert (ticket["key"], ticket["status"], ticket["assignee"]) == ("SD-1", "resolved", "anna")
    assert (ticket["requester"], ticket["team"], ticket["category"]) == ("alice", "service-desk", "incident")
    assert ticket["details"]["since"] == "seit heute Morgen"
    assert (ticket["impact"], ticket["urgency"], ticket["priority"]) == ("low", "high", "P3")
    assert [(e["actor"], e["kind"], e["old"], e["new"]) for e in ticket["events"]] == [
        ("alice", "opened", None, "new"),
        ("anna", "claimed", None, "anna"),
        ("anna", "status", "new", "assigned"),
        ("anna", "status", "assigned", "in_progress"),
        ("anna", "reply", None, None),
        ("anna", "status", "in_progress", "resolved"),
    ]
    assert ticket["events"][-1]["note"] == "Profil neu angelegt"
    assert [(c["author"], c["public"], c["body"]) for c in ticket["comments"]] == [
        ("anna", True, "Profil neu angelegt")
    ]
    assert ticket["resolved_at"] is not None and ticket["first_response_at"] is not None

    listed = spoc("tickets", "list", "--json").json()
    assert [(t["key"], t["status"], t["assignee"], t["team"]) for t in listed] == [
        ("SD-1", "resolved", "anna", "service-desk")
    ]
    assert spoc("tickets", "list", "--status", "resolved", "--json").json() == listed
    assert spoc("tickets", "list", "--status", "in_progress", "--json").json() == []
    assert spoc("tickets", "list", "--status", "gelöst", "--json").json() == listed  # German alias

    table = spoc("tickets", "list", "--status", "resolved").out.splitlines()
    assert len(table) == 1 and table[0].split()[:4] == ["SD-1", "resolved", "P3", "incident"]

    shown = spoc("tickets", "show", "sd 1")
    assert shown.code == 0
    assert "SD-1  resolved" in shown.out and "assignee: anna" in shown.out
    assert re.search(r"anna\s+status\s+in_progress -> resolved  Profil neu angelegt", shown.out)


def test_bob_orders_visio_and_ben_installs_it_in_english(spoc: Spoc) -> None:
    run = spoc.chat(
        "I need Visio installed on my laptop",
        "1",  # Submit
        "@ben /claim SD-1",
        "@ben /status SD-1 in_progress",
        "@ben /resolve SD-1 Visio is installed",
        person="bob",
    )
    assert run.code == 0, run.err

    bob = told(run.out, "bob")
    assert "Please check your request (Installation / order" in bob[0] and "Visio" in bob[0]
    assert "Your request SD-1" in bob[1] and "Workplace & Installation" in bob[1]
    assert "Ben Fischer" in bob[2] and "is now handling your request SD-1" in bob[2]
    assert "SD-1 is now: in progress" in bob[3]
    assert "Ben Fischer has resolved SD-1: Visio is installed" in bob[4] and "Yes, solved" in bob[4]
    assert told(run.out, "#workplace") and not told(run.out, "#service-desk")

    ticket = spoc("tickets", "show", "SD-1", "--json").json()
    assert (ticket["status"], ticket["assignee"], ticket["team"]) == ("resolved", "ben", "workplace")
    assert ticket["category"] == "installation" and ticket["requester"] == "bob"


# ---- the terminal channel ------------------------------------------------------------------------------


def test_buttons_by_number_or_label_and_blank_lines_ignored(spoc: Spoc) -> None:
    run = spoc.chat(
        "",
        "Mein Outlook stürzt seit heute Morgen bei jedem Start ab",
        "   ",
        "nur ich",  # a label, in any case
        "2",  # Ich bin eingeschränkt
        "@anna",  # nothing said
        "1",  # Absenden
        "@anna 1",  # Übernehmen, on the team card of her team
    )
    assert run.code == 0, run.err
    assert echoed(run.out) == [
        "alice> Mein Outlook stürzt seit heute Morgen bei jedem Start ab",
        "alice> nur ich",
        "alice> 2",
        "alice> 1",
        "anna> 1",
    ]
    alice = told(run.out, "alice")
    assert "Betroffen: Nur ich" in alice[2] and "Dringlichkeit: Ich bin eingeschränkt" in alice[2]
    assert "Anna Schmidt" in alice[4]

    ticket = spoc("tickets", "show", "SD-1", "--json").json()
    assert (ticket["status"], ticket["assignee"]) == ("assigned", "anna")


def test_a_requester_cannot_press_a_team_cards_button(spoc: Spoc) -> None:
    run = spoc.chat(
        "Mein Outlook stürzt seit heute Morgen bei jedem Start ab",
        "1",
        "1",
        "1",  # submitted: the #service-desk card now offers 1) Übernehmen
        "@bob 1",  # bob is no agent: his "1" is just text
        "@paul Übernehmen",
    )
    assert run.code == 0, run.err
    assert not told(run.out, "#service-desk")[1:]  # nothing happened to the ticket
    ticket = spoc("tickets", "show", "SD-1", "--json").json()
    assert (ticket["status"], ticket["assignee"]) == ("new", None)
    assert [e["kind"] for e in ticket["events"]] == ["opened"]


def test_an_unknown_name_registers_a_requester(database_url: str, spoc: Spoc) -> None:
    run = spoc.chat("@zoe hello", "@Zoe /tickets")
    assert run.code == 0, run.err
    assert echoed(run.out) == ["zoe> hello", "zoe> /tickets"]
    zoe = told(run.out, "zoe")
    assert len(zoe) == 2 and "zoe" in zoe[0]

    again = spoc.chat("@zoe hi again")  # the same person next time
    assert told(again.out, "zoe")

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            [person] = session.scalars(select(Person).where(Person.handle.like("zoe%"))).all()
            assert (person.handle, person.roles, person.memberships) == ("zoe", ["requester"], [])
            assert [(a.channel, a.external_id) for a in person.accounts] == [("console", "zoe")]
    finally:
        engine.dispose()


def test_chat_uses_the_working_directory_and_a_dotenv_file(
    tmp_path: Path, nlu_cache_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPOC_DATABASE_URL", raising=False)
    monkeypatch.delenv("SPOC_CONFIG", raising=False)
    monkeypatch.setenv("SPOC_CACHE_DIR", str(nlu_cache_dir))
    spoc = Spoc(capsys, monkeypatch)

    assert spoc.chat("Hallo").code == 0
    assert (tmp_path / "spoc.db").exists()  # the default: an SQLite file here, upgraded on the spot

    (tmp_path / ".env").write_text(f"SPOC_DATABASE_URL=sqlite:///{tmp_path / 'from-dotenv.db'}\n")
    assert spoc.chat("Hallo").code == 0
    assert (tmp_path / "from-dotenv.db").exists()


def test_chat_delivers_what_was_queued_while_it_was_not_running(spoc: Spoc) -> None:
    """A message in the outbox from an earlier run (say, a crash before sending) goes out at start."""
    first = spoc.chat("Mein Outlook stürzt seit heute Morgen bei jedem Start ab")
    assert "Wer ist betroffen?" in told(first.out, "alice")[0]
    assert told(spoc.chat().out, "alice") == []  # nothing is sent twice


def test_console_prints_recipients_lines_and_numbered_buttons() -> None:
    out = io.StringIO()
    console = ConsoleChannel(out, "alice")
    claim = (Button("Übernehmen", "/claim SD-1"),)
    console.send(Outgoing(1, "console", "#service-desk", "Neu: SD-1\nOutlook", buttons=claim))
    assert out.getvalue().splitlines() == [
        "[#service-desk] Neu: SD-1",
        "                Outlook",
        "                1) Übernehmen",
    ]


def test_console_buttons_go_to_the_person_or_their_teams_latest_card(demo_config: DeskConfig) -> None:
    console = ConsoleChannel(io.StringIO(), "alice", team_members(demo_config))
    desk_card = (Button("Übernehmen", "/claim SD-1"), Button("Anzeigen", "/show SD-1"))
    workplace_card = (Button("Übernehmen", "/claim SD-2"), Button("Anzeigen", "/show SD-2"))
    console.send(Outgoing(1, "console", "#service-desk", "Neu: SD-1", buttons=desk_card))
    console.send(Outgoing(2, "console", "#workplace", "Neu: SD-2", buttons=workplace_card))
    console.send(Outgoing(3, "console", "alice", "Gelöst?", buttons=(Button("Ja, gelöst", "yes"),)))

    def pressed(line: str) -> tuple[str, str, bool]:
        inbound = console.translate(line)
        assert inbound is not None
        return inbound.user_id, inbound.text, inbound.is_button

    assert pressed("1") == ("alice", "yes", True)  # her own buttons first
    assert pressed("ja, GELÖST") == ("alice", "yes", True)
    assert pressed("2") == ("alice", "2", False)  # not hers, and she is in no team
    assert pressed("@anna 1") == ("anna", "/claim SD-1", True)  # her team's card
    assert pressed("@lena 1") == ("lena", "/claim SD-2", True)  # the latest card of her two teams
    assert pressed("@ben anzeigen") == ("ben", "/show SD-2", True)
    assert pressed("@ben 3") == ("ben", "3", False)  # no such button
    assert pressed("@bob Übernehmen") == ("bob", "Übernehmen", False)
    for blank in ("", "   ", "\n", "@anna", "@anna   \n"):
        assert console.translate(blank) is None


def test_team_members_of_the_demo_desk(demo_config: DeskConfig) -> None:
    assert team_members(demo_config) == {
        "#service-desk": {"anna", "lena"},
        "#workplace": {"ben", "lena"},
        "#pmo": {"carla"},
    }


def test_a_newcomer_is_answered_in_the_language_of_their_first_words(spoc: Spoc) -> None:
    # The desk's default language is German; zoe's one English word is enough for a first guess.
    run = spoc.chat("@zoe hello", "@yann hallo")
    assert "Hello zoe" in told(run.out, "zoe")[0]
    assert "Hallo yann" in told(run.out, "yann")[0]


def test_rasa_without_its_url_is_refused_before_chatting(spoc: Spoc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOC_NLU_BACKEND", "rasa")
    run = spoc.chat("hallo")
    assert run.code == 2
    assert "SPOC_NLU_BACKEND=rasa needs SPOC_RASA_URL" in run.err
    assert run.out == ""


def test_a_rasa_url_that_is_no_http_url_is_refused(spoc: Spoc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOC_NLU_BACKEND", "rasa")
    monkeypatch.setenv("SPOC_RASA_URL", "ftp://rasa.example.com")
    run = spoc.chat("hallo")
    assert run.code == 2
    assert "SPOC_RASA_URL" in run.err
    assert run.out == ""


def test_a_rasa_server_that_is_down_still_lets_people_open_tickets(
    spoc: Spoc, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    monkeypatch.setenv("SPOC_NLU_BACKEND", "rasa")
    monkeypatch.setenv("SPOC_RASA_URL", "http://127.0.0.1:9")
    run = spoc.chat("@alice Mein Drucker druckt seit gestern nicht mehr")
    assert run.code == 0
    said = told(run.out, "alice")
    assert "nur eingeschränkt verstehen" in said[0]
    assert any("Wer ist betroffen?" in text for text in said)


def test_a_bad_setting_is_a_configuration_error(spoc: Spoc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOC_NLU_BACKEND", "watson")
    run = spoc.chat("hallo")
    assert run.code == 2
    assert "configuration error" in run.err and "spoc_nlu_backend" in run.err.lower()

"""The desk configuration: the demo desk, every kind of mistake (named by file, key and problem, also
through `spoc chat`), and applying it to the database (idempotent, in place)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.config.loader import ConfigError, demo_desk_path, load_desk_config
from bot.config.schema import DeskConfig
from bot.config.sync import apply_config
from bot.i18n import Translator
from storage.models import ChannelAccount, Person, Team, TeamChannel, TeamMembership, Ticket

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
Raw = dict[str, Any]


def demo_raw() -> Raw:
    return yaml.safe_load(demo_desk_path().read_text(encoding="utf-8"))


def write(path: Path, raw: Raw) -> Path:
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def person_index(raw: Raw, handle: str) -> int:
    return next(i for i, p in enumerate(raw["people"]) if p["id"] == handle)


# ---- the demo desk -------------------------------------------------------------------------------------


def test_the_demo_desk_loads() -> None:
    config = load_desk_config(None)

    assert config.desk.default_team == "service-desk"
    assert config.desk.default_language == "de"
    people = {p.id: p for p in config.people}
    assert set(people) == {"alice", "bob", "anna", "ben", "lena", "carla", "paul"}
    assert (people["alice"].language, people["bob"].language) == ("de", "en")
    assert "agent" in people["anna"].roles and people["anna"].teams == ["service-desk"]
    assert "agent" in people["ben"].roles and people["ben"].teams == ["workplace"]
    assert "lead" in people["lena"].roles
    assert "coach" in people["carla"].roles and "project_lead" in people["paul"].roles
    assert config.team_for_category("incident") == "service-desk"
    assert config.team_for_category("installation") == "workplace"
    assert config.team_for_category("coaching") == "pmo"
    assert config.priority("high", "high") == "P1" and config.priority("low", "low") == "P4"
    assert {t.id: t.channels["console"] for t in config.teams}["service-desk"] == "#service-desk"


def test_the_same_file_given_by_path_loads_the_same(tmp_path: Path) -> None:
    copy_of_demo = write(tmp_path / "desk.yml", demo_raw())
    assert load_desk_config(copy_of_demo) == load_desk_config(None)


def test_a_minimal_file_gets_the_defaults(tmp_path: Path) -> None:
    raw = {"desk": {"default_team": "desk"}, "teams": [{"id": "desk", "name": "Desk"}]}
    config = load_desk_config(write(tmp_path / "desk.yml", raw))
    assert config.desk.timezone == "Europe/Berlin" and config.people == []
    assert config.priority("medium", "medium") == "P3"
    assert config.team_for_category("installation") == "desk"  # unrouted: the default team


def test_text_overrides_are_used(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["texts"] = {"de": {"greeting": "Servus {name}! {{Service-Desk}}"}}
    config = load_desk_config(write(tmp_path / "desk.yml", raw))
    translate = Translator(config.texts)
    assert translate("de", "greeting", name="Alice") == "Servus Alice! {Service-Desk}"
    assert translate("en", "greeting", name="Bob") == "Hello Bob! I am the service desk bot."


# ---- mistakes ------------------------------------------------------------------------------------------


def _mutate(change: Callable[[Raw], None]) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        raw = demo_raw()
        change(raw)
        return write(path, raw)

    return build


def _text(content: str | bytes) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return build


def _missing(path: Path) -> Path:
    return path


def _rename_key(raw: Raw) -> None:
    raw["temas"] = raw.pop("teams")


def _second_team_for_incidents(raw: Raw) -> None:
    raw["teams"][1]["categories"].append("incident")


def _duplicate_person(raw: Raw) -> None:
    raw["people"].append({"id": "alice", "name": "Alice Zweitausend"})


def _shared_slack_account(raw: Raw) -> None:
    raw["people"][0]["accounts"] = {"slack": "U123"}
    raw["people"][1]["accounts"] = {"slack": "U123"}


def _drop_matrix_cell(raw: Raw) -> None:
    del raw["priority_matrix"]["medium"]["low"]


def _set(*path: str | int, value: object) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        target: Any = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


# (file content, key path the message must name, the problem it must name)
MISTAKES: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    "not YAML": (_text("desk:\n  name: [Service Desk\nteams: {\n"), "line 3", "not valid YAML"),
    "tab indentation": (_text("desk:\n\tname: Desk\n"), "line 2, column 1", "not valid YAML"),
    "not a mapping": (_text("- desk\n- teams\n"), "", "expected a mapping"),
    "empty file": (_text(""), "", "expected a mapping"),
    "unknown key": (_mutate(_rename_key), "temas", "did you mean 'teams'"),
    "misspelt person key": (
        _mutate(_set("people", 0, "langauge", value="de")),
        "people[0].langauge",
        "did you mean 'language'",
    ),
    "unknown auto_assign policy": (
        _mutate(_set("teams", 2, "auto_assign", value="random")),
        "teams[2].auto_assign",
        "'round_robin'",
    ),
    "person in a team that does not exist": (
        _mutate(_set("people", 2, "teams", value=["helpdesk"])),
        "people[2].teams",
        "no team with the id 'helpdesk'",
    ),
    "category routed to two teams": (
        _mutate(_second_team_for_incidents),
        "teams[1].categories",
        "'incident' is already routed to teams[0]",
    ),
    "duplicate person id": (
        _mutate(_duplicate_person),
        "people[7].id",
        "'alice' is already used by people[0]",
    ),
    "duplicate slack account": (
        _mutate(_shared_slack_account),
        "people[1].accounts.slack",
        "'U123' already belongs to people[0] (alice)",
    ),
    "unknown default_team": (
        _mutate(_set("desk", "default_team", value="helpdesk")),
        "desk.default_team",
        "no team with the id 'helpdesk'",
    ),
    "bad timezone": (
        _mutate(_set("desk", "timezone", value="Europe/Muenchen")),
        "desk.timezone",
        "unknown time zone 'Europe/Muenchen'",
    ),
    "priority matrix missing a cell": (
        _mutate(_drop_matrix_cell),
        "priority_matrix.medium",
        "missing urgency low",
    ),
    "unknown priority": (
        _mutate(_set("priority_matrix", "low", "low", value="P5")),
        "priority_matrix.low.low",
        "'P4'",
    ),
    "override of a text that does not exist": (
        _mutate(_set("texts", value={"de": {"begruessung": "Servus"}})),
        "texts.de.begruessung",
        "no such text",
    ),
    "override with an unknown placeholder": (
        _mutate(_set("texts", value={"en": {"greeting": "Hi {nmae}"}})),
        "texts.en.greeting",
        "unknown placeholder {nmae} (this text has: {name})",
    ),
    "override with a broken placeholder": (
        _mutate(_set("texts", value={"en": {"greeting": "Hi {name"}})),
        "texts.en.greeting",
        "not a valid text template",
    ),
    "catalogue item of an unknown kind": (
        _mutate(_set("catalogue", 0, "kind", value="service")),
        "catalogue[0].kind",
        "'software' or 'hardware'",
    ),
    "catalogue item listed twice": (
        _mutate(lambda raw: raw["catalogue"].append({"name": "visio", "kind": "software"})),
        "catalogue[44].name",
        "'visio' is already listed as catalogue[6]",
    ),
    "synonym naming two catalogue items": (
        _mutate(lambda raw: raw["catalogue"][0]["synonyms"].append("Excel")),
        "catalogue[3]",
        "'excel' also names catalogue[0] (Outlook)",
    ),
    "blank catalogue synonym": (
        _mutate(_set("catalogue", 0, "synonyms", value=["  "])),
        "catalogue[0].synonyms",
        "not blank",
    ),
    "catalogue spellings that differ only in umlauts": (
        _mutate(lambda raw: raw["catalogue"][1]["synonyms"].append("kopfhoerer")),
        "catalogue",
        "'Microsoft Teams' and 'Headset' are both written 'kopfhoerer'",
    ),
    "misspelt catalogue key": (
        _mutate(_set("catalogue", 0, "synonymes", value=["x"])),
        "catalogue[0].synonymes",
        "did you mean 'synonyms'",
    ),
    "no teams": (_mutate(_set("teams", value=[])), "teams", "at least 1 item"),
    "bad handle": (_mutate(_set("people", 0, "id", value="Alice Wagner")), "people[0].id", "pattern"),
    "missing file": (_missing, "", "cannot read the desk configuration: No such file or directory"),
    "not UTF-8": (_text("desk:\n  name: Caf\xe9\n".encode("latin-1")), "", "not UTF-8 text"),
}


@pytest.fixture(params=sorted(MISTAKES))
def mistake(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str, str]:
    build, key_path, problem = MISTAKES[request.param]
    return build(tmp_path / "my-desk.yml"), key_path, problem


def test_a_mistake_names_the_file_the_key_and_the_problem(mistake: tuple[Path, str, str]) -> None:
    path, key_path, problem = mistake
    with pytest.raises(ConfigError) as caught:
        load_desk_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert key_path in message
    assert problem in message


def test_spoc_chat_stops_on_a_mistake_before_touching_the_database(
    mistake: tuple[Path, str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, key_path, problem = mistake
    database = tmp_path / "db" / "spoc.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPOC_CONFIG", str(path))
    monkeypatch.setenv("SPOC_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("SPOC_CACHE_DIR", str(tmp_path / "no-nlu-needed"))

    assert main(["chat", "--as", "alice"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"spoc: configuration error: {path}: ")
    assert key_path in err and problem in err
    assert err.count("\n") <= 2  # a message, not a traceback
    assert not database.parent.exists()
    assert not (tmp_path / "no-nlu-needed").exists()


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    raw = demo_raw()
    _set("desk", "default_team", value="helpdesk")(raw)
    _duplicate_person(raw)
    with pytest.raises(ConfigError) as caught:
        load_desk_config(write(tmp_path / "desk.yml", raw))
    assert "desk.default_team" in str(caught.value) and "people[7].id" in str(caught.value)


# ---- applying the configuration to the database --------------------------------------------------------


def apply(sessions: sessionmaker[Session], raw: Raw) -> None:
    config = DeskConfig.model_validate(raw)
    with sessions() as session, session.begin():
        apply_config(session, config, NOW)


def snapshot(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the configuration writes, with its id."""
    with sessions() as session:
        return {
            "teams": [
                (t.id, t.slug, t.name, t.auto_assign) for t in session.scalars(select(Team).order_by(Team.id))
            ],
            "channels": [
                (c.id, c.team_id, c.channel, c.address)
                for c in session.scalars(select(TeamChannel).order_by(TeamChannel.id))
            ],
            "people": [
                (p.id, p.handle, p.display_name, p.language, tuple(p.roles), p.location, p.contact)
                for p in session.scalars(select(Person).order_by(Person.id))
            ],
            "memberships": [
                (m.id, m.team_id, m.person_id)
                for m in session.scalars(select(TeamMembership).order_by(TeamMembership.id))
            ],
            "accounts": [
                (a.id, a.person_id, a.channel, a.external_id)
                for a in session.scalars(select(ChannelAccount).order_by(ChannelAccount.id))
            ],
        }


def memberships(sessions: sessionmaker[Session]) -> set[tuple[str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(Person.handle, Team.slug).join(TeamMembership.person).join(TeamMembership.team)
        )
        return {(handle, slug) for handle, slug in rows}


def accounts(sessions: sessionmaker[Session], handle: str) -> dict[str, str]:
    with sessions() as session:
        rows = session.execute(
            select(ChannelAccount.channel, ChannelAccount.external_id)
            .join(Person)
            .where(Person.handle == handle)
        )
        return {channel: external_id for channel, external_id in rows}


def test_the_demo_desk_is_written_to_the_database(sessions: sessionmaker[Session]) -> None:
    apply(sessions, demo_raw())

    rows = snapshot(sessions)
    assert [t[1] for t in rows["teams"]] == ["service-desk", "workplace", "pmo"]
    assert {p[1] for p in rows["people"]} == {"alice", "bob", "anna", "ben", "lena", "carla", "paul"}
    assert memberships(sessions) == {
        ("anna", "service-desk"),
        ("ben", "workplace"),
        ("lena", "service-desk"),
        ("lena", "workplace"),
        ("carla", "pmo"),
    }
    assert accounts(sessions, "alice") == {"console": "alice"}
    with sessions() as session:
        paul = session.scalars(select(Person).where(Person.handle == "paul")).one()
        assert paul.roles == ["project_lead", "requester"]
        assert paul.created_at == NOW


def test_applying_twice_changes_nothing(sessions: sessionmaker[Session]) -> None:
    raw = demo_raw()
    raw["people"][0]["accounts"] = {"slack": "U1", "telegram": 4711}
    apply(sessions, raw)
    first = snapshot(sessions)

    apply(sessions, raw)

    assert snapshot(sessions) == first
    assert accounts(sessions, "alice") == {"console": "alice", "slack": "U1", "telegram": "4711"}


def test_a_renamed_person_is_updated_in_place_and_keeps_their_tickets(
    sessions: sessionmaker[Session],
) -> None:
    raw = demo_raw()
    apply(sessions, raw)
    with sessions() as session, session.begin():
        alice = session.scalars(select(Person).where(Person.handle == "alice")).one()
        team = session.scalars(select(Team).where(Team.slug == "service-desk")).one()
        alice_id = alice.id
        session.add(
            Ticket(
                category="incident",
                title="Outlook",
                impact="low",
                urgency="low",
                priority="P4",
                status="new",
                requester=alice,
                team=team,
                origin_channel="console",
                origin_chat="alice",
                created_at=NOW,
                updated_at=NOW,
            )
        )

    index = person_index(raw, "alice")
    raw["people"][index].update(name="Alice Wagner-Huber", location="Hamburg", language="en")
    apply(sessions, raw)

    with sessions() as session:
        alice = session.scalars(select(Person).where(Person.handle == "alice")).one()
        assert alice.id == alice_id
        # The configured language is only where a person starts: their own choice survives restarts.
        assert (alice.display_name, alice.location, alice.language) == ("Alice Wagner-Huber", "Hamburg", "de")
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.requester_id == alice_id
        assert ticket.requester.display_name == "Alice Wagner-Huber"


def test_leaving_a_team_removes_the_membership(sessions: sessionmaker[Session]) -> None:
    raw = demo_raw()
    apply(sessions, raw)
    before = snapshot(sessions)["memberships"]

    raw["people"][person_index(raw, "lena")]["teams"] = ["workplace"]
    apply(sessions, raw)

    assert ("lena", "service-desk") not in memberships(sessions)
    assert ("lena", "workplace") in memberships(sessions)
    after = snapshot(sessions)["memberships"]
    assert len(after) == len(before) - 1 and set(after) < set(before)  # the others untouched

    raw["people"][person_index(raw, "lena")]["teams"] = ["workplace", "pmo"]
    apply(sessions, raw)
    assert ("lena", "pmo") in memberships(sessions)


def test_a_team_channel_change_is_made_in_place(sessions: sessionmaker[Session]) -> None:
    raw = demo_raw()
    apply(sessions, raw)
    [desk_channel] = [c for c in snapshot(sessions)["channels"] if c[3] == "#service-desk"]

    raw["teams"][0]["channels"] = {"console": "#helpdesk", "slack": "C0123"}
    raw["teams"][0]["name"] = "Helpdesk"
    apply(sessions, raw)

    rows = snapshot(sessions)
    desk_id = desk_channel[1]
    assert (desk_channel[0], desk_id, "console", "#helpdesk") in rows["channels"]
    assert (desk_id, "slack", "C0123") in {c[1:] for c in rows["channels"]}
    assert (desk_id, "service-desk", "Helpdesk", "none") in rows["teams"]

    raw["teams"][0]["channels"] = {"slack": "C0123"}
    apply(sessions, raw)
    assert {c[2] for c in snapshot(sessions)["channels"] if c[1] == desk_id} == {"slack"}


def test_platform_accounts_follow_the_configuration(sessions: sessionmaker[Session]) -> None:
    raw = demo_raw()
    alice, bob = person_index(raw, "alice"), person_index(raw, "bob")
    raw["people"][alice]["accounts"] = {"slack": "U1"}
    apply(sessions, raw)

    raw["people"][alice]["accounts"] = {"slack": "U2"}  # a new id
    apply(sessions, raw)
    assert accounts(sessions, "alice") == {"console": "alice", "slack": "U2"}

    raw["people"][alice]["accounts"] = {}  # it was never hers: moved to bob
    raw["people"][bob]["accounts"] = {"slack": "U2"}
    apply(sessions, raw)
    assert accounts(sessions, "alice") == {"console": "alice"}
    assert accounts(sessions, "bob") == {"console": "bob", "slack": "U2"}

    raw["people"][bob]["accounts"] = {}  # taken out: bob's slack id no longer speaks as bob
    apply(sessions, raw)
    assert accounts(sessions, "bob") == {"console": "bob"}


def test_someone_taken_out_of_the_configuration_is_no_agent_any_more(sessions: sessionmaker[Session]) -> None:
    raw = demo_raw()
    apply(sessions, raw)
    with sessions() as session, session.begin():  # someone who registered on first contact
        session.add(Person(handle="zoe", display_name="Zoe", roles=["requester"], created_at=NOW))

    del raw["people"][person_index(raw, "anna")]
    apply(sessions, raw)

    with sessions() as session:
        anna = session.scalars(select(Person).where(Person.handle == "anna")).one()
        assert anna.roles == ["requester"] and anna.teams == []
        zoe = session.scalars(select(Person).where(Person.handle == "zoe")).one()
        assert zoe.roles == ["requester"]
    assert ("anna", "service-desk") not in memberships(sessions)
    assert ("lena", "service-desk") in memberships(sessions)

    apply(sessions, demo_raw())  # and back
    assert ("anna", "service-desk") in memberships(sessions)

"""Storage on every backend under test: migrations, schema, connection settings, types, constraints."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, delete, func, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from storage.database import SQLITE_BUSY_TIMEOUT_MS, make_engine, make_session_factory
from storage.migrate import current_revision, head_revision, is_up_to_date, upgrade
from storage.models import (
    Base,
    ChannelAccount,
    Comment,
    Conversation,
    OutboxMessage,
    Person,
    ProcessedDelivery,
    Team,
    TeamChannel,
    TeamMembership,
    Ticket,
    TicketEvent,
)

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
BERLIN_SUMMER = timezone(timedelta(hours=2))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def migrated(engine: Engine) -> Engine:
    upgrade(engine)
    return engine


def session(engine: Engine) -> Session:
    return make_session_factory(engine)()


def person(handle: str, **changes: object) -> Person:
    values: dict[str, object] = {"handle": handle, "display_name": handle.title(), "created_at": NOW}
    values.update(changes)
    return Person(**values)


def ticket(requester: Person, team: Team, **changes: object) -> Ticket:
    values: dict[str, object] = {
        "category": "incident",
        "title": "Outlook stürzt ab",
        "impact": "low",
        "urgency": "low",
        "priority": "P4",
        "status": "new",
        "requester": requester,
        "team": team,
        "origin_channel": "console",
        "origin_chat": requester.handle,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(changes)
    return Ticket(**values)


def outbox_row(**changes: object) -> OutboxMessage:
    values: dict[str, object] = {
        "channel": "console",
        "address": "alice",
        "kind": "reply",
        "text": "hello",
        "created_at": NOW,
        "next_attempt_at": NOW,
    }
    values.update(changes)
    return OutboxMessage(**values)


# ---- migrations ----------------------------------------------------------------------------------------


def test_upgrade_brings_an_empty_database_to_head(engine: Engine) -> None:
    assert current_revision(engine) is None
    assert not is_up_to_date(engine)

    upgrade(engine)

    assert is_up_to_date(engine)
    assert current_revision(engine) == head_revision(engine) is not None
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrading_twice_is_harmless_and_keeps_the_data(migrated: Engine) -> None:
    with session(migrated) as s, s.begin():
        s.add(person("alice"))

    upgrade(migrated)

    assert is_up_to_date(migrated)
    with session(migrated) as s:
        assert s.scalars(select(Person.handle)).all() == ["alice"]


def test_the_migrated_schema_matches_the_models(migrated: Engine) -> None:
    with migrated.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_team_round_robin_pointer_is_a_real_foreign_key(migrated: Engine) -> None:
    keys = inspect(migrated).get_foreign_keys("teams")
    assert [(k["constrained_columns"], k["referred_table"]) for k in keys] == [
        (["last_assignee_id"], "people")
    ]
    with session(migrated) as s, s.begin(), pytest.raises(IntegrityError):
        s.add(Team(slug="ghosts", name="Ghosts", last_assignee_id=4242))
        s.flush()


# ---- SQLite connection settings ------------------------------------------------------------------------


def test_every_sqlite_connection_has_foreign_keys_wal_and_a_busy_timeout(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        for _ in range(2):  # a fresh connection each time: the settings are per connection
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
            engine.dispose()
    finally:
        engine.dispose()


def test_a_bare_postgresql_url_uses_the_installed_psycopg_driver() -> None:
    engine = make_engine("postgresql://spoc@db.invalid/spoc")  # not connected: nothing to reach
    try:
        assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    finally:
        engine.dispose()


def test_sqlite_creates_the_folder_of_its_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'deeper' / 'spoc.db'}")
    try:
        upgrade(engine)
        assert is_up_to_date(engine)
    finally:
        engine.dispose()


def test_two_threads_writing_to_one_sqlite_file_do_not_hit_database_is_locked(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(name: str) -> None:
        try:
            start.wait()
            for number in range(50):
                with sessions() as s, s.begin():
                    # read, then write: the pattern that fails when a read lock must be upgraded
                    s.scalar(select(func.count()).select_from(ProcessedDelivery))
                    s.add(ProcessedDelivery(channel=name, delivery_id=str(number), processed_at=NOW))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("slack", "telegram")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        with sessions() as s:
            assert s.scalar(select(func.count()).select_from(ProcessedDelivery)) == 100
    finally:
        engine.dispose()


# ---- types ---------------------------------------------------------------------------------------------


def test_datetimes_come_back_aware_and_in_utc(migrated: Engine) -> None:
    local = datetime(2026, 7, 1, 10, 15, 30, 123456, tzinfo=BERLIN_SUMMER)
    with session(migrated) as s, s.begin():
        s.add(person("alice", created_at=local))

    with session(migrated) as s:
        stored = s.scalar(select(Person.created_at))
        assert stored == local  # the same instant...
        assert stored.utcoffset() == timedelta(0)  # ...told in UTC
        assert stored == datetime(2026, 7, 1, 8, 15, 30, 123456, tzinfo=UTC)
        # comparisons in the database use the instant too, whatever zone the parameter is in
        assert s.scalar(select(Person.handle).where(Person.created_at == local)) == "alice"
        earlier = local.astimezone(UTC) - timedelta(microseconds=1)
        assert s.scalar(select(Person.handle).where(Person.created_at > earlier)) == "alice"
        assert s.scalar(select(Person.handle).where(Person.created_at > local)) is None


def test_a_naive_datetime_is_refused(migrated: Engine) -> None:
    with session(migrated) as s:
        s.add(person("alice", created_at=datetime(2026, 7, 1, 10, 15)))  # noqa: DTZ001
        with pytest.raises(StatementError, match="naive datetime"):
            s.flush()
        s.rollback()
        with pytest.raises(StatementError, match="naive datetime"):
            s.execute(select(Person).where(Person.created_at < datetime(2026, 1, 1)))  # noqa: DTZ001


def test_json_columns_round_trip(migrated: Engine) -> None:
    with session(migrated) as s, s.begin():
        alice = person("alice", roles=["requester", "agent"])
        team = Team(slug="service-desk", name="Service Desk")
        s.add(ticket(alice, team, details={"what": "Outlook stürzt ab", "count": 3, "nested": {"a": [1, 2]}}))

    with session(migrated) as s:
        loaded = s.scalars(select(Ticket)).one()
        assert loaded.details == {"what": "Outlook stürzt ab", "count": 3, "nested": {"a": [1, 2]}}
        assert loaded.requester.roles == ["requester", "agent"]
        assert loaded.requester.has_role("agent") and not loaded.requester.has_role("admin")
        assert loaded.key == f"SD-{loaded.id}"


# ---- constraints ---------------------------------------------------------------------------------------


def test_a_platform_account_belongs_to_one_person(migrated: Engine) -> None:
    with session(migrated) as s, s.begin():
        s.add_all([person("alice"), person("bob")])
    with session(migrated) as s, s.begin():
        alice, bob = s.scalars(select(Person).order_by(Person.handle)).all()
        s.add(ChannelAccount(person=alice, channel="slack", external_id="U1"))
        # the same id on another platform is another account
        s.add(ChannelAccount(person=bob, channel="telegram", external_id="U1"))

    with session(migrated) as s:
        bob = s.scalars(select(Person).where(Person.handle == "bob")).one()
        s.add(ChannelAccount(person=bob, channel="slack", external_id="U1"))
        with pytest.raises(IntegrityError):
            s.flush()


def test_a_handle_is_unique(migrated: Engine) -> None:
    with session(migrated) as s, s.begin():
        s.add(person("alice"))
    with session(migrated) as s:
        s.add(person("alice", display_name="Another Alice"))
        with pytest.raises(IntegrityError):
            s.flush()


def test_a_team_has_one_channel_per_platform_and_a_person_one_membership(migrated: Engine) -> None:
    with session(migrated) as s, s.begin():
        s.add(Team(slug="desk", name="Desk", channels=[TeamChannel(channel="slack", address="C1")]))
        s.add(person("anna"))
    with session(migrated) as s:
        team = s.scalars(select(Team)).one()
        s.add(TeamChannel(team=team, channel="slack", address="C2"))
        with pytest.raises(IntegrityError):
            s.flush()
    with session(migrated) as s:
        team, anna = s.scalars(select(Team)).one(), s.scalars(select(Person)).one()
        s.add_all([TeamMembership(team=team, person=anna), TeamMembership(team=team, person=anna)])
        with pytest.raises(IntegrityError):
            s.flush()


def test_a_processed_delivery_is_recorded_once(migrated: Engine) -> None:
    with session(migrated) as s, s.begin():
        s.add(ProcessedDelivery(channel="slack", delivery_id="Ev1", processed_at=NOW))
        s.add(ProcessedDelivery(channel="telegram", delivery_id="Ev1", processed_at=NOW))
    with session(migrated) as s:
        s.add(ProcessedDelivery(channel="slack", delivery_id="Ev1", processed_at=NOW + timedelta(seconds=1)))
        with pytest.raises(IntegrityError):
            s.flush()


def test_foreign_keys_are_enforced(migrated: Engine) -> None:
    with session(migrated) as s:
        s.add(ChannelAccount(person_id=4242, channel="slack", external_id="U1"))
        with pytest.raises(IntegrityError):
            s.flush()


# ---- deleting ------------------------------------------------------------------------------------------


def _desk_with_a_ticket(engine: Engine) -> int:
    with session(engine) as s, s.begin():
        team = Team(slug="service-desk", name="Service Desk")
        alice, anna = person("alice"), person("anna")
        s.add_all(
            [
                TeamMembership(team=team, person=anna),
                ChannelAccount(person=alice, channel="slack", external_id="U1"),
            ]
        )
        item = ticket(alice, team, assignee=anna)
        item.events.append(TicketEvent(actor=alice, at=NOW, kind="opened", new_value="new"))
        item.comments.append(Comment(author=anna, body="Schaue ich mir an", public=True, created_at=NOW))
        s.add(item)
        s.flush()
        s.add(Conversation(channel="slack", chat_id="D1", person_id=alice.id, updated_at=NOW))
        s.add(outbox_row(ticket_id=item.id, recipient_id=alice.id))
        return item.id


def test_deleting_a_ticket_removes_its_history_and_keeps_its_messages(migrated: Engine) -> None:
    ticket_id = _desk_with_a_ticket(migrated)

    with session(migrated) as s, s.begin():
        s.delete(s.get(Ticket, ticket_id))

    with session(migrated) as s:
        assert s.scalar(select(func.count()).select_from(TicketEvent)) == 0
        assert s.scalar(select(func.count()).select_from(Comment)) == 0
        message = s.scalars(select(OutboxMessage)).one()
        assert message.ticket_id is None and message.sent_at is None


def test_a_person_with_tickets_cannot_be_deleted(migrated: Engine) -> None:
    _desk_with_a_ticket(migrated)
    with session(migrated) as s, pytest.raises(IntegrityError), s.begin():
        s.execute(delete(Person).where(Person.handle == "alice"))


def test_deleting_a_person_takes_their_accounts_memberships_and_conversations(migrated: Engine) -> None:
    with session(migrated) as s, s.begin():
        team = Team(slug="service-desk", name="Service Desk")
        zoe = person("zoe")
        s.add_all(
            [
                TeamMembership(team=team, person=zoe),
                ChannelAccount(person=zoe, channel="slack", external_id="U9"),
            ]
        )
        s.flush()
        s.add(Conversation(channel="slack", chat_id="D9", person_id=zoe.id, updated_at=NOW))

    with session(migrated) as s, s.begin():
        zoe = s.scalars(select(Person).where(Person.handle == "zoe")).one()
        assert [a.external_id for a in zoe.accounts] == ["U9"]  # loaded: the ORM must not orphan them
        s.delete(zoe)

    with session(migrated) as s:
        for model in (ChannelAccount, TeamMembership, Conversation, Person):
            assert s.scalar(select(func.count()).select_from(model)) == 0, model.__name__
        assert s.scalars(select(Team.slug)).all() == ["service-desk"]


def test_raw_sql_sees_utc(migrated: Engine) -> None:
    """What another tool reading the database sees is UTC too, not the writer's local time."""
    with session(migrated) as s, s.begin():
        s.add(person("alice", created_at=datetime(2026, 7, 1, 10, 0, tzinfo=BERLIN_SUMMER)))
    with migrated.connect() as connection:
        if connection.dialect.name == "sqlite":
            raw = connection.execute(text("SELECT created_at FROM people")).scalar()
            assert str(raw).startswith("2026-07-01 08:00:00")
        else:
            raw = connection.execute(text("SELECT created_at AT TIME ZONE 'UTC' FROM people")).scalar()
            assert raw == datetime(2026, 7, 1, 8, 0)  # noqa: DTZ001

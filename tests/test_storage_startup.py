"""Opening the database at start-up: embedded SQLite upgrades itself, PostgreSQL must be upgraded by an
admin (`spoc db upgrade`), and a schema from a newer version is never touched."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from bot.app import DatabaseNotReady, build_application
from bot.cli import main
from bot.clock import FakeClock
from bot.config.schema import DeskConfig
from bot.settings import Settings
from nlu.backend import NluBackend
from storage.database import make_engine
from storage.migrate import current_revision, head_revision, is_up_to_date, upgrade
from storage.models import Person
from tests.conftest import PG_ENV, _postgres_schema
from tests.support import MemoryChannel


def settings_for(url: str) -> Settings:
    return Settings(spoc_database_url=url, _env_file=None)  # type: ignore[call-arg]


def test_the_bot_starts_on_a_new_sqlite_file_and_upgrades_it(
    tmp_path: Path, clock: FakeClock, nlu: NluBackend, demo_config: DeskConfig
) -> None:
    database = tmp_path / "new" / "folder" / "spoc.db"
    app = build_application(
        settings_for(f"sqlite:///{database}"),
        {"console": MemoryChannel()},
        clock=clock,
        nlu=nlu,
        config=demo_config,
    )
    try:
        assert database.exists()
        assert is_up_to_date(app.engine)
        with app.sessions() as session:
            assert "anna" in session.scalars(select(Person.handle)).all()
    finally:
        app.close()


def test_an_sqlite_file_of_an_older_version_is_upgraded_at_start(
    tmp_path: Path, clock: FakeClock, nlu: NluBackend, demo_config: DeskConfig
) -> None:
    url = f"sqlite:///{tmp_path / 'spoc.db'}"
    engine = make_engine(url)
    upgrade(engine, "0001")
    engine.dispose()

    app = build_application(
        settings_for(url), {"console": MemoryChannel()}, clock=clock, nlu=nlu, config=demo_config
    )
    try:
        assert current_revision(app.engine) == head_revision(app.engine) != "0001"
    finally:
        app.close()


def test_a_schema_from_a_newer_version_is_left_alone(
    tmp_path: Path, clock: FakeClock, nlu: NluBackend, demo_config: DeskConfig
) -> None:
    url = f"sqlite:///{tmp_path / 'spoc.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()

    with pytest.raises(DatabaseNotReady, match=r"0999.*newer version"):
        build_application(
            settings_for(url), {"console": MemoryChannel()}, clock=clock, nlu=nlu, config=demo_config
        )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not os.environ.get(PG_ENV):
        pytest.skip(f"PostgreSQL-only behaviour; set {PG_ENV} to run it")
    yield from _postgres_schema(os.environ[PG_ENV])


def test_a_postgres_database_that_is_behind_is_refused_until_upgraded(
    postgres_url: str,
    clock: FakeClock,
    nlu: NluBackend,
    demo_config: DeskConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    def build() -> None:
        app = build_application(
            settings_for(postgres_url), {"console": MemoryChannel()}, clock=clock, nlu=nlu, config=demo_config
        )
        app.close()

    # empty: refused, and nothing created
    with pytest.raises(DatabaseNotReady, match="run `spoc db upgrade`"):
        build()
    engine = make_engine(postgres_url)
    try:
        assert inspect(engine).get_table_names() == []

        # one migration behind: refused too
        upgrade(engine, "0001")
        with pytest.raises(DatabaseNotReady, match=r"revision 0001, .*needs .*run `spoc db upgrade`"):
            build()
        assert current_revision(engine) == "0001"
    finally:
        engine.dispose()

    # the same through the command line: a message and exit 1, then `spoc db upgrade` fixes it
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPOC_DATABASE_URL", postgres_url)
    monkeypatch.delenv("SPOC_CONFIG", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["chat"]) == 1
    err = capsys.readouterr().err
    assert "run `spoc db upgrade`" in err and "Traceback" not in err

    assert main(["db", "upgrade"]) == 0
    assert f"database at revision {head_revision(engine)}" in capsys.readouterr().out
    build()

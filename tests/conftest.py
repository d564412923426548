"""Shared fixtures: databases (SQLite always, PostgreSQL when SPOC_TEST_DATABASE_URL is set), a fake
clock, the NLU trained once per session, and the real application wired to an in-memory channel."""

from __future__ import annotations

import functools
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.app import Application, build_application
from bot.clock import FakeClock
from bot.config.loader import load_desk_config
from bot.config.schema import DeskConfig
from bot.settings import Settings
from nlu.answers import AnswerModels
from nlu.backend import NluBackend
from nlu.cache import cache_path
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from tests.support import CHANNEL, DeskBot, MemoryChannel

PG_ENV = "SPOC_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test on each backend under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'spoc-test.db'}"
        return
    yield from _postgres_schema(os.environ[PG_ENV])


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on a freshly migrated database of each backend under test."""
    engine = make_engine(database_url)
    upgrade(engine)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'spoc-test.db'}"


def _postgres_schema(base_url: str) -> Iterator[str]:
    """A schema of its own for each test (via search_path), dropped afterwards: tests never share rows."""
    url = make_url(base_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def nlu(tmp_path_factory: pytest.TempPathFactory) -> NluBackend:
    from nlu.cache import load_or_train

    cache = Path(os.environ.get("SPOC_CACHE_DIR") or tmp_path_factory.mktemp("nlu-cache"))
    return load_or_train(cache_dir=cache)


@functools.cache
def session_answers() -> AnswerModels:
    """The answer classifiers, trained once per test session (about a second) for every app built."""
    from nlu.cache import load_or_train_answers

    cache = os.environ.get("SPOC_CACHE_DIR") or tempfile.mkdtemp(prefix="spoc-answers-")
    return load_or_train_answers(cache_dir=Path(cache))


@pytest.fixture(scope="session")
def answers() -> AnswerModels:
    return session_answers()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def demo_config() -> DeskConfig:
    return load_desk_config(None)


@pytest.fixture
def channel() -> MemoryChannel:
    return MemoryChannel()


def make_app(
    url: str, channel: MemoryChannel, clock: FakeClock, nlu: NluBackend, config: DeskConfig
) -> Application:
    settings = Settings(spoc_database_url=url, _env_file=None)  # type: ignore[call-arg]
    return build_application(
        settings, {CHANNEL: channel}, clock=clock, nlu=nlu, config=config, answers=session_answers()
    )


@pytest.fixture
def bot(
    sqlite_url: str, channel: MemoryChannel, clock: FakeClock, nlu: NluBackend, demo_config: DeskConfig
) -> Iterator[DeskBot]:
    """The demo desk on SQLite, driven through dispatch like the terminal channel."""
    app = make_app(sqlite_url, channel, clock, nlu, demo_config)
    try:
        yield DeskBot(app, channel, clock)
    finally:
        app.close()


@pytest.fixture
def any_db_bot(
    database_url: str, channel: MemoryChannel, clock: FakeClock, nlu: NluBackend, demo_config: DeskConfig
) -> Iterator[DeskBot]:
    """The same, on every database backend under test (SQLite, and PostgreSQL in CI)."""
    yield from serve_bot(database_url, channel, clock, nlu, demo_config)


def serve_bot(
    url: str, channel: MemoryChannel, clock: FakeClock, nlu: NluBackend, config: DeskConfig
) -> Iterator[DeskBot]:
    """A desk with `config` on any database backend (a server database is upgraded first)."""
    if not url.startswith("sqlite"):
        upgrade(make_engine(url))
    app = make_app(url, channel, clock, nlu, config)
    try:
        yield DeskBot(app, channel, clock)
    finally:
        app.close()


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory, nlu: Any) -> Path:
    """The session's trained model where a `spoc` process looks for it (SPOC_CACHE_DIR): no training per
    process started by a test."""
    folder = tmp_path_factory.mktemp("nlu-cache")
    joblib.dump(nlu.model, cache_path(cache_dir=folder))
    return folder

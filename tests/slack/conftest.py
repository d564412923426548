"""Fixtures of the Slack tests: the fake Web API, the demo desk with Slack ids, the desk over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.app import Application, build_application
from bot.channels.base import ChannelAdapter
from bot.clock import FakeClock
from bot.config.schema import DeskConfig
from bot.settings import Settings
from nlu.backend import NluBackend
from storage.database import make_engine
from storage.migrate import upgrade
from tests.slack.fake_slack import FakeSlack
from tests.slack.support import SlackDesk, slack_desk_config, slack_users


@pytest.fixture(scope="session")
def slack_config(demo_config: DeskConfig) -> DeskConfig:
    return slack_desk_config(demo_config)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(users=slack_users())
    try:
        yield fake
    finally:
        fake.close()


def builder(
    url: str, clock: FakeClock, nlu: NluBackend, config: DeskConfig
) -> Callable[[dict[str, ChannelAdapter]], Application]:
    if not url.startswith("sqlite"):
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    settings = Settings(spoc_database_url=url, _env_file=None)  # type: ignore[call-arg]
    return lambda adapters: build_application(settings, adapters, clock=clock, nlu=nlu, config=config)


@pytest.fixture
def desk(
    sqlite_url: str, fake_slack: FakeSlack, clock: FakeClock, nlu: NluBackend, slack_config: DeskConfig
) -> Iterator[SlackDesk]:
    """The desk in Slack's HTTP mode on SQLite."""
    yield from _serve(sqlite_url, fake_slack, clock, nlu, slack_config)


@pytest.fixture
def any_db_desk(
    database_url: str, fake_slack: FakeSlack, clock: FakeClock, nlu: NluBackend, slack_config: DeskConfig
) -> Iterator[SlackDesk]:
    """The same on every database backend under test (SQLite, and PostgreSQL when configured)."""
    yield from _serve(database_url, fake_slack, clock, nlu, slack_config)


def _serve(
    url: str, fake_slack: FakeSlack, clock: FakeClock, nlu: NluBackend, config: DeskConfig
) -> Iterator[SlackDesk]:
    running = SlackDesk(builder(url, clock, nlu, config), fake_slack, clock)
    try:
        yield running
    finally:
        running.close()
        running.app.close()

"""Fixtures of the Telegram tests: the fake Bot API, the demo desk with Telegram ids, the desk running."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.clock import FakeClock
from bot.config.schema import DeskConfig
from nlu.backend import NluBackend
from tests.slack.conftest import builder
from tests.telegram.fake_telegram import FakeTelegram
from tests.telegram.support import TelegramDesk, telegram_desk_config


@pytest.fixture(scope="session")
def telegram_config(demo_config: DeskConfig) -> DeskConfig:
    return telegram_desk_config(demo_config)


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    try:
        yield fake
    finally:
        fake.close()


@pytest.fixture
def desk(
    sqlite_url: str,
    fake_telegram: FakeTelegram,
    clock: FakeClock,
    nlu: NluBackend,
    telegram_config: DeskConfig,
) -> Iterator[TelegramDesk]:
    """The desk receiving by long polling, on SQLite."""
    yield from _serve(sqlite_url, fake_telegram, clock, nlu, telegram_config, webhook=False)


@pytest.fixture
def webhook_desk(
    sqlite_url: str,
    fake_telegram: FakeTelegram,
    clock: FakeClock,
    nlu: NluBackend,
    telegram_config: DeskConfig,
) -> Iterator[TelegramDesk]:
    """The desk receiving by webhook, on SQLite."""
    yield from _serve(sqlite_url, fake_telegram, clock, nlu, telegram_config, webhook=True)


@pytest.fixture
def any_db_desk(
    database_url: str,
    fake_telegram: FakeTelegram,
    clock: FakeClock,
    nlu: NluBackend,
    telegram_config: DeskConfig,
) -> Iterator[TelegramDesk]:
    """The desk by long polling on every database backend under test."""
    yield from _serve(database_url, fake_telegram, clock, nlu, telegram_config, webhook=False)


def _serve(
    url: str, fake: FakeTelegram, clock: FakeClock, nlu: NluBackend, config: DeskConfig, *, webhook: bool
) -> Iterator[TelegramDesk]:
    running = TelegramDesk(builder(url, clock, nlu, config), fake, clock, webhook=webhook)
    try:
        yield running
    finally:
        running.close()
        running.app.close()

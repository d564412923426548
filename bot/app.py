"""The composition root: the one place that builds settings, database, desk configuration, NLU,
dispatch, notifications and the relay. Nothing connects or reads files at import time."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import ChannelAdapter
from bot.clock import Clock, SystemClock
from bot.config.loader import load_desk_config
from bot.config.schema import DeskConfig
from bot.config.sync import apply_config
from bot.dispatch import Dispatcher
from bot.i18n import Translator
from bot.messages import Inbound
from bot.notifications.relay import Relay
from bot.notifications.writer import NotificationWriter
from bot.settings import Settings
from nlu.backend import NluBackend
from storage.database import make_engine, make_session_factory
from storage.migrate import is_up_to_date, upgrade

log = logging.getLogger(__name__)


class DatabaseNotReady(Exception):
    """A production database that is behind the code's schema: an admin runs `spoc db upgrade`."""


@dataclass
class Application:
    engine: Engine
    sessions: sessionmaker[Session]
    config: DeskConfig
    dispatcher: Dispatcher
    relay: Relay

    def handle(self, inbound: Inbound) -> bool:
        """Handle one message, then deliver what it caused (in-process relay, right after the commit)."""
        handled = self.dispatcher.handle(inbound)
        self.relay.deliver_pending()
        return handled

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str) -> Engine:
    """An embedded SQLite database upgrades itself; any other database must be upgraded by an admin."""
    engine = make_engine(url)
    if not is_up_to_date(engine):
        if engine.dialect.name != "sqlite":
            engine.dispose()
            raise DatabaseNotReady("the database schema is not up to date: run `spoc db upgrade`")
        log.info("upgrading the SQLite database schema")
        upgrade(engine)
    return engine


def load_nlu(settings: Settings) -> NluBackend:
    from nlu.cache import load_or_train

    cache_dir = Path(settings.spoc_cache_dir) if settings.spoc_cache_dir else None
    return load_or_train(cache_dir=cache_dir)


def build_application(
    settings: Settings,
    adapters: Mapping[str, ChannelAdapter],
    *,
    clock: Clock | None = None,
    nlu: NluBackend | None = None,
    config: DeskConfig | None = None,
) -> Application:
    clock = clock or SystemClock()
    config = config or load_desk_config(settings.spoc_config)
    engine = open_database(settings.spoc_database_url)
    sessions = make_session_factory(engine)
    with sessions() as session, session.begin():
        apply_config(session, config, clock.now())
    translate = Translator(config.texts)
    notifications = NotificationWriter(translate, config, frozenset(adapters))
    dispatcher = Dispatcher(sessions, clock, config, translate, nlu or load_nlu(settings), notifications)
    return Application(engine, sessions, config, dispatcher, Relay(sessions, adapters, clock))

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
from bot.config.loader import ConfigError, desk_catalogue, load_desk_config
from bot.config.schema import DeskConfig
from bot.config.sync import apply_config
from bot.dispatch import Dispatcher
from bot.i18n import Translator
from bot.messages import Inbound
from bot.notifications.relay import Relay
from bot.notifications.writer import NotificationWriter
from bot.settings import Settings
from nlu.answers import AnswerModels
from nlu.backend import NluBackend
from nlu.catalogue import Catalogue
from nlu.extract import EntityExtractor
from nlu.pipeline import NluPipeline
from storage.database import make_engine, make_session_factory
from storage.migrate import (
    DatabaseNotReady,
    current_revision,
    head_revision,
    is_known_revision,
    is_up_to_date,
    upgrade,
)

log = logging.getLogger(__name__)

__all__ = [
    "Application",
    "DatabaseNotReady",
    "build_application",
    "desk_entities",
    "load_answers",
    "load_nlu",
    "open_database",
]


@dataclass
class Application:
    engine: Engine
    sessions: sessionmaker[Session]
    config: DeskConfig
    dispatcher: Dispatcher
    relay: Relay

    def handle(self, inbound: Inbound) -> bool:
        """Handle one message, then deliver what it caused right after the commit; anything else that
        is due (a retry, a message another process could not send) goes out with the periodic sweep.
        False when the message was a repeated delivery and so dropped."""
        handled = self.dispatcher.handle(inbound)
        self.relay.send_leased(handled.leased)
        self.relay.sweep()
        return not handled.duplicate

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str) -> Engine:
    """An embedded SQLite database upgrades itself; any other database must be upgraded by an admin."""
    engine = make_engine(url)
    try:
        if not is_up_to_date(engine):
            current, head = current_revision(engine), head_revision(engine)
            if current is not None and not is_known_revision(engine, current):
                raise DatabaseNotReady(
                    f"the database schema is at revision {current}, which this version of SPOC does not "
                    f"know (it expects {head}); was it upgraded by a newer version?"
                )
            if engine.dialect.name != "sqlite":
                raise DatabaseNotReady(
                    f"the database schema is at revision {current or 'none (empty database)'}, this version "
                    f"needs {head}: run `spoc db upgrade`"
                )
            log.info("upgrading the SQLite database schema from %s to %s", current, head)
            upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def load_nlu(settings: Settings) -> NluBackend:
    """The configured engine: the built-in one, or a Rasa server with the built-in one as its fallback
    (and for language detection)."""
    from nlu.cache import load_or_train

    if settings.spoc_nlu_backend == "rasa" and not settings.spoc_rasa_url:
        raise ConfigError("SPOC_NLU_BACKEND=rasa needs SPOC_RASA_URL, e.g. http://localhost:5005")
    cache_dir = Path(settings.spoc_cache_dir) if settings.spoc_cache_dir else None
    builtin = load_or_train(cache_dir=cache_dir)
    if settings.spoc_nlu_backend != "rasa":
        return builtin
    from nlu.rasa import RasaNlu

    try:
        return RasaNlu(settings.spoc_rasa_url, builtin)
    except ValueError as exc:
        raise ConfigError(f"SPOC_RASA_URL: {exc}") from exc


def load_answers(settings: Settings) -> AnswerModels:
    """The classifiers that read answers to the bot's questions (trained on first start, then cached)."""
    from nlu.cache import load_or_train_answers

    return load_or_train_answers(cache_dir=Path(settings.spoc_cache_dir) if settings.spoc_cache_dir else None)


def desk_entities(config: DeskConfig, clock: Clock) -> EntityExtractor:
    """Entities as this desk sees them: its catalogue, its time zone, its clock."""
    return EntityExtractor(Catalogue(desk_catalogue(config)), timezone=config.desk.timezone, now=clock.now)


def build_application(
    settings: Settings,
    adapters: Mapping[str, ChannelAdapter],
    *,
    clock: Clock | None = None,
    nlu: NluBackend | None = None,
    config: DeskConfig | None = None,
    answers: AnswerModels | None = None,
) -> Application:
    clock = clock or SystemClock()
    config = config or load_desk_config(settings.spoc_config)
    engine = open_database(settings.spoc_database_url)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session, session.begin():
            apply_config(session, config, clock.now())
        translate = Translator(config.texts)
        notifications = NotificationWriter(translate, config, frozenset(adapters))
        understanding = NluPipeline(
            nlu or load_nlu(settings), desk_entities(config, clock), answers or load_answers(settings)
        )
        dispatcher = Dispatcher(
            sessions, clock, config, translate, understanding, notifications, frozenset(adapters)
        )
    except BaseException:
        engine.dispose()
        raise
    return Application(engine, sessions, config, dispatcher, Relay(sessions, adapters, clock))

"""`spoc run`: the bot on every configured platform, with the outbox relay's sweep, until SIGINT/SIGTERM.

Slack runs in Socket Mode when SLACK_APP_TOKEN is set (the bot opens a WebSocket to Slack: no public URL
needed), otherwise in HTTP mode: Slack posts to `/slack/events`. Telegram runs by long polling (no public
URL needed), or by webhook when TELEGRAM_WEBHOOK_URL is set: Telegram posts to `/telegram/webhook`.
When a platform posts to us, uvicorn serves the ASGI app (`bot/web.py`) on SPOC_HTTP_HOST and
SPOC_HTTP_PORT. Both platforms can run at once, in one process. With no platform configured, `spoc run`
serves the terminal channel, as `spoc chat` does.

Everything asynchronous lives here and in the adapters; the core stays synchronous and is only ever
called off the event loop (the adapters' worker threads, `asyncio.to_thread` for the relay's sweep).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Protocol, TextIO

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from starlette.routing import BaseRoute, Route

from bot.app import Application, build_application
from bot.channels.base import ChannelAdapter
from bot.channels.slack import CHANNEL as SLACK
from bot.channels.slack import SlackChannel, SlackEvents, build_bolt_app
from bot.channels.slack import check_token as check_slack_token
from bot.channels.telegram import CHANNEL as TELEGRAM
from bot.channels.telegram import TelegramChannel, TelegramUpdates, build_ptb_application
from bot.channels.telegram_format import ButtonValues
from bot.config.loader import ConfigError
from bot.settings import Settings
from bot.web import create_web_app

log = logging.getLogger(__name__)

SWEEP_SECONDS = 1.0
# What Telegram accepts as a webhook's secret token (setWebhook's secret_token).
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# How long shutdown waits for messages that were acknowledged but not yet handled.
DRAIN_SECONDS = 10.0


def run(settings: Settings, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    if settings.slack_bot_token is None and settings.telegram_bot_token is None:
        from bot.terminal import chat

        # No chat platform configured: the terminal channel, so a first `spoc run` still shows the bot.
        print(
            "spoc: no chat platform configured (SLACK_BOT_TOKEN, TELEGRAM_BOT_TOKEN): serving this terminal",
            file=sys.stderr,
        )
        return chat(settings, "alice", stdin, stdout)
    # A missing setting stops us before anything is loaded.
    if settings.slack_bot_token is not None:
        slack_mode(settings)
    if settings.telegram_bot_token is not None:
        telegram_mode(settings)
    return asyncio.run(serve(settings))


def slack_mode(settings: Settings) -> str:
    """ "socket" or "http"; HTTP mode cannot tell Slack's requests from forged ones without the secret."""
    if settings.slack_app_token is not None:
        return "socket"
    if settings.slack_signing_secret is None:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is needed to receive Slack's requests over HTTP "
            "(or set SLACK_APP_TOKEN to use Socket Mode)"
        )
    return "http"


def telegram_mode(settings: Settings) -> str:
    """ "polling" (the default: no public URL needed) or "webhook" (TELEGRAM_WEBHOOK_URL). A webhook
    cannot tell Telegram's calls from forged ones without its secret token."""
    if not settings.telegram_webhook_url:
        return "polling"
    secret = settings.telegram_webhook_secret
    if secret is None or not _WEBHOOK_SECRET.fullmatch(secret.get_secret_value()):
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET is needed with TELEGRAM_WEBHOOK_URL: 1 to 256 characters of "
            "A-Z, a-z, 0-9, _ and - (Telegram sends it with every update; others are refused)"
        )
    return "webhook"


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Build the application with every configured platform's adapter, then run until `stop` is set (or
    a signal)."""
    adapters: dict[str, ChannelAdapter] = {}
    values = ButtonValues()
    slack_token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    telegram_token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None
    if slack_token:
        adapters[SLACK] = SlackChannel.connect(slack_token, settings.slack_api_url)
    telegram_out = None
    if telegram_token:
        telegram_out = TelegramChannel.connect(telegram_token, settings.telegram_api_url, values=values)
        adapters[TELEGRAM] = telegram_out
    try:
        # Loading the NLU model and migrating SQLite take a moment; nothing else runs yet, but keep the
        # loop free.
        application = await asyncio.to_thread(build_application, settings, adapters)
    except BaseException:
        if telegram_out is not None:
            telegram_out.close()
        raise
    # Everything loaded now lives as long as the process: keep it out of the collector's full passes.
    gc.collect()
    gc.freeze()
    try:
        fronts: list[Front] = []
        if slack_token:
            fronts.append(await _slack_front(settings, slack_token, application))
        if telegram_token:
            fronts.append(_telegram_front(settings, telegram_token, application, values))
        runner = Runner(application, fronts)
        listener = None
        if any(front.routes for front in fronts):
            listener = listen(settings.spoc_http_host, settings.spoc_http_port)
            host, port = listener.getsockname()[:2]
            paths = [route.path for front in fronts for route in front.routes]
            urls = ", ".join(f"http://{host}:{port}{path}" for path in paths)
            print(f"spoc: serving HTTP at {urls}", file=sys.stderr)
        return await runner.serve(listener, stop)
    finally:
        application.close()
        if telegram_out is not None:
            telegram_out.close()


async def _slack_front(settings: Settings, token: str, application: Application) -> SlackFront:
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    socket_mode = slack_mode(settings) == "socket"
    bolt = build_bolt_app(token, settings.slack_api_url, secret, socket_mode=socket_mode)
    await check_slack_token(bolt)
    events = SlackEvents(bolt, application.handle, signing_secret=None if socket_mode else secret)
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
    return SlackFront(events, app_token)


def _telegram_front(
    settings: Settings, token: str, application: Application, values: ButtonValues
) -> TelegramFront:
    webhook = telegram_mode(settings) == "webhook"
    secret = settings.telegram_webhook_secret
    updates = TelegramUpdates(
        build_ptb_application(token, settings.telegram_api_url, polling=not webhook),
        application.handle,
        application.dispatcher.translate,
        values=values,
        webhook_secret=secret.get_secret_value() if webhook and secret else None,
    )
    return TelegramFront(updates, settings.telegram_webhook_url if webhook else None)


def listen(host: str, port: int) -> socket.socket:
    try:
        return socket.create_server((host, port), backlog=2048)
    except OSError as error:
        where = f"{host}:{port} (SPOC_HTTP_HOST, SPOC_HTTP_PORT)"
        raise ConfigError(f"cannot listen on {where}: {error}") from error


# ---- the platforms' receiving sides -------------------------------------------------------------------
class Front(Protocol):
    """A platform's receiving side: what it serves over HTTP, how it starts and stops receiving, and its
    messages still being handled."""

    routes: list[BaseRoute]

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def drain(self, timeout: float) -> None: ...

    def close(self) -> None: ...


class SlackFront:
    """Slack over HTTP (`/slack/events`), or in Socket Mode (a WebSocket the bot opens) with an app token."""

    def __init__(self, events: SlackEvents, app_token: str | None = None) -> None:
        self.events = events
        self.app_token = app_token
        self.routes: list[BaseRoute] = (
            [] if app_token else [Route("/slack/events", events.endpoint, methods=["POST"])]
        )
        self._socket: Any = None

    async def start(self) -> None:
        if self.app_token:
            self._socket = self.events.socket_mode(self.app_token)
            await self._socket.connect_async()
            print("spoc: Slack in Socket Mode, connected", file=sys.stderr)

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()

    async def drain(self, timeout: float) -> None:
        await self.events.drain(timeout)

    def close(self) -> None:
        self.events.close()


class TelegramFront:
    """Telegram by long polling, or by webhook (`/telegram/webhook`) when its public URL is given."""

    def __init__(self, updates: TelegramUpdates, webhook_url: str | None = None) -> None:
        self.updates = updates
        self.webhook_url = webhook_url
        self.routes: list[BaseRoute] = (
            [Route("/telegram/webhook", updates.endpoint, methods=["POST"])] if webhook_url else []
        )

    async def start(self) -> None:
        await self.updates.start(self.webhook_url)
        mode = f"webhook at {self.webhook_url}" if self.webhook_url else "long polling"
        print(f"spoc: Telegram by {mode}, connected", file=sys.stderr)

    async def stop(self) -> None:
        await self.updates.stop()

    async def drain(self, timeout: float) -> None:
        await self.updates.drain(timeout)

    def close(self) -> None:
        self.updates.close()


class Runner:
    """The running bot: the platforms' receiving sides, the HTTP server when one of them needs it, the
    relay's periodic sweep, a clean stop."""

    def __init__(
        self, application: Application, fronts: Sequence[Front], *, sweep_seconds: float = SWEEP_SECONDS
    ) -> None:
        self.application = application
        self.fronts = list(fronts)
        self.sweep_seconds = sweep_seconds

    async def serve(self, listener: socket.socket | None = None, stop: asyncio.Event | None = None) -> int:
        """Receive on every platform (and serve HTTP on `listener`) until `stop` is set or a signal."""
        async with self._running(stop) as stopping:
            server, serving = None, None
            started: list[Front] = []
            try:
                if listener is not None:
                    routes = [route for front in self.fronts for route in front.routes]
                    web = create_web_app(healthy=self._database_answers, routes=routes)
                    config = uvicorn.Config(
                        web, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=5
                    )
                    server = _Server(config)
                    serving = asyncio.create_task(server.serve(sockets=[listener]))
                for front in self.fronts:
                    await front.start()
                    started.append(front)
                stopped = asyncio.create_task(stopping.wait())
                either = {stopped} | ({serving} if serving else set())
                await asyncio.wait(either, return_when="FIRST_COMPLETED")
                stopped.cancel()
            finally:
                # Stop receiving first; what was received is still handled (see `_running`).
                for front in reversed(started):
                    await _quietly(front.stop(), "stopping a platform")
                if server is not None and serving is not None:
                    server.should_exit = True
                    await serving
        return 0

    @contextlib.asynccontextmanager
    async def _running(self, stop: asyncio.Event | None) -> AsyncIterator[asyncio.Event]:
        stopping = stop or asyncio.Event()
        signals = _on_signals(stopping.set)
        scheduler = AsyncIOScheduler()
        # The sweep sends what is due and was not sent right after its message: retries after a failure
        # or a 429, rows left by a crash. One run at a time; a late run is not repeated.
        scheduler.add_job(
            self._sweep, "interval", seconds=self.sweep_seconds, max_instances=1, coalesce=True, id="relay"
        )
        scheduler.start()
        try:
            yield stopping
        finally:
            for signum in signals:
                asyncio.get_running_loop().remove_signal_handler(signum)
            scheduler.shutdown(wait=False)
            # Acknowledged messages are ours to answer: the platforms will not send them again.
            for front in self.fronts:
                await front.drain(DRAIN_SECONDS)
                await asyncio.to_thread(front.close)
            await self._sweep()

    async def _sweep(self) -> None:
        try:
            await asyncio.to_thread(self.application.relay.deliver_pending)
        except Exception:
            log.exception("the relay's sweep failed; the next one tries again")

    def _database_answers(self) -> bool:
        from sqlalchemy import text

        with self.application.engine.connect() as connection:
            return connection.execute(text("SELECT 1")).scalar() == 1


async def _quietly(step: Awaitable[object], what: str) -> None:
    try:
        await step
    except Exception:
        log.exception("%s failed", what)


class _Server(uvicorn.Server):
    """uvicorn, minus its own signal handling: the runner owns SIGINT/SIGTERM (uvicorn would re-raise
    them after its shutdown, and our shutdown has more to do)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _on_signals(callback: Callable[[], object]) -> list[int]:
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, callback)
        except (RuntimeError, ValueError):  # not the main thread (tests run the runner in a thread)
            continue
        installed.append(signum)
    return installed

"""`spoc run`: the bot on every configured platform, with the outbox relay's sweep, until SIGINT/SIGTERM.

Slack runs in Socket Mode when SLACK_APP_TOKEN is set (the bot opens a WebSocket to Slack: no public URL
needed), otherwise in HTTP mode: uvicorn serves the ASGI app (`bot/web.py`) on SPOC_HTTP_HOST and
SPOC_HTTP_PORT, and Slack posts to `/slack/events`. With no platform configured, `spoc run` serves the
terminal channel, as `spoc chat` does.

Everything asynchronous lives here and in the adapters; the core stays synchronous and is only ever
called off the event loop (the adapters' worker threads, `asyncio.to_thread` for the relay's sweep).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TextIO

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import Application, build_application
from bot.channels.slack import CHANNEL as SLACK
from bot.channels.slack import SlackChannel, SlackEvents, build_bolt_app, check_token
from bot.config.loader import ConfigError
from bot.settings import Settings
from bot.web import create_web_app

log = logging.getLogger(__name__)

SWEEP_SECONDS = 1.0
# How long shutdown waits for messages that were acknowledged but not yet handled.
DRAIN_SECONDS = 10.0


def run(settings: Settings, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    if settings.slack_bot_token is None:
        from bot.terminal import chat

        # No chat platform configured: the terminal channel, so a first `spoc run` still shows the bot.
        print("spoc: no chat platform configured (SLACK_BOT_TOKEN): serving this terminal", file=sys.stderr)
        return chat(settings, "alice", stdin, stdout)
    slack_mode(settings)  # a missing setting stops us before anything is loaded
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


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Build the application with the Slack adapter, then run until `stop` is set (or a signal)."""
    assert settings.slack_bot_token is not None
    token = settings.slack_bot_token.get_secret_value()
    outbound = SlackChannel.connect(token, settings.slack_api_url)
    # Loading the NLU model and migrating SQLite take a moment; nothing else runs yet, but keep the loop free.
    application = await asyncio.to_thread(build_application, settings, {SLACK: outbound})
    # Everything loaded now lives as long as the process: keep it out of the collector's full passes.
    gc.collect()
    gc.freeze()
    try:
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
        socket_mode = slack_mode(settings) == "socket"
        bolt = build_bolt_app(token, settings.slack_api_url, secret, socket_mode=socket_mode)
        await check_token(bolt)
        events = SlackEvents(bolt, application.handle, signing_secret=None if socket_mode else secret)
        runner = Runner(application, events)
        app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        if app_token:
            return await runner.serve_socket_mode(app_token, stop)
        listener = listen(settings.spoc_http_host, settings.spoc_http_port)
        host, port = listener.getsockname()[:2]
        print(f"spoc: Slack in HTTP mode at http://{host}:{port}/slack/events", file=sys.stderr)
        return await runner.serve_http(listener, stop)
    finally:
        application.close()


def listen(host: str, port: int) -> socket.socket:
    try:
        return socket.create_server((host, port), backlog=2048)
    except OSError as error:
        where = f"{host}:{port} (SPOC_HTTP_HOST, SPOC_HTTP_PORT)"
        raise ConfigError(f"cannot listen on {where}: {error}") from error


class Runner:
    """The running bot: the relay's periodic sweep, the Slack connection, a clean stop."""

    def __init__(
        self, application: Application, events: SlackEvents, *, sweep_seconds: float = SWEEP_SECONDS
    ) -> None:
        self.application = application
        self.events = events
        self.sweep_seconds = sweep_seconds

    async def serve_http(self, listener: socket.socket, stop: asyncio.Event | None = None) -> int:
        web = create_web_app(slack=self.events.endpoint, healthy=self._database_answers)
        config = uvicorn.Config(
            web, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=5
        )
        server = _Server(config)
        async with self._running(stop) as stopping:
            serving = asyncio.create_task(server.serve(sockets=[listener]))
            await asyncio.wait({serving, asyncio.create_task(stopping.wait())}, return_when="FIRST_COMPLETED")
            server.should_exit = True
            await serving
        return 0

    async def serve_socket_mode(self, app_token: str, stop: asyncio.Event | None = None) -> int:
        handler = self.events.socket_mode(app_token)
        async with self._running(stop) as stopping:
            await handler.connect_async()
            print("spoc: Slack in Socket Mode, connected", file=sys.stderr)
            try:
                await stopping.wait()
            finally:
                await handler.close_async()
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
            # Acknowledged messages are ours to answer: Slack will not send them again.
            await self.events.drain(DRAIN_SECONDS)
            await asyncio.to_thread(self.events.close)
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

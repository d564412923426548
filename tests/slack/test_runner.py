"""`spoc run`: HTTP mode as a real process (signed request in, answer out, SIGTERM out), Socket Mode over a
local WebSocket, the relay's periodic sweep, the terminal when no platform is configured, and the
settings that stop it before it starts."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import WSMsgType, web

from bot.channels.slack import CHANNEL, SlackChannel, SlackEvents, build_bolt_app
from bot.cli import main
from bot.clock import FakeClock
from bot.config.schema import DeskConfig
from bot.runner import Runner, SlackFront
from nlu.backend import NluBackend
from tests.slack.conftest import builder
from tests.slack.fake_slack import FakeSlack
from tests.slack.support import SECRET, TOKEN, SlackDesk, event_callback, sign

ROOT = Path(__file__).resolve().parents[2]
APP_TOKEN = "xapp-1-A0SPOC-test"


@pytest.fixture
def environment(
    tmp_path: Path, model_cache: Path, slack_config: DeskConfig, fake_slack: FakeSlack
) -> dict[str, str]:
    config = tmp_path / "desk.yml"
    config.write_text(yaml.safe_dump(slack_config.model_dump(mode="json"), allow_unicode=True))
    return {
        "SPOC_DATABASE_URL": f"sqlite:///{tmp_path / 'spoc.db'}",
        "SPOC_CONFIG": str(config),
        "SPOC_CACHE_DIR": str(model_cache),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.url,
        "SPOC_HTTP_HOST": "127.0.0.1",
    }


def spoc_run(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], stdin: str = "") -> tuple[int, str, str]:
    """`spoc run` in this process; returns (exit status, stdout, stderr)."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    return main(["run"]), out.getvalue(), err.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_spoc_run_serves_slack_over_http_until_sigterm(
    environment: dict[str, str], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = {**os.environ, **environment, "SPOC_HTTP_PORT": str(port), "PYTHONPATH": str(ROOT)}
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        address = f"http://127.0.0.1:{port}/slack/events"
        banner = [process.stderr.readline()]
        while address not in banner[-1] and banner[-1] and len(banner) < 50:  # printed once it listens
            banner.append(process.stderr.readline())
        assert address in banner[-1], banner
        ts = "1767500001.000100"
        event = {"type": "message", "channel": "D0BOB", "user": "U0BOB", "text": "What are my tickets?",
                 "ts": ts, "event_ts": ts, "channel_type": "im"}  # fmt: skip
        body = event_callback(event, "Ev0RUN")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/slack/events",
            data=body,
            headers={"Content-Type": "application/json", **sign(body)},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        assert fake_slack.wait_for(lambda: bool(fake_slack.posts("D0BOB")), timeout=10)
        assert fake_slack.posts("D0BOB")[0].params["thread_ts"] == ts
        # auth.test once, at start: bolt reuses that answer (a second call failing would cost the event).
        assert len(fake_slack.calls_to("auth.test", ok_only=False)) == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0  # a clean stop, not killed by the signal
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_without_a_platform_spoc_run_serves_the_terminal(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {k: v for k, v in environment.items() if not k.startswith("SLACK")}
    code, out, err = spoc_run(monkeypatch, env, stdin="@bob What are my tickets?\n")
    assert code == 0 and "[bob]" in out
    assert "no chat platform configured" in err


def test_http_mode_needs_the_signing_secret(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    env = {k: v for k, v in environment.items() if k != "SLACK_SIGNING_SECRET"}
    code, _, err = spoc_run(monkeypatch, env)
    assert code == 2 and "SLACK_SIGNING_SECRET" in err and "SLACK_APP_TOKEN" in err


def test_a_refused_bot_token_stops_spoc_run_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    fake_slack.fail_next(1, error="invalid_auth", method="auth.test")
    code, _, err = spoc_run(monkeypatch, {**environment, "SPOC_HTTP_PORT": str(free_port())})
    assert code == 2 and "Slack refused SLACK_BOT_TOKEN: invalid_auth" in err


def test_the_periodic_sweep_delivers_what_failed_without_any_new_message(
    sqlite_url: str, fake_slack: FakeSlack, clock: FakeClock, nlu: NluBackend, slack_config: DeskConfig
) -> None:
    desk = SlackDesk(builder(sqlite_url, clock, nlu, slack_config), fake_slack, clock, sweep_seconds=0.05)
    try:
        fake_slack.fail_next(1, status=500, method="chat.postMessage")
        desk.dm("U0ALICE", "Meine Tickets")
        assert fake_slack.posts() == []
        clock.advance(timedelta(seconds=3))  # past the backoff; nobody writes
        assert fake_slack.wait_for(lambda: len(fake_slack.posts("D0ALICE")) == 1)
    finally:
        desk.close()
        desk.app.close()


class FakeSocketMode:
    """Slack's side of Socket Mode on 127.0.0.1: sends `hello`, then the envelopes it is given, and
    collects the client's acknowledgements."""

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.acked = threading.Condition()
        self._outbox: asyncio.Queue[dict[str, Any]] | None = None
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        assert ready.wait(5)

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._outbox = asyncio.Queue()
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.url = f"ws://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/link"  # type: ignore[union-attr]
        ready.set()
        self._loop.run_forever()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        assert self._outbox is not None

        async def send() -> None:
            while True:
                await ws.send_json(await self._outbox.get())  # type: ignore[union-attr]

        sender = asyncio.create_task(send())
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                with self.acked:
                    self.acks.append(json.loads(message.data))
                    self.acked.notify_all()
        sender.cancel()
        return ws

    def push(self, envelope: dict[str, Any]) -> None:
        assert self._outbox is not None
        self._loop.call_soon_threadsafe(self._outbox.put_nowait, envelope)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@pytest.fixture
def socket_mode(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    server = FakeSocketMode()
    fake_slack.socket_url = server.url
    try:
        yield server
    finally:
        server.close()


def test_socket_mode_receives_events_over_the_websocket_and_acknowledges_them(
    sqlite_url: str,
    fake_slack: FakeSlack,
    socket_mode: FakeSocketMode,
    clock: FakeClock,
    nlu: NluBackend,
    slack_config: DeskConfig,
) -> None:
    application = builder(sqlite_url, clock, nlu, slack_config)(
        {CHANNEL: SlackChannel.connect(TOKEN, fake_slack.url)}
    )
    events = SlackEvents(build_bolt_app(TOKEN, fake_slack.url, None, socket_mode=True), application.handle)
    runner = Runner(application, [SlackFront(events, APP_TOKEN)], sweep_seconds=3600)
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
    started, result = threading.Event(), []

    async def serve() -> int:
        running.append((asyncio.get_running_loop(), asyncio.Event()))
        started.set()
        return await runner.serve(None, running[0][1])

    thread = threading.Thread(target=lambda: result.append(asyncio.run(serve())), daemon=True)
    thread.start()
    try:
        assert started.wait(5)
        ts = "1767500009.000100"
        event = {"type": "message", "channel": "D0BOB", "user": "U0BOB", "text": "What are my tickets?",
                 "ts": ts, "event_ts": ts, "channel_type": "im"}  # fmt: skip
        socket_mode.push({"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                          "retry_attempt": 0, "retry_reason": "",
                          "payload": json.loads(event_callback(event, "Ev0SOCKET"))})  # fmt: skip
        with socket_mode.acked:
            assert socket_mode.acked.wait_for(lambda: socket_mode.acks, 10)
        assert socket_mode.acks[0]["envelope_id"] == "env-1"
        assert fake_slack.wait_for(lambda: bool(fake_slack.posts("D0BOB")), 10)
        assert fake_slack.posts("D0BOB")[0].params["thread_ts"] == ts
        [opened] = fake_slack.calls_to("apps.connections.open")
        assert opened.token == APP_TOKEN  # the app-level token opens the socket, not the bot token
    finally:
        if running:
            loop, stop = running[0]
            loop.call_soon_threadsafe(stop.set)
        thread.join(15)
        application.close()
    assert result == [0]

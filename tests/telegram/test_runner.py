"""`spoc run` with Telegram, as a real process against the fake Bot API: long polling by default, the
webhook with its secret token when TELEGRAM_WEBHOOK_URL is set, a clean stop on SIGTERM, and the settings
that stop it before it connects anywhere."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.cli import EXIT_USAGE
from bot.config.schema import DeskConfig
from tests.telegram.fake_telegram import TOKEN, FakeTelegram
from tests.telegram.support import SECRET, WEBHOOK_URL
from tests.telegram.updates import BOB, Updates

ROOT = Path(__file__).resolve().parents[2]
# How long a started `spoc run` may take to connect, to answer, and to stop after SIGTERM.
START_SECONDS = 30
ANSWER_SECONDS = 10
STOP_SECONDS = 10
QUESTION = "What are my tickets?"


@pytest.fixture
def environment(
    tmp_path: Path, model_cache: Path, telegram_config: DeskConfig, fake_telegram: FakeTelegram
) -> dict[str, str]:
    """The process's environment: this machine's, less any chat platform settings, plus the desk."""
    config = tmp_path / "desk.yml"
    config.write_text(yaml.safe_dump(telegram_config.model_dump(mode="json"), allow_unicode=True))
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "TELEGRAM_", "SPOC_HTTP_"))
    }
    return {
        **inherited,
        "PYTHONPATH": str(ROOT),
        "SPOC_DATABASE_URL": f"sqlite:///{tmp_path / 'spoc.db'}",
        "SPOC_CONFIG": str(config),
        "SPOC_CACHE_DIR": str(model_cache),
        "SPOC_HTTP_HOST": "127.0.0.1",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake_telegram.url,
    }


def spoc_command() -> list[str]:
    """`spoc run` as an admin runs it: the venv's console script (the module when it is not installed)."""
    script = Path(sys.executable).with_name("spoc")
    return [str(script), "run"] if script.exists() else [sys.executable, "-m", "bot.cli", "run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Finished:
    code: int
    stderr: str


class SpocRun:
    """`spoc run` in a process of its own; stderr is read when it ends."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            spoc_command(),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def stop(self) -> Finished:
        """SIGTERM, and what the process said until it exited."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait(STOP_SECONDS)

    def wait(self, timeout: float) -> Finished:
        _, stderr = self.process.communicate(timeout=timeout)
        return Finished(self.process.returncode, stderr)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()

    def told(self) -> str:
        """For a failed assertion: what the process said (it is killed if still running)."""
        if self.process.poll() is None:
            self.process.kill()
        _, stderr = self.process.communicate()
        return f"exit status {self.process.returncode}, stderr:\n{stderr}"


@pytest.fixture
def spoc() -> Iterator[list[SpocRun]]:
    """Started processes, killed at the end if a test left them running."""
    started: list[SpocRun] = []
    try:
        yield started
    finally:
        for run in started:
            run.kill()


def start(spoc: list[SpocRun], env: dict[str, str], cwd: Path) -> SpocRun:
    spoc.append(SpocRun(env, cwd))
    return spoc[-1]


def methods(fake: FakeTelegram) -> list[str]:
    return [call.method for call in fake.calls]


# ---- long polling -----------------------------------------------------------------------------------------
def test_spoc_run_polls_telegram_answers_and_stops_cleanly_on_sigterm(
    environment: dict[str, str], fake_telegram: FakeTelegram, spoc: list[SpocRun], tmp_path: Path
) -> None:
    fake = fake_telegram
    running = start(spoc, environment, tmp_path)
    assert fake.wait_for(lambda: "getUpdates" in methods(fake), START_SECONDS), running.told()
    # Connected (getMe), the command menu in German, English and for every other language, any webhook
    # dropped, then polling.
    connecting = methods(fake)[: methods(fake).index("getUpdates")]
    assert connecting == ["getMe", "setMyCommands", "setMyCommands", "setMyCommands", "deleteWebhook"]
    assert set(fake.commands) == {"de", "en", ""}
    assert fake.calls_to("getUpdates")[0].params.get("allowed_updates") == ["message", "callback_query"]

    update = Updates().private_text(BOB, QUESTION)
    fake.push(update)
    assert fake.wait_for(lambda: bool(fake.sent(BOB.id)), ANSWER_SECONDS), running.told()
    [answer] = fake.sent(BOB.id)
    assert answer.reply_to == update["message"]["message_id"]
    assert answer.visible_text

    finished = running.stop()
    assert finished.code == 0, finished.stderr
    assert "Telegram by long polling, connected" in finished.stderr
    # At the default log level, neither what people write nor the bot's token reaches the log.
    assert QUESTION not in finished.stderr
    assert TOKEN not in finished.stderr and TOKEN.split(":")[1] not in finished.stderr
    assert answer.visible_text not in finished.stderr


# ---- webhook ----------------------------------------------------------------------------------------------
@dataclass
class Answer:
    status: int
    body: bytes


def http(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_SECONDS) as response:
            return Answer(response.status, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read())


def test_spoc_run_takes_telegrams_webhook_calls_with_the_secret_token_only(
    environment: dict[str, str], fake_telegram: FakeTelegram, spoc: list[SpocRun], tmp_path: Path
) -> None:
    fake, port = fake_telegram, free_port()
    env = {
        **environment,
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "SPOC_HTTP_PORT": str(port),
    }
    running = start(spoc, env, tmp_path)
    assert fake.wait_for(lambda: bool(fake.calls_to("setWebhook")), START_SECONDS), running.told()
    [registered] = fake.calls_to("setWebhook")
    assert registered.params["url"] == WEBHOOK_URL
    assert registered.params["secret_token"] == SECRET
    assert registered.params["allowed_updates"] == ["message", "callback_query"]

    base = f"http://127.0.0.1:{port}"
    updates = Updates()
    forged = json.dumps(updates.private_text(BOB, QUESTION)).encode()
    json_body = {"Content-Type": "application/json"}
    assert http(f"{base}/telegram/webhook", forged, json_body).status == 403
    wrong = {**json_body, "X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}
    assert http(f"{base}/telegram/webhook", forged, wrong).status == 403

    update = updates.private_text(BOB, QUESTION)
    right = {**json_body, "X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert http(f"{base}/telegram/webhook", json.dumps(update).encode(), right).status == 200
    assert fake.wait_for(lambda: bool(fake.sent(BOB.id)), ANSWER_SECONDS), running.told()
    # The refused calls changed nothing: one answer, to the update with the secret.
    [answer] = fake.sent(BOB.id)
    assert answer.reply_to == update["message"]["message_id"]

    health = http(f"{base}/healthz")
    assert health.status == 200 and json.loads(health.body) == {"status": "ok"}
    assert "getUpdates" not in methods(fake)  # a webhook and polling exclude each other

    finished = running.stop()
    assert finished.code == 0, finished.stderr
    assert f"webhook at {WEBHOOK_URL}" in finished.stderr
    assert QUESTION not in finished.stderr and SECRET not in finished.stderr
    assert TOKEN.split(":")[1] not in finished.stderr


# ---- settings that stop it before it starts ---------------------------------------------------------------
@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(None, id="no-secret"),
        pytest.param("a b", id="a-space-in-the-secret"),
        pytest.param("", id="an-empty-secret"),
        pytest.param("x" * 257, id="a-secret-too-long"),
    ],
)
def test_a_webhook_without_a_valid_secret_token_stops_spoc_run_before_it_connects(
    environment: dict[str, str],
    fake_telegram: FakeTelegram,
    spoc: list[SpocRun],
    tmp_path: Path,
    secret: str | None,
) -> None:
    env = {**environment, "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL, "SPOC_HTTP_PORT": str(free_port())}
    if secret is not None:
        env["TELEGRAM_WEBHOOK_SECRET"] = secret
    finished = start(spoc, env, tmp_path).wait(START_SECONDS)
    assert finished.code == EXIT_USAGE  # a configuration error
    assert "TELEGRAM_WEBHOOK_SECRET" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert fake_telegram.calls == []


@pytest.mark.parametrize("webhook", [pytest.param(False, id="polling"), pytest.param(True, id="webhook")])
def test_a_bot_token_telegram_refuses_stops_spoc_run_with_a_clear_message(
    environment: dict[str, str], spoc: list[SpocRun], tmp_path: Path, webhook: bool
) -> None:
    refusing = FakeTelegram(token="7000000001:another-bots-token")
    try:
        env = {**environment, "TELEGRAM_API_URL": refusing.url}
        if webhook:
            env |= {"TELEGRAM_WEBHOOK_URL": WEBHOOK_URL, "TELEGRAM_WEBHOOK_SECRET": SECRET}
            env["SPOC_HTTP_PORT"] = str(free_port())
        finished = start(spoc, env, tmp_path).wait(START_SECONDS)
        assert finished.code == EXIT_USAGE
        assert "TELEGRAM_BOT_TOKEN" in finished.stderr
        assert "Traceback" not in finished.stderr
        assert TOKEN.split(":")[1] not in finished.stderr
        # It gave up at getMe: no command menu, no polling, no webhook.
        assert [call.method for call in refusing.calls] == ["getMe"]
        assert refusing.calls[0].status == 401
    finally:
        refusing.close()


def test_a_telegram_that_does_not_answer_at_start_stops_spoc_run_with_a_clear_message(
    environment: dict[str, str], spoc: list[SpocRun], tmp_path: Path
) -> None:
    # Nothing listens there: getMe cannot be asked. Telegram keeps the updates until the bot comes back.
    env = {**environment, "TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}"}
    finished = start(spoc, env, tmp_path).wait(START_SECONDS)
    assert finished.code == EXIT_USAGE
    assert "Telegram did not answer getMe" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert TOKEN.split(":")[1] not in finished.stderr

"""Signed Slack requests built from Slack's documented payloads, and the desk served over real HTTP.

`SlackDesk` runs what `spoc run` runs in HTTP mode (the application, the real slack-bolt app behind the
Starlette endpoint, uvicorn on a free 127.0.0.1 port, the Slack adapter posting to a `FakeSlack`) and
plays people in Slack: direct messages, mentions, thread replies, `/sd` commands, button presses.
Each call returns once the bot has acknowledged the request *and* finished handling it, so a test reads
like a transcript, with no sleeping.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.app import Application
from bot.channels.base import ChannelAdapter
from bot.channels.pacing import Pacer
from bot.channels.slack import CHANNEL, SlackChannel, SlackEvents, build_bolt_app
from bot.clock import FakeClock
from bot.config.schema import DeskConfig
from bot.runner import Runner, SlackFront, listen
from tests.slack.fake_slack import BOT_ID, BOT_USER, TEAM, Call, FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-token"

# The demo desk's people as Slack knows them (users.info), and the team channels.
ACCOUNTS = {"alice": "U0ALICE", "bob": "U0BOB", "anna": "U0ANNA", "ben": "U0BEN", "lena": "U0LENA"}
TEAM_CHANNELS = {"service-desk": "C0DESK", "workplace": "C0WORK", "pmo": "C0PMO"}
DMS = {user: "D" + user[1:] for user in ACCOUNTS.values()}
NEWCOMER = "U0NINA"


def slack_users() -> dict[str, dict[str, Any]]:
    def user(uid: str, name: str, locale: str) -> dict[str, Any]:
        return {"id": uid, "name": name.split()[0].lower(), "real_name": name, "locale": locale,
                "is_bot": False, "profile": {"real_name": name, "display_name": name.split()[0]}}  # fmt: skip

    return {
        "U0ALICE": user("U0ALICE", "Alice Wagner", "de-DE"),
        "U0BOB": user("U0BOB", "Bob Miller", "en-GB"),
        "U0ANNA": user("U0ANNA", "Anna Schmidt", "de-DE"),
        "U0BEN": user("U0BEN", "Ben Fischer", "en-US"),
        "U0LENA": user("U0LENA", "Lena Hoffmann", "de-DE"),
        NEWCOMER: user(NEWCOMER, "Nina Neumann", "de-AT"),
    }


def slack_desk_config(demo: DeskConfig) -> DeskConfig:
    """The demo desk with a Slack channel per team and Slack accounts for its people."""
    data = demo.model_dump()
    for team in data["teams"]:
        team["channels"]["slack"] = TEAM_CHANNELS[team["id"]]
    for person in data["people"]:
        if person["id"] in ACCOUNTS:
            person["accounts"]["slack"] = ACCOUNTS[person["id"]]
    return DeskConfig.model_validate(data)


# ---- requests as Slack sends them ---------------------------------------------------------------------
def sign(body: bytes, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 over "v0:{timestamp}:{body}" with the signing secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def event_callback(event: dict[str, Any], event_id: str) -> bytes:
    """An Events API delivery (https://docs.slack.dev/apis/events-api: the outer event_callback)."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0SPOC",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(float(event.get("event_ts", time.time()))),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
            "is_ext_shared_channel": False,
            "event_context": f"4-{event_id}",
        }
    ).encode()


def slash_command(user: str, channel: str, text: str, trigger_id: str, command: str = "/sd") -> bytes:
    """A slash command's form body (https://docs.slack.dev/interactivity/implementing-slash-commands)."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "desk",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "service-desk",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0SPOC",
            "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.invalid/commands/T0DESK/1/abc",
            "trigger_id": trigger_id,
        }
    ).encode()


def block_actions(
    user: str, channel: str, message: dict[str, Any], action: dict[str, Any], trigger_id: str
) -> bytes:
    """A button press (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload),
    sent as the form field `payload`."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0SPOC",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
            **({"thread_ts": message["thread_ts"]} if message.get("thread_ts") else {}),
        },
        "trigger_id": trigger_id,
        "team": {"id": TEAM, "domain": "desk"},
        "channel": {"id": channel, "name": "directmessage" if channel.startswith("D") else "team"},
        "message": message,
        "response_url": "https://hooks.slack.invalid/actions/T0DESK/1/abc",
        "actions": [{**action, "block_id": "b1", "action_ts": f"{time.time():.6f}"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


@dataclass
class Answer:
    status: int
    body: bytes


# ---- the desk over HTTP -------------------------------------------------------------------------------
class SlackDesk:
    """The bot in HTTP mode on a free port, with people who talk to it in Slack."""

    def __init__(
        self,
        build: Callable[[dict[str, ChannelAdapter]], Application],
        fake: FakeSlack,
        clock: FakeClock,
        *,
        sweep_seconds: float = 3600,
    ) -> None:
        self.fake, self.clock = fake, clock
        self.slept: list[float] = []
        self._fake_now = 0.0
        # Real pacing on a fake clock: a dialogue test waits for its turns without waiting (see `slept`).
        pacer = Pacer(max_wait=60, monotonic=self._monotonic, sleep=self._sleep)
        self.outbound = SlackChannel.connect(TOKEN, fake.url, pacer)
        self.app = build({CHANNEL: self.outbound})
        self.events = SlackEvents(
            build_bolt_app(TOKEN, fake.url, SECRET), self.app.handle, signing_secret=SECRET
        )
        self.runner = Runner(self.app, [SlackFront(self.events)], sweep_seconds=sweep_seconds)
        self._ids = itertools.count(1)
        listener = listen("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}/slack/events"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        started = threading.Event()

        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            started.set()
            await self.runner.serve(listener, self._stop)

        self._thread = threading.Thread(target=asyncio.run, args=(main(),), name="slack-desk", daemon=True)
        self._thread.start()
        started.wait(5)

    def close(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    # Pacing runs on the fake clock (plus what it "slept"): a test never waits for it, sees what it would
    # have waited, and moves it on with the clock.
    def _monotonic(self) -> float:
        return self.clock.now().timestamp() + self._fake_now

    def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self._fake_now += seconds

    # ---- raw requests ---------------------------------------------------------------------------
    def post(self, body: bytes, headers: dict[str, str], *, settle: bool = True) -> Answer:
        kind = "application/json" if body.startswith(b"{") else "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": kind, **headers})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = Answer(response.status, response.read())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.read())
        if settle:
            self.settle()
        return answer

    def settle(self) -> None:
        assert self.events.wait_idle(10), "the bot is still handling messages"

    def get(self, path: str) -> Answer:
        try:
            with urllib.request.urlopen(self.url.replace("/slack/events", path), timeout=10) as response:
                return Answer(response.status, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read())

    def deliver(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry: int | None = None,
        settle: bool = True,
    ) -> Answer:
        """An Events API delivery of `event`; a retry carries Slack's retry headers."""
        body = event_callback(event, event_id or f"Ev{next(self._ids):08d}")
        headers = sign(body)
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(body, headers, settle=settle)

    def deliver_unsettled(self, event: dict[str, Any]) -> int:
        """Deliver and return as soon as the bot acknowledged, while it may still be working."""
        return self.deliver(event, settle=False).status

    # ---- people in Slack ------------------------------------------------------------------------
    def new_ts(self) -> str:
        return f"{1767500000 + next(self._ids)}.000100"

    def dm_event(
        self, user: str, text: str, *, thread: str | None = None, ts: str | None = None
    ) -> dict[str, Any]:
        """message.im: `user` writes to the bot in their DM (in a thread when `thread` is given)."""
        ts = ts or self.new_ts()
        event = {"type": "message", "channel": DMS[user] if user in DMS else "D" + user[1:], "user": user,
                 "text": text, "ts": ts, "event_ts": ts, "channel_type": "im", "team": TEAM}  # fmt: skip
        if thread:
            event["thread_ts"] = thread
        return event

    def dm(self, user: str, text: str, *, thread: str | None = None) -> str:
        """Write to the bot; returns the message's ts (the thread the bot answers in)."""
        event = self.dm_event(user, text, thread=thread)
        assert self.deliver(event).status == 200
        return event["ts"]

    def mention(self, user: str, channel: str, text: str, *, thread: str | None = None) -> str:
        ts = self.new_ts()
        event = {"type": "app_mention", "channel": channel, "user": user, "text": f"<@{BOT_USER}> {text}",
                 "ts": ts, "event_ts": ts, "team": TEAM}  # fmt: skip
        if thread:
            event["thread_ts"] = thread
        assert self.deliver(event).status == 200
        return ts

    def channel_reply(self, user: str, channel: str, thread: str, text: str) -> str:
        """message.channels: a reply in a channel thread, without mentioning the bot."""
        ts = self.new_ts()
        event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                 "event_ts": ts, "thread_ts": thread, "channel_type": "channel", "team": TEAM}  # fmt: skip
        assert self.deliver(event).status == 200
        return ts

    def command(self, user: str, text: str, channel: str = "C0DESK") -> Answer:
        body = slash_command(user, channel, text, f"{next(self._ids)}.1.trigger")
        return self.post(body, sign(body))

    def press(self, user: str, label: str, on: Call | None = None) -> Answer:
        """Press the button labelled `label` on `on`, or on the latest message that has one."""
        message = on or self.last_with_button(label)
        channel, ts = message.params["channel"], message.ts
        value = dict(message.buttons())[label]
        index = [b[0] for b in message.buttons()].index(label)
        shown = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "ts": ts,
                 "text": message.params.get("text"), "blocks": message.blocks()}  # fmt: skip
        if message.params.get("thread_ts"):
            shown["thread_ts"] = message.params["thread_ts"]
        action = {"type": "button", "action_id": f"spoc_{index}", "value": value,
                  "text": {"type": "plain_text", "text": label}}  # fmt: skip
        body = block_actions(user, channel, shown, action, f"{next(self._ids)}.2.trigger")
        return self.post(body, sign(body))

    def last_with_button(self, label: str) -> Call:
        for call in reversed(self.fake.calls_to("chat.postMessage") + self.fake.calls_to("chat.update")):
            if label in dict(call.buttons()):
                return call
        raise AssertionError(f"no message offered a {label!r} button")

    def submit_request(self, user: str, thread: str) -> None:
        """Answer the request flow's questions (the first button, or a short text) until its summary,
        then submit it (in either language)."""
        dm = DMS[user]
        for _ in range(6):
            last = self.fake.posts(dm)[-1]
            labels = [label for label, _ in last.buttons()]
            submit = next((label for label in labels if label in ("Absenden", "Submit")), None)
            if submit:
                self.press(user, submit, on=last)
                return
            if labels:
                self.press(user, labels[0], on=last)
            else:
                self.dm(user, "since this morning", thread=thread)
        raise AssertionError(f"no summary to submit; last: {self.fake.posts(dm)[-1].params['text']}")

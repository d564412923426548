"""The desk on Telegram, as `spoc run` runs it, against a `FakeTelegram` Bot API server.

`TelegramDesk` builds what `spoc run` builds for Telegram (the application, the Telegram adapter posting to
the fake, the real PTB Application receiving by long polling or by webhook, the runner with its HTTP
server for the webhook) and plays people in Telegram: private messages, replies, commands in groups,
button presses. Each call returns once the bot has received the update *and* finished handling it, so a
test reads like a transcript, with no sleeping.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.app import Application
from bot.channels.base import ChannelAdapter
from bot.channels.pacing import Pacer
from bot.channels.telegram import (
    CHANNEL,
    CHAT_PACE,
    GROUP_PACE,
    OVERALL_PACE,
    TelegramChannel,
    TelegramPacing,
    TelegramUpdates,
    build_ptb_application,
)
from bot.channels.telegram_format import ButtonValues
from bot.clock import FakeClock
from bot.config.schema import DeskConfig
from bot.runner import Runner, TelegramFront, listen
from tests.telegram.fake_telegram import TOKEN, Call, FakeTelegram
from tests.telegram.updates import ACCOUNTS, TEAM_GROUPS, TelegramUser, Updates

SECRET = "s3cret-Token_for-the-webhook"
WEBHOOK_URL = "https://desk.example/telegram/webhook"


def telegram_desk_config(demo: DeskConfig) -> DeskConfig:
    """The demo desk with a Telegram group per team and Telegram accounts for its people."""
    data = demo.model_dump()
    for team in data["teams"]:
        team["channels"]["telegram"] = str(TEAM_GROUPS[team["id"]])
    for person in data["people"]:
        if person["id"] in ACCOUNTS:
            person["accounts"]["telegram"] = str(ACCOUNTS[person["id"]])
    return DeskConfig.model_validate(data)


@dataclass
class Answer:
    status: int
    body: bytes


class TelegramDesk:
    """The bot receiving by long polling (the default) or by webhook, with people who talk to it."""

    def __init__(
        self,
        build: Callable[[dict[str, ChannelAdapter]], Application],
        fake: FakeTelegram,
        clock: FakeClock,
        *,
        webhook: bool = False,
        sweep_seconds: float = 3600,
    ) -> None:
        self.fake, self.clock, self.webhook = fake, clock, webhook
        self.updates_made = Updates()
        self.slept: list[float] = []
        self._fake_now = 0.0
        # Real pacing on a fake clock: a dialogue test waits for its turns without waiting (see `slept`).
        limits = (CHAT_PACE, GROUP_PACE, OVERALL_PACE)  # the adapter's own
        pacing = TelegramPacing(*(self._pacer(rate, burst) for rate, burst in limits))
        values = ButtonValues()
        self.outbound = TelegramChannel.connect(TOKEN, fake.url, pacing, values)
        self.app = build({CHANNEL: self.outbound})
        self.ptb = build_ptb_application(TOKEN, fake.url, polling=not webhook)
        self.events = TelegramUpdates(
            self.ptb,
            self.app.handle,
            self.app.dispatcher.translate,
            values=values,
            webhook_secret=SECRET if webhook else None,
        )
        # A handler after the bot's own (a later group): once it saw an update, the bot has queued it.
        self._seen: set[int] = set()
        self._seen_changed = threading.Condition()
        self.ptb.add_handler(TypeHandler(Update, self._saw), group=1)
        self.runner = Runner(
            self.app,
            [TelegramFront(self.events, WEBHOOK_URL if webhook else None)],
            sweep_seconds=sweep_seconds,
        )
        listener = listen("127.0.0.1", 0) if webhook else None
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}" if listener else ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.result: list[int] = []

        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self.result.append(await self.runner.serve(listener, self._stop))

        self._thread = threading.Thread(target=asyncio.run, args=(main(),), name="telegram-desk", daemon=True)
        self._thread.start()
        receiving = "setWebhook" if webhook else "getUpdates"
        # Receiving: the webhook registered, or the first long poll waiting at the fake.
        started = fake.wait_for(
            lambda: fake.waiting_polls > 0 or bool(fake.calls_to(receiving, ok_only=False)), 10
        )
        assert started, "the bot did not start"

    def close(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)
        self.outbound.close()

    def _pacer(self, per_second: float, burst: int) -> Pacer:
        return Pacer(per_second, burst, max_wait=60, monotonic=self._monotonic, sleep=self._sleep)

    # Pacing runs on the fake clock (plus what it "slept"): a test never waits for it, sees what it would
    # have waited, and moves it on with the clock.
    def _monotonic(self) -> float:
        return self.clock.now().timestamp() + self._fake_now

    def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self._fake_now += seconds

    async def _saw(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        with self._seen_changed:
            self._seen.add(update.update_id)
            self._seen_changed.notify_all()

    # ---- delivering updates -----------------------------------------------------------------------
    def deliver(self, update: dict[str, Any], *, again: bool = False) -> list[Call]:
        """Hand Telegram's update to the bot (by polling or webhook) and wait until it is handled;
        returns the calls the bot made meanwhile."""
        before = len(self.fake.calls)
        if self.webhook:
            answer = self.post_webhook(update)
            assert answer.status == 200, answer
        else:
            update_id = update["update_id"]
            with self._seen_changed:
                self._seen.discard(update_id)
            self.fake.push(update, again=again)
            with self._seen_changed:
                assert self._seen_changed.wait_for(lambda: update_id in self._seen, 10), "not received"
        self.settle()
        return list(self.fake.calls[before:])

    def settle(self) -> None:
        assert self.events.wait_idle(10), "the bot is still handling messages"

    def post_webhook(self, update: dict[str, Any] | bytes, secret: str | None = SECRET) -> Answer:
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(f"{self.url}/telegram/webhook", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = Answer(response.status, response.read())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.read())
        return answer

    # ---- people -----------------------------------------------------------------------------------
    def say(self, user: TelegramUser, text: str, *, reply_to: tuple[int, int] | None = None) -> list[Call]:
        """`user` writes to the bot in their private chat (as a reply to the bot's message
        `(chat, message_id)` when given)."""
        replied = self.fake.message_json(*reply_to) if reply_to else None
        return self.deliver(self.updates_made.private_text(user, text, reply_to=replied))

    def command(self, user: TelegramUser, text: str, group: int | str | None = None) -> list[Call]:
        return self.deliver(self.updates_made.command(user, text, chat=group))

    def in_group(
        self, user: TelegramUser, group: int | str, text: str, *, reply_to: tuple[int, int] | None = None
    ) -> list[Call]:
        replied = self.fake.message_json(*reply_to) if reply_to else None
        return self.deliver(self.updates_made.group_text(user, group, text, reply_to=replied))

    def press(self, user: TelegramUser, chat: int, message_id: int, label: str) -> list[Call]:
        """`user` presses the button labelled `label` on the bot's message."""
        data = dict(self.fake.buttons(chat, message_id))[label]
        pressed = self.fake.message_json(chat, message_id, with_reply=True)
        return self.deliver(self.updates_made.callback(user, pressed, data))

    # ---- what the bot said ------------------------------------------------------------------------
    def texts_to(self, chat: int, calls: list[Call] | None = None) -> list[str]:
        """What a person reads in `chat`, message by message (sent, in the calls given or all)."""
        return [
            call.visible_text or ""
            for call in (calls if calls is not None else self.fake.calls)
            if call.method == "sendMessage" and call.ok and call.chat_id == chat
        ]

    def last_to(self, chat: int) -> Call:
        return self.fake.sent(chat)[-1]

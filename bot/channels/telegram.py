"""The Telegram channel: python-telegram-bot in, the Bot API out. It translates; the core decides.

Inbound (asyncio, `TelegramUpdates`): the real PTB `Application` receives updates by long polling (its
Updater) or from `POST /telegram/webhook` (the secret token checked first); its one handler only turns an
update into a neutral `Inbound` and queues it for the core (`CoreQueue`). Private chats are requests;
in a group the bot reads commands, replies to its own messages (an agent answering under a ticket's
card) and messages that mention it. A button press is answered at once, so the client stops spinning,
and in a private chat the pressed keyboard is replaced by the choice.

Outbound (threads, `TelegramChannel`): the outbox relay hands over one message at a time; it is paced to
Telegram's limits, escaped for HTML, split when longer than 4096 characters, and posted by a PTB `Bot` on
the adapter's own event loop. Every refusal is mapped to a `DeliveryError` that tells the relay whether
and when to try again.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import logging
import threading
import warnings
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from telegram import Bot as TelegramBot
from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest

from bot.channels.base import DeliveryError
from bot.channels.handover import CoreQueue
from bot.channels.pacing import Pacer
from bot.channels.telegram_format import (
    MAX_TEXT,
    ButtonValues,
    command_target,
    keyboard_rows,
    render,
    render_one,
    utf16_len,
    without_mention,
)
from bot.config.loader import ConfigError
from bot.i18n import LANGUAGES, TEXTS, Translator
from bot.messages import Button, Inbound, Outgoing
from bot.web import read_capped

log = logging.getLogger(__name__)

CHANNEL = "telegram"
DEFAULT_API_URL = "https://api.telegram.org"
# What the bot asks Telegram for: messages and button presses (no edits, channel posts, inline queries).
ALLOWED_UPDATES = ("message", "callback_query")
# The commands offered in Telegram's menu, in the order shown (DESIGN.md's commands, for everyone first).
MENU_COMMANDS = (
    "start", "help", "tickets", "status", "reply", "cancel", "reopen", "confirm", "coaching", "lang",
    "claim", "unclaim", "assign", "note", "resolve", "priority", "queue", "mine", "show",
)  # fmt: skip
# Telegram's webhook calls carry one update: a few kilobytes.
MAX_BODY_BYTES = 1 << 20
API_TIMEOUT_SECONDS = 10.0
# How long one long-polling getUpdates waits for an update before asking again.
POLL_TIMEOUT_SECONDS = 25
PROGRESS_REMEMBERED = 10_000
CARD_KINDS = frozenset({"team_card", "card_update"})

T = TypeVar("T")


def bot_url(api_url: str) -> str:
    """PTB's base URL for the Bot API server at `api_url` (calls go to `{api_url}/bot{token}/{method}`)."""
    return api_url.rstrip("/") + "/bot"


def file_url(api_url: str) -> str:
    return api_url.rstrip("/") + "/file/bot"


# ---- outbound ---------------------------------------------------------------------------------------
# (messages per second, burst). A group's burst of 2 then one in 3.3 s keeps any 60 s within 20 messages.
CHAT_PACE = (1.0, 3)
GROUP_PACE = (18 / 60, 2)
OVERALL_PACE = (30.0, 30)


@dataclass
class TelegramPacing:
    """Telegram's limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
    about one message per second in a chat, 20 per minute in a group, 30 per second in all."""

    chats: Pacer = field(default_factory=lambda: Pacer(*CHAT_PACE))
    groups: Pacer = field(default_factory=lambda: Pacer(*GROUP_PACE))
    overall: Pacer = field(default_factory=lambda: Pacer(*OVERALL_PACE))

    def wait_turn(self, chat: str, message_id: int | None) -> None:
        (self.groups if chat.startswith("-") else self.chats).wait_turn(chat, message_id)
        self.overall.wait_turn("all", message_id)

    def hold(self, chat: str, seconds: float) -> None:
        (self.groups if chat.startswith("-") else self.chats).hold(chat, seconds)


class _Loop:
    """An event loop on a thread of its own, for PTB's asynchronous Bot: the relay calls `send` from
    worker threads, and a blocked thread must never hold up the loop that receives updates."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="spoc-telegram-out", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()  # a send that completes after we gave up would be sent twice
            raise

    def close(self, bot: TelegramBot) -> None:
        if self.loop.is_running():
            try:
                # The bot was never initialized (no getMe needed to send), so its shutdown would skip
                # closing the HTTP client: close it directly.
                self.run(bot.request.shutdown(), API_TIMEOUT_SECONDS)
            except Exception as error:
                log.debug("closing the Telegram client: %s", error)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
        self.loop.close()


class TelegramChannel:
    """The adapter the outbox relay sends through (synchronous; called from worker threads)."""

    name = CHANNEL

    def __init__(
        self, bot: TelegramBot, pacing: TelegramPacing | None = None, values: ButtonValues | None = None
    ) -> None:
        self.bot = bot
        self.pacing = pacing or TelegramPacing()
        self.values = values or ButtonValues()
        self._loop = _Loop()
        # Messages split in parts: which parts went out already (outbox id -> their message ids), so
        # that a retry after a refusal mid-way sends the rest, not the whole again.
        self._progress: dict[int, list[str]] = {}
        self._progress_lock = threading.Lock()
        self._bot_username: str | None = None

    @classmethod
    def connect(
        cls,
        token: str,
        api_url: str = DEFAULT_API_URL,
        pacing: TelegramPacing | None = None,
        values: ButtonValues | None = None,
    ) -> TelegramChannel:
        # No retries in the client: the outbox owns retrying (with backoff and retry_after), and a blind
        # resend of a post whose answer was lost would show the message twice.
        request = HTTPXRequest(
            connection_pool_size=8, read_timeout=API_TIMEOUT_SECONDS, connect_timeout=API_TIMEOUT_SECONDS
        )
        bot = TelegramBot(token, base_url=bot_url(api_url), base_file_url=file_url(api_url), request=request)
        return cls(bot, pacing, values)

    def close(self) -> None:
        self._loop.close(self.bot)

    def send(self, message: Outgoing) -> str | None:
        """Post (or edit) one message; returns its message_id (of the first part when it was split)."""
        try:
            if message.kind == "card_update":
                return self._edit(message)
            if message.kind == "private" and message.recipient:
                return self._private(message)
            return self._post(message.address, message.thread, message)
        except TelegramError as error:
            raise self._refusal(message, error) from error
        except TimeoutError as error:  # the loop thread's answer did not come in time
            raise DeliveryError("Telegram did not answer in time") from error

    def _edit(self, message: Outgoing) -> str | None:
        if not message.edit_ref:
            return None  # nothing to edit; posting would show the card twice
        self.pacing.wait_turn(message.address, message.outbox_id)
        try:
            self._call(
                self.bot.edit_message_text(
                    chat_id=message.address,
                    message_id=int(message.edit_ref),
                    text=render_one(message.text, headline=True),
                    parse_mode=ParseMode.HTML,
                    reply_markup=self._keyboard(message.buttons),
                    link_preview_options=_NO_PREVIEW,
                )
            )
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
        return message.edit_ref

    def _private(self, message: Outgoing) -> str | None:
        assert message.recipient is not None
        try:
            self._post(message.recipient, None, message)
        except Forbidden as error:
            if "can't initiate conversation" not in error.message.lower():
                raise
            # Telegram lets a bot write privately only to people who opened it. The answer itself may be
            # for their eyes only (an internal note in /show): the group is told only how to get it.
            log.info("outbox %s: the person never opened the bot; told so in the group", message.outbox_id)
            self._post(message.address, message.thread, _notice(message, self._start_me_first()))
            raise DeliveryError(
                f"Telegram refused the private answer: {error.message}", permanent=True
            ) from error
        # The id is one of the person's private chat, not of the chat the row names: nothing to keep.
        return None

    def _start_me_first(self) -> str:
        try:
            link = f"https://t.me/{self._username()}"
        except (TelegramError, TimeoutError):
            link = ""
        return "\n".join(f"{TEXTS['tg_start_me_first'][language]} {link}".strip() for language in LANGUAGES)

    def _username(self) -> str:
        if self._bot_username is None:
            self._bot_username = self._call(self.bot.get_me()).username
        return self._bot_username

    def _post(self, chat: str, thread: str | None, message: Outgoing) -> str | None:
        parts = render(message.text, headline=message.kind in CARD_KINDS)
        with self._progress_lock:
            done = list(self._progress.get(message.outbox_id, ()))
        for part in parts[len(done) :]:
            self.pacing.wait_turn(chat, message.outbox_id)
            reply_to = thread if not done and thread and thread.isdigit() else None
            sent = self._call(
                self.bot.send_message(
                    chat_id=chat,
                    text=part.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=self._keyboard(message.buttons) if part.last else None,
                    reply_parameters=(
                        ReplyParameters(int(reply_to), allow_sending_without_reply=True) if reply_to else None
                    ),
                    link_preview_options=_NO_PREVIEW,
                )
            )
            done.append(str(sent.message_id))
            if not part.last:
                self._remember_progress(message.outbox_id, done)
        with self._progress_lock:
            self._progress.pop(message.outbox_id, None)
        return done[0] if done else None

    def _remember_progress(self, outbox_id: int, done: list[str]) -> None:
        with self._progress_lock:
            self._progress[outbox_id] = list(done)
            if len(self._progress) > PROGRESS_REMEMBERED:
                self._progress.pop(next(iter(self._progress)))

    def _keyboard(self, buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        rows = keyboard_rows(buttons, self.values)
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(key["text"], callback_data=key["callback_data"]) for key in row]
                for row in rows
            ]
        )

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        # Longer than the client's own timeouts together (connect, write, read, pool): it gives up first.
        return self._loop.run(coroutine, API_TIMEOUT_SECONDS * 4)

    def _refusal(self, message: Outgoing, error: TelegramError) -> DeliveryError:
        chat = message.recipient if message.kind == "private" and message.recipient else message.address
        text = error.message
        if isinstance(error, RetryAfter):
            seconds = retry_after_seconds(error)
            self.pacing.hold(chat, seconds)
            return DeliveryError(f"Telegram rate limit: retry after {seconds:g} s", retry_after=seconds)
        if isinstance(error, Forbidden):
            blocked = "blocked by the user" in text.lower()
            return DeliveryError(f"Telegram refused the message: {text}", permanent=True, blocked=blocked)
        if isinstance(error, ChatMigrated):
            # A group became a supergroup: its id changed, and the desk configuration must follow.
            log.warning("Telegram chat %s is now %s: update the desk configuration", chat, error.new_chat_id)
            return DeliveryError(f"Telegram chat moved to {error.new_chat_id}", permanent=True)
        if isinstance(error, BadRequest):
            # The request itself is wrong for this chat (gone, the message too old to edit): retrying the
            # same request cannot help.
            return DeliveryError(f"Telegram refused the message: {text}", permanent=True)
        if isinstance(error, InvalidToken):
            log.error("Telegram refused TELEGRAM_BOT_TOKEN")
        return DeliveryError(f"Telegram did not take the message: {text}")


def retry_after_seconds(error: RetryAfter) -> float:
    # PTB 22 gives an int or a timedelta, depending on a migration setting, and warns about the int.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(0.0, seconds)


_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _notice(message: Outgoing, text: str) -> Outgoing:
    return Outgoing(message.outbox_id, message.channel, message.address, text, thread=message.thread)


# ---- inbound ----------------------------------------------------------------------------------------
def build_ptb_application(token: str, api_url: str = DEFAULT_API_URL, *, polling: bool = True) -> Application:
    """PTB's Application: its Bot on the configured Bot API server, and its Updater for long polling
    (none with a webhook). Updates are handled one after the other: the handler only queues them."""
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(bot_url(api_url))
        .base_file_url(file_url(api_url))
        .connect_timeout(API_TIMEOUT_SECONDS)
        .read_timeout(API_TIMEOUT_SECONDS)
        .get_updates_connect_timeout(API_TIMEOUT_SECONDS)
        .get_updates_read_timeout(API_TIMEOUT_SECONDS)
        # No PTB job queue: the desk's timers live in the database and in `spoc run`'s scheduler.
        .job_queue(None)
    )
    if not polling:
        builder = builder.updater(None)
    return builder.build()


async def check_token(application: Application) -> None:
    """getMe once at start (PTB's initialize): a refused token stops `spoc run` with a clear message."""
    try:
        await application.initialize()
    except InvalidToken as error:
        raise ConfigError("Telegram refused TELEGRAM_BOT_TOKEN") from error
    except TelegramError as error:
        raise ConfigError(f"Telegram did not answer getMe: {error.message}") from error
    log.info("connected to Telegram as @%s", application.bot.username)


class TelegramUpdates:
    """Telegram's updates in (long polling or webhook); neutral messages handed to `handle`."""

    def __init__(
        self,
        application: Application,
        handle: Callable[[Inbound], object],
        translate: Translator,
        *,
        values: ButtonValues | None = None,
        webhook_secret: str | None = None,
        workers: int = 4,
    ) -> None:
        self.application = application
        self.translate = translate
        self.values = values or ButtonValues()
        self.core = CoreQueue(handle, workers=workers, name=CHANNEL)
        self._secret = webhook_secret
        # Answers to button presses and pressed keyboards being edited: small calls, tracked till done.
        self._calls: set[asyncio.Task[None]] = set()
        application.add_handler(TypeHandler(Update, self._on_update))

    # ---- running ------------------------------------------------------------------------------------
    async def start(self, webhook_url: str | None = None) -> None:
        """Connect (getMe), offer the commands in Telegram's menu, then receive: a webhook registered at
        `webhook_url` with the secret token, or long polling."""
        await check_token(self.application)
        await self._offer_commands()
        if webhook_url:
            # Ready to take updates before Telegram is told where to send them.
            await self.application.start()
            await self.application.bot.set_webhook(
                webhook_url, secret_token=self._secret, allowed_updates=list(ALLOWED_UPDATES)
            )
        else:
            assert self.application.updater is not None
            # Polling first drops a webhook set before (PTB calls deleteWebhook, keeping pending updates).
            await self.application.updater.start_polling(
                poll_interval=0.0, timeout=POLL_TIMEOUT_SECONDS, allowed_updates=list(ALLOWED_UPDATES)
            )
            await self.application.start()

    async def stop(self, drain_seconds: float = 10.0) -> None:
        """Stop receiving, let what was received be handled (Telegram will not send it again), then
        close PTB's client (the presses' answers still under way need it)."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        await self.drain(drain_seconds)
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def _offer_commands(self) -> None:
        """The command menu in German and English (the English one also for every other language)."""
        try:
            for language in (*LANGUAGES, None):
                commands = [
                    BotCommand(verb, self.translate(language or "en", f"tg_command_{verb}"))
                    for verb in MENU_COMMANDS
                ]
                await self.application.bot.set_my_commands(commands, language_code=language)
        except TelegramError as error:
            log.warning("Telegram did not take the command menu (setMyCommands): %s", error.message)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self.core.wait_idle(timeout)

    async def drain(self, timeout: float = 10.0) -> None:
        await self.core.drain(timeout)
        if self._calls:
            await asyncio.wait(set(self._calls), timeout=timeout)

    def close(self) -> None:
        self.core.close()

    # ---- webhook ------------------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        """`POST /telegram/webhook`. Telegram sends the secret token given to setWebhook in a header;
        a request without it is not from Telegram and changes nothing."""
        offered = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not self._secret or not hmac.compare_digest(offered.encode(), self._secret.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        if not self.application.running:
            # Starting or stopping: Telegram keeps the update and sends it again shortly.
            return JSONResponse({"error": "starting"}, status_code=503)
        body = await read_capped(request, MAX_BODY_BYTES)
        if body is None:
            return JSONResponse({"error": "request too large"}, status_code=413)
        try:
            data = json.loads(body)
            update = Update.de_json(data, self.application.bot) if isinstance(data, dict) else None
        except Exception as error:  # whatever PTB makes of a body that is no update
            log.warning("an unreadable webhook update was refused: %s", type(error).__name__)
            update = None
        if update is None:
            return JSONResponse({"error": "not an update"}, status_code=400)
        await self.application.process_update(update)
        return Response(status_code=200)

    # ---- the one handler: translate and queue; never wait for the core ------------------------------
    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The same update_id in every delivery (a webhook retry, polling after a crash): dispatch drops
        # the repeats.
        delivery = f"update:{update.update_id}"
        if update.callback_query is not None:
            inbound = self._press(update.callback_query, delivery)
        elif update.message is not None:
            inbound = self._message(update.message, delivery)
        else:
            return  # edits, channel posts, member changes: not addressed to the desk
        if inbound is not None:
            self.core.queue(inbound.user_id, _ready(inbound))

    def _message(self, message: Message, delivery: str) -> Inbound | None:
        user, chat = message.from_user, message.chat
        if user is None or user.is_bot:
            return None
        text = message.text or message.caption or ""
        replied = message.reply_to_message
        # A reply names the message it answers (the thread, for the core); otherwise the message is the
        # start of its own thread, and the bot's answers reply to it.
        thread = str(replied.message_id if replied is not None else message.message_id)
        common = {
            "channel": CHANNEL,
            "chat_id": str(chat.id),
            "user_id": str(user.id),
            "delivery_id": delivery,
            "user_name": user.full_name,
            "user_language": user.language_code,
        }
        if chat.type == ChatType.PRIVATE:
            if message.new_chat_members or message.left_chat_member:
                return None
            return Inbound(text=text, thread=thread, **common)
        if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return None
        me = self.application.bot
        if text.startswith("/"):
            target = command_target(text)
            if target is not None and target.lower() != (me.username or "").lower():
                return None  # a command for another bot in the group
            # Answered privately: a refusal or a confirmation is for the one who typed it.
            return Inbound(text=text, thread=thread, is_direct=False, private_replies=True, **common)
        if replied is not None and replied.from_user is not None and replied.from_user.id == me.id:
            # An answer under one of the bot's messages: a conversation's question (it goes on in the
            # group), or a ticket's card (the core makes that a reply on the ticket, answered privately).
            return Inbound(text=text, thread=thread, is_direct=False, **common)
        if me.username and f"@{me.username.lower()}" in text.lower():
            own = str(message.message_id)
            return Inbound(text=without_mention(text, me.username), thread=own, is_direct=False, **common)
        return None

    def _press(self, query: CallbackQuery, delivery: str) -> Inbound | None:
        user, message = query.from_user, query.message
        value = self.values.value(query.data or "")
        if value is None or not isinstance(message, Message):
            # A long value from before a restart, or a message too old for Telegram to show us.
            language = _language(user.language_code)
            self._track(self._answer(query, self.translate(language, "tg_button_expired")))
            return None
        self._track(self._answer(query, None))
        direct = message.chat.type == ChatType.PRIVATE
        if direct:
            self._track(self._show_choice(message, query.data or ""))
        # The conversation's thread: the message the pressed one replies to, or the pressed one (a card).
        replied = message.reply_to_message
        thread = str(replied.message_id if replied is not None else message.message_id)
        return Inbound(
            channel=CHANNEL,
            chat_id=str(message.chat.id),
            user_id=str(user.id),
            text=value,
            thread=thread,
            delivery_id=delivery,
            is_button=True,
            user_name=user.full_name,
            user_language=user.language_code,
            is_direct=direct,
            # In a group, a command button (a card's Claim, Assign, Show) is answered to the presser
            # alone, like a typed command; a conversation's answer button goes on where it is.
            private_replies=not direct and value.startswith("/"),
        )

    async def _answer(self, query: CallbackQuery, text: str | None) -> None:
        try:
            await query.answer(text=text)
        except Exception as error:  # too old, Telegram away, shutting down: the press is handled anyway
            log.info("answerCallbackQuery failed: %s", error)

    async def _show_choice(self, message: Message, data: str) -> None:
        """The pressed keyboard gives way to the choice made, so it cannot be pressed twice."""
        label = next(
            (
                button.text
                for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
                for button in row
                if button.callback_data == data
            ),
            None,
        )
        if label is None:
            return
        shown = f"{message.text_html}\n\n› <i>{html.escape(label, quote=False)}</i>" if message.text else None
        try:
            if shown is not None and utf16_len((message.text or "") + label) + 4 <= MAX_TEXT:
                await message.edit_text(shown, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW)
            else:
                await message.edit_reply_markup(reply_markup=None)
        except Exception as error:
            log.info("the pressed keyboard could not be updated: %s", error)

    def _track(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)


def _ready(inbound: Inbound) -> Callable[[], Coroutine[Any, Any, Inbound | None]]:
    async def translate() -> Inbound | None:
        return inbound

    return translate


def _language(code: str | None) -> str:
    language = (code or "")[:2].lower()
    return language if language in LANGUAGES else "en"

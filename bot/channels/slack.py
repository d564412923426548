"""The Slack channel: slack-bolt in, the Web API out. It translates; the core decides.

Inbound (asyncio, `SlackEvents`): the real slack-bolt `AsyncApp` verifies each request's signature and
acknowledges it at once; a listener only turns the payload into a neutral `Inbound` (direct messages,
mentions in channels, replies in a conversation's thread, `/sd` commands, button presses) and queues it.
The core is synchronous, so a queued message is handled on a worker thread after the acknowledgement,
one message of a person at a time (in the order they came), different people in parallel.

Outbound (threads, `SlackChannel`): the outbox relay hands over one message at a time; it is posted
with slack_sdk's synchronous `WebClient`, paced to about one message per second per conversation, and
every refusal is mapped to a `DeliveryError` that tells the relay whether and when to try again.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.authorization.async_single_team_authorization import AsyncSingleTeamAuthorization
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.channels.base import DeliveryError
from bot.channels.handover import CoreQueue
from bot.channels.pacing import Pacer
from bot.channels.slack_blocks import ACTION_PREFIX, mentions, plain_text, render
from bot.config.loader import ConfigError
from bot.messages import Inbound, Outgoing
from bot.web import read_capped

log = logging.getLogger(__name__)

CHANNEL = "slack"
# Slack's answers that retrying can never turn into a delivery: the conversation or person is gone, the
# bot was removed, or the message itself is unacceptable.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_not_in_channel",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
    }
)
# A private answer that cannot be shown where the command was typed (a channel without the bot, a DM
# between two people) goes to the person's DM with the bot instead: still only they see it.
_PRIVATE_ELSEWHERE = frozenset({"channel_not_found", "not_in_channel", "user_not_in_channel"})
CARD_KINDS = frozenset({"team_card", "card_update"})
# Message subtypes a person writes; the others (edits, deletions, joins, bots) are not addressed to us.
USER_SUBTYPES = frozenset({None, "file_share", "thread_broadcast", "me_message"})
# Slack's requests are a few kilobytes; anything much larger is not from Slack.
MAX_BODY_BYTES = 1 << 20
WEB_API_TIMEOUT_SECONDS = 10
USER_CACHE_SIZE = 10_000
THREAD_CACHE_SIZE = 10_000


# ---- outbound ---------------------------------------------------------------------------------------
class SlackChannel:
    """The adapter the outbox relay sends through (synchronous; called from worker threads)."""

    name = CHANNEL

    def __init__(self, client: WebClient, pacer: Pacer | None = None) -> None:
        self.client = client
        self.pacer = pacer or Pacer()

    @classmethod
    def connect(cls, token: str, api_url: str, pacer: Pacer | None = None) -> SlackChannel:
        # No retry handlers: the outbox owns retrying (with backoff and Retry-After), and a blind resend
        # of a post whose answer was lost would show the message twice.
        client = WebClient(
            token=token, base_url=api_base(api_url), timeout=WEB_API_TIMEOUT_SECONDS, retry_handlers=[]
        )
        return cls(client, pacer)

    def send(self, message: Outgoing) -> str | None:
        """Post (or edit, or show privately) one message; returns its `ts`, what Slack calls it by."""
        content = render(message.text, message.buttons, headline=message.kind in CARD_KINDS)
        try:
            if message.kind == "card_update":
                if not message.edit_ref:
                    return None  # nothing to edit; posting would show the card twice
                answer = self.client.chat_update(channel=message.address, ts=message.edit_ref, **content)
                return str(answer.get("ts") or message.edit_ref)
            if message.kind == "private" and message.recipient:
                return self._private(message, content)
            return self._post(message.address, message.thread, content, message.outbox_id)
        except SlackApiError as error:
            raise self._refusal(message.address, error) from error
        except OSError as error:  # connection refused or reset, DNS, timeouts (URLError is an OSError)
            raise DeliveryError(f"Slack unreachable: {error}") from error

    def _post(
        self, channel: str, thread: str | None, content: dict[str, Any], message_id: int | None = None
    ) -> str | None:
        self.pacer.wait_turn(channel, message_id)
        answer = self.client.chat_postMessage(
            channel=channel, thread_ts=thread, unfurl_links=False, unfurl_media=False, **content
        )
        return answer.get("ts")

    def _private(self, message: Outgoing, content: dict[str, Any]) -> str | None:
        assert message.recipient is not None
        try:
            self.client.chat_postEphemeral(
                channel=message.address, user=message.recipient, thread_ts=message.thread, **content
            )
        except SlackApiError as error:
            if _error_code(error) not in _PRIVATE_ELSEWHERE:
                raise
            # A user id as the channel posts to the person's DM with the bot.
            self._post(message.recipient, None, content)
        # An ephemeral message cannot be edited later: it has no ref worth keeping.
        return None

    def _refusal(self, channel: str, error: SlackApiError) -> DeliveryError:
        status, code = error.response.status_code, _error_code(error)
        if status == 429 or code == "ratelimited":
            retry_after = _retry_after(error.response.headers)
            self.pacer.hold(channel, retry_after)
            return DeliveryError(f"Slack rate limit: retry after {retry_after:g} s", retry_after=retry_after)
        if code in PERMANENT_ERRORS:
            return DeliveryError(f"Slack refused the message: {code}", permanent=True)
        if status >= 500:
            return DeliveryError(f"Slack answered HTTP {status}")
        return DeliveryError(f"Slack refused the message: {code or status}")


def _error_code(error: SlackApiError) -> str | None:
    data = error.response.data
    return data.get("error") if isinstance(data, dict) else None


def _retry_after(headers: Mapping[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value[0] if isinstance(value, list) else value))
            except (TypeError, ValueError):
                break
    return 1.0


# ---- inbound ----------------------------------------------------------------------------------------
def build_bolt_app(
    token: str, api_url: str, signing_secret: str | None, *, socket_mode: bool = False
) -> AsyncApp:
    """The bolt app: request verification on (HTTP mode), auth.test once for the bot's own ids, and
    listeners run before the response is sent (`process_before_response`): they only queue work, so the
    acknowledgement still goes out in milliseconds, and nothing is started after it that is not tracked."""
    app = AsyncApp(
        token=token,
        signing_secret=signing_secret or "",
        process_before_response=True,
        request_verification_enabled=not socket_mode,
        name="spoc",
    )
    # The Web API elsewhere (SLACK_API_URL: a proxy, a test server). Set on bolt's own client rather
    # than passing one, which bolt would warn about when SLACK_BOT_TOKEN is in the environment.
    app.client.base_url = api_base(api_url)
    app.client.timeout = WEB_API_TIMEOUT_SECONDS
    return app


def api_base(api_url: str) -> str:
    """The Web API's base URL with its closing slash: slack_sdk joins method names with urljoin, which
    would drop the last path segment of "https://proxy.example/slack/api"."""
    return api_url if api_url.endswith("/") else api_url + "/"


async def check_token(bolt: AsyncApp) -> None:
    """auth.test once at start: a refused token stops `spoc run` with a clear message; a Slack that does
    not answer only warns (bolt asks again with the first request, and the outbox keeps what is said)."""
    try:
        answer = await bolt.client.auth_test()
    except SlackApiError as error:
        raise ConfigError(f"Slack refused SLACK_BOT_TOKEN: {_error_code(error) or error}") from error
    except Exception as error:
        log.warning("Slack did not answer auth.test (%s); starting anyway", error)
        return
    log.info("connected to Slack workspace %s as %s", answer.get("team"), answer.get("user"))
    # Bolt would call auth.test again with the first request, and answer that request with a 200 and
    # an apology if the call failed then (a 429, a slow Slack): Slack does not retry a 200, so the
    # event would be lost. Hand bolt this answer instead (bolt has no setting for it; its authorization
    # middleware keeps the result in a public attribute, found in the app's middleware list).
    for middleware in bolt._async_middleware_list:
        if isinstance(middleware, AsyncSingleTeamAuthorization):
            middleware.auth_test_result = answer


class _LRU(OrderedDict[Any, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class SlackEvents:
    """Slack's events, commands and button presses in; neutral messages handed to `handle`."""

    def __init__(
        self,
        bolt: AsyncApp,
        handle: Callable[[Inbound], object],
        *,
        signing_secret: str | None = None,
        workers: int = 4,
    ) -> None:
        self.bolt = bolt
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.core = CoreQueue(handle, workers=workers, name=CHANNEL)
        # users.info answers (name, language), and the lookups under way, so each user is asked once.
        self._profiles: _LRU = _LRU(USER_CACHE_SIZE)
        self._lookups: dict[str, asyncio.Future[tuple[str | None, str | None]]] = {}
        # Channel threads that are a conversation with the bot: (channel, thread) -> who talks there.
        self._threads: _LRU = _LRU(THREAD_CACHE_SIZE)
        bolt.event("message")(self._on_message)
        bolt.event("app_mention")(self._on_mention)
        bolt.command(_ANY_COMMAND)(self._on_command)
        bolt.action(_OUR_BUTTONS)(self._on_action)

    # ---- HTTP (Events API, slash commands, interactivity: all on one URL) ---------------------------
    async def endpoint(self, request: Request) -> Response:
        """`POST /slack/events`. The signature is checked before the body is even parsed, so a forged
        or stale request (5 minutes, Slack's window) costs nothing and changes nothing."""
        body = await read_capped(request, MAX_BODY_BYTES)
        if body is None:
            return JSONResponse({"error": "request too large"}, status_code=413)
        if self._verifier is not None and not self._signed(body, request):
            return JSONResponse({"error": "invalid request"}, status_code=401)
        answer = await self.bolt.async_dispatch(to_async_bolt_request(request, body))
        return to_starlette_response(answer)

    def _signed(self, body: bytes, request: Request) -> bool:
        assert self._verifier is not None
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        return timestamp.isdigit() and self._verifier.is_valid(body, timestamp, signature)

    def socket_mode(self, app_token: str) -> AsyncSocketModeHandler:
        """The same app over a WebSocket that the bot opens (no public URL needed)."""
        return AsyncSocketModeHandler(self.bolt, app_token)

    # ---- listeners: translate and queue; never wait for the core ------------------------------------
    async def _on_message(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        bot_user = context.bot_user_id
        user, text = event.get("user"), event.get("text") or ""
        if event.get("subtype") not in USER_SUBTYPES or event.get("bot_id") or not user or user == bot_user:
            return  # the bot itself, other bots, edits, deletions, joins
        channel, ts = event.get("channel", ""), event.get("ts", "")
        thread = event.get("thread_ts") or ts
        if event.get("channel_type") == "im":
            self.core.queue(user, lambda: self._inbound(body, event, thread, bot_user, direct=True))
        elif thread != ts and not (bot_user and mentions(text, bot_user)):
            # A reply in a channel thread without a mention (a mention comes as app_mention): ours only
            # when the thread is a conversation this person has with the bot.
            async def in_our_thread() -> Inbound | None:
                if not await self._our_thread(channel, thread, user, bot_user):
                    return None
                return await self._inbound(body, event, thread, bot_user, direct=False)

            self.core.queue(user, in_our_thread)

    async def _on_mention(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        bot_user = context.bot_user_id
        user, channel = event.get("user"), event.get("channel", "")
        if event.get("bot_id") or not user or user == bot_user or channel.startswith("D"):
            return  # a direct message comes as message.im too
        thread = event.get("thread_ts") or event.get("ts", "")
        self._threads.remember((channel, thread), {*self._threads.get((channel, thread), ()), user})
        self.core.queue(user, lambda: self._inbound(body, event, thread, bot_user, direct=False))

    async def _on_command(self, ack: Callable[[], Awaitable[Any]], command: dict[str, Any]) -> None:
        await ack()
        user = command.get("user_id", "")
        text = " ".join(f"/sd {command.get('text') or ''}".split())

        async def inbound() -> Inbound:
            name, language = await self._profile(user)
            return Inbound(
                channel=CHANNEL,
                chat_id=command.get("channel_id", ""),
                user_id=user,
                text=text,
                # Slack never resends a command; the trigger id is unique per invocation.
                delivery_id=f"command:{command.get('trigger_id') or time.time_ns()}",
                user_name=name,
                user_language=language,
                # Typed anywhere, also in a DM between two people: not a chat with the bot.
                is_direct=False,
                private_replies=True,
            )

        self.core.queue(user, inbound)

    async def _on_action(self, ack: Callable[[], Awaitable[Any]], body: dict[str, Any]) -> None:
        await ack()
        user = (body.get("user") or {}).get("id", "")
        press = (body.get("actions") or [{}])[0]
        container, message = body.get("container") or {}, body.get("message") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
        # The thread the button's message is in, or the message itself (a card, a top-level notice).
        direct = channel.startswith("D")  # buttons are only on the bot's messages: a D... is its DM
        thread = message.get("thread_ts") or container.get("thread_ts")
        if thread is None and direct:
            # A top-level message in the DM: answer under it. Not in a channel: a private answer in a
            # thread without replies is never shown (chat.postEphemeral), so it goes to the channel.
            thread = message.get("ts") or container.get("message_ts")

        async def inbound() -> Inbound:
            name, language = await self._profile(user)
            return Inbound(
                channel=CHANNEL,
                chat_id=channel,
                user_id=user,
                text=str(press.get("value") or ""),
                thread=thread,
                delivery_id=f"action:{body.get('trigger_id') or press.get('action_ts')}",
                is_button=True,
                user_name=name,
                user_language=language,
                is_direct=direct,
                # In a team channel, what the press answers is for the presser alone.
                private_replies=not direct,
            )

        self.core.queue(user, inbound)

    async def _inbound(
        self, body: dict[str, Any], event: dict[str, Any], thread: str, bot_user: str | None, *, direct: bool
    ) -> Inbound | None:
        text = plain_text(event.get("text") or "", bot_user)
        if not text:
            return None  # a file alone, or a lone mention: nothing to read
        name, language = await self._profile(event["user"])
        return Inbound(
            channel=CHANNEL,
            chat_id=event.get("channel", ""),
            user_id=event["user"],
            text=text,
            thread=thread,
            # The same event_id in every retry (X-Slack-Retry-Num): dispatch drops the repeats.
            delivery_id=body.get("event_id"),
            user_name=name,
            user_language=language,
            is_direct=direct,
        )

    async def _profile(self, user: str) -> tuple[str | None, str | None]:
        """Name and language ("de"/"en", else None) from users.info: asked once per user, then cached;
        a failed lookup is not cached, and the message goes on without them."""
        if user in self._profiles:
            return self._profiles[user]  # type: ignore[no-any-return]
        pending = self._lookups.get(user)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self._lookups[user] = pending
            try:
                profile = await self._ask_profile(user)
                if profile is not None:
                    self._profiles.remember(user, profile)
                pending.set_result(profile or (None, None))
            finally:
                del self._lookups[user]
        return await pending

    async def _ask_profile(self, user: str) -> tuple[str | None, str | None] | None:
        try:
            answer = await self.bolt.client.users_info(user=user, include_locale=True)
        except Exception as error:  # Slack down or slow: the person is still answered
            log.warning("users.info for %s failed: %s", user, error)
            return None
        info = answer.get("user") or {}
        profile = info.get("profile") or {}
        name = (
            profile.get("real_name")
            or info.get("real_name")
            or profile.get("display_name")
            or info.get("name")
        )
        language = str(info.get("locale") or "")[:2].lower()
        return (name or None, language if language in ("de", "en") else None)

    async def _our_thread(self, channel: str, thread: str, user: str, bot_user: str | None) -> bool:
        """Whether this channel thread is a conversation `user` has with the bot: they mentioned it there
        (remembered), or, after a restart, the thread starts with their mention of the bot."""
        known = self._threads.get((channel, thread))
        if known is not None:
            return user in known
        if not bot_user:
            return False
        try:
            answer = await self.bolt.client.conversations_replies(channel=channel, ts=thread, limit=1)
            parent = (answer.get("messages") or [{}])[0]
        except Exception as error:
            log.warning("conversations.replies for a thread in %s failed: %s", channel, error)
            return False
        starter = parent.get("user")
        ours = starter is not None and mentions(parent.get("text") or "", bot_user)
        self._threads.remember((channel, thread), {starter} if ours else set())
        return ours and starter == user

    # ---- lifecycle ----------------------------------------------------------------------------------
    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self.core.wait_idle(timeout)

    async def drain(self, timeout: float = 10.0) -> None:
        await self.core.drain(timeout)

    def close(self) -> None:
        self.core.close()


_ANY_COMMAND = re.compile(r"^/.+")
_OUR_BUTTONS = re.compile(rf"^{re.escape(ACTION_PREFIX)}")

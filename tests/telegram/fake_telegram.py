"""A fake Telegram Bot API server on 127.0.0.1 (a free port): answers the methods the bot uses, records
every call, queues updates for long polling, and can be told to fail the next calls (429 with
retry_after, 500, or any Bot API error).

python-telegram-bot talks to it exactly as to Telegram: `Bot(TOKEN, base_url=f"{fake.url}/bot")` posts
form-encoded parameters to `{fake.url}/bot{token}/{method}` (objects such as `reply_markup` as JSON text
inside the form); JSON bodies and query strings are accepted too. Answers have the Bot API's shapes,
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": ..., "description": ...}`, and the rules
the bot must respect are enforced: message length after entity parsing, Telegram's HTML subset, inline
keyboard callback data of at most 64 bytes, blocked users and users who never started the bot.
"""

from __future__ import annotations

import contextlib
import copy
import html
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

BOT_ID = 7000000001
BOT_USERNAME = "spoc_desk_bot"
TOKEN = "7000000001:AAtest-token"
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200

# The bot as it appears in the "from" of its own messages.
BOT_USER: dict[str, Any] = {"id": BOT_ID, "is_bot": True, "first_name": "SPOC", "username": BOT_USERNAME}
# The bot as getMe describes it.
ME: dict[str, Any] = {
    **BOT_USER,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)

# Parameters whose values are objects: PTB sends them as JSON text inside the form.
_JSON_PARAMS = frozenset(
    {"reply_markup", "reply_parameters", "commands", "allowed_updates", "scope", "link_preview_options",
     "entities", "caption_entities", "media", "results", "reaction"}
)  # fmt: skip
_INT_PARAMS = frozenset(
    {"chat_id", "message_id", "reply_to_message_id", "message_thread_id", "offset", "limit", "timeout",
     "max_connections", "user_id", "cache_time", "from_chat_id"}
)  # fmt: skip
_BOOL_PARAMS = frozenset(
    {"show_alert", "drop_pending_updates", "disable_notification", "protect_content",
     "allow_sending_without_reply", "disable_web_page_preview", "allow_paid_broadcast"}
)  # fmt: skip
# What getUpdates delivers when the bot names no allowed_updates (Telegram's documented default).
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Failures that fail_next() applies to when no method is named: polling and getMe are the plumbing
# every test needs, so they fail only when asked for by name.
_SPARED_BY_DEFAULT = frozenset({"getUpdates", "getMe"})


# ---- Telegram's HTML --------------------------------------------------------------------------------
class HtmlError(ValueError):
    """Text Telegram's HTML parser refuses; the message is Telegram's (after "can't parse entities: ")."""


_TAG_ENTITIES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
}  # fmt: skip
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHAR_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")
_PLAIN_RUN = re.compile(r"[^<&]+")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(match: re.Match[str]) -> str | None:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED_ENTITIES[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None


def _unescape(text: str) -> str:
    return _CHAR_ENTITY.sub(lambda m: _decode_entity(m) or m.group(), text)


@dataclass
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the visible text
    attributes: dict[str, str]


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The visible text and the Bot API entities of `text` in parse_mode HTML, as Telegram parses it:
    only its tag subset, properly nested; `<` must start a tag. Like Telegram, a `&` that starts no
    entity and a bare `>` are kept as text. Raises HtmlError with Telegram's wording."""
    pieces: list[str] = []
    units = 0  # UTF-16 length of the visible text so far: entity offsets count UTF-16 code units
    entities: list[dict[str, Any]] = []
    open_tags: list[_OpenTag] = []
    i, n = 0, len(text)

    def at(position: int) -> str:
        return f"at byte offset {len(text[:position].encode())}"

    def emit(piece: str) -> None:
        nonlocal units
        pieces.append(piece)
        units += _utf16_len(piece)

    def skip_spaces(j: int) -> int:
        while j < n and text[j].isspace():
            j += 1
        return j

    while i < n:
        plain = _PLAIN_RUN.match(text, i)
        if plain:
            emit(plain.group())
            i = plain.end()
            continue
        if text[i] == "&":
            match = _CHAR_ENTITY.match(text, i)
            decoded = _decode_entity(match) if match else None
            if match and decoded is not None:
                emit(decoded)
                i = match.end()
            else:
                emit("&")
                i += 1
            continue
        begin = i
        if text.startswith("</", i):
            if not open_tags:
                raise HtmlError(f"Unexpected end tag {at(begin)}")
            j = i + 2
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            name = text[i + 2 : j].lower()
            j = skip_spaces(j)
            if j >= n or text[j] != ">":
                raise HtmlError(f"Unclosed end tag {at(begin)}")
            top = open_tags.pop()
            if name and name != top.name:
                raise HtmlError(f'Unmatched end tag {at(begin)}, expected "</{top.name}>", found "</{name}>"')
            _close(top, units, open_tags, entities)
            i = j + 1
            continue
        j = i + 1
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            raise HtmlError(f"Unclosed start tag {at(begin)}")
        name = text[i + 1 : j].lower()
        if name not in _TAG_ENTITIES:
            raise HtmlError(f'Unsupported start tag "{name}" {at(begin)}')
        attributes: dict[str, str] = {}
        while True:
            j = skip_spaces(j)
            if j >= n:
                raise HtmlError(f"Unclosed start tag {at(begin)}")
            if text[j] == ">":
                break
            attribute_begin = j
            while j < n and not text[j].isspace() and text[j] not in "=>":
                j += 1
            attribute = text[attribute_begin:j].lower()
            if not attribute:
                raise HtmlError(f'Empty attribute name in the tag "{name}" {at(attribute_begin)}')
            j = skip_spaces(j)
            if j >= n or text[j] != "=":
                if name == "blockquote" and attribute == "expandable":
                    attributes[attribute] = ""
                    continue
                raise HtmlError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" {at(j)}'
                )
            j = skip_spaces(j + 1)
            if j >= n:
                raise HtmlError(f"Unclosed start tag {at(begin)}")
            if text[j] in "'\"":
                end = text.find(text[j], j + 1)
                if end < 0:
                    raise HtmlError(f"Unclosed start tag {at(begin)}")
                value = _unescape(text[j + 1 : end])
                j = end + 1
            else:
                token = _NAME_TOKEN.match(text, j)
                assert token is not None  # the pattern matches the empty string
                value, j = token.group().lower(), token.end()
                if j < n and not text[j].isspace() and text[j] != ">":
                    raise HtmlError(f"Unexpected end of name token {at(j)}")
            attributes[attribute] = value
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlError(f'Tag "span" must have class "tg-spoiler" {at(begin)}')
        open_tags.append(_OpenTag(name, units, attributes))
        i = j + 1
    if open_tags:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(pieces), entities


def _close(tag: _OpenTag, end: int, open_tags: list[_OpenTag], entities: list[dict[str, Any]]) -> None:
    kind = _TAG_ENTITIES[tag.name]
    language = tag.attributes.get("class", "")
    if tag.name == "code" and open_tags and open_tags[-1].name == "pre" and language.startswith("language-"):
        # <pre><code class="language-x"> is one pre entity with a language.
        open_tags[-1].attributes["language"] = language.removeprefix("language-")
        return
    length = end - tag.start
    if length == 0:
        return
    entity: dict[str, Any] = {"type": kind, "offset": tag.start, "length": length}
    if kind == "text_link":
        if not tag.attributes.get("href"):
            return
        entity["url"] = tag.attributes["href"]
    elif kind == "pre" and tag.attributes.get("language"):
        entity["language"] = tag.attributes["language"]
    elif kind == "blockquote" and "expandable" in tag.attributes:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)


def visible_text(text: str, parse_mode: str | None) -> str:
    """What a person reads: for HTML, tags removed and entities decoded (best effort if invalid)."""
    if (parse_mode or "").lower() != "html":
        return text
    try:
        return parse_html(text)[0]
    except HtmlError:
        return html.unescape(re.sub(r"<[^>]*>", "", text))


def buttons_of(markup: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, callback_data) of every inline keyboard button, rows flattened (a URL button's URL)."""
    rows = (markup or {}).get("inline_keyboard") or []
    return [(b.get("text", ""), b.get("callback_data") or b.get("url") or "") for row in rows for b in row]


# ---- recorded calls ---------------------------------------------------------------------------------
@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    # The Bot API's description when it answered {"ok": false, ...}.
    description: str | None = None
    # The result of a successful call (a Message, True, a list of Updates...).
    answer: Any = None
    # When the call arrived (time.monotonic: the same clock in every process of this machine).
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | None:
        chat_id = self.params.get("chat_id")
        return chat_id if isinstance(chat_id, int) else None

    @property
    def message_id(self) -> int | None:
        """The message this call sent (sendMessage) or edited."""
        if isinstance(self.answer, dict) and isinstance(self.answer.get("message_id"), int):
            return self.answer["message_id"]
        message_id = self.params.get("message_id")
        return message_id if isinstance(message_id, int) else None

    @property
    def text(self) -> str | None:
        text = self.params.get("text")
        return text if isinstance(text, str) else None

    @property
    def parse_mode(self) -> str | None:
        return self.params.get("parse_mode")

    @property
    def visible_text(self) -> str | None:
        return None if self.text is None else visible_text(self.text, self.parse_mode)

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    def buttons(self) -> list[tuple[str, str]]:
        return buttons_of(self.reply_markup)

    @property
    def reply_to(self) -> int | None:
        """The message id this message replies to (reply_parameters or the older reply_to_message_id)."""
        return _reply_to(self.params)


def _reply_to(params: dict[str, Any]) -> int | None:
    reply = params.get("reply_parameters")
    message_id = reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
    return _as_int(message_id)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    return None


def decode_params(raw: dict[str, Any]) -> dict[str, Any]:
    """Parameters as the Bot API reads them: JSON text of object parameters parsed, numeric ids as ints
    (chat_id "-100123" and -100123 alike), booleans as bools."""
    params: dict[str, Any] = {}
    for name, value in raw.items():
        if name in _JSON_PARAMS and isinstance(value, str):
            # Malformed JSON stays text: the method then refuses it as Telegram does.
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        elif name in _INT_PARAMS:
            number = _as_int(value)
            value = value if number is None else number
        elif name in _BOOL_PARAMS and isinstance(value, str):
            value = value.lower() == "true"
        params[name] = value
    return params


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None
    method: str | None


@dataclass
class _Pending:
    update: dict[str, Any]
    # Re-queued with again=True: delivered once more even though its id was already confirmed.
    forced: bool

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])

    @property
    def kind(self) -> str:
        return next((k for k in self.update if k != "update_id"), "")


@dataclass
class FakeTelegram:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    # Messages the bot sent, by (chat_id, message_id), as they stand now (edits applied).
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    # Chats whose user blocked the bot, users who never started it, chats that do not exist.
    blocked: set[int] = field(default_factory=set)
    unstarted: set[int] = field(default_factory=set)
    missing_chats: set[int] = field(default_factory=set)
    # Extra fields of chat objects in answers (a private chat's first_name, a group's title), by chat id.
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    # setMyCommands, by language_code ("" when none).
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # setWebhook's parameters while a webhook is set.
    webhook: dict[str, Any] | None = None
    # The highest offset a getUpdates call confirmed, and how often each update was handed out.
    confirmed_offset: int = 0
    deliveries: dict[int, int] = field(default_factory=dict)
    # getUpdates' allowed_updates as last given (Telegram remembers it between calls).
    allowed_updates: list[str] | None = None
    # Long polls wait at most this long, so that a bot's shutdown is quick.
    poll_cap: float = 1.0
    # getUpdates calls waiting for an update right now.
    waiting_polls: int = 0

    def __post_init__(self) -> None:
        self._changed = threading.Condition()
        self._failures: list[_Failure] = []
        self._queue: list[_Pending] = []
        self._message_ids: dict[int, Iterator[int]] = {}
        self._poll_generation = 0
        self._closed = False
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": lambda params: dict(ME),
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }
        # Bot API method names are case-insensitive.
        self._method_names = {name.lower(): name for name in self._methods}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-telegram", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The Bot API root (TELEGRAM_API_URL): calls go to {url}/bot{token}/{method}."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        with self._changed:
            if self._closed:
                return
            self._closed = True
            self._changed.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # ---- test controls ----------------------------------------------------------------------------
    def push(self, update: dict[str, Any], *, again: bool = False) -> None:
        """Queue an update for getUpdates. `again=True` queues it even if its id was confirmed already:
        what a crash between fetching and confirming looks like to the bot."""
        update_id = int(update["update_id"])
        with self._changed:
            known = update_id < self.confirmed_offset or any(p.update_id == update_id for p in self._queue)
            if known and not again:
                raise ValueError(f"update {update_id} was queued or confirmed already: push(..., again=True)")
            self._queue = [p for p in self._queue if p.update_id != update_id]
            self._queue.append(_Pending(copy.deepcopy(update), forced=again))
            self._changed.notify_all()

    @property
    def pending(self) -> list[int]:
        """Ids of the updates still queued (not confirmed)."""
        with self._changed:
            return sorted(p.update_id for p in self._queue)

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        retry_after: float | None = None,
        description: str | None = None,
        method: str | None = None,
    ) -> None:
        """The next `count` calls (of `method`, or any but getUpdates and getMe) fail with HTTP `status`:
        429 carries parameters.retry_after (given `retry_after`, the status is 429 anyway)."""
        if retry_after is not None:
            status = 429
        seconds = None if status != 429 else max(1, round(retry_after or 1))
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {seconds}",
                500: "Internal Server Error",
                502: "Bad Gateway",
                400: "Bad Request",
                403: "Forbidden",
                409: "Conflict",
            }.get(status, "Error")
        with self._changed:
            self._failures += [_Failure(status, description, seconds, method)] * count

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Successful sendMessage calls (to `chat_id`, or all)."""
        return [c for c in self.calls_to("sendMessage") if chat_id is None or c.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """A message the bot sent, as it stands now: chat_id, message_id, date, text, parse_mode,
        visible_text, entities, reply_markup, reply_to, edit_date."""
        with self._changed:
            return copy.deepcopy(self.messages[(chat_id, message_id)])

    def buttons(self, chat_id: int, message_id: int) -> list[tuple[str, str]]:
        return buttons_of(self.message(chat_id, message_id)["reply_markup"])

    def message_json(self, chat_id: int, message_id: int, *, with_reply: bool = False) -> dict[str, Any]:
        """A message the bot sent as a Telegram Message object, as a reply's reply_to_message carries it
        (never nested further), or, `with_reply`, as a callback query's message carries it: with the
        message it replied to."""
        with self._changed:
            return self._message_json(self.messages[(chat_id, message_id)], with_reply=with_reply)

    def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def wait_delivered(self, update_id: int, timeout: float = 5.0, *, times: int = 1) -> bool:
        """Wait until getUpdates has returned the update (at least `times` times)."""
        return self.wait_for(lambda: self.deliveries.get(update_id, 0) >= times, timeout)

    # ---- the API ----------------------------------------------------------------------------------
    def _answer(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        arrived = time.monotonic()
        with self._changed:
            name = self._method_names.get(method.lower(), method)
            try:
                if token != self.token:
                    raise _ApiError(401, "Unauthorized")
                handler = self._methods.get(name)
                if handler is None:
                    raise _ApiError(404, "Not Found")
                self._fail_if_told(name)
                result = handler(params)
            except _ApiError as error:
                self.calls.append(Call(name, params, error.status, error.description, None, arrived))
                self._changed.notify_all()
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": error.status,
                    "description": error.description,
                }
                if error.parameters:
                    body["parameters"] = error.parameters
                return error.status, body
            self.calls.append(Call(name, params, 200, None, result, arrived))
            self._changed.notify_all()
            return 200, {"ok": True, "result": result}

    def _fail_if_told(self, method: str) -> None:
        failure = next(
            (
                f
                for f in self._failures
                if f.method == method or (f.method is None and method not in _SPARED_BY_DEFAULT)
            ),
            None,
        )
        if failure is None:
            return
        self._failures.remove(failure)
        parameters = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
        raise _ApiError(failure.status, failure.description, parameters)

    # getUpdates
    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if isinstance(params.get("allowed_updates"), list):
            self.allowed_updates = list(params["allowed_updates"])
        offset = _as_int(params.get("offset")) or 0
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), self.poll_cap)
        self._confirm(offset)
        # A newer getUpdates ends a waiting one, as Telegram does when two bot instances poll.
        self._poll_generation += 1
        generation = self._poll_generation
        self.waiting_polls += 1
        self._changed.notify_all()
        try:
            self._changed.wait_for(
                lambda: self._closed or generation != self._poll_generation or bool(self._ready()), timeout
            )
        finally:
            self.waiting_polls -= 1
        ready = self._ready()[:limit]
        if not ready and generation != self._poll_generation:
            raise _ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        for pending in ready:
            pending.forced = False
            self.deliveries[pending.update_id] = self.deliveries.get(pending.update_id, 0) + 1
        return [copy.deepcopy(p.update) for p in ready]

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            # "updates starting from -offset update from the end of the queue; previous ones forgotten"
            self._queue = sorted(self._queue, key=lambda p: p.update_id)[offset:]
            if self._queue:
                self.confirmed_offset = max(self.confirmed_offset, self._queue[0].update_id)
        elif offset > 0:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self._queue = [p for p in self._queue if p.forced or p.update_id >= offset]

    def _ready(self) -> list[_Pending]:
        allowed = set(self.allowed_updates or [])
        # Telegram never delivers the kinds the bot did not ask for.
        self._queue = [
            p
            for p in self._queue
            if (p.kind in allowed if allowed else p.kind not in _DEFAULT_EXCLUDED_UPDATES)
        ]
        return sorted(self._queue, key=lambda p: p.update_id)

    # messages
    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params, sending=True)
        text, visible, entities = _text(params)
        markup = _markup(params, inline_only=False)
        counter = self._message_ids.setdefault(chat_id, itertools.count(1000))
        stored = {
            "chat_id": chat_id,
            "message_id": next(counter),
            "date": int(time.time()),
            "text": text,
            "parse_mode": params.get("parse_mode"),
            "visible_text": visible,
            "entities": entities,
            "reply_markup": markup,
            "reply_to": _reply_to(params),
            "edit_date": None,
        }
        self.messages[(chat_id, stored["message_id"])] = stored
        return self._message_json(stored, with_reply=True)

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._stored(params)
        text, visible, entities = _text(params)
        # Without reply_markup an edit removes the inline keyboard, as on Telegram.
        markup = _markup(params, inline_only=True)
        if (visible, entities, markup) == (
            stored["visible_text"],
            stored["entities"],
            stored["reply_markup"],
        ):
            raise _ApiError(400, NOT_MODIFIED)
        stored.update(
            text=text,
            parse_mode=params.get("parse_mode"),
            visible_text=visible,
            entities=entities,
            reply_markup=markup,
            edit_date=int(time.time()),
        )
        return self._message_json(stored, with_reply=True)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._stored(params)
        markup = _markup(params, inline_only=True)
        if markup == stored["reply_markup"]:
            raise _ApiError(400, NOT_MODIFIED)
        stored.update(reply_markup=markup, edit_date=int(time.time()))
        return self._message_json(stored, with_reply=True)

    def _stored(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params, sending=False)
        stored = self.messages.get((chat_id, _as_int(params.get("message_id")) or 0))
        if stored is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return stored

    def _chat(self, params: dict[str, Any], *, sending: bool) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int) or chat_id in self.missing_chats:
            raise _ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        if sending and chat_id in self.unstarted:
            raise _ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat_id

    def _chat_json(self, chat_id: int) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        return {**chat, **self.chats.get(chat_id, {})}

    def _message_json(self, stored: dict[str, Any], *, with_reply: bool) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": stored["message_id"],
            "date": stored["date"],
            "chat": self._chat_json(stored["chat_id"]),
            "from": dict(BOT_USER),
            "text": stored["visible_text"],
        }
        if stored["entities"]:
            message["entities"] = copy.deepcopy(stored["entities"])
        if stored["reply_markup"]:
            message["reply_markup"] = copy.deepcopy(stored["reply_markup"])
        if stored["edit_date"]:
            message["edit_date"] = stored["edit_date"]
        replied = self.messages.get((stored["chat_id"], stored["reply_to"] or 0))
        if with_reply and replied is not None:
            message["reply_to_message"] = self._message_json(replied, with_reply=False)
        elif with_reply and stored["reply_to"]:
            # A person's message (the fake keeps only the bot's): its id and chat, what the bot reads.
            message["reply_to_message"] = {
                "message_id": stored["reply_to"],
                "date": stored["date"],
                "chat": self._chat_json(stored["chat_id"]),
            }
        return message

    # callback queries, commands, webhook
    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise _ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        if len(params.get("text") or "") > MAX_CALLBACK_ANSWER_LENGTH:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[params.get("language_code") or ""] = commands
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(params.get("language_code") or "", None)
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._queue.clear()
        self.webhook = dict(params) if params.get("url") else None
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self._queue.clear()
        self.webhook = None
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        for name in ("max_connections", "allowed_updates"):
            if self.webhook and self.webhook.get(name) is not None:
                info[name] = self.webhook[name]
        return info


def _text(params: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]]]:
    """The text as sent, as a person reads it, and its entities; refused as Telegram refuses it."""
    text = params.get("text")
    if not isinstance(text, str) or not text:
        raise _ApiError(400, "Bad Request: message text is empty")
    entities: list[dict[str, Any]] = []
    if (params.get("parse_mode") or "").lower() == "html":
        try:
            visible, entities = parse_html(text)
        except HtmlError as error:
            raise _ApiError(400, f"Bad Request: can't parse entities: {error}") from None
    else:
        # Markdown modes are not parsed: the bot uses HTML.
        visible = text
        if isinstance(params.get("entities"), list):
            entities = params["entities"]
    if not visible.strip():
        raise _ApiError(400, "Bad Request: message text is empty")
    if len(visible) > MAX_TEXT_LENGTH:
        raise _ApiError(400, "Bad Request: message is too long")
    return text, visible, entities


def _markup(params: dict[str, Any], *, inline_only: bool) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if inline_only:
            raise _ApiError(400, "Bad Request: inline keyboard expected")
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _ApiError(
            400, "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    for button in (b for row in rows for b in row):
        if set(button) <= {"text"}:
            raise _ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    # An empty inline keyboard is no keyboard.
    return markup if any(rows) else None


_PATH = re.compile(r"/bot([^/]+)/([A-Za-z0-9_]+)/?")


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm and the client's delayed ACK
        # every answer would wait ~40 ms.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._serve(b"")

        def do_POST(self) -> None:
            self._serve(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def _serve(self, body: bytes) -> None:
            url = urlsplit(self.path)
            raw: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
            kind = self.headers.get("Content-Type", "")
            try:
                if body and kind.startswith("application/json"):
                    raw.update(json.loads(body))
                elif body:
                    # keep_blank_values: an empty text must reach the method to be refused as Telegram does
                    raw.update(parse_qsl(body.decode(), keep_blank_values=True))
            except ValueError:
                self._send(
                    400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid request"}
                )
                return
            path = _PATH.fullmatch(unquote(url.path))
            if path is None:
                self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            status, answer = fake._answer(path.group(1), path.group(2), decode_params(raw))
            self._send(status, answer)

        def _send(self, status: int, answer: dict[str, Any]) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            # A client that gave up on a long poll (a bot shutting down) needs no answer.
            with contextlib.suppress(OSError):
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler

"""A fake Slack Web API on 127.0.0.1 (a free port): answers the methods the bot uses, records every
call, and can be told to fail the next calls (429 with Retry-After, 500, or an error code).

slack_sdk's WebClient and AsyncWebClient both take its URL as `base_url`, so the real clients talk to it
exactly as they would to Slack: form, JSON and query-string requests, Slack's answer shapes.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER = "U0SPOCBOT"
BOT_ID = "B0SPOCBOT"
TEAM = "T0DESK"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    # Slack's error code when it answered {"ok": false, "error": ...}.
    error: str | None = None
    # The Authorization header's token (bot token or app-level token).
    token: str | None = None
    answer: dict[str, Any] = field(default_factory=dict)
    # When the call arrived (time.monotonic: the same clock in every process of this machine).
    at: float = field(default_factory=time.monotonic)

    @property
    def ts(self) -> str:
        """The message this call posted (chat.postMessage) or edited (chat.update)."""
        return str(self.answer.get("ts") or self.params.get("ts"))

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None

    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks

    def buttons(self) -> list[tuple[str, str]]:
        """(label, value) of every button in the message."""
        return [
            (element["text"]["text"], element["value"])
            for block in self.blocks()
            if block.get("type") == "actions"
            for element in block["elements"]
        ]


@dataclass
class _Failure:
    status: int
    error: str | None
    retry_after: float | None
    method: str | None


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Thread parents that conversations.replies returns: (channel, ts) -> message.
    threads: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    # Messages posted, by (channel, ts), as they stand now (chat.update changes them).
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # Where apps.connections.open sends a Socket Mode client (a WebSocket URL).
    socket_url: str | None = None

    def __post_init__(self) -> None:
        self._changed = threading.Condition()
        self._failures: list[_Failure] = []
        self._counter = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-slack", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---- test controls ----------------------------------------------------------------------------
    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        error: str | None = None,
        retry_after: float | None = None,
        method: str | None = None,
    ) -> None:
        """The next `count` calls (of `method`, or any) fail: HTTP `status` (429 with Retry-After), or
        HTTP 200 with {"ok": false, "error": error} when an error code is given."""
        with self._changed:
            self._failures += [_Failure(status, error, retry_after, method)] * count

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def posts(self, channel: str | None = None) -> list[Call]:
        return [
            c for c in self.calls_to("chat.postMessage") if channel is None or c.params["channel"] == channel
        ]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    # ---- the API ----------------------------------------------------------------------------------
    def _answer(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], Any]:
        with self._changed:
            failure = next((f for f in self._failures if f.method in (None, method)), None)
            if failure is not None:
                self._failures.remove(failure)
                status = 200 if failure.error else failure.status
                error = failure.error or ("ratelimited" if status == 429 else f"http_{status}")
                self.calls.append(Call(method, params, status, error, token))
                self._changed.notify_all()
                headers = (
                    {"Retry-After": f"{failure.retry_after:g}"} if failure.retry_after is not None else {}
                )
                if failure.error:
                    return 200, headers, {"ok": False, "error": failure.error}
                if failure.status == 429:
                    return 429, headers, {"ok": False, "error": "ratelimited"}
                return failure.status, headers, "upstream connect error"
            answer = self._method(method, params)
            error = None if answer.get("ok") else answer["error"]
            self.calls.append(Call(method, params, 200, error, token, answer))
            self._changed.notify_all()
            return 200, {}, answer

    def _method(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://desk.example/", "team": "Desk", "user": "spoc",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID}  # fmt: skip
        if method == "chat.postMessage":
            self._counter += 1
            ts = f"{1767600000 + self._counter}.{self._counter:06d}"
            channel = params["channel"]
            self.messages[(channel, ts)] = dict(params)
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"text": params.get("text"), "ts": ts},
            }
        if method == "chat.update":
            key = (params["channel"], params["ts"])
            if key not in self.messages:
                return {"ok": False, "error": "message_not_found"}
            self.messages[key] = {**self.messages[key], **params}
            return {"ok": True, "channel": key[0], "ts": key[1], "text": params.get("text")}
        if method == "chat.postEphemeral":
            self._counter += 1
            return {"ok": True, "message_ts": f"{1767600000 + self._counter}.{self._counter:06d}"}
        if method == "users.info":
            user = self.users.get(params.get("user", ""))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": user}
        if method == "conversations.replies":
            parent = self.threads.get((params.get("channel", ""), params.get("ts", "")))
            if parent is None:
                return {"ok": False, "error": "thread_not_found"}
            return {"ok": True, "messages": [parent], "has_more": False}
        if method == "apps.connections.open":
            return (
                {"ok": True, "url": self.socket_url}
                if self.socket_url
                else {"ok": False, "error": "not_allowed"}
            )
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "")).lstrip("U")}}
        return {"ok": False, "error": "unknown_method"}


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve(b"")

        def do_POST(self) -> None:
            self._serve(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def _serve(self, body: bytes) -> None:
            url = urlsplit(self.path)
            method = url.path.rsplit("/", 1)[-1]
            params: dict[str, Any] = dict(parse_qsl(url.query))
            kind = self.headers.get("Content-Type", "")
            if body and kind.startswith("application/json"):
                params.update(json.loads(body))
            elif body:
                params.update(parse_qsl(body.decode()))
            auth = self.headers.get("Authorization", "")
            status, headers, answer = fake._answer(method, params, auth.removeprefix("Bearer ") or None)
            data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
            self.send_response(status)
            kind = "text/plain" if isinstance(answer, str) else "application/json; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler

"""A stand-in for ``rasa run --enable-api``: ``POST /model/parse`` on 127.0.0.1, answering in Rasa 3's
format from a script of replies, recording every request it gets."""

from __future__ import annotations

import json
import threading
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# How long a "slow" reply blocks at most if the test forgets to release it (it never should).
MAX_BLOCK = 5.0
# A dripped reply's headers are padded to take long: ~15 s at 0.05 s a byte, unless released.
DRIP_PADDING = 300


def intent(name: str, confidence: float) -> dict[str, Any]:
    # Rasa 3 gives each intent an id (a hash of its name) next to name and confidence.
    return {"id": zlib.crc32(name.encode()) - 2**31, "name": name, "confidence": confidence}


def parse_answer(
    text: str,
    ranking: list[tuple[str, float]],
    *,
    fallback: float | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """What Rasa 3.6 with DIET (and FallbackClassifier, when ``fallback`` is its threshold) answers."""
    intents = [intent(name, confidence) for name, confidence in ranking]
    if fallback is not None:  # FallbackClassifier puts nlu_fallback, at its threshold, on top
        intents.insert(0, {"name": "nlu_fallback", "confidence": fallback})
    tokens, position = [], 0
    for word in text.split():
        start = text.index(word, position)
        tokens.append([start, start + len(word)])
        position = start + len(word)
    return {
        "text": text,
        "intent": intents[0] if intents else {"name": None, "confidence": 0.0},
        "entities": entities or [],
        "text_tokens": tokens,
        "intent_ranking": intents,
        "response_selector": {
            "all_retrieval_intents": [],
            "default": {
                "response": {
                    "responses": None,
                    "confidence": 0.0,
                    "intent_response_key": None,
                    "utter_action": "utter_None",
                },
                "ranking": [],
            },
        },
    }


def error_body(status: int, reason: str) -> dict[str, Any]:
    """Rasa's error format (rasa.server.ErrorResponse)."""
    return {"version": "3.6.20", "status": "failure", "message": reason, "reason": reason, "code": status}


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-encoded unless bytes; None: parse_answer(text, [("greet", 0.9)])
    block: bool = False  # hold the answer until the test releases the server
    drip: float | None = None  # write the answer one byte at a time, this many seconds apart (until released)


@dataclass
class Recorded:
    path: str
    json: Any


@dataclass
class FakeRasa:
    replies: deque[Reply] = field(default_factory=deque)
    requests: list[Recorded] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    received: threading.Event = field(default_factory=threading.Event)
    default: Reply = field(default_factory=Reply)
    dropped: threading.Event = field(default_factory=threading.Event)  # a client hung up on a dripped reply
    url: str = ""

    def script(self, *replies: Reply) -> None:
        """The next requests get these replies, in order; after them, ``default``."""
        self.replies.extend(replies)

    def handle(self, path: str, body: bytes) -> Reply:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        self.requests.append(Recorded(path, payload))
        self.received.set()
        reply = self.replies.popleft() if self.replies else self.default
        if reply.body is None:
            text = payload.get("text", "") if isinstance(payload, dict) else ""
            return Reply(reply.status, parse_answer(text, [("greet", 0.9)]), reply.block, reply.drip)
        return reply


def serve() -> tuple[FakeRasa, ThreadingHTTPServer]:
    fake = FakeRasa()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.split("?")[0].rstrip("/").endswith("/model/parse"):
                reply = fake.handle(self.path, body)
            else:
                fake.requests.append(Recorded(self.path, None))
                reply = Reply(404, error_body(404, "NotFound"))
            if reply.block:
                fake.release.wait(MAX_BLOCK)
            data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            if reply.drip is not None:
                self.drip(reply.status, data, reply.drip)
                return
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting (a timeout test): nothing to tell
                pass

        def drip(self, status: int, data: bytes, interval: float) -> None:
            """Each read of the client's gets a byte quickly; the whole answer takes ~15 s."""
            answer = (
                f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                f"X-Padding: {'x' * DRIP_PADDING}\r\nContent-Length: {len(data)}\r\n\r\n"
            ).encode() + data
            self.close_connection = True
            try:
                for i in range(len(answer)):
                    self.wfile.write(answer[i : i + 1])
                    fake.release.wait(interval)  # the slow server; released at teardown
            except OSError:  # the client hung up: what the test waits for
                fake.dropped.set()

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval: shutdown() waits up to one, at every test's teardown.
    threading.Thread(target=server.serve_forever, args=(0.02,), name="fake-rasa", daemon=True).start()
    return fake, server

"""The Rasa backend: intents from a Rasa server's ``POST /model/parse``, everything else from the built-in
engine, and the built-in engine alone whenever Rasa is down, slow or talks nonsense.

Rasa 3.6 cannot be installed next to the bot (see DESIGN.md), so it runs as its own server
(``rasa run --enable-api``, see rasa/README.md) and this module talks to it over HTTP.

What comes from where:
- intent and intent_ranking: Rasa, mapped onto the contract (``map_answer``);
- language and entities: always the built-in engine, which runs on every message anyway (~0.3 ms) so
  that its answer is ready when Rasa fails. Language detection and the desk's entities (ticket refs;
  the catalogue, dates... added by nlu.pipeline) are ours whichever engine classifies.

Failure handling, the point of this module: a failed call (refused, timed out, HTTP error, invalid
JSON, JSON of the wrong shape) yields the built-in engine's own answer plus ``"nlu_degraded": True``
and the built-in engine's own decision settings, ``"threshold"`` and ``"margin"`` (its confidences are
not DIET's: judged with Rasa's 0.5 it would give up on answers it is sure of; nlu.decision prefers a
result's own settings); the bot then tells the user it understands only partly right now
(bot/dispatch.py) and carries on.
Connection errors and 5xx are retried at once, ``retries`` times (the user is waiting: no sleep); a
timeout, a 4xx or garbage is not (asking again would give the same). A circuit breaker then skips Rasa
for ``cooldown`` seconds, so a dead server does not add its timeout to every message; one WARNING per
outage names the URL and the reason, never the user's text.

HTTP with the standard library (http.client): the whole exchange is one small JSON POST per message,
which needs a timeout and a status check, nothing a new dependency would add. A fresh connection per
message costs a fraction of a millisecond on the network Rasa runs in, next to Rasa's own 10-50 ms, and
keeps threads independent (an http.client connection must not be shared).

``timeout`` is a deadline for the whole attempt, not a socket timeout (which starts again with every
byte: a server dripping its headers would hold the user for as long as it likes). The exchange runs on
one of at most ``max_in_flight`` worker threads; the caller waits for it until the deadline, then shuts
the connection down under it, which ends the worker within moments. When all workers are busy (Rasa so
slow that the messages of the last ``timeout`` seconds all still wait for it), a message is answered by
the built-in engine at once, marked degraded, without a request: never an unbounded number of threads.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import math
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import SplitResult, urlsplit

from nlu.decision import interpret
from nlu.engine import RANKING_SIZE, BuiltinNlu
from nlu.labels import INTENTS, OUT_OF_SCOPE
from nlu.text import truncate

log = logging.getLogger(__name__)

PARSE_PATH: Final = "/model/parse"
RASA_FALLBACK: Final = "nlu_fallback"  # what Rasa's FallbackClassifier predicts when unsure

# Decision settings for DIET's softmax confidences; rasa/config.yml's FallbackClassifier uses the same
# two numbers (a test keeps them equal), so Rasa's own logs and the bot agree on what is "unsure".
# 0.5: over 17 intents chance is 0.06, and a trained DIET puts its in-domain answers above 0.8; below
# one half the top intent is less likely than all the others together, and asking beats guessing
# (a wrong guess starts a ticket dialogue). Stricter than Rasa's default 0.3, made for bots whose
# wrong guess costs one reply. 0.1: Rasa's default ambiguity threshold; closer than that, the bot
# offers both.
DEFAULT_THRESHOLD: Final = 0.5
DEFAULT_MARGIN: Final = 0.1

# Rasa's answer is a few kilobytes; anything far bigger is not Rasa, and must not fill memory.
MAX_ANSWER_BYTES: Final = 1 << 20
# Exchanges with Rasa at once, per client: twice the Slack adapter's default workers, so a retry and an
# exchange still being shut down after its deadline fit too.
DEFAULT_MAX_IN_FLIGHT: Final = 8

_KNOWN: Final = frozenset(INTENTS)


class RasaError(Exception):
    """One failed exchange. ``reason`` is for the log: it never holds the user's text."""

    def __init__(self, reason: str, *, retry: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry  # worth asking again at once: the connection failed, or the server erred (5xx)


class _Busy(Exception):
    """Every worker is waiting for Rasa: this message is not sent. Not a failure of Rasa's (no outage)."""


@dataclass(frozen=True, slots=True)
class _Endpoint:
    https: bool
    host: str
    port: int | None
    path: str  # request target: base path + /model/parse + the URL's query (Rasa's ?token=...)
    shown: str  # for logs and errors: no query, which may carry Rasa's auth token


def parse_url(url: str) -> _Endpoint:
    """The server root (``http://localhost:5005``, or with a path prefix behind a proxy); ValueError if
    it cannot be one."""
    parts = urlsplit(url.strip())
    base = parts.path.rstrip("/")
    shown = f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if _port(parts) else ''}{base}"
    if parts.scheme not in ("http", "https"):
        raise ValueError(
            "the Rasa server URL must start with http:// or https://, e.g. http://localhost:5005; "
            f"got {_without_secrets(url.strip())!r}"
        )
    if not parts.hostname:
        raise ValueError(f"the Rasa server URL has no host, e.g. http://localhost:5005; got {shown!r}")
    if parts.username is not None:
        raise ValueError("user:password@ in the Rasa server URL is not supported; use Rasa's ?token=...")
    path = base + PARSE_PATH + (f"?{parts.query}" if parts.query else "")
    return _Endpoint(parts.scheme == "https", parts.hostname, _port(parts), path, shown)


def _without_secrets(url: str) -> str:
    """``url`` without ``user:password@``, query and fragment (Rasa's ?token=...), whatever its scheme,
    even without one ("admin:pw@localhost:5005"): for error messages."""
    url = url.split("?", 1)[0].split("#", 1)[0]
    scheme_end = url.find("//")
    start = scheme_end + 2 if scheme_end >= 0 else 0
    end = url.find("/", start)
    end = len(url) if end < 0 else end
    return url[:start] + url[start:end].rpartition("@")[2] + url[end:]


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError as exc:  # "port out of range", "invalid literal for int()"
        raise ValueError(f"the Rasa server URL has an invalid port: {exc}") from None


class RasaNlu:
    """Implements :class:`nlu.backend.NluBackend` with a Rasa server, ``fallback`` standing in for it."""

    def __init__(
        self,
        url: str,
        fallback: BuiltinNlu,
        *,
        timeout: float = 2.0,
        retries: int = 1,
        cooldown: float = 30.0,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        if retries < 0 or cooldown < 0:
            raise ValueError("retries and cooldown must not be negative")
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight!r}")
        self._endpoint = parse_url(url)
        self.url = self._endpoint.shown
        self.fallback = fallback
        self.timeout = timeout
        self.retries = retries
        self.cooldown = cooldown
        self.threshold = threshold
        self.margin = margin
        self.max_in_flight = max_in_flight
        self._monotonic = monotonic  # the breaker's clock (a fake one in tests); sockets use real time
        self._lock = threading.Lock()
        self._skip_until: float | None = None  # breaker open: no request to Rasa before this time
        self._outage: str | None = None  # why Rasa failed, from the first failure until a success
        # The exchanges run here; a slot is taken before one is handed over and freed when it ends, so
        # the pool never queues (a queued exchange would wait while its caller's deadline runs out).
        self._pool = ThreadPoolExecutor(max_in_flight, thread_name_prefix="rasa-nlu")
        self._slots = threading.BoundedSemaphore(max_in_flight)

    def parse(self, text: str) -> dict[str, Any]:
        local = self.fallback.parse(text)
        if not self._admit():
            return self._degraded(local)
        try:
            # At most the characters the built-in engine reads: a pasted log costs no more than a message.
            intent, ranking = map_answer(self._ask(truncate(text)), self.threshold, self.margin)
        except _Busy:
            log.debug("Rasa NLU at %s: %d exchanges waiting already; not asked", self.url, self.max_in_flight)
            return self._degraded(local)
        except RasaError as exc:
            self._failed(exc.reason)
            return self._degraded(local)
        except Exception as exc:  # a bug on this path must not cost the user an answer either
            self._failed(f"unexpected {type(exc).__name__}", exc_info=True)
            return self._degraded(local)
        self._succeeded()
        return {
            "text": text,
            "intent": intent,
            "intent_ranking": ranking,
            "entities": local["entities"],
            "language": local["language"],
        }

    # --- the circuit breaker -------------------------------------------------------------------------

    def _admit(self) -> bool:
        with self._lock:
            if self._skip_until is None:
                return True
            now = self._monotonic()
            if now < self._skip_until:
                return False
            # Cooldown over: this caller tries Rasa; other threads keep skipping until it knows.
            self._skip_until = now + self.cooldown
            return True

    def _failed(self, reason: str, *, exc_info: bool = False) -> None:
        with self._lock:
            self._skip_until = self._monotonic() + self.cooldown
            first, self._outage = self._outage is None, self._outage or reason
        if first:
            log.warning(
                "Rasa NLU at %s unavailable (%s); using the built-in engine, next try in %g s",
                self.url,
                reason,
                self.cooldown,
                exc_info=exc_info,
            )
        else:
            log.debug("Rasa NLU at %s still unavailable (%s)", self.url, reason)

    def _succeeded(self) -> None:
        with self._lock:
            recovered = self._outage is not None
            self._outage = self._skip_until = None
        if recovered:
            log.info("Rasa reachable again at %s; using it for intents", self.url)

    # --- HTTP ------------------------------------------------------------------------------------------

    def _ask(self, text: str) -> Any:
        """Rasa's decoded answer; RasaError once the attempts are used up."""
        body = json.dumps({"text": text}).encode()
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._post(body)
            except RasaError as exc:
                if not exc.retry or attempt == attempts:
                    raise
                log.debug("Rasa NLU at %s: %s; asking again (%d/%d)", self.url, exc.reason, attempt, attempts)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _post(self, body: bytes) -> Any:
        """One attempt, within ``timeout`` all told: connect, send, headers and body (see the module doc)."""
        if not self._slots.acquire(blocking=False):
            raise _Busy
        exchange = _Exchange()
        try:
            future = self._pool.submit(self._exchange, body, exchange)
        except BaseException:  # the pool is shut down (interpreter exit): the slot is not taken after all
            self._slots.release()
            raise
        try:
            data = future.result(timeout=self.timeout)
        except TimeoutError:
            exchange.cancel()  # the worker's next read fails at once, and the worker ends
            raise RasaError(f"no answer within {self.timeout:g} s") from None
        try:
            return json.loads(data)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise RasaError("answer is not valid JSON") from None

    def _exchange(self, body: bytes, exchange: _Exchange) -> bytes:
        """The HTTP exchange, on a worker thread; the answer's body, or RasaError."""
        try:
            return self._http(body, exchange)
        finally:
            self._slots.release()

    def _http(self, body: bytes, exchange: _Exchange) -> bytes:
        deadline = time.monotonic() + self.timeout
        endpoint = self._endpoint
        factory = http.client.HTTPSConnection if endpoint.https else http.client.HTTPConnection
        connection = factory(endpoint.host, endpoint.port, timeout=self.timeout)
        try:
            connection.connect()
            if not exchange.connected(connection.sock):
                raise RasaError("the caller stopped waiting")  # its deadline passed while connecting
            connection.request(
                "POST",
                endpoint.path,
                body=body,
                headers={"Content-Type": "application/json", "Accept": "application/json"},
            )
            sock = connection.sock  # kept: getresponse() drops it from the connection when it closes
            _set_deadline(sock, deadline)
            response = connection.getresponse()
            if response.status != 200:
                # Rasa's error bodies may quote the request; the log gets the status alone.
                raise RasaError(f"HTTP {response.status}", retry=response.status >= 500)
            data = _read_body(response, sock, deadline)
        except TimeoutError:
            raise RasaError(f"no answer within {self.timeout:g} s") from None
        except ConnectionError as exc:  # refused, reset, closed before answering: maybe back at once
            raise RasaError(f"connection failed: {_describe(exc)}", retry=True) from None
        except http.client.HTTPException as exc:  # not HTTP at all: asking again gives the same
            raise RasaError(f"not an HTTP answer ({type(exc).__name__})") from None
        except OSError as exc:  # unknown host, unreachable network, TLS failure
            raise RasaError(f"connection failed: {_describe(exc)}", retry=True) from None
        finally:
            exchange.connected(None)  # before the socket is closed: cancel() never touches a closed one
            connection.close()
        return data

    def _degraded(self, result: dict[str, Any]) -> dict[str, Any]:
        """The built-in engine's answer, marked, with the settings its confidences are judged by."""
        return {
            **result,
            "nlu_degraded": True,
            "threshold": self.fallback.threshold,
            "margin": self.fallback.margin,
        }


class _Exchange:
    """One attempt's socket, for the caller to shut down under the worker when its deadline passes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._cancelled = False

    def connected(self, sock: socket.socket | None) -> bool:
        """Called by the worker once connected (None: when done): False if the caller has given up."""
        with self._lock:
            self._sock = sock
            return not self._cancelled

    def cancel(self) -> None:
        with self._lock:  # held throughout: the worker cannot close the socket (and free its fd) meanwhile
            self._cancelled = True
            if self._sock is not None:
                # shutdown, not close: it wakes a recv() blocked in the worker, which then sees the end of
                # the stream. socket.socket's own: TLS's would drop its state under the reading worker.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(self._sock, socket.SHUT_RDWR)


def _set_deadline(sock: Any, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    if sock is not None:
        sock.settimeout(remaining)


def _read_body(response: http.client.HTTPResponse, sock: Any, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        _set_deadline(sock, deadline)
        chunk = response.read1(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise RasaError(f"answer larger than {MAX_ANSWER_BYTES} bytes")
        chunks.append(chunk)


def _describe(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


# --- Rasa's answer onto the contract ----------------------------------------------------------------


def map_answer(
    answer: Any, threshold: float = DEFAULT_THRESHOLD, margin: float = DEFAULT_MARGIN
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(intent, intent_ranking) from a ``/model/parse`` answer; RasaError if it is not one.

    Names outside the contract's intents (a model trained on other data, retrieval intents) are
    dropped from the ranking and, on top, read as out_of_scope. ``nlu_fallback`` (Rasa's
    FallbackClassifier) is out_of_scope with its confidence too, except where the bot would rather ask:
    when Rasa fell back because the top two were too close, the real ranking is kept so that the bot
    offers both (nlu.decision), as it does with the built-in engine, instead of "not understood".
    """
    if not isinstance(answer, dict):
        raise RasaError(f"answer is a JSON {type(answer).__name__}, not an object")
    top = answer.get("intent")
    if not isinstance(top, dict):
        raise RasaError("answer has no intent")
    top_name = _name(top.get("name"))
    top_confidence = _confidence(top.get("confidence"))
    raw = answer.get("intent_ranking")
    if raw is None:  # only from a pipeline without a ranking classifier
        raw = [top]
    if not isinstance(raw, list):
        raise RasaError("intent_ranking is not a list")
    best: dict[str, float] = {}
    for entry in raw:
        if not isinstance(entry, dict):
            raise RasaError("intent_ranking holds a non-object")
        name, confidence = _name(entry.get("name")), _confidence(entry.get("confidence"))
        if name in _KNOWN and confidence > best.get(name, -1.0):
            best[name] = confidence
    ordered = sorted(best.items(), key=lambda item: -item[1])[:RANKING_SIZE]
    ranking = [{"name": name, "confidence": confidence} for name, confidence in ordered]

    if top_name in _KNOWN:
        return {"name": top_name, "confidence": top_confidence}, ranking
    if top_name == RASA_FALLBACK and ranking:
        undone = {"intent": dict(ranking[0]), "intent_ranking": ranking}
        if interpret(undone, threshold, margin).kind == "ambiguous":
            return dict(ranking[0]), ranking
    return {"name": OUT_OF_SCOPE, "confidence": top_confidence}, ranking


def _name(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value  # None: Rasa's answer to an empty text
    raise RasaError("an intent name is not a string")


def _confidence(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RasaError("an intent confidence is not a number")
    return min(1.0, max(0.0, float(value)))

"""Pacing outgoing messages to a platform's rate limits, shared by the channel adapters.

Slack and Telegram both ask for about one message per second per conversation (Telegram also for at most
20 per minute in a group and 30 per second in all); posting faster earns a 429 and a pause. Pacing
before posting keeps the bot under those limits instead of learning them from refusals.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.channels.base import DeliveryError

# Conversations and kept turns remembered before the quiet ones are forgotten.
PACED_CONVERSATIONS = 10_000


class Pacer:
    """About one message per second per conversation, with a short burst allowed (Slack's documented
    limit for chat.postMessage), as a GCRA token bucket. A sender whose turn is near waits for it; one
    whose turn is further off keeps its turn (by outbox id) and is told to come back then (a
    `DeliveryError` with `retry_after`), so the outbox holds the message and no thread sits idle."""

    def __init__(
        self,
        per_second: float = 1.0,
        burst: int = 3,
        max_wait: float = 0.5,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self.tolerance = (burst - 1) * self.interval
        self.max_wait = max_wait
        self.monotonic = monotonic
        self.sleep = sleep
        self._lock = threading.Lock()
        # Per conversation: when its bucket is next empty ("theoretical arrival time").
        self._due: dict[str, float] = {}
        # Turns kept by messages sent back to the outbox: (conversation, outbox id) -> their time.
        self._kept: dict[tuple[str, int], float] = {}

    def wait_turn(self, key: str, message_id: int | None = None) -> None:
        with self._lock:
            now = self.monotonic()
            turn = self._kept.pop((key, message_id), None) if message_id is not None else None
            if turn is None:
                due = max(self._due.get(key, now), now)
                self._due[key] = due + self.interval
                turn = due - self.tolerance
            wait = turn - now
            self._forget_old(now)
            if wait > self.max_wait:
                if message_id is not None:
                    self._kept[(key, message_id)] = turn
                raise DeliveryError(f"pacing {key}: its turn comes in {wait:.1f} s", retry_after=wait)
        if wait > 0:
            self.sleep(wait)

    def hold(self, key: str, seconds: float) -> None:
        """Slack said 429: nobody posts to this conversation before its Retry-After has passed."""
        with self._lock:
            now = self.monotonic()
            self._due[key] = max(self._due.get(key, now), now + seconds + self.tolerance)

    def _forget_old(self, now: float) -> None:
        # Conversations long quiet, and turns nobody came back for (another process sent the message).
        if len(self._due) > PACED_CONVERSATIONS:
            self._due = {key: due for key, due in self._due.items() if due > now}
        if len(self._kept) > PACED_CONVERSATIONS:
            self._kept = {key: turn for key, turn in self._kept.items() if turn > now - 60}

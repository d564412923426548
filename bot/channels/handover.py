"""Handing translated messages from an adapter's event loop to the synchronous core, shared by the
channel adapters.

A platform's request is acknowledged at once; the message is handled afterwards on a worker thread (the
core is synchronous), one message of a person at a time in the order they came, different people in
parallel. Shutdown waits for what was acknowledged: the platform will not send it again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from bot.messages import Inbound

log = logging.getLogger(__name__)

Translate = Callable[[], Awaitable[Inbound | None]]


class CoreQueue:
    def __init__(self, handle: Callable[[Inbound], object], *, workers: int = 4, name: str = "core") -> None:
        self.handle = handle
        self.name = name
        # The core's own threads: few, so the event loop (and with it every acknowledgement) keeps the
        # interpreter often enough; SQLite takes one writer at a time anyway.
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"spoc-{name}")
        self._tasks: set[asyncio.Task[None]] = set()
        # Per person: a lock and how many of their messages wait for it (so it can be dropped when none).
        self._people_locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._idle = threading.Condition()
        self._in_flight = 0

    def queue(self, user: str, translate: Translate) -> None:
        """Start handling after the acknowledgement (call on the event loop). Tasks start in the order
        requests came, and each first takes its person's lock, so one person's messages are handled in
        that order; `translate` may still ask the platform (a profile) before the message is complete."""
        with self._idle:
            self._in_flight += 1
        task = asyncio.get_running_loop().create_task(self._run(user, translate))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    async def _run(self, user: str, translate: Translate) -> None:
        lock, waiting = self._people_locks.get(user) or (asyncio.Lock(), 0)
        self._people_locks[user] = (lock, waiting + 1)
        try:
            async with lock:
                inbound = await translate()
                if inbound is not None:
                    loop = asyncio.get_running_loop()
                    await loop.run_in_executor(self._executor, self.handle, inbound)
        except Exception:
            log.exception("handling a %s message failed", self.name)
        finally:
            lock, waiting = self._people_locks[user]
            if waiting <= 1:
                del self._people_locks[user]
            else:
                self._people_locks[user] = (lock, waiting - 1)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block (any thread but the event loop's) until every queued message has been handled."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    async def drain(self, timeout: float = 10.0) -> None:
        """At shutdown: let what was acknowledged be handled."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            if pending:
                log.warning("%d %s messages were still being handled at shutdown", len(pending), self.name)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=False)

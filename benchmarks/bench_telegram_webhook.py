#!/usr/bin/env python
"""Telegram by webhook under load: acknowledgement latency and throughput of `spoc run`, and no lost or
duplicated tickets.

Two processes, as in production plus Telegram:

* the **bot**: `spoc run` itself (`python -m bot.cli run`) in webhook mode, on a fresh SQLite file, with
  the demo desk given Telegram group ids and accounts, the built-in NLU (loaded from its cache before any
  timing), uvicorn on a free 127.0.0.1 port;
* this process: a **fake Telegram Bot API** (`tests/telegram/fake_telegram.py`, on its own threads) that
  the bot sends its answers to and registers its webhook with, which records every call and when it
  came; and the **load generator**, many simulated people in Telegram whose updates it POSTs to
  `/telegram/webhook` with the secret token header at a fixed rate (open loop: an update goes out on
  schedule whether or not earlier ones were answered, so a slow bot cannot slow the load down and hide
  its own latency).

Each simulated person repeats a session: a private message asking for a software installation (the bot
answers with a summary), the summary's *Submit* button (a callback_query on the message the fake
stored: the ticket opens), "my tickets", and a thank-you. A person presses only a summary they have
received; while someone waits for theirs, others take the turn, and when everyone waits, a newcomer
starts a session (Telegram ids never seen before: the bot registers them). A share of the updates is
delivered twice with the same update_id, as Telegram does when a webhook answer is lost.

Figures: the rate the bot acknowledged at, acknowledgement latency (POST → HTTP 200) p50/p90/p99/max,
the latency to a session's first answer (POST → the summary's sendMessage arriving at the fake), and the
answers to people per second while the load ran (Telegram's limit of about 30 messages per second in
all, which the bot paces to, caps it). Checks, after the bot has gone quiet: every POST got 200; every
update was processed; every submitted session has exactly one ticket of the right person; every session
got exactly one summary and, when submitted, one "opened" message (repeated updates answered nothing);
every press was answered and its keyboard removed; the bot never apologised; no outbox row failed;
nothing but team cards is still queued; no error in the bot's log. Team cards beyond Telegram's 20
messages per minute per group are still queued at the end (paced, not lost): they are counted.

    .venv/bin/python benchmarks/bench_telegram_webhook.py [--rate 100] [--duration 30] [--users 200]
        [--retries 0.05] [--runs 1] [--cache-dir DIR] [--check-target]

Exit status: 0 checks passed, 1 a check failed, 3 with --check-target when p99 ack >= 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import yaml  # noqa: E402

# The Slack benchmark beside this one (its folder is on sys.path): the same sessions' texts, port probe,
# percentile and summary.
from bench_slack_http import (  # noqa: E402
    APOLOGY,
    MY_TICKETS,
    REQUESTS,
    TARGET_P99_MS,
    THANKS,
    free_port,
    percentile,
    summarise,
)
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.config.loader import load_desk_config  # noqa: E402
from storage.models import ChannelAccount, OutboxMessage, ProcessedDelivery, Ticket  # noqa: E402
from tests.telegram.fake_telegram import NOT_MODIFIED, TOKEN, Call, FakeTelegram  # noqa: E402
from tests.telegram.support import SECRET, WEBHOOK_URL, telegram_desk_config  # noqa: E402
from tests.telegram.updates import TelegramUser, Updates  # noqa: E402

SUBMIT = "confirm"  # the summary's Submit button's callback_data
# Telegram ids of the simulated people (newcomers to the desk), of the warm-up's, of those who join later.
FIRST_PERSON, FIRST_WARMUP_PERSON, FIRST_NEWCOMER = 710_000_000, 720_000_000, 730_000_000
# One numbering for every load of the process (the warm-up's too): a repeated update_id is a redelivery
# to the bot, and dropped. In a chat, Telegram numbers the person's messages and the bot's in one
# sequence; the fake numbers the bot's from 1000 in each chat, so the people's start far above: a new
# message with the id of the bot's earlier one would read as a reply to it.
UPDATES = Updates(first_message_id=100_000_000)


# ---- simulated people -------------------------------------------------------------------------------
@dataclass
class Sent:
    kind: str
    update_id: int
    again: bool = False  # a redelivery of an update sent before
    at: float = 0.0
    latency: float | None = None
    status: int | None = None


@dataclass
class Conversation:
    """One session of a person: their request, the summary the bot answered with, the press on it."""

    request_id: int  # the request's message_id: the bot's answers reply to it
    sent: Sent
    summary_id: int | None = None
    pressed: bool = False


@dataclass
class Person:
    user: TelegramUser
    language: str
    step: int = 0
    sessions: list[Conversation] = field(default_factory=list)
    by_request: dict[int, Conversation] = field(default_factory=dict)
    waiting: bool = False  # for the summary of their latest request, before they can press it
    acted: float = 0.0  # when they last sent something (time.monotonic)


class Load:
    def __init__(
        self, url: str, fake: FakeTelegram, people: list[Person], retries: float, seed: int, newcomers: int
    ) -> None:
        self.url = url
        self.fake = fake
        self.people = list(people)
        self.by_chat = {person.user.id: person for person in people}
        # People free to act, by when: (time.monotonic, tie-breaker, person).
        self.ready: list[tuple[float, int, Person]] = []
        self._order = itertools.count()
        for person in people:
            self._ready_at(0.0, person)
        # How long a person takes between two steps: as in the Slack benchmark, users / rate.
        self.pause = 0.0
        self.retries = retries
        self.random = random.Random(seed)
        self._newcomer_ids = itertools.count(newcomers)
        self.sent: list[Sent] = []
        self.duplicates = 0
        self.newcomers = 0
        self._seen_calls = 0
        # The load's window on the monotonic clock the fake stamps its calls with.
        self.started = self.finished = 0.0

    def _ready_at(self, when: float, person: Person) -> None:
        heapq.heappush(self.ready, (when, next(self._order), person))

    def person(self) -> Person:
        """Whose turn it is: the longest ready, or a newcomer when everyone waits for a summary or is
        still reading the last answer."""
        self._absorb()
        if self.ready and self.ready[0][0] <= time.monotonic():
            return heapq.heappop(self.ready)[2]
        self.newcomers += 1
        person = make_person(next(self._newcomer_ids), self.random.choice(["de", "en"]))
        self.people.append(person)
        self.by_chat[person.user.id] = person
        return person

    def _absorb(self) -> None:
        """Summaries that reached the fake since the last look: their people may press them now."""
        calls = self.fake.calls[self._seen_calls :]  # appended by the fake's threads; a slice is atomic
        self._seen_calls += len(calls)
        for call in calls:
            if call.method != "sendMessage" or not call.ok or (call.chat_id or 0) <= 0:
                continue
            person = self.by_chat.get(call.chat_id or 0)
            conversation = person.by_request.get(call.reply_to or 0) if person else None
            if person is None or conversation is None or conversation.summary_id is not None:
                continue
            if not any(data == SUBMIT for _, data in call.buttons()):
                continue
            conversation.summary_id = call.message_id
            if person.waiting and conversation is person.sessions[-1]:
                person.waiting = False
                self._ready_at(max(call.at, person.acted + self.pause), person)

    def next_update(self, person: Person) -> tuple[str, dict[str, Any], Conversation | None]:
        """(kind, update, the session it starts) of the person's next step."""
        step, person.step = person.step % 4, person.step + 1
        user, language = person.user, person.language
        if step == 0:
            update = UPDATES.private_text(user, self.random.choice(REQUESTS[language]))
            conversation = Conversation(update["message"]["message_id"], Sent("request", update["update_id"]))
            person.sessions.append(conversation)
            person.by_request[conversation.request_id] = conversation
            person.waiting = True
            return "request", update, conversation
        if step == 1:
            conversation = person.sessions[-1]
            assert conversation.summary_id is not None
            conversation.pressed = True
            summary = self.fake.message_json(user.id, conversation.summary_id)
            return "submit", UPDATES.callback(user, summary, SUBMIT), None
        text = (MY_TICKETS if step == 2 else THANKS)[language]
        return ("my tickets" if step == 2 else "thanks"), UPDATES.private_text(user, text), None

    async def run(self, rate: float, duration: float) -> float:
        """Fire rate × duration updates on schedule; returns the wall time until the last was answered."""
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            tasks = []
            total = int(rate * duration)
            self.started = start = time.monotonic()
            self.pause = len(self.people) / rate
            for i in range(total):
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                person = self.person()
                kind, update, conversation = self.next_update(person)
                record = conversation.sent if conversation else Sent(kind, update["update_id"])
                body = json.dumps(update).encode()
                tasks.append(asyncio.create_task(self._send(http, record, body)))
                person.acted = time.monotonic()
                if not person.waiting:
                    self._ready_at(person.acted + self.pause, person)
                if self.random.random() < self.retries:
                    # Telegram's redelivery of the same update, as after a webhook answer it did not get
                    self.duplicates += 1
                    again = Sent(kind, update["update_id"], again=True)
                    tasks.append(asyncio.create_task(self._send(http, again, body)))
            await asyncio.gather(*tasks)
            self.finished = time.monotonic()
            return self.finished - start

    async def _send(self, http: aiohttp.ClientSession, record: Sent, body: bytes) -> None:
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        record.at = time.monotonic()
        self.sent.append(record)
        started = time.perf_counter()
        try:
            async with http.post(self.url, data=body, headers=headers) as response:
                await response.read()
                record.status = response.status
        except (TimeoutError, aiohttp.ClientError):
            record.status = 0
        record.latency = time.perf_counter() - started


def make_person(telegram_id: int, language: str) -> Person:
    user = TelegramUser(telegram_id, "Kim", f"Tester {telegram_id}", None, language)
    return Person(user, language)


def make_people(count: int, first: int, seed: int) -> list[Person]:
    chooser = random.Random(seed)
    return [make_person(first + n, chooser.choice(["de", "en"])) for n in range(count)]


# ---- one run ----------------------------------------------------------------------------------------
def run_once(args: argparse.Namespace, number: int) -> dict[str, Any]:
    seed = args.seed + number
    fake = FakeTelegram()
    workdir = Path(tempfile.mkdtemp(prefix="bench-telegram-"))
    config = workdir / "desk.yml"
    config.write_text(yaml.safe_dump(telegram_desk_config(load_desk_config(None)).model_dump(mode="json")))
    port = free_port()
    database = workdir / "spoc.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SPOC_DATABASE_URL": f"sqlite:///{database}",
           "SPOC_CONFIG": str(config), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url,
           "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL, "TELEGRAM_WEBHOOK_SECRET": SECRET,
           "SPOC_HTTP_HOST": "127.0.0.1", "SPOC_HTTP_PORT": str(port)}  # fmt: skip
    for other in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        env.pop(other, None)
    if args.cache_dir:
        env["SPOC_CACHE_DIR"] = args.cache_dir
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"], cwd=workdir, env=env, stderr=subprocess.PIPE, text=True
    )
    log: list[str] = []
    assert bot.stderr is not None
    # The webhook is served from the first line, but updates are handled once PTB has started.
    for line in bot.stderr:
        log.append(line)
        if "Telegram by webhook" in line:
            break
    else:
        fake.close()
        raise SystemExit("the bot did not start:\n" + "".join(log))
    threading.Thread(target=lambda: log.extend(bot.stderr), daemon=True).start()  # type: ignore[arg-type]
    address = f"http://127.0.0.1:{port}/telegram/webhook"
    load_before = os.getloadavg()[0]
    warm: Load | None = None
    try:
        if args.warmup > 0:  # first contact, first parse, first tickets: untimed
            people = make_people(20, FIRST_WARMUP_PERSON, seed + 1000)
            warm = Load(address, fake, people, 0.0, seed, FIRST_NEWCOMER + 50_000_000)
            asyncio.run(warm.run(min(args.rate, 20), args.warmup))
        load = Load(
            address, fake, make_people(args.users, FIRST_PERSON, seed), args.retries, seed, FIRST_NEWCOMER
        )
        wall = asyncio.run(load.run(args.rate, args.duration))
        ended = time.monotonic()
        quiet_after = wait_until_quiet(fake, ended, args.settle, args.drain_limit)
    finally:
        bot.send_signal(signal.SIGTERM)
        code = bot.wait(90)
    calls = list(fake.calls)
    result = figures(load, wall, calls)
    result.update(check(load, warm, fake, calls, database, code, log))
    fake.close()
    shutil.rmtree(workdir, ignore_errors=True)
    result.update(quiet_after=quiet_after, load=(load_before, os.getloadavg()[0]))
    return result


def answers_to_people(calls: list[Call]) -> list[Call]:
    # Private chats have the person's (positive) id; groups are negative.
    return [c for c in calls if c.method in ("sendMessage", "editMessageText") and (c.chat_id or 0) > 0]


def wait_until_quiet(fake: FakeTelegram, since: float, settle: float, limit: float) -> float:
    """Until the bot has answered nobody for `settle` seconds (at most `limit` seconds); returns how long it
    kept answering people after the last update was acknowledged."""
    last, deadline = since, since + limit
    while time.monotonic() < deadline:
        time.sleep(0.5)
        # Answers to people; the groups' cards trickle out at Telegram's pace long after.
        last = max([since, *(c.at for c in answers_to_people(fake.calls))])
        if time.monotonic() - last > settle:
            break
    return last - since


def figures(load: Load, wall: float, calls: list[Call]) -> dict[str, Any]:
    acked = [s for s in load.sent if s.status == 200]
    latencies = [s.latency * 1000 for s in acked if s.latency is not None]
    sessions = [c for person in load.people for c in person.sessions]
    # The first message the bot posted in reply to a session's request (its summary), also after the load.
    first: dict[tuple[int, int], float] = {}
    for call in calls:
        if call.method == "sendMessage" and call.ok and call.chat_id and call.reply_to:
            first.setdefault((call.chat_id, call.reply_to), call.at)
    answers = [
        (first[(person.user.id, c.request_id)] - c.sent.at) * 1000
        for person in load.people
        for c in person.sessions
        if (person.user.id, c.request_id) in first
    ]
    during = [
        c
        for c in answers_to_people(calls)
        if c.method == "sendMessage" and c.ok and load.started <= c.at <= load.finished
    ]
    return {
        "requests": len(load.sent),
        "retries": load.duplicates,
        "rate": len(acked) / wall,
        "p50": percentile(latencies, 0.50),
        "p90": percentile(latencies, 0.90),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies, default=0.0),
        "answer_p50": percentile(answers, 0.50),
        "answer_p90": percentile(answers, 0.90),
        "answer_p99": percentile(answers, 0.99),
        "answer_max": max(answers, default=0.0),
        "answers_per_s": len(during) / wall,
        "sessions": len(sessions),
        "submitted": sum(c.pressed for c in sessions),
        "people": len(load.people),
        "newcomers": load.newcomers,
    }


def check(
    load: Load,
    warm: Load | None,
    fake: FakeTelegram,
    calls: list[Call],
    database: Path,
    code: int,
    log: list[str],
) -> dict[str, Any]:
    problems: list[str] = []
    if code != 0:
        problems.append(f"`spoc run` exited with {code}")
    registered = [c.params for c in calls if c.method == "setWebhook" and c.ok]
    if not registered or (registered[0].get("url"), registered[0].get("secret_token")) != (
        WEBHOOK_URL,
        SECRET,
    ):
        problems.append(f"the webhook was not registered with its URL and secret: {registered}")
    everything = [*(warm.sent if warm else []), *load.sent]
    refused = Counter(s.status for s in everything if s.status != 200)
    if refused:
        problems.append(f"updates not acknowledged with 200: {dict(refused)}")
    # Per session, what the bot posted in reply to its request.
    replies: dict[tuple[int, int], list[Call]] = {}
    for call in calls:
        if call.method == "sendMessage" and call.ok and call.chat_id and call.reply_to:
            replies.setdefault((call.chat_id, call.reply_to), []).append(call)
    wrong_sessions = []
    for person in load.people:
        for session in person.sessions:
            thread = replies.get((person.user.id, session.request_id), [])
            summaries = [c for c in thread if any(data == SUBMIT for _, data in c.buttons())]
            opened = [c for c in thread if not c.buttons() and "SD-" in (c.visible_text or "")]
            if len(summaries) != 1 or len(opened) != int(session.pressed):
                wrong_sessions.append(
                    f"{person.user.id} session {session.request_id}: {len(summaries)} summaries, "
                    f"{len(opened)} opened, pressed {session.pressed}"
                )
            if session.pressed and session.summary_id is not None:
                markup = fake.message(person.user.id, session.summary_id)["reply_markup"]
                if markup:
                    wrong_sessions.append(f"{person.user.id}: the pressed summary kept its keyboard")
    problems += wrong_sessions[:20]
    if len(wrong_sessions) > 20:
        problems.append(f"... {len(wrong_sessions) - 20} more sessions")
    presses = sum(1 for s in everything if s.status == 200 and s.kind == "submit")
    answered = sum(1 for c in calls if c.method == "answerCallbackQuery" and c.ok)
    if answered != presses:
        problems.append(f"{presses} presses delivered, {answered} answered (answerCallbackQuery)")
    if any(any(a in (c.visible_text or "") for a in APOLOGY) for c in calls if c.method == "sendMessage"):
        problems.append("the bot apologised for a fault")
    # A press delivered twice edits its summary twice: the second edit changes nothing, and is refused.
    refusals = Counter(c.description for c in calls if not c.ok and c.description != NOT_MODIFIED)
    if refusals:
        problems.append(f"calls the fake Bot API refused: {dict(refusals)}")
    engine = create_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        tickets = Counter(
            session.execute(
                select(ChannelAccount.external_id)
                .join(Ticket, Ticket.requester_id == ChannelAccount.person_id)
                .where(ChannelAccount.channel == "telegram")
            ).scalars()
        )
        failed = session.execute(
            select(OutboxMessage.kind, OutboxMessage.last_error).where(OutboxMessage.failed_at.is_not(None))
        ).all()
        queued = session.execute(
            select(OutboxMessage.address, OutboxMessage.kind, func.count())
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
            .group_by(OutboxMessage.address, OutboxMessage.kind)
        ).all()
        processed = set(
            session.execute(
                select(ProcessedDelivery.delivery_id).where(ProcessedDelivery.channel == "telegram")
            ).scalars()
        )
    engine.dispose()
    for person in load.people:
        submitted = sum(s.pressed for s in person.sessions)
        if tickets.get(str(person.user.id), 0) != submitted:
            problems.append(
                f"{person.user.id}: {tickets.get(str(person.user.id), 0)} tickets, submitted {submitted}"
            )
    if failed:
        problems.append(f"{len(failed)} outbox rows failed: {Counter(failed).most_common(3)}")
    to_people = [(address, kind, count) for address, kind, count in queued if not address.startswith("-")]
    if to_people:
        problems.append(f"messages to people still queued: {to_people[:10]}")
    lost = {s.update_id for s in everything if s.status == 200} - {
        int(d.removeprefix("update:")) for d in processed if d.startswith("update:")
    }
    if lost:
        problems.append(f"{len(lost)} acknowledged updates were never processed, e.g. {sorted(lost)[:5]}")
    errors = [line.rstrip() for line in log if line.startswith(("ERROR", "CRITICAL")) or "Traceback" in line]
    if errors:
        problems.append(f"{len(errors)} errors in the bot's log, first: {errors[0]}")
    if problems and errors:
        problems.append("bot log:\n" + "".join(log[-40:]))
    warnings = [line.rstrip() for line in log if line.startswith("WARNING")]
    return {
        "tickets": sum(tickets.get(str(person.user.id), 0) for person in load.people),
        "queued_cards": sum(count for address, _, count in queued if address.startswith("-")),
        "warnings": Counter(warnings).most_common(3),
        "problems": problems,
    }


def line(number: int | str, r: dict[str, Any]) -> str:
    return (
        f"run {number}: {r['requests']} updates ({r['retries']} twice), {r['rate']:6.1f} acked/s, "
        f"ack p50 {r['p50']:6.2f} ms, p90 {r['p90']:6.2f} ms, p99 {r['p99']:6.2f} ms, "
        f"max {r['max']:7.2f} ms; "
        f"first answer p50 {r['answer_p50']:7.1f} ms, p90 {r['answer_p90']:7.1f} ms, "
        f"p99 {r['answer_p99']:7.1f} ms, max {r['answer_max']:7.1f} ms; "
        f"answers to people {r['answers_per_s']:5.1f}/s; sessions {r['sessions']:.0f} "
        f"({r['submitted']:.0f} submitted, {r['people']:.0f} people, {r['newcomers']:.0f} joined), "
        f"tickets {r['tickets']:.0f}, group cards still paced {r['queued_cards']:.0f}, "
        f"busy {r['quiet_after']:.1f} s after; load {r['load'][0]:.1f}->{r['load'][1]:.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="updates per second (default 100)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--users", type=int, default=200, help="simulated people at the start (default 200)")
    parser.add_argument("--retries", type=float, default=0.05, help="share of updates delivered twice")
    parser.add_argument("--runs", type=int, default=1, help="runs, each with a fresh bot and database")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of untimed load first (0: none)")
    parser.add_argument("--settle", type=float, default=3.0, help="quiet seconds that mean the bot is done")
    parser.add_argument(
        "--drain-limit", type=float, default=600.0, help="seconds to wait at most for the bot to go quiet"
    )
    parser.add_argument("--seed", type=int, default=20260105)
    parser.add_argument("--cache-dir", default=os.environ.get("SPOC_CACHE_DIR"), help="NLU model cache")
    parser.add_argument(
        "--check-target", action="store_true", help=f"exit 3 unless p99 ack < {TARGET_P99_MS} ms"
    )
    args = parser.parse_args()
    results = []
    for number in range(1, args.runs + 1):
        result = run_once(args, number)
        results.append(result)
        print(line(number, result), flush=True)
        for warning, count in result["warnings"]:
            print(f"  bot warning ({count}x): {warning}", flush=True)
        for problem in result["problems"]:
            print(f"  problem: {problem}", flush=True)
    return summarise(results, line, args.rate, args.check_target)


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python
"""Slack over HTTP under load: acknowledgement latency and throughput of `spoc run`, and no lost or
duplicated tickets.

Three processes, as in production plus Slack:

* the **bot**: `spoc run` itself (`python -m bot.cli run`) in HTTP mode, on a fresh SQLite file, with
  the demo desk given Slack channel and member ids, the built-in NLU (loaded from its cache before any
  timing), uvicorn on a free 127.0.0.1 port;
* a **fake Slack Web API** (`tests/slack/fake_slack.py`) that the bot posts its answers to, which
  records every call and when it came;
* this **load generator**: many simulated people in Slack, firing correctly signed requests at
  `/slack/events` at a fixed rate (open loop: a request goes out on schedule whether or not earlier
  ones were answered, so a slow bot cannot slow the load down and hide its own latency).

Each simulated person repeats a session: a direct message asking for a software installation (the
bot answers with a summary), the summary's *Submit* button (a block_actions press: the ticket opens),
"my tickets", and a thank-you. A share of the events is delivered again with Slack's retry headers
(same event_id, X-Slack-Retry-Num), as Slack does when an acknowledgement is late.

Figures: the rate the bot acknowledged at, acknowledgement latency (request sent → HTTP response)
p50/p90/p99/max, and the latency to the first answer of a session (request sent → the bot's
chat.postMessage arriving at the fake Web API). Checks, after the bot has gone quiet: every submitted
session has exactly one ticket of the right person; every session's thread got exactly one summary and
one "opened" message (retries answered nothing); every request was acknowledged with 200; the bot
never apologised; no outbox row failed. Team cards beyond Slack's one message per second per channel
are still queued at the end (paced, not lost): they are counted.

    .venv/bin/python benchmarks/bench_slack_http.py [--rate 100] [--duration 30] [--users 200]
        [--retries 0.05] [--runs 1] [--cache-dir DIR] [--check-target]

Exit status: 0 checks passed, 1 a check failed, 3 with --check-target when p99 ack >= 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import yaml  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.config.loader import load_desk_config  # noqa: E402
from storage.models import ChannelAccount, OutboxMessage, ProcessedDelivery, Ticket  # noqa: E402
from tests.slack.support import SECRET, TOKEN, sign, slack_desk_config  # noqa: E402

TARGET_P99_MS = 300.0
REQUESTS = {
    "de": ["Bitte installiert mir Visio auf meinem Laptop, ist dringend",
           "Ich brauche Zoom auf meinem Laptop, bitte bis morgen",
           "Ich brauche SAP GUI auf meinem Rechner, ist dringend",
           "Bitte installiert mir MS Project auf meinem Laptop, dringend"],
    "en": ["Please install Visio on my laptop, it's urgent",
           "Please install Zoom on my notebook, it is urgent",
           "I need Adobe Acrobat on my laptop asap",
           "Can you install Python on my laptop? It's urgent"],
}  # fmt: skip
MY_TICKETS = {"de": "Meine Tickets", "en": "What are my tickets?"}
THANKS = {"de": "Danke!", "en": "Thanks!"}
APOLOGY = ("Das hat nicht geklappt", "That did not work")
_IDS = itertools.count(1)


# ---- the fake Slack Web API, in a process of its own ---------------------------------------------------
def _fake_slack(pipe: Any, users: dict[str, dict[str, Any]]) -> None:
    from tests.slack.fake_slack import FakeSlack

    fake = FakeSlack(users=users)
    pipe.send(fake.url)
    while pipe.recv() == "calls":
        with fake._changed:
            calls = [
                (c.method, c.params.get("channel"), c.params.get("thread_ts"), c.params.get("text") or "",
                 bool(c.buttons()) if c.method.startswith("chat.") else False, c.at, c.ok)
                for c in fake.calls
            ]  # fmt: skip
        pipe.send(calls)
    fake.close()


# ---- simulated people -------------------------------------------------------------------------------
@dataclass
class Sent:
    kind: str
    user: str
    at: float
    latency: float | None = None
    status: int | None = None
    session: str | None = None  # the session's thread, for its first message


@dataclass
class Person:
    uid: str
    language: str
    step: int = 0
    sessions: list[str] = field(default_factory=list)  # each session's thread (its first message's ts)
    submitted: int = 0


class Load:
    def __init__(self, url: str, people: list[Person], retries: float, seed: int) -> None:
        self.url = url
        self.people = people
        self.retries = retries
        self.random = random.Random(seed)
        self.sent: list[Sent] = []
        self.events = 0
        self.duplicates = 0

    def _next_id(self) -> int:
        # Unique across loads (the warm-up's too): a repeated id is a retry to the bot, and dropped.
        return next(_IDS)

    def next_request(self, person: Person) -> tuple[str, bytes, str | None]:
        """(kind, body, session thread) of the person's next step."""
        step, person.step = person.step % 4, person.step + 1
        ts = f"{1767000000 + self._next_id()}.{os.getpid() % 1000:03d}100"
        if step == 0:
            person.sessions.append(ts)
            return "request", self._event(person, self.random.choice(REQUESTS[person.language]), ts), ts
        if step == 1:
            person.submitted += 1
            return "submit", self._press(person, person.sessions[-1]), None
        text = (MY_TICKETS if step == 2 else THANKS)[person.language]
        return ("my tickets" if step == 2 else "thanks"), self._event(person, text, ts), None

    def _event(self, person: Person, text: str, ts: str) -> bytes:
        self.events += 1
        event = {"type": "message", "channel": "D" + person.uid[1:], "user": person.uid, "text": text,
                 "ts": ts, "event_ts": ts, "channel_type": "im"}  # fmt: skip
        envelope = {"token": "t", "team_id": "T0DESK", "api_app_id": "A0SPOC", "type": "event_callback",
                    "event": event, "event_id": f"Ev{self._next_id():010d}", "event_time": int(time.time()),
                    "authorizations": [{"user_id": "U0SPOCBOT", "is_bot": True}]}  # fmt: skip
        return json.dumps(envelope).encode()

    def _press(self, person: Person, thread: str) -> bytes:
        channel = "D" + person.uid[1:]
        payload = {"type": "block_actions", "user": {"id": person.uid, "username": person.uid.lower()},
                   "api_app_id": "A0SPOC", "token": "t", "trigger_id": f"{self._next_id()}.trigger",
                   "container": {"type": "message", "message_ts": f"{thread}1", "channel_id": channel,
                                 "thread_ts": thread},
                   "team": {"id": "T0DESK"}, "channel": {"id": channel},
                   "message": {"type": "message", "ts": f"{thread}1", "thread_ts": thread,
                               "bot_id": "B0SPOCBOT"},
                   "actions": [{"type": "button", "action_id": "spoc_0", "block_id": "b", "value": "confirm",
                                "action_ts": f"{time.time():.6f}"}]}  # fmt: skip
        return urlencode({"payload": json.dumps(payload)}).encode()

    async def run(self, rate: float, duration: float) -> float:
        """Fire rate × duration requests on schedule; returns the wall time it took."""
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            tasks = []
            total = int(rate * duration)
            start = time.perf_counter()
            for i in range(total):
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                person = self.people[i % len(self.people)]
                kind, body, session = self.next_request(person)
                tasks.append(asyncio.create_task(self._send(http, kind, person.uid, body, session)))
                if kind != "submit" and self.random.random() < self.retries:
                    # Slack's retry of the same event, as after an acknowledgement it did not see in time
                    self.duplicates += 1
                    tasks.append(
                        asyncio.create_task(self._send(http, "retry", person.uid, body, None, retry=1))
                    )
            await asyncio.gather(*tasks)
            return time.perf_counter() - start

    async def _send(
        self,
        http: aiohttp.ClientSession,
        kind: str,
        user: str,
        body: bytes,
        session: str | None,
        retry: int = 0,
    ) -> None:
        kind_header = "application/json" if body.startswith(b"{") else "application/x-www-form-urlencoded"
        headers = {"Content-Type": kind_header, **sign(body)}
        if retry:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        record = Sent(kind, user, time.monotonic(), session=session)
        self.sent.append(record)
        started = time.perf_counter()
        try:
            async with http.post(self.url, data=body, headers=headers) as response:
                await response.read()
                record.status = response.status
        except (TimeoutError, aiohttp.ClientError):
            record.status = 0
        record.latency = time.perf_counter() - started


# ---- one run ----------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_people(count: int, seed: int) -> list[Person]:
    chooser = random.Random(seed)
    return [Person(f"U{9000000 + n}", chooser.choice(["de", "en"])) for n in range(count)]


def slack_users(people: list[Person]) -> dict[str, dict[str, Any]]:
    users = {}
    for person in people:
        name = f"Person {person.uid[1:]}"
        locale = "de-DE" if person.language == "de" else "en-GB"
        profile = {"real_name": name, "display_name": name}
        users[person.uid] = {"id": person.uid, "name": person.uid.lower(), "real_name": name,
                             "locale": locale, "profile": profile}  # fmt: skip
    return users


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))] if ordered else 0.0


def run_once(args: argparse.Namespace, number: int) -> dict[str, Any]:
    seed = args.seed + number
    people = make_people(args.users, seed)
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    fake = context.Process(target=_fake_slack, args=(theirs, slack_users(people)), daemon=True)
    fake.start()
    api_url = ours.recv()
    workdir = Path(tempfile.mkdtemp(prefix="bench-slack-"))
    config = workdir / "desk.yml"
    config.write_text(yaml.safe_dump(slack_desk_config(load_desk_config(None)).model_dump(mode="json")))
    port = free_port()
    database = workdir / "spoc.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SPOC_DATABASE_URL": f"sqlite:///{database}",
           "SPOC_CONFIG": str(config), "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": api_url, "SPOC_HTTP_HOST": "127.0.0.1", "SPOC_HTTP_PORT": str(port)}  # fmt: skip
    env.pop("SLACK_APP_TOKEN", None)
    if args.cache_dir:
        env["SPOC_CACHE_DIR"] = args.cache_dir
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"], cwd=workdir, env=env, stderr=subprocess.PIPE, text=True
    )
    log: list[str] = []
    address = f"http://127.0.0.1:{port}/slack/events"
    assert bot.stderr is not None
    for line in bot.stderr:
        log.append(line)
        if address in line:
            break
    else:
        raise SystemExit("the bot did not start:\n" + "".join(log))
    threading.Thread(target=lambda: log.extend(bot.stderr), daemon=True).start()  # type: ignore[arg-type]
    load_before = os.getloadavg()[0]
    try:
        if args.warmup > 0:  # first contact costs (auth.test, users.info) of other people, untimed
            warm = Load(address, make_people(20, seed + 1000), 0.0, seed)
            for person in warm.people:
                person.uid = "U8" + person.uid[2:]
            asyncio.run(warm.run(min(args.rate, 20), args.warmup))
        load = Load(address, people, args.retries, seed)
        wall = asyncio.run(load.run(args.rate, args.duration))
        quiet_after = wait_until_quiet(ours, time.monotonic(), args.settle)
    finally:
        bot.send_signal(signal.SIGTERM)
        code = bot.wait(60)
    calls = fetch_calls(ours)
    ours.send("stop")
    fake.join(10)
    result = figures(load, wall, calls)
    result.update(check(load, calls, database, code, log))
    shutil.rmtree(workdir, ignore_errors=True)
    result.update(quiet_after=quiet_after, load=(load_before, os.getloadavg()[0]))
    return result


def fetch_calls(pipe: Any) -> list[tuple[Any, ...]]:
    pipe.send("calls")
    return list(pipe.recv())


def wait_until_quiet(pipe: Any, since: float, settle: float) -> float:
    """Until the bot has answered nobody for `settle` seconds (at most two minutes); returns how long it
    kept answering people after the last request was acknowledged."""
    last, deadline = since, since + 120
    while time.monotonic() < deadline:
        time.sleep(0.5)
        calls = fetch_calls(pipe)
        # Answers to people; the team channel's cards trickle out at Slack's pace long after.
        answers = [c[5] for c in calls if c[0] == "chat.postMessage" and str(c[1]).startswith("D")]
        last = max([since, *answers])
        if time.monotonic() - last > settle:
            break
    return last - since


def figures(load: Load, wall: float, calls: list[tuple[Any, ...]]) -> dict[str, Any]:
    acked = [s for s in load.sent if s.status == 200]
    latencies = [s.latency * 1000 for s in acked if s.latency is not None]
    first_post: dict[tuple[str, str], float] = {}
    for method, channel, thread, _text, _buttons, at, ok in calls:
        if method == "chat.postMessage" and ok and thread and (channel, thread) not in first_post:
            first_post[(channel, thread)] = at
    answers = [
        (first_post[("D" + s.user[1:], s.session)] - s.at) * 1000
        for s in load.sent
        if s.session and ("D" + s.user[1:], s.session) in first_post
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
        "answer_p99": percentile(answers, 0.99),
    }


def check(
    load: Load, calls: list[tuple[Any, ...]], database: Path, code: int, log: list[str]
) -> dict[str, Any]:
    problems: list[str] = []
    if code != 0:
        problems.append(f"`spoc run` exited with {code}")
    refused = Counter(s.status for s in load.sent if s.status != 200)
    if refused:
        problems.append(f"requests not acknowledged with 200: {dict(refused)}")
    posts = [c for c in calls if c[0] == "chat.postMessage" and c[6]]
    by_thread: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for call in posts:
        by_thread[(call[1], call[2])].append(call)
    for person in load.people:
        dm = "D" + person.uid[1:]
        for session in person.sessions:
            thread = by_thread.get((dm, session), [])
            summaries = [c for c in thread if c[4]]
            opened = [c for c in thread if "SD-" in c[3] and not c[4]]
            submitted = person.sessions.index(session) < person.submitted
            if len(summaries) != 1 or len(opened) != (1 if submitted else 0):
                problems.append(
                    f"{person.uid} session {session}: {len(summaries)} summaries, {len(opened)} opened"
                )
    if any(any(a in c[3] for a in APOLOGY) for c in calls):
        problems.append("the bot apologised for a fault")
    engine = create_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        tickets = Counter(
            session.execute(
                select(ChannelAccount.external_id)
                .join(Ticket, Ticket.requester_id == ChannelAccount.person_id)
                .where(ChannelAccount.channel == "slack")
            ).scalars()
        )
        failed = session.scalar(select(func.count()).where(OutboxMessage.failed_at.is_not(None)))
        queued = session.execute(
            select(OutboxMessage.address, func.count())
            .where(OutboxMessage.sent_at.is_(None))
            .group_by(OutboxMessage.address)
        ).all()
        deliveries = session.scalar(select(func.count()).select_from(ProcessedDelivery))
    engine.dispose()
    for person in load.people:
        if tickets.get(person.uid, 0) != person.submitted:
            problems.append(
                f"{person.uid}: {tickets.get(person.uid, 0)} tickets, submitted {person.submitted}"
            )
    if failed:
        problems.append(f"{failed} outbox rows failed")
    if any(not address.startswith("C") for address, _ in queued):
        problems.append(f"messages to people still queued: {queued}")
    expected_deliveries = sum(1 for s in load.sent if s.kind != "retry")
    if deliveries is not None and deliveries < expected_deliveries:
        problems.append(f"{deliveries} deliveries recorded, {expected_deliveries} sent")
    if problems and any("Traceback" in line for line in log):
        problems.append("bot log:\n" + "".join(log[-40:]))
    return {
        "tickets": sum(tickets.values()),
        "queued_cards": sum(count for _, count in queued),
        "problems": problems,
    }


def line(number: int | str, r: dict[str, Any]) -> str:
    return (
        f"run {number}: {r['requests']} requests ({r['retries']} retries), {r['rate']:6.1f} acked/s, "
        f"ack p50 {r['p50']:6.2f} ms, p90 {r['p90']:6.2f} ms, p99 {r['p99']:6.2f} ms, "
        f"max {r['max']:7.2f} ms; "
        f"first answer p50 {r['answer_p50']:7.1f} ms, p99 {r['answer_p99']:7.1f} ms; tickets {r['tickets']}, "
        f"team cards still paced {r['queued_cards']}, busy {r['quiet_after']:.1f} s after; "
        f"load {r['load'][0]:.1f}->{r['load'][1]:.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second (default 100)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--users", type=int, default=200, help="simulated people (default 200)")
    parser.add_argument("--retries", type=float, default=0.05, help="share of events delivered twice")
    parser.add_argument("--runs", type=int, default=1, help="runs, each with a fresh bot and database")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of untimed load first (0: none)")
    parser.add_argument("--settle", type=float, default=3.0, help="quiet seconds that mean the bot is done")
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
        for problem in result["problems"]:
            print(f"  problem: {problem}", flush=True)
    return summarise(results, line, args.rate, args.check_target)


def summarise(
    results: list[dict[str, Any]], line: Callable[[str, dict[str, Any]], str], rate: float, check_target: bool
) -> int:
    """The median of the runs, the checks' verdict and the target's; the exit status (also for
    bench_telegram_webhook.py)."""
    if len(results) > 1:
        median = {
            key: statistics.median(r[key] for r in results)
            for key in results[0]
            if isinstance(results[0][key], int | float)
        }
        median["load"] = (results[0]["load"][0], results[-1]["load"][1])
        print(line(f"median of {len(results)}", median))
    failed = any(r["problems"] for r in results)
    print("checks: " + ("FAILED" if failed else "passed"))
    p99 = statistics.median(r["p99"] for r in results)
    verdict = "met" if p99 < TARGET_P99_MS else "NOT met"
    print(f"target (p99 ack < {TARGET_P99_MS:.0f} ms at {rate:g} req/s): {verdict}")
    if failed:
        return 1
    return 3 if check_target and p99 >= TARGET_P99_MS else 0


if __name__ == "__main__":
    raise SystemExit(main())

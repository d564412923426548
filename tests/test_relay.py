"""The outbox relay on every backend: order, exactly once, retries with backoff, giving up, and messages
for a channel that has no adapter (yet). Time is a fake clock; nothing sleeps."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build_application
from bot.channels.base import DeliveryError
from bot.clock import FakeClock
from bot.config.schema import DeskConfig
from bot.messages import Outgoing
from bot.notifications.relay import (
    LEASE,
    MAX_ATTEMPTS,
    MAX_BACKOFF_SECONDS,
    SWEEP_INTERVAL,
    Relay,
    backoff,
    outgoing,
)
from bot.settings import Settings
from nlu.backend import NluBackend
from storage.models import OutboxMessage, Person, Team, Ticket
from tests.support import MemoryChannel


@pytest.fixture
def relay(sessions: sessionmaker[Session], channel: MemoryChannel, clock: FakeClock) -> Relay:
    return Relay(sessions, {"console": channel}, clock)


def named_channel(name: str) -> MemoryChannel:
    adapter = MemoryChannel()
    adapter.name = name
    return adapter


def queue(
    sessions: sessionmaker[Session], clock: FakeClock, *texts: str, channel: str = "console", **values: object
) -> list[int]:
    with sessions() as session, session.begin():
        defaults = {
            "address": "alice",
            "kind": "reply",
            "created_at": clock.now(),
            "next_attempt_at": clock.now(),
        }
        rows = [OutboxMessage(channel=channel, text=text, **{**defaults, **values}) for text in texts]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def row(sessions: sessionmaker[Session], row_id: int) -> OutboxMessage:
    with sessions() as session:
        return session.get_one(OutboxMessage, row_id)


def texts(adapter: MemoryChannel) -> list[str]:
    return [message.text for message in adapter.sent]


# ---- delivery ------------------------------------------------------------------------------------------


def test_messages_go_out_in_id_order_and_exactly_once(
    sessions: sessionmaker[Session], relay: Relay, channel: MemoryChannel, clock: FakeClock
) -> None:
    ids = queue(sessions, clock, "eins", "zwei", "drei", "vier")

    assert relay.deliver_pending() == 4
    assert texts(channel) == ["eins", "zwei", "drei", "vier"]
    assert [m.outbox_id for m in channel.sent] == ids
    for row_id in ids:
        stored = row(sessions, row_id)
        assert (stored.sent_at, stored.attempts, stored.failed_at) == (clock.now(), 1, None)

    clock.advance(timedelta(days=1))
    assert relay.deliver_pending() == 0
    assert len(channel.sent) == 4


def test_a_limit_leaves_the_rest_for_the_next_round(
    sessions: sessionmaker[Session], relay: Relay, channel: MemoryChannel, clock: FakeClock
) -> None:
    queue(sessions, clock, "a", "b", "c")
    assert relay.deliver_pending(limit=2) == 2
    assert relay.deliver_pending(limit=2) == 1
    assert texts(channel) == ["a", "b", "c"]


def test_a_message_is_not_sent_before_it_is_due(
    sessions: sessionmaker[Session], relay: Relay, channel: MemoryChannel, clock: FakeClock
) -> None:
    queue(sessions, clock, "later", next_attempt_at=clock.now() + timedelta(minutes=10))
    assert relay.deliver_pending() == 0
    clock.advance(timedelta(minutes=9, seconds=59))
    assert relay.deliver_pending() == 0
    clock.advance(timedelta(seconds=1))
    assert relay.deliver_pending() == 1
    assert texts(channel) == ["later"]


def test_what_the_adapter_gets(
    sessions: sessionmaker[Session], relay: Relay, channel: MemoryChannel, clock: FakeClock
) -> None:
    with sessions() as session, session.begin():
        alice = Person(handle="alice", display_name="Alice", created_at=clock.now())
        item = Ticket(
            category="incident", title="Outlook", impact="low", urgency="low", priority="P4", status="new",
            requester=alice, team=Team(slug="desk", name="Desk"), origin_channel="console",
            origin_chat="alice", created_at=clock.now(), updated_at=clock.now(),
        )  # fmt: skip
        session.add(item)
        session.flush()
        ticket_id = item.id
    buttons = [{"label": "Ja, gelöst", "value": "/confirm SD-1"}, {"label": "Nein", "value": "/reopen SD-1"}]
    [row_id] = queue(
        sessions, clock, "Gelöst?", ticket_id=ticket_id, buttons=buttons, thread="T1", kind="resolved"
    )

    relay.deliver_pending()

    [message] = channel.sent
    assert message == Outgoing(
        outbox_id=row_id,
        channel="console",
        address="alice",
        text="Gelöst?",
        thread="T1",
        buttons=message.buttons,
        kind="resolved",
        ticket_key=f"SD-{ticket_id}",
    )
    assert [(b.label, b.value) for b in message.buttons] == [(b["label"], b["value"]) for b in buttons]


# ---- failures ------------------------------------------------------------------------------------------


def test_a_failed_send_stays_pending_and_backs_off(
    sessions: sessionmaker[Session], relay: Relay, channel: MemoryChannel, clock: FakeClock
) -> None:
    [first, second] = queue(sessions, clock, "first", "second")
    channel.failures.append(DeliveryError("platform unreachable"))
    started = clock.now()

    # the failure does not hold up the message behind it
    assert relay.deliver_pending() == 1
    assert texts(channel) == ["second"]
    failed = row(sessions, first)
    assert (failed.attempts, failed.sent_at, failed.failed_at) == (1, None, None)
    assert failed.last_error == "platform unreachable"
    assert failed.next_attempt_at == started + backoff(1) == started + timedelta(seconds=2)
    assert row(sessions, second).sent_at == started

    # not before the backoff is over
    clock.advance(timedelta(seconds=1))
    assert relay.deliver_pending() == 0

    # a second failure doubles the wait
    clock.advance(timedelta(seconds=1))
    channel.failures.append(DeliveryError("still down"))
    assert relay.deliver_pending() == 0
    failed = row(sessions, first)
    assert failed.attempts == 2 and failed.next_attempt_at == clock.now() + timedelta(seconds=4)

    clock.advance(timedelta(seconds=4))
    assert relay.deliver_pending() == 1
    assert texts(channel) == ["second", "first"]
    delivered = row(sessions, first)
    assert (delivered.attempts, delivered.sent_at) == (3, clock.now())


def test_retry_after_from_the_platform_is_respected(
    sessions: sessionmaker[Session], relay: Relay, channel: MemoryChannel, clock: FakeClock
) -> None:
    [row_id] = queue(sessions, clock, "rate limited")
    channel.failures.append(DeliveryError("ratelimited", retry_after=30))

    assert relay.deliver_pending() == 0
    assert row(sessions, row_id).next_attempt_at == clock.now() + timedelta(seconds=30)

    clock.advance(timedelta(seconds=29))
    assert relay.deliver_pending() == 0
    assert channel.sent == []

    clock.advance(timedelta(seconds=1))
    assert relay.deliver_pending() == 1
    assert texts(channel) == ["rate limited"]


def test_a_permanent_failure_is_never_retried(
    sessions: sessionmaker[Session], relay: Relay, channel: MemoryChannel, clock: FakeClock
) -> None:
    [row_id] = queue(sessions, clock, "to a blocked user")
    channel.failures.append(DeliveryError("bot was blocked by the user", permanent=True))

    assert relay.deliver_pending() == 0
    failed = row(sessions, row_id)
    assert (failed.failed_at, failed.sent_at, failed.attempts) == (clock.now(), None, 1)
    assert failed.last_error == "bot was blocked by the user"

    clock.advance(timedelta(days=30))
    assert relay.deliver_pending() == 0
    assert channel.sent == []
    assert row(sessions, row_id).attempts == 1


def test_the_relay_gives_up_after_max_attempts(
    sessions: sessionmaker[Session], relay: Relay, channel: MemoryChannel, clock: FakeClock
) -> None:
    [row_id] = queue(sessions, clock, "never arrives")
    channel.failures.extend(DeliveryError(f"down {n}") for n in range(MAX_ATTEMPTS))
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert relay.deliver_pending() == 0
        stored = row(sessions, row_id)
        assert stored.attempts == attempt
        waits.append(stored.next_attempt_at - clock.now())
        clock.advance(timedelta(seconds=MAX_BACKOFF_SECONDS))

    stored = row(sessions, row_id)
    assert stored.failed_at is not None and stored.sent_at is None
    assert stored.last_error == f"down {MAX_ATTEMPTS - 1}"
    # exponential, then capped
    assert waits[:4] == [timedelta(seconds=s) for s in (2, 4, 8, 16)]
    assert max(waits) == timedelta(seconds=MAX_BACKOFF_SECONDS)

    assert channel.failures == []  # the platform would take it now, but the relay has given up
    clock.advance(timedelta(days=1))
    assert relay.deliver_pending() == 0
    assert row(sessions, row_id).attempts == MAX_ATTEMPTS


def test_an_adapter_bug_is_retried_and_does_not_block_the_queue(
    sessions: sessionmaker[Session], channel: MemoryChannel, clock: FakeClock
) -> None:
    class Flaky(MemoryChannel):
        crashes = 1

        def send(self, message: Outgoing) -> None:
            if self.crashes:
                self.crashes -= 1
                raise KeyError("blocks")
            super().send(message)

    flaky = Flaky()
    relay = Relay(sessions, {"console": flaky}, clock)
    [first, _] = queue(sessions, clock, "first", "second")

    assert relay.deliver_pending() == 1
    assert texts(flaky) == ["second"]
    assert row(sessions, first).attempts == 1 and "blocks" in row(sessions, first).last_error

    clock.advance(backoff(1))
    assert relay.deliver_pending() == 1
    assert texts(flaky) == ["second", "first"]


# ---- channels without an adapter -----------------------------------------------------------------------


def test_messages_for_a_channel_without_adapter_wait_for_it(
    sessions: sessionmaker[Session], relay: Relay, channel: MemoryChannel, clock: FakeClock
) -> None:
    [slack_id] = queue(sessions, clock, "for slack", channel="slack")
    queue(sessions, clock, "for the terminal")

    assert relay.deliver_pending() == 1
    assert texts(channel) == ["for the terminal"]
    clock.advance(timedelta(days=2))
    assert relay.deliver_pending() == 0
    waiting = row(sessions, slack_id)
    assert (waiting.attempts, waiting.sent_at, waiting.failed_at) == (0, None, None)

    slack = named_channel("slack")
    assert Relay(sessions, {"console": channel, "slack": slack}, clock).deliver_pending() == 1
    assert texts(slack) == ["for slack"] and slack.sent[0].channel == "slack"
    assert texts(channel) == ["for the terminal"]


def test_a_second_application_with_the_adapter_delivers_what_the_first_could_not(
    tmp_path: Path, clock: FakeClock, nlu: NluBackend, demo_config: DeskConfig
) -> None:
    settings = Settings(spoc_database_url=f"sqlite:///{tmp_path / 'spoc.db'}", _env_file=None)  # type: ignore[call-arg]
    console = MemoryChannel()
    first = build_application(settings, {"console": console}, clock=clock, nlu=nlu, config=demo_config)
    try:
        queue(first.sessions, clock, "Neues Ticket SD-1", channel="telegram")
        first.relay.deliver_pending()
        assert console.sent == []
    finally:
        first.close()

    telegram = named_channel("telegram")
    second = build_application(
        settings, {"console": console, "telegram": telegram}, clock=clock, nlu=nlu, config=demo_config
    )
    try:
        assert second.relay.deliver_pending() == 1
        assert texts(telegram) == ["Neues Ticket SD-1"]
        with second.sessions() as session:
            assert session.scalars(select(OutboxMessage.sent_at)).all() == [clock.now()]
    finally:
        second.close()


# ---- two relays ----------------------------------------------------------------------------------------


def test_a_message_being_sent_is_not_sent_again_by_another_relay(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    """Two workers' relays (or the scheduler next to the in-process relay) share the outbox."""
    queue(sessions, clock, "one", "two", "three")
    other_adapter = MemoryChannel()
    other = Relay(sessions, {"console": other_adapter}, clock)

    class Slow(MemoryChannel):
        def send(self, message: Outgoing) -> None:
            if not self.sent:  # while the first message is on its way, the other relay runs
                other.deliver_pending()
            super().send(message)

    slow = Slow()
    # The first relay leased the whole batch before sending: the other one finds nothing due.
    assert Relay(sessions, {"console": slow}, clock).deliver_pending() == 3
    assert texts(slow) == ["one", "two", "three"]
    assert texts(other_adapter) == []
    with sessions() as session:
        assert session.scalars(select(OutboxMessage.attempts)).all() == [1, 1, 1]

    # a relay that died mid-send: its lease runs out and the message goes out again
    [orphan] = queue(sessions, clock, "orphan")
    with sessions() as session, session.begin():
        session.get_one(OutboxMessage, orphan).next_attempt_at = clock.now() + LEASE
    assert other.deliver_pending() == 0
    clock.advance(LEASE)
    assert other.deliver_pending() == 1


def test_two_relays_in_threads_send_every_message_once(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    ids = queue(sessions, clock, *(f"m{n}" for n in range(40)))
    adapters = [MemoryChannel(), MemoryChannel()]
    relays = [Relay(sessions, {"console": adapter}, clock) for adapter in adapters]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(relay: Relay) -> None:
        try:
            start.wait()
            relay.deliver_pending()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(relay,)) for relay in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sent = sorted(m.outbox_id for adapter in adapters for m in adapter.sent)
    assert sent == ids
    for adapter in adapters:  # each relay still kept the order among what it sent
        own = [m.outbox_id for m in adapter.sent]
        assert own == sorted(own)


def test_backoff_is_exponential_and_capped() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [2, 4, 8, 16, 32]
    assert backoff(0) == backoff(1)
    assert backoff(40) == timedelta(seconds=MAX_BACKOFF_SECONDS)


# ---- right after dispatch, and the periodic sweep ------------------------------------------------------


def test_what_dispatch_leased_is_sent_once_and_a_crash_only_delays_it(
    sessions: sessionmaker[Session], channel: MemoryChannel, clock: FakeClock
) -> None:
    # Dispatch writes its rows already leased to the in-process relay.
    sent_now, orphan = queue(sessions, clock, "sent now", "orphan", next_attempt_at=clock.now() + LEASE)
    relay = Relay(sessions, {"console": channel}, clock)
    with sessions() as session:
        [message] = [outgoing(session.get_one(OutboxMessage, sent_now))]
    assert relay.send_leased([message]) == 1
    assert row(sessions, sent_now).sent_at == clock.now()
    assert row(sessions, orphan).sent_at is None

    # "orphan" was leased by a process that died before sending: no sweep takes it during the lease...
    assert relay.deliver_pending() == 0
    # ...and the first sweep after it sends it, once.
    clock.advance(LEASE)
    assert relay.deliver_pending() == 1
    assert relay.deliver_pending() == 0
    assert texts(channel) == ["sent now", "orphan"]


def test_the_sweep_runs_at_most_once_per_interval(
    sessions: sessionmaker[Session], channel: MemoryChannel, clock: FakeClock
) -> None:
    relay = Relay(sessions, {"console": channel}, clock)
    queue(sessions, clock, "first")
    assert relay.sweep() == 1
    queue(sessions, clock, "second")
    assert relay.sweep() == 0  # too soon: the row waits, it is not lost
    assert row(sessions, 2).sent_at is None
    clock.advance(SWEEP_INTERVAL)
    assert relay.sweep() == 1
    assert texts(channel) == ["first", "second"]

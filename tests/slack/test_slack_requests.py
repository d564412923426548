"""Slack's rules for what comes in: signatures, the 3-second acknowledgement, retries of the same event,
the bot's own and other bots' messages, one person's messages in order."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from bot.messages import Inbound
from storage.models import Conversation, OutboxMessage, Person, ProcessedDelivery, Ticket
from tests.slack.fake_slack import BOT_ID, BOT_USER
from tests.slack.support import SlackDesk, event_callback, sign

ALICE, BOB = "U0ALICE", "U0BOB"


def count(desk: SlackDesk, model: type) -> int:
    with desk.app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_same_event_delivered_four_times_makes_one_ticket_and_one_answer(any_db_desk: SlackDesk) -> None:
    desk, fake = any_db_desk, any_db_desk.fake
    first = desk.dm_event(ALICE, "Bitte installiert mir Visio auf meinem Laptop, ist dringend")
    for retry in (None, 1, 2, 3):  # Slack's retries carry the same event_id and X-Slack-Retry-Num
        assert desk.deliver(first, event_id="Ev0VISIO", retry=retry).status == 200
    assert len(fake.posts("D0ALICE")) == 1

    confirm = desk.dm_event(ALICE, "ja", thread=first["ts"])
    for retry in (None, 1, 2, 3):
        assert desk.deliver(confirm, event_id="Ev0CONFIRM", retry=retry).status == 200
    assert count(desk, Ticket) == 1
    assert len(fake.posts("D0ALICE")) == 2 and "SD-1" in fake.posts("D0ALICE")[-1].params["text"]
    assert len(fake.posts("C0WORK")) == 1  # one card


def test_retries_arriving_while_the_first_delivery_is_still_handled_are_dropped(desk: SlackDesk) -> None:
    release = gate(desk)
    event = desk.dm_event(ALICE, "Mein Drucker druckt seit gestern nicht mehr")
    for retry in (None, 1, 2, 3):
        assert desk.deliver(event, event_id="Ev0PRINTER", retry=retry, settle=False).status == 200
    release.set()
    desk.settle()
    assert len(desk.fake.posts("D0ALICE")) == 1
    assert count(desk, ProcessedDelivery) == 1


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: sign(body, secret="not-the-signing-secret"), id="forged"),
        pytest.param(lambda body: sign(body, timestamp=int(time.time()) - 6 * 60), id="stale"),
        pytest.param(lambda body: sign(body, timestamp=int(time.time()) + 6 * 60), id="from-the-future"),
        pytest.param(lambda body: {}, id="unsigned"),
        pytest.param(
            lambda body: {k: v for k, v in sign(body).items() if "Signature" in k}, id="no-timestamp"
        ),
        pytest.param(lambda body: sign(body) | {"X-Slack-Request-Timestamp": "soon"}, id="bad-timestamp"),
    ],
)
def test_forged_stale_and_unsigned_requests_get_401_and_change_nothing(
    desk: SlackDesk, headers: Callable[[bytes], dict[str, str]]
) -> None:
    body = event_callback(desk.dm_event(ALICE, "Mein Drucker druckt nicht"), "Ev0FORGED")
    answer = desk.post(body, headers(body))
    assert answer.status == 401
    assert desk.fake.calls == []
    assert [count(desk, m) for m in (ProcessedDelivery, Conversation, OutboxMessage, Ticket)] == [0, 0, 0, 0]
    # the same request, correctly signed, is taken: the refusal was the signature's doing
    assert desk.post(body, sign(body)).status == 200 and desk.fake.posts("D0ALICE")


def test_a_tampered_body_fails_its_signature(desk: SlackDesk) -> None:
    body = event_callback(desk.dm_event(ALICE, "Meine Tickets"), "Ev0TAMPER")
    headers = sign(body)
    tampered = body.replace(b"Meine Tickets", b"Deine Tickets")
    assert desk.post(tampered, headers).status == 401
    assert count(desk, ProcessedDelivery) == 0


def test_the_url_verification_handshake_is_answered(desk: SlackDesk) -> None:
    body = json.dumps({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()  # fmt: skip
    answer = desk.post(body, sign(body))
    assert answer.status == 200 and b"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in answer.body


def test_health_check(desk: SlackDesk) -> None:
    answer = desk.get("/healthz")
    assert answer.status == 200 and json.loads(answer.body) == {"status": "ok"}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"user": BOT_USER}, id="the-bot-itself"),
        pytest.param({"bot_id": "B0OTHER", "subtype": "bot_message", "user": None}, id="another-bot"),
        pytest.param({"bot_id": BOT_ID, "bot_profile": {"name": "spoc"}}, id="bot-id-with-a-user"),
        pytest.param({"subtype": "message_changed"}, id="an-edit"),
        pytest.param({"subtype": "message_deleted"}, id="a-deletion"),
        pytest.param({"subtype": "channel_join"}, id="a-join"),
        pytest.param({"text": ""}, id="no-text"),
    ],
)
def test_the_bots_own_messages_other_bots_and_non_messages_are_ignored(desk: SlackDesk, change: dict) -> None:
    event = {**desk.dm_event(ALICE, "Mein Drucker druckt nicht"), **change}
    assert desk.deliver({k: v for k, v in event.items() if v is not None}).status == 200
    assert [c.method for c in desk.fake.calls] in ([], ["auth.test"])
    assert count(desk, OutboxMessage) == 0 and count(desk, Person) == 7  # the demo desk's people only


def test_plain_channel_messages_are_not_for_the_bot(desk: SlackDesk) -> None:
    ts = desk.new_ts()
    event = {"type": "message", "channel": "C0DESK", "user": "U0ANNA", "text": "Wer übernimmt SD-1?",
             "ts": ts, "event_ts": ts, "channel_type": "channel"}  # fmt: skip
    assert desk.deliver(event).status == 200
    assert count(desk, OutboxMessage) == 0 and count(desk, Conversation) == 0


def gate(desk: SlackDesk) -> threading.Event:
    """Hold the core until the returned event is set (a slow database, a slow NLU)."""
    release, handle = threading.Event(), desk.events.core.handle

    def slow(inbound: Inbound) -> object:
        assert release.wait(10)
        return handle(inbound)

    desk.events.core.handle = slow
    return release


def test_requests_are_acknowledged_before_the_work_and_the_work_goes_on_after(desk: SlackDesk) -> None:
    release = gate(desk)
    started = time.perf_counter()
    status = desk.deliver_unsettled(desk.dm_event(ALICE, "Mein Drucker druckt seit gestern nicht mehr"))
    acknowledged = time.perf_counter() - started
    assert status == 200 and acknowledged < 3  # Slack's limit; the core has not even started
    assert desk.fake.posts() == []
    release.set()
    desk.settle()
    assert desk.fake.posts("D0ALICE")  # answered after the acknowledgement


def test_one_persons_messages_are_handled_in_order_and_others_meanwhile(desk: SlackDesk) -> None:
    handled: list[str] = []
    first_started, release = threading.Event(), threading.Event()
    handle = desk.events.core.handle

    def recording(inbound: Inbound) -> object:
        handled.append(inbound.text)
        if inbound.text.startswith("Mein Drucker"):
            first_started.set()
            assert release.wait(10)
        return handle(inbound)

    desk.events.core.handle = recording
    desk.deliver_unsettled(desk.dm_event(ALICE, "Mein Drucker druckt seit gestern nicht mehr"))
    assert first_started.wait(10)
    for text in ("Nur ich", "abbrechen", "Meine Tickets"):
        desk.deliver_unsettled(desk.dm_event(ALICE, text))
    desk.deliver_unsettled(desk.dm_event(BOB, "What are my tickets?"))
    assert desk.fake.wait_for(lambda: bool(desk.fake.posts("D0BOB")))  # bob is answered while alice waits
    assert handled == ["Mein Drucker druckt seit gestern nicht mehr", "What are my tickets?"]
    release.set()
    desk.settle()
    assert handled[2:] == ["Nur ich", "abbrechen", "Meine Tickets"]
    assert len(desk.fake.posts("D0ALICE")) >= 4

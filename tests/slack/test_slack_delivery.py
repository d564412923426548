"""What goes out to Slack: rate limits and failures through the outbox (time driven by the fake clock,
never slept), pacing per conversation, escaping of what people wrote, and Slack's errors mapped to
retry-or-not."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels.base import DeliveryError
from bot.channels.pacing import Pacer
from bot.channels.slack import SlackChannel
from bot.messages import Button, Outgoing
from storage.models import OutboxMessage
from tests.slack.fake_slack import FakeSlack
from tests.slack.support import TOKEN, SlackDesk

ALICE = "U0ALICE"
PRINTER = "Mein Drucker druckt seit gestern nicht mehr"


def pending(desk: SlackDesk) -> list[OutboxMessage]:
    with desk.app.sessions() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))))


def test_a_429_delays_the_message_by_retry_after_then_delivers_it_once(any_db_desk: SlackDesk) -> None:
    desk, fake = any_db_desk, any_db_desk.fake
    fake.fail_next(1, status=429, retry_after=30, method="chat.postMessage")
    desk.dm(ALICE, PRINTER)
    [attempt] = fake.calls_to("chat.postMessage", ok_only=False)
    assert attempt.status == 429 and fake.posts() == []
    [row] = pending(desk)
    assert row.next_attempt_at == desk.clock.now() + timedelta(seconds=30)

    desk.clock.advance(timedelta(seconds=29))
    assert desk.app.relay.deliver_pending() == 0 and fake.posts() == []  # not before Retry-After
    desk.clock.advance(timedelta(seconds=1))
    assert desk.app.relay.deliver_pending() == 1
    [post] = fake.posts("D0ALICE")
    assert post.params["text"] == attempt.params["text"]  # the same message, exactly once
    desk.clock.advance(timedelta(minutes=10))
    assert desk.app.relay.deliver_pending() == 0 and len(fake.posts()) == 1 and pending(desk) == []


def test_a_500_does_not_lose_the_message(any_db_desk: SlackDesk) -> None:
    desk, fake = any_db_desk, any_db_desk.fake
    fake.fail_next(2, status=500, method="chat.postMessage")
    desk.dm(ALICE, PRINTER)
    assert fake.posts() == [] and len(pending(desk)) == 1
    for _ in range(3):  # backoff 2 s, then 4 s
        desk.clock.advance(timedelta(seconds=5))
        desk.app.relay.deliver_pending()
    assert len(fake.posts("D0ALICE")) == 1 and pending(desk) == []
    assert len(fake.calls_to("chat.postMessage", ok_only=False)) == 3


def test_slack_unreachable_is_retried_later(desk: SlackDesk) -> None:
    working = desk.outbound.client.base_url
    desk.outbound.client.base_url = "http://127.0.0.1:9/api/"  # nothing listens on the discard port
    desk.dm(ALICE, PRINTER)
    [row] = pending(desk)
    assert row.attempts == 1 and row.failed_at is None and "unreachable" in (row.last_error or "")
    desk.outbound.client.base_url = working
    desk.clock.advance(timedelta(seconds=3))
    assert desk.app.relay.deliver_pending() == 1 and desk.fake.posts("D0ALICE")


def test_a_conversation_that_is_gone_is_given_up_at_once(desk: SlackDesk) -> None:
    desk.fake.fail_next(1, error="channel_not_found", method="chat.postMessage")
    desk.dm(ALICE, PRINTER)
    with desk.app.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert row.failed_at is not None and row.attempts == 1 and "channel_not_found" in (row.last_error or "")
    desk.clock.advance(timedelta(hours=1))
    assert desk.app.relay.deliver_pending() == 0


def test_what_people_write_reaches_slack_escaped(desk: SlackDesk) -> None:
    # As Slack delivers them: a real @channel (<!channel>), a typed "<!here>" (escaped by Slack), a link
    # with a disguised text, and a bare ampersand.
    thread = desk.dm(
        ALICE, "Outlook stürzt ab <!channel> &lt;!here&gt; <https://evil.example/login|Passwort-Reset> & so"
    )
    desk.submit_request(ALICE, thread)
    [card] = desk.fake.posts("C0DESK")
    assert "&lt;!here&gt;" in card.params["text"] and "@channel" in card.params["text"]
    assert "Passwort-Reset (https://evil.example/login)" in card.params["text"]  # the real address shown
    for call in desk.fake.calls:
        if call.method.startswith("chat."):
            sent = call.params.get("text", "") + json.dumps(call.blocks())
            assert "<" not in sent and ">" not in sent, sent  # no mention, no link, no markup of ours
            assert "& " not in sent


def test_buttons_and_long_texts_fit_block_kit(desk: SlackDesk) -> None:
    long = "Fehlermeldung: " + "0x80040115 " * 600  # over 6,000 characters
    ts = desk.outbound.send(
        Outgoing(
            1, "slack", "C0DESK", long, buttons=(Button("Übernehmen", "/claim SD-1"), Button("x" * 90, "v"))
        )
    )
    [call] = desk.fake.posts("C0DESK")
    assert ts == call.ts
    sections = [b["text"]["text"] for b in call.blocks() if b["type"] == "section"]
    assert len(sections) == 3 and all(len(s) <= 3000 for s in sections)
    assert "".join(sections) == long  # cut only where a section is full, nothing lost
    assert call.buttons() == [("Übernehmen", "/claim SD-1"), ("x" * 74 + "…", "v")]


def test_a_private_answer_where_the_bot_is_not_a_member_goes_to_the_persons_dm(desk: SlackDesk) -> None:
    desk.fake.fail_next(1, error="channel_not_found", method="chat.postEphemeral")
    desk.command("U0ANNA", "queue", channel="C0RANDOM")
    [fallback] = desk.fake.posts()
    assert fallback.params["channel"] == "U0ANNA"  # the app's DM with her: still hers alone
    assert desk.fake.calls_to("chat.postEphemeral") == []


def test_a_card_update_without_a_card_posts_nothing(fake_slack: FakeSlack) -> None:
    adapter = SlackChannel.connect(TOKEN, fake_slack.url)
    assert adapter.send(Outgoing(7, "slack", "C0DESK", "SD-1 · gelöst", kind="card_update")) is None
    assert fake_slack.calls == []
    fake_slack.fail_next(1, error="message_not_found", method="chat.update")
    with pytest.raises(DeliveryError) as refused:
        adapter.send(Outgoing(8, "slack", "C0DESK", "SD-1", kind="card_update", edit_ref="1.000001"))
    assert refused.value.permanent


@pytest.mark.parametrize(
    ("failure", "permanent", "retry_after"),
    [
        ({"status": 429, "retry_after": 12}, False, 12.0),
        ({"error": "ratelimited", "retry_after": 3}, False, 3.0),
        ({"status": 503}, False, None),
        ({"error": "not_in_channel"}, True, None),
        ({"error": "is_archived"}, True, None),
        ({"error": "account_inactive"}, True, None),
        ({"error": "user_not_found"}, True, None),
        ({"error": "internal_error"}, False, None),
    ],
)
def test_slack_errors_tell_the_relay_whether_and_when_to_retry(
    fake_slack: FakeSlack, failure: dict, permanent: bool, retry_after: float | None
) -> None:
    adapter = SlackChannel.connect(TOKEN, fake_slack.url)
    fake_slack.fail_next(1, **failure)
    with pytest.raises(DeliveryError) as refused:
        adapter.send(Outgoing(1, "slack", "C0DESK", "Neu: SD-1"))
    assert (refused.value.permanent, refused.value.retry_after) == (permanent, retry_after)


class FakeTime:
    """A monotonic clock that only moves when told; `sleep` records (many senders asking at once)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))


def test_pacing_allows_a_short_burst_then_about_one_message_per_second_per_conversation() -> None:
    time = FakeTime()
    pacer = Pacer(per_second=1.0, burst=3, max_wait=2.0, monotonic=lambda: time.now, sleep=time.sleep)
    for _ in range(5):  # five senders at the same moment
        pacer.wait_turn("C0DESK")
    assert time.slept == [1.0, 2.0]  # three at once, then one a second
    pacer.wait_turn("D0ALICE")  # another conversation does not wait
    assert time.slept == [1.0, 2.0]
    with pytest.raises(DeliveryError) as later:  # too far ahead: back to the outbox, not a blocked thread
        pacer.wait_turn("C0DESK")
    assert later.value.retry_after == pytest.approx(3.0) and not later.value.permanent
    time.now += 10
    pacer.wait_turn("C0DESK")
    assert time.slept == [1.0, 2.0]


def test_a_message_sent_back_to_the_outbox_keeps_its_turn() -> None:
    time = FakeTime()
    pacer = Pacer(per_second=1.0, burst=1, max_wait=0.5, monotonic=lambda: time.now, sleep=time.sleep)
    pacer.wait_turn("C0DESK", 1)
    refused = []
    for message in (2, 3, 4):
        with pytest.raises(DeliveryError) as later:
            pacer.wait_turn("C0DESK", message)
        refused.append(later.value.retry_after)
    assert refused == [1.0, 2.0, 3.0]  # each told its own turn, one a second
    time.now += 2.0
    pacer.wait_turn("C0DESK", 3)  # back on time: goes at once, nobody took its turn
    with pytest.raises(DeliveryError) as newcomer:
        pacer.wait_turn("C0DESK", 5)
    assert newcomer.value.retry_after == pytest.approx(2.0)  # after the turns already given
    assert time.slept == []


def test_a_429_holds_the_whole_conversation(fake_slack: FakeSlack) -> None:
    time = FakeTime()
    adapter = SlackChannel.connect(TOKEN, fake_slack.url, Pacer(monotonic=lambda: time.now, sleep=time.sleep))
    fake_slack.fail_next(1, status=429, retry_after=20)
    with pytest.raises(DeliveryError):
        adapter.send(Outgoing(1, "slack", "C0DESK", "Neu: SD-1"))
    with pytest.raises(DeliveryError) as held:  # the next message to that channel waits as well
        adapter.send(Outgoing(2, "slack", "C0DESK", "Neu: SD-2"))
    assert held.value.retry_after == pytest.approx(20.0)
    assert adapter.send(Outgoing(3, "slack", "D0ALICE", "Hallo")) is not None


def test_an_api_url_without_its_closing_slash_still_reaches_the_methods() -> None:
    # slack_sdk joins with urljoin: without the slash "api" itself would be replaced by the method.
    channel = SlackChannel.connect("xoxb-test", "https://proxy.example/slack/api")
    assert channel.client.base_url == "https://proxy.example/slack/api/"

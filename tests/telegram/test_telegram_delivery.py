"""Telegram's rules, through the real python-telegram-bot against the fake Bot API: an update delivered
twice is handled once, the webhook takes only Telegram's calls, 429 / 500 / "blocked" go through the outbox
without losing or doubling a message, long texts are split where a reader expects it, what people write is
escaped for HTML, and messages to one chat are paced. Time is the fake clock's; nothing sleeps."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from bot.channels.telegram import CHAT_PACE, GROUP_PACE
from bot.channels.telegram_format import MAX_TEXT, utf16_len
from bot.messages import Button, Outgoing
from bot.notifications.relay import backoff
from storage.models import (
    ChannelAccount,
    Conversation,
    OutboxMessage,
    ProcessedDelivery,
    Ticket,
    TicketEvent,
)
from tests.telegram.fake_telegram import Call, parse_html
from tests.telegram.support import SECRET, WEBHOOK_URL, TelegramDesk
from tests.telegram.updates import ALICE, ANNA, BOB, SAM, TEAM_GROUPS, TelegramUser

DESK = TEAM_GROUPS["service-desk"]
# Every answer the flow needs is in it (what, since when, everyone affected, urgent): straight to the
# summary, and to the service desk's group once submitted.
OUTLOOK = "Outlook crashes for everyone in the office since this morning, urgent"
SUBMIT = ("Submit", "Absenden")
# The adapter's pace, which the harness keeps (on its fake clock): a group's within 20 a minute, a
# private chat's 1 a second.
GROUP_INTERVAL, GROUP_BURST = 1 / GROUP_PACE[0], GROUP_PACE[1]
CHAT_INTERVAL, BURST = 1 / CHAT_PACE[0], CHAT_PACE[1]


# ---- helpers ----------------------------------------------------------------------------------------
def count(desk: TelegramDesk, model: type) -> int:
    with desk.app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def outbox(desk: TelegramDesk) -> list[OutboxMessage]:
    with desk.app.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def pending(desk: TelegramDesk) -> list[OutboxMessage]:
    return [row for row in outbox(desk) if row.sent_at is None and row.failed_at is None]


def sends(desk: TelegramDesk, chat: int, *, ok_only: bool = True) -> list[Call]:
    return [c for c in desk.fake.calls_to("sendMessage", ok_only=ok_only) if c.chat_id == chat]


def edits(desk: TelegramDesk, chat: int, *, ok_only: bool = True) -> list[Call]:
    return [c for c in desk.fake.calls_to("editMessageText", ok_only=ok_only) if c.chat_id == chat]


def press_update(
    desk: TelegramDesk, user: TelegramUser, chat: int, message_id: int, label: str
) -> dict[str, Any]:
    """The callback query update of `user` pressing `label` on the bot's message (not delivered yet)."""
    data = dict(desk.fake.buttons(chat, message_id))[label]
    return desk.updates_made.callback(user, desk.fake.message_json(chat, message_id, with_reply=True), data)


def press(desk: TelegramDesk, user: TelegramUser, chat: int, message_id: int, label: str) -> list[Call]:
    """`desk.press`, and also wait for what the adapter does on the side: the press answered and, in a
    private chat, the pressed keyboard edited (so that a failure armed next is not spent on those)."""
    fake = desk.fake
    answered = len(fake.calls_to("answerCallbackQuery", ok_only=False))
    calls = desk.press(user, chat, message_id, label)

    def done() -> bool:
        edited = any(
            c.chat_id == chat and c.message_id == message_id for c in edits(desk, chat, ok_only=False)
        )
        return len(fake.calls_to("answerCallbackQuery", ok_only=False)) > answered and (chat < 0 or edited)

    assert fake.wait_for(done), "the press was not answered"
    return calls


def submit(desk: TelegramDesk, user: TelegramUser) -> list[Call]:
    """`user` presses Submit on the summary, the last message the bot sent them."""
    summary = desk.last_to(user.id)
    assert summary.message_id is not None
    label = next(label for label, _ in summary.buttons() if label in SUBMIT)
    return press(desk, user, user.id, summary.message_id, label)


def open_ticket(desk: TelegramDesk, user: TelegramUser = BOB, text: str = OUTLOOK) -> Call:
    """`user` asks and submits; returns the ticket's card in the service desk's group."""
    desk.say(user, text)
    submit(desk, user)
    return sends(desk, DESK)[-1]


def key_of(card: Call) -> str:
    found = re.search(r"SD-\d+", (card.visible_text or "").split("\n", 1)[0])
    assert found, card.text
    return found.group()


def sweep_until_delivered(
    desk: TelegramDesk, step: timedelta = timedelta(minutes=1), rounds: int = 10
) -> None:
    """What the relay's sweep does over the next minutes: retries whatever is due."""
    for _ in range(rounds):
        if not pending(desk):
            return
        desk.clock.advance(step)
        desk.app.relay.deliver_pending()
    assert not pending(desk), [row.last_error for row in pending(desk)]


@pytest.fixture
def paced(desk: TelegramDesk, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[float]]]:
    """When (on the pacer's fake clock) each message went out, by chat: the moment its pacer let it go."""
    times: dict[str, list[float]] = {}
    pacing = desk.outbound.pacing
    wait_turn = pacing.wait_turn

    def spy(chat: str, message_id: int | None) -> None:
        wait_turn(chat, message_id)
        times.setdefault(chat, []).append(desk.clock.now().timestamp() + sum(desk.slept))

    monkeypatch.setattr(pacing, "wait_turn", spy)
    yield times


def fail_when_posting(
    desk: TelegramDesk, monkeypatch: pytest.MonkeyPatch, chat: int, nth: int, **failure: Any
) -> None:
    """The fake refuses the `nth` post (counting from 1) the adapter makes to `chat` from now on: its
    turn is taken, then the failure is armed for exactly that call."""
    pacing = desk.outbound.pacing
    wait_turn = pacing.wait_turn
    seen = [0]

    def arm(to: str, message_id: int | None) -> None:
        wait_turn(to, message_id)
        if to == str(chat):
            seen[0] += 1
            if seen[0] == nth:
                desk.fake.fail_next(1, **failure)

    monkeypatch.setattr(pacing, "wait_turn", arm)


# ---- 1. an update delivered twice is handled once ----------------------------------------------------
def test_a_repeated_update_by_polling_makes_one_ticket_and_one_answer(any_db_desk: TelegramDesk) -> None:
    desk, fake = any_db_desk, any_db_desk.fake
    first = desk.updates_made.private_text(BOB, OUTLOOK)
    desk.deliver(first)
    assert fake.wait_delivered(first["update_id"])
    [summary] = sends(desk, BOB.id)
    # A crash between fetching and confirming: Telegram hands out the very same update again.
    again = desk.deliver(first, again=True)
    assert fake.deliveries[first["update_id"]] == 2
    assert [c for c in again if c.method == "sendMessage"] == []
    assert count(desk, ProcessedDelivery) == 1 and count(desk, Conversation) == 1

    assert summary.message_id is not None
    confirm = press_update(desk, BOB, BOB.id, summary.message_id, "Submit")
    desk.deliver(confirm)
    desk.deliver(confirm, again=True)
    # Both presses are answered (the client stops spinning either way); the second changes nothing.
    assert fake.wait_for(lambda: len(fake.calls_to("answerCallbackQuery")) == 2)
    assert count(desk, Ticket) == 1
    assert len(sends(desk, DESK)) == 1  # one card
    texts = desk.texts_to(BOB.id)
    assert len(texts) == 2 and "SD-1" in texts[1] and "SD-2" not in texts[1]


def test_a_repeated_webhook_call_makes_one_ticket_and_one_answer(webhook_desk: TelegramDesk) -> None:
    desk = webhook_desk
    first = desk.updates_made.private_text(BOB, OUTLOOK)
    for _ in range(2):  # Telegram retries a webhook call it did not see answered
        assert desk.post_webhook(first).status == 200
        desk.settle()
    assert len(desk.texts_to(BOB.id)) == 1

    summary = desk.last_to(BOB.id)
    assert summary.message_id is not None
    confirm = press_update(desk, BOB, BOB.id, summary.message_id, "Submit")
    for _ in range(2):
        assert desk.post_webhook(confirm).status == 200
        desk.settle()
    assert count(desk, Ticket) == 1 and len(sends(desk, DESK)) == 1
    assert len(desk.texts_to(BOB.id)) == 2
    assert count(desk, ProcessedDelivery) == 2


def test_a_repeated_button_press_claims_once_and_edits_the_card_once(desk: TelegramDesk) -> None:
    fake = desk.fake
    card = open_ticket(desk)
    assert card.message_id is not None
    answered = len(fake.calls_to("answerCallbackQuery"))
    claim = press_update(desk, ANNA, DESK, card.message_id, "Übernehmen")
    desk.deliver(claim)
    desk.deliver(claim, again=True)
    assert fake.wait_for(lambda: len(fake.calls_to("answerCallbackQuery")) == answered + 2)
    with desk.app.sessions() as session:
        kinds = list(session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == 1)))
    assert kinds.count("claimed") == 1
    [edit] = edits(desk, DESK)
    assert edit.message_id == card.message_id and "Anna Schmidt" in (edit.visible_text or "")
    assert len(desk.texts_to(ANNA.id)) == 1  # "you are handling SD-1", once
    assert len([t for t in desk.texts_to(BOB.id) if "Anna Schmidt" in t]) == 1


# ---- 2. the webhook takes Telegram's calls only -------------------------------------------------------
def test_the_webhook_is_registered_with_its_secret_token(webhook_desk: TelegramDesk) -> None:
    fake = webhook_desk.fake
    assert fake.webhook is not None
    assert fake.webhook["url"] == WEBHOOK_URL
    assert fake.webhook["secret_token"] == SECRET
    assert sorted(fake.webhook["allowed_updates"]) == ["callback_query", "message"]
    assert fake.calls_to("getUpdates", ok_only=False) == []  # no polling next to the webhook


@pytest.mark.parametrize("secret", ["not-the-secret", "", None], ids=["wrong", "empty", "missing"])
def test_a_webhook_call_without_the_right_secret_gets_403_and_changes_nothing(
    webhook_desk: TelegramDesk, secret: str | None
) -> None:
    desk, fake = webhook_desk, webhook_desk.fake
    update = desk.updates_made.private_text(BOB, OUTLOOK)
    before = len(fake.calls)
    answer = desk.post_webhook(update, secret=secret)
    assert answer.status == 403
    desk.settle()
    assert fake.calls[before:] == []
    assert [count(desk, m) for m in (ProcessedDelivery, Conversation, OutboxMessage, Ticket)] == [0] * 4
    # The same call with the secret is taken: the refusal was the secret's doing.
    assert desk.post_webhook(update).status == 200
    desk.settle()
    assert len(desk.texts_to(BOB.id)) == 1 and count(desk, ProcessedDelivery) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(b"this is not json", 400, id="not-json"),
        pytest.param(b"[1, 2, 3]", 400, id="not-an-object"),
        pytest.param(b"{}", 400, id="no-update-id"),
        pytest.param(b'{"update_id": 5, "message": "hello"}', 400, id="wrong-shape"),
    ],
)
def test_a_webhook_call_that_is_no_update_is_refused(
    webhook_desk: TelegramDesk, body: bytes, status: int
) -> None:
    desk = webhook_desk
    before = len(desk.fake.calls)
    assert desk.post_webhook(body).status == status
    desk.settle()
    assert desk.fake.calls[before:] == [] and count(desk, ProcessedDelivery) == 0


def test_a_webhook_call_too_large_to_be_an_update_gets_413_before_its_body_is_read(
    webhook_desk: TelegramDesk,
) -> None:
    # Only the headers are sent: the answer must come from the declared length alone. (Sending the whole
    # megabyte would race the server closing the connection after its early answer.)
    address = urlsplit(webhook_desk.url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=10)
    try:
        connection.putrequest("POST", "/telegram/webhook")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("X-Telegram-Bot-Api-Secret-Token", SECRET)
        connection.putheader("Content-Length", str((1 << 20) + 1))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()
    assert count(webhook_desk, ProcessedDelivery) == 0


# ---- 3. 429: delayed by retry_after, then delivered exactly once ---------------------------------------
def test_a_429_delays_the_answer_by_retry_after_then_delivers_it_once(any_db_desk: TelegramDesk) -> None:
    desk, fake = any_db_desk, any_db_desk.fake
    fake.fail_next(status=429, retry_after=7, method="sendMessage")
    desk.say(BOB, OUTLOOK)
    [refused] = sends(desk, BOB.id, ok_only=False)
    assert refused.status == 429 and desk.texts_to(BOB.id) == []
    [row] = pending(desk)
    assert row.next_attempt_at == desk.clock.now() + timedelta(seconds=7) and row.attempts == 1

    desk.clock.advance(timedelta(seconds=6))
    assert desk.app.relay.deliver_pending() == 0 and desk.texts_to(BOB.id) == []  # not before retry_after
    desk.clock.advance(timedelta(seconds=1))
    assert desk.app.relay.deliver_pending() == 1
    [delivered] = sends(desk, BOB.id)
    assert delivered.text == refused.text and delivered.buttons() == refused.buttons()
    assert delivered.reply_to == refused.reply_to == 1  # still an answer to his message
    desk.clock.advance(timedelta(minutes=10))
    assert desk.app.relay.deliver_pending() == 0 and len(sends(desk, BOB.id)) == 1 and pending(desk) == []


def test_a_429_on_a_card_edit_delays_the_edit_then_makes_it_once(desk: TelegramDesk) -> None:
    fake = desk.fake
    card = open_ticket(desk)
    fake.fail_next(status=429, retry_after=7, method="editMessageText")
    desk.command(ANNA, "/claim SD-1", "service-desk")
    [refused] = edits(desk, DESK, ok_only=False)
    assert refused.status == 429 and "Neu: SD-1" in fake.message(DESK, card.message_id or 0)["visible_text"]
    [row] = pending(desk)
    assert row.kind == "card_update" and row.next_attempt_at == desk.clock.now() + timedelta(seconds=7)

    desk.clock.advance(timedelta(seconds=6))
    assert desk.app.relay.deliver_pending() == 0
    desk.clock.advance(timedelta(seconds=1))
    assert desk.app.relay.deliver_pending() == 1
    [edit] = edits(desk, DESK)
    assert edit.message_id == card.message_id and edit.text == refused.text
    assert "Anna Schmidt" in fake.message(DESK, card.message_id or 0)["visible_text"]
    desk.clock.advance(timedelta(minutes=10))
    assert desk.app.relay.deliver_pending() == 0 and len(edits(desk, DESK, ok_only=False)) == 2
    assert len(sends(desk, DESK)) == 2  # the card and the notice under it: no second card


# ---- 4. 500: retried with backoff, delivered exactly once ------------------------------------------------
def test_a_500_is_retried_with_backoff_and_each_message_is_read_once_in_order(
    any_db_desk: TelegramDesk,
) -> None:
    desk, fake = any_db_desk, any_db_desk.fake
    fake.fail_next(2, status=500, method="sendMessage")
    desk.say(BOB, OUTLOOK)
    [row] = pending(desk)
    assert row.attempts == 1 and row.next_attempt_at == desk.clock.now() + backoff(1)

    desk.clock.advance(backoff(1) - timedelta(seconds=1))
    assert desk.app.relay.deliver_pending() == 0
    desk.clock.advance(timedelta(seconds=1))
    assert desk.app.relay.deliver_pending() == 0  # the second attempt fails too
    [row] = pending(desk)
    assert row.attempts == 2 and row.next_attempt_at == desk.clock.now() + backoff(2)
    assert backoff(2) > backoff(1)
    desk.clock.advance(backoff(2))
    assert desk.app.relay.deliver_pending() == 1
    attempts = sends(desk, BOB.id, ok_only=False)
    assert [c.status for c in attempts] == [500, 500, 200]
    assert len({c.text for c in attempts}) == 1  # the same message each time

    submit(desk, BOB)
    texts = desk.texts_to(BOB.id)
    assert len(texts) == 2 and texts[0].startswith("Please check your request") and "SD-1" in texts[1]
    desk.clock.advance(timedelta(hours=1))
    assert desk.app.relay.deliver_pending() == 0 and desk.texts_to(BOB.id) == texts


def test_a_500_in_a_batch_holds_only_that_message(desk: TelegramDesk) -> None:
    fake = desk.fake
    card = open_ticket(desk)
    fake.fail_next(1, status=500, method="sendMessage")
    desk.command(ANNA, "/claim SD-1", "service-desk")  # her answer fails; Bob, the notice and the card go
    assert desk.texts_to(ANNA.id) == []
    assert "Anna Schmidt" in desk.texts_to(BOB.id)[-1]
    assert [e.message_id for e in edits(desk, DESK)] == [card.message_id]
    sweep_until_delivered(desk)
    assert desk.texts_to(ANNA.id) == ["Du bearbeitest jetzt SD-1."]
    assert len([t for t in desk.texts_to(BOB.id) if "Anna Schmidt" in t]) == 1
    assert len(edits(desk, DESK)) == 1


# ---- 5. a person who blocked the bot ------------------------------------------------------------------
def bob_account(desk: TelegramDesk) -> ChannelAccount:
    with desk.app.sessions() as session:
        return session.scalars(
            select(ChannelAccount).where(
                ChannelAccount.channel == "telegram", ChannelAccount.external_id == str(BOB.id)
            )
        ).one()


def test_a_person_who_blocked_the_bot_is_recorded_not_retried(any_db_desk: TelegramDesk) -> None:
    desk, fake = any_db_desk, any_db_desk.fake
    open_ticket(desk)
    told = len(desk.texts_to(BOB.id))
    fake.blocked.add(BOB.id)
    desk.command(ANNA, "/claim SD-1", "service-desk")
    [refused] = [c for c in sends(desk, BOB.id, ok_only=False) if not c.ok]
    assert refused.status == 403
    [row] = [r for r in outbox(desk) if r.failed_at is not None]
    assert row.attempts == 1 and "blocked" in (row.last_error or "")
    assert bob_account(desk).blocked_at == desk.clock.now()
    # The rest of the claim went out all the same.
    assert desk.texts_to(ANNA.id) and len(edits(desk, DESK)) == 1

    attempts = len(sends(desk, BOB.id, ok_only=False))
    for _ in range(3):
        desk.clock.advance(timedelta(hours=1))
        desk.app.relay.deliver_pending()
    assert len(sends(desk, BOB.id, ok_only=False)) == attempts  # never tried again

    fake.blocked.discard(BOB.id)
    desk.clock.advance(timedelta(minutes=5))
    desk.say(BOB, "my tickets")
    assert bob_account(desk).blocked_at is None
    assert len(desk.texts_to(BOB.id)) == told + 1 and "SD-1" in desk.texts_to(BOB.id)[-1]


# ---- 6. a summary longer than one message -------------------------------------------------------------
PARAGRAPH = (
    "Outlook crashes every time I open a shared calendar. The window freezes for a minute, then it closes "
    "and the error 0x80040115 is shown. Restarting the laptop did not help, neither did a repair of the "
    "Office installation."
)
# As long as one message to the bot may be (4,000 characters), in paragraphs; it names no time, so the
# bot asks since when (an answer of at most 500 characters, kept whole in the summary).
LONG_PROBLEM = "\n\n".join([PARAGRAPH] * 40)[:3990].rstrip(" .") + "."
LONG_SINCE = ("The problem started after the update on Monday morning. " * 8).strip()


def ask_at_length(desk: TelegramDesk) -> list[Call]:
    """Bob describes his problem at length and answers every question; returns the summary's calls."""
    desk.say(BOB, LONG_PROBLEM)
    desk.say(BOB, LONG_SINCE)
    press(desk, BOB, BOB.id, desk.last_to(BOB.id).message_id or 0, "Only me")
    return press(desk, BOB, BOB.id, desk.last_to(BOB.id).message_id or 0, "I can work normally")


def expected_summary_lines() -> list[str]:
    return [
        "• Problem: " + LONG_PROBLEM.split("\n", 1)[0],
        *LONG_PROBLEM.split("\n")[1:],
        f"• Since: {LONG_SINCE}",
        "• Affected: Only me",
        "• Urgency: I can work normally",
    ]


def test_a_long_summary_arrives_complete_in_two_messages(any_db_desk: TelegramDesk) -> None:
    desk = any_db_desk
    calls = ask_at_length(desk)
    parts = [c for c in calls if c.method == "sendMessage"]
    assert len(parts) == 2 and all(p.ok for p in parts)
    shown = [p.visible_text or "" for p in parts]
    assert sum(map(len, shown)) > MAX_TEXT and all(len(text) <= MAX_TEXT for text in shown)
    assert shown[0].startswith("Please check your request (Incident, priority P4):\n")
    lines = "\n".join(shown).split("\n")
    assert all(line in lines for line in expected_summary_lines())  # nothing lost, no line cut in two
    assert shown[0].endswith(PARAGRAPH) and shown[1].startswith(PARAGRAPH[:40])  # cut between paragraphs
    assert parts[0].reply_to == 1 and parts[1].reply_to is None  # the first part answers his message
    assert parts[0].buttons() == [] and [label for label, _ in parts[1].buttons()] == [
        "Submit",
        "Change",
        "Cancel",
    ]
    [row] = [r for r in outbox(desk) if r.text.startswith("Please check your request")]
    assert row.ref == str(parts[0].message_id)  # a reply to the summary is traced by its first part

    submit(desk, BOB)
    assert count(desk, Ticket) == 1 and "SD-1" in desk.texts_to(BOB.id)[-1]


def test_a_failure_on_the_second_part_resends_only_the_second_part(
    desk: TelegramDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.say(BOB, LONG_PROBLEM)
    desk.say(BOB, LONG_SINCE)
    press(desk, BOB, BOB.id, desk.last_to(BOB.id).message_id or 0, "Only me")
    fail_when_posting(desk, monkeypatch, BOB.id, 2, status=500, method="sendMessage")
    press(desk, BOB, BOB.id, desk.last_to(BOB.id).message_id or 0, "I can work normally")
    first, refused = sends(desk, BOB.id, ok_only=False)[-2:]
    assert first.ok and refused.status == 500 and refused.buttons()
    sweep_until_delivered(desk, step=timedelta(seconds=5))

    attempts = [c for c in sends(desk, BOB.id, ok_only=False) if c.text in (first.text, refused.text)]
    assert [(c.text == first.text, c.status) for c in attempts] == [(True, 200), (False, 500), (False, 200)]
    shown = desk.texts_to(BOB.id)[-2:]
    lines = "\n".join(shown).split("\n")
    assert all(line in lines for line in expected_summary_lines())
    assert [label for label, _ in sends(desk, BOB.id)[-1].buttons()] == ["Submit", "Change", "Cancel"]


def test_a_5000_character_summary_goes_out_in_two_messages_that_fit_in_utf16(desk: TelegramDesk) -> None:
    # What a summary of that size looks like to the adapter (the flow caps one message at 4,000 characters
    # and an answer at 500): fields on lines, with emoji and umlauts that count differently in UTF-16.
    fields = [f"• Feld {n}: Drucker im 3. OG 🖨️ druckt Streifen, Toner getauscht, Größe A4" for n in range(70)]
    text = "Bitte prüfe deine Anfrage (Störung, Priorität P2):\n" + "\n".join(fields)
    assert len(text) > 5000
    buttons = (Button("Absenden", "confirm"), Button("Ändern", "change"), Button("Abbrechen", "cancel"))
    ref = desk.outbound.send(Outgoing(9001, "telegram", str(ALICE.id), text, thread="77", buttons=buttons))
    parts = sends(desk, ALICE.id)
    assert len(parts) == 2 and ref == str(parts[0].message_id)
    shown = [p.visible_text or "" for p in parts]
    assert all(utf16_len(part) <= MAX_TEXT for part in shown)
    assert "\n".join(shown) == text  # cut at a line, nothing lost
    assert (parts[0].reply_to, parts[1].reply_to) == (77, None)
    assert parts[0].buttons() == [] and [label for label, _ in parts[1].buttons()] == [
        "Absenden",
        "Ändern",
        "Abbrechen",
    ]


# ---- 7. what people write is shown, never markup ---------------------------------------------------------
def test_what_a_requester_writes_is_escaped_everywhere(desk: TelegramDesk) -> None:
    fake = desk.fake
    hostile = '<b>bold</b> & <a href="http://evil">x</a> @channel'
    card = open_ticket(desk, BOB, f"{OUTLOOK}: {hostile}")
    press(desk, ANNA, DESK, card.message_id or 0, "Übernehmen")
    desk.command(ANNA, "/show SD-1", "service-desk")

    written = [c for c in fake.calls if c.method in ("sendMessage", "editMessageText")]
    assert all(c.ok for c in written), [(c.method, c.description) for c in written if not c.ok]
    for call in written:
        raw = call.text or ""
        assert "<a" not in raw and "<b>bold" not in raw, raw
        assert {e["type"] for e in parse_html(raw)[1]} <= {"bold", "italic"}  # the bot's own markup only
    shown_card = fake.message(DESK, card.message_id or 0)
    assert hostile in shown_card["visible_text"]  # agents read the literal characters
    headline = shown_card["visible_text"].split("\n", 1)[0]
    assert shown_card["entities"] == [{"type": "bold", "offset": 0, "length": len(headline)}]  # ours only
    assert hostile in desk.texts_to(ANNA.id)[-1]  # /show
    assert any(hostile in text for text in desk.texts_to(BOB.id))  # his own summary


# ---- 8. pacing ----------------------------------------------------------------------------------------
NEWCOMERS = [TelegramUser(2000 + n, f"Tester{n}", None, None, "en") for n in range(8)]


def assert_paced(times: list[float], interval: float, burst: int = BURST) -> None:
    """Token-bucket pacing: after a burst, one message per `interval` at most."""
    for i, earlier in enumerate(times):
        for j in range(i + 1, len(times)):
            assert times[j] - earlier >= (j - i - (burst - 1)) * interval - 1e-6, (i, j, times)


def test_cards_to_a_busy_group_are_paced_to_twenty_a_minute(
    desk: TelegramDesk, paced: dict[str, list[float]]
) -> None:
    fake = desk.fake
    for person in NEWCOMERS:
        open_ticket(desk, person)
    sweep_until_delivered(desk)
    cards = sends(desk, DESK)
    assert sorted(key_of(card) for card in cards) == sorted(f"SD-{n}" for n in range(1, 9))  # each once
    assert all(c.status != 429 for c in fake.calls)
    times = paced[str(DESK)]
    assert len(times) == 8
    assert_paced(times, GROUP_INTERVAL, GROUP_BURST)
    assert all(sum(1 for t in times if start <= t < start + 60) <= 20 for start in times)
    assert desk.slept and max(desk.slept) <= GROUP_INTERVAL + 1e-6  # waited its turns, never long


def test_answers_to_one_person_are_paced_to_about_one_a_second(
    desk: TelegramDesk, paced: dict[str, list[float]]
) -> None:
    open_ticket(desk)
    for _ in range(6):
        desk.command(ANNA, "/queue")
    assert len(desk.texts_to(ANNA.id)) == 6
    times = paced[str(ANNA.id)]
    assert len(times) == 6
    assert_paced(times, CHAT_INTERVAL)
    assert times[-1] - times[0] >= (6 - BURST) * CHAT_INTERVAL - 1e-6


def test_a_group_held_by_a_429_gets_its_cards_later_once_each(
    desk: TelegramDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Telegram asks for a pause longer than the pacer waits in a thread: the next card goes back to the
    # outbox with its turn kept, and the sweep delivers both once that time has come.
    fail_when_posting(desk, monkeypatch, DESK, 1, status=429, retry_after=90, method="sendMessage")
    for person in NEWCOMERS[:2]:
        desk.say(person, OUTLOOK)
        submit(desk, person)
    assert sends(desk, DESK) == []
    waiting = [row for row in pending(desk) if row.address == str(DESK)]
    assert len(waiting) == 2
    assert all(row.next_attempt_at > desk.clock.now() + timedelta(seconds=60) for row in waiting)
    desk.clock.advance(timedelta(seconds=30))
    assert desk.app.relay.deliver_pending() == 0  # still held
    sweep_until_delivered(desk)
    assert [key_of(card) for card in sends(desk, DESK)] == ["SD-1", "SD-2"]
    assert [c.status for c in sends(desk, DESK, ok_only=False)] == [429, 200, 200]


# ---- 9. a private answer to someone who never opened the bot ---------------------------------------------
START_ME_FIRST = (
    "Ich kann dir nur privat antworten: bitte öffne zuerst einen Chat mit mir und drück »Start«. "
    "https://t.me/spoc_desk_bot\n"
    "I can only answer you privately: please open a chat with me first and press Start. "
    "https://t.me/spoc_desk_bot"
)


def test_someone_who_never_started_the_bot_is_told_in_the_group_how_to_get_private_answers(
    desk: TelegramDesk,
) -> None:
    fake = desk.fake
    open_ticket(desk)
    fake.unstarted.add(ANNA.id)
    command = desk.updates_made.command(ANNA, "/claim SD-1", chat="service-desk")
    desk.deliver(command)
    [refused] = sends(desk, ANNA.id, ok_only=False)
    assert refused.status == 403 and "initiate" in (refused.description or "")
    [notice] = [c for c in sends(desk, DESK) if c.reply_to == command["message"]["message_id"]]
    assert notice.visible_text == START_ME_FIRST
    # The claim itself happened; only its private confirmation could not be delivered (and is not retried).
    with desk.app.sessions() as session:
        assert session.get_one(Ticket, 1).assignee_id is not None
    [given_up] = [row for row in outbox(desk) if row.failed_at is not None]
    assert given_up.kind == "private" and "initiate" in (given_up.last_error or "")


def test_a_private_answer_never_shows_its_content_in_the_group(desk: TelegramDesk) -> None:
    # /show carries the internal notes: for the agent's eyes only, even when they cannot be reached.
    fake = desk.fake
    open_ticket(desk)
    desk.deliver(
        desk.updates_made.command(ANNA, "/note SD-1 Geheim: Passwort liegt im Tresor", chat="service-desk")
    )
    fake.unstarted.add(ANNA.id)
    before = len(fake.calls)
    command = desk.updates_made.command(ANNA, "/show SD-1", chat="service-desk")
    desk.deliver(command)
    group = [
        c.visible_text or "" for c in fake.calls[before:] if c.method == "sendMessage" and c.chat_id == DESK
    ]
    assert group == [START_ME_FIRST]
    assert not any("Tresor" in text for text in desk.texts_to(DESK))


def test_a_refusal_for_a_newcomer_who_never_started_the_bot_is_not_silent(desk: TelegramDesk) -> None:
    fake = desk.fake
    open_ticket(desk)
    fake.unstarted.add(SAM.id)
    command = desk.updates_made.command(SAM, "/claim@spoc_desk_bot SD-1", chat="service-desk")
    desk.deliver(command)
    [answer] = [c for c in sends(desk, DESK) if c.reply_to == command["message"]["message_id"]]
    assert answer.visible_text == START_ME_FIRST
    with desk.app.sessions() as session:
        assert session.get_one(Ticket, 1).assignee_id is None
    assert desk.texts_to(ALICE.id) == []

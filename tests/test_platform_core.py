"""The channel-neutral core the chat platforms build on: a team's ticket card kept true in place (and the
team's notices threaded under it), answers only the sender sees, a conversation that stays in the thread
it started in, and a requester's message in their ticket's thread that becomes a reply on the ticket.

Everything runs through the real dispatch, desk, notification writer and relay with the in-memory
channel, which gives every posted message an id and edits in place like a chat platform."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import joblib
import pytest
from alembic import command
from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import DeliveryError
from bot.clock import FakeClock
from bot.config.schema import DeskConfig
from bot.flows import converse
from bot.messages import Outgoing
from bot.notifications.cards import CARD_WAIT, NO_CARD, SUPERSEDED, WAITING_FOR_CARD
from bot.notifications.relay import Relay
from bot.settings import Settings
from bot.terminal import chat
from nlu.backend import NluBackend
from nlu.cache import cache_path
from storage.database import make_engine, make_session_factory
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.models import OutboxMessage, Person, Team, Ticket, TicketCard
from tests.conftest import make_app, serve_bot
from tests.support import DeskBot, MemoryChannel, text_to

README = Path(__file__).resolve().parent.parent / "README.md"
NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)

# An incident up to Submit; "!" presses the button with that label.
INCIDENT = {
    "alice": (
        "Mein Outlook stürzt seit heute Morgen bei jedem Start ab",
        "!Nur ich",
        "!Ich kann gar nicht arbeiten",
        "!Absenden",
    ),
    "bob": ("The VPN is broken since this morning", "!Only me", "!I cannot work at all", "!Submit"),
}
NAME = {"alice": "Alice Wagner", "bob": "Bob Miller"}


def open_incident(
    bot: DeskBot, who: str, *, thread: str | None = None, chat: str | None = None
) -> list[Outgoing]:
    """`who` reports an incident, every step written in `thread`; what the bot sent on Submit."""
    sent: list[Outgoing] = []
    for step in INCIDENT[who]:
        if step.startswith("!"):
            sent = bot.say(who, bot.button(step[1:]).value, button=True, thread=thread, chat=chat)
        else:
            sent = bot.say(who, step, thread=thread, chat=chat)
    return sent


def posted_card(channel: MemoryChannel, address: str = "#service-desk") -> tuple[str, Outgoing]:
    [card] = [m for m in channel.sent if m.kind == "team_card" and m.address == address]
    return channel.ref_of(card), card


def stored_cards(bot: DeskBot) -> list[tuple[int, str, str, str]]:
    with bot.session() as session:
        rows = session.scalars(select(TicketCard).order_by(TicketCard.id))
        return [(c.ticket_id, c.channel, c.address, c.ref) for c in rows]


def outbox_rows(bot: DeskBot, kind: str) -> list[OutboxMessage]:
    return [row for row in bot.outbox() if row.kind == kind]


def labels(message: Outgoing) -> list[str]:
    return [button.label for button in message.buttons]


def to(sent: list[Outgoing], address: str) -> list[Outgoing]:
    return [m for m in sent if m.address == address]


# ---- the team's card, updated in place -----------------------------------------------------------------

# The card of bob's incident as the team reads it, in the desk's default language.
CARD = {
    "de": {
        "new": "Neu: SD-1 · Störung · {p} · von Bob Miller\nThe VPN is broken since this morning",
        "claimed": (
            "SD-1 · Störung · {p} · von Bob Miller\nThe VPN is broken since this morning\n"
            "Status: zugewiesen · Bearbeitung: Anna Schmidt"
        ),
        "claim": ["Übernehmen", "Zuweisen", "Anzeigen"],
        "show": ["Zuweisen", "Anzeigen"],
    },
    "en": {
        "new": "New: SD-1 · Incident · {p} · from Bob Miller\nThe VPN is broken since this morning",
        "claimed": (
            "SD-1 · Incident · {p} · from Bob Miller\nThe VPN is broken since this morning\n"
            "Status: assigned · Handler: Anna Schmidt"
        ),
        "claim": ["Claim", "Assign", "Show"],
        "show": ["Assign", "Show"],
    },
}


@pytest.fixture(params=["de", "en"])
def desk_language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def desk_bot(
    database_url: str,
    channel: MemoryChannel,
    clock: FakeClock,
    nlu: NluBackend,
    demo_config: DeskConfig,
    desk_language: str,
) -> Iterator[DeskBot]:
    """The demo desk with its team channels in German or in English, on every backend under test."""
    desk = demo_config.desk.model_copy(update={"default_language": desk_language})
    config = demo_config.model_copy(update={"desk": desk})
    yield from serve_bot(database_url, channel, clock, nlu, config)


def test_the_card_is_edited_in_place_as_the_ticket_changes(
    desk_bot: DeskBot, channel: MemoryChannel, desk_language: str
) -> None:
    bot, card_text = desk_bot, CARD[desk_language]
    open_incident(bot, "bob")
    ref, card = posted_card(channel)
    assert (card.text, labels(card)) == (card_text["new"].format(p="P3"), card_text["claim"])
    assert stored_cards(bot) == [(1, "console", "#service-desk", ref)]

    sent = bot.say("anna", "/claim SD-1")
    # one edit of that very message (claiming is two events: one update with the end state)...
    [edit] = channel.edits
    assert (edit.kind, edit.edit_ref) == ("card_update", ref)
    shown = channel.shown(ref)
    assert (shown.text, labels(shown)) == (card_text["claimed"].format(p="P3"), card_text["show"])
    # ...and no second card: the team gets the notice, in the card's thread
    assert [(m.kind, m.thread) for m in to(sent, "#service-desk")] == [("team", ref)]

    bot.say("anna", "/priority SD-1 P2")
    assert channel.shown(ref).text == card_text["claimed"].format(p="P2")

    bot.say("anna", "/unclaim SD-1")
    shown = channel.shown(ref)
    assert (shown.text, labels(shown)) == (card_text["new"].format(p="P2"), card_text["claim"])
    assert len(channel.edits) == 3 and stored_cards(bot) == [(1, "console", "#service-desk", ref)]


def test_the_card_shows_the_status_and_offers_no_claim_once_closed(any_db_bot: DeskBot) -> None:
    bot, channel = any_db_bot, any_db_bot.channel
    open_incident(bot, "alice")
    ref, _ = posted_card(channel)
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/status SD-1 waiting Welche Version?")
    assert channel.shown(ref).text.endswith("Status: wartet auf Rückmeldung · Bearbeitung: Anna Schmidt")
    bot.say("anna", "/resolve SD-1 Profil neu angelegt")
    assert channel.shown(ref).text.endswith("Status: gelöst · Bearbeitung: Anna Schmidt")
    bot.press("alice", "Ja, gelöst")
    shown = channel.shown(ref)
    assert shown.text.endswith("Status: geschlossen · Bearbeitung: Anna Schmidt")
    assert labels(shown) == ["Anzeigen"]


def test_a_cancelled_unclaimed_ticket_loses_its_claim_button(any_db_bot: DeskBot) -> None:
    bot, channel = any_db_bot, any_db_bot.channel
    open_incident(bot, "bob")
    ref, _ = posted_card(channel)
    bot.say("bob", "/cancel SD-1")
    shown = channel.shown(ref)
    assert shown.text.endswith("\nStatus: storniert") and labels(shown) == ["Anzeigen"]


def test_a_card_can_no_longer_be_claimed_once_claimed(any_db_bot: DeskBot) -> None:
    """The chat shows the edited card: its Claim button is gone for the next agent."""
    bot = any_db_bot
    open_incident(bot, "alice")
    bot.press("anna", "Übernehmen")
    with pytest.raises(AssertionError, match="no button 'Übernehmen'"):
        bot.button("Übernehmen")


def test_a_ticket_moved_to_another_team_updates_the_card_where_it_was_posted(any_db_bot: DeskBot) -> None:
    bot, channel = any_db_bot, any_db_bot.channel
    open_incident(bot, "alice")
    ref, _ = posted_card(channel)
    bot.say("lena", "/assign SD-1 ben")  # a lead moves it to Workplace & Installation
    assert channel.shown(ref).text.endswith("Bearbeitung: Ben Fischer")
    # Workplace never had a card of SD-1: nothing to update there, and nothing waits for one.
    assert [(m.address, m.edit_ref) for m in channel.edits] == [("#service-desk", ref)]
    assert all(row.sent_at is not None for row in bot.outbox())


def test_an_update_written_before_its_card_is_posted_waits_for_it(
    any_db_bot: DeskBot, clock: FakeClock
) -> None:
    bot, channel = any_db_bot, any_db_bot.channel
    channel.kind_failures["team_card"] = [DeliveryError("ratelimited", retry_after=60)]
    open_incident(bot, "alice")
    assert [m for m in channel.sent if m.address == "#service-desk"] == []

    sent = bot.say("anna", "/claim SD-1")
    assert "Anna Schmidt" in text_to(sent, "alice")  # the requester is not held up
    assert to(sent, "#service-desk") == [] and channel.edits == []  # the team's news waits for the card
    [update] = outbox_rows(bot, "card_update")
    assert (update.sent_at, update.attempts, update.last_error) == (None, 0, WAITING_FOR_CARD)
    assert update.next_attempt_at == clock.now() + CARD_WAIT

    # Looking again while the card is still due later costs the update no attempt.
    for _ in range(5):
        clock.advance(CARD_WAIT)
        assert bot.app.relay.deliver_pending() == 0
    [update] = outbox_rows(bot, "card_update")
    assert (update.sent_at, update.attempts) == (None, 0)

    clock.advance(timedelta(seconds=60))
    assert bot.app.relay.deliver_pending() == 3  # the card, its update, the notice
    posted = [m for m in channel.sent if m.address == "#service-desk"]
    assert [m.kind for m in posted] == ["team_card", "team"]
    ref = channel.ref_of(posted[0])
    assert posted[1].thread == ref
    assert [m.edit_ref for m in channel.edits] == [ref]
    assert channel.shown(ref).text.endswith("Status: zugewiesen · Bearbeitung: Anna Schmidt")
    [update] = outbox_rows(bot, "card_update")
    assert (update.sent_at, update.attempts) == (clock.now(), 1)


@pytest.mark.parametrize("why", ["no id", "failed for good"])
def test_a_card_without_an_id_gets_no_update_and_its_notices_go_out_unthreaded(
    any_db_bot: DeskBot, clock: FakeClock, why: str
) -> None:
    bot, channel = any_db_bot, any_db_bot.channel
    if why == "no id":
        channel.gives_refs = False  # like an adapter whose platform names no message
    else:
        channel.kind_failures["team_card"] = [DeliveryError("channel_not_found", permanent=True)]
    open_incident(bot, "alice")

    sent = bot.say("anna", "/claim SD-1")
    assert [(m.kind, m.thread, m.text) for m in to(sent, "#service-desk")] == [
        ("team", None, "SD-1 übernimmt Anna Schmidt.")
    ]
    assert channel.edits == [] and stored_cards(bot) == []
    [update] = outbox_rows(bot, "card_update")
    assert (update.sent_at, update.attempts, update.last_error) == (clock.now(), 0, NO_CARD)
    clock.advance(timedelta(hours=1))
    assert bot.app.relay.deliver_pending() == 0


def test_an_older_update_retried_after_a_newer_one_is_dropped(any_db_bot: DeskBot, clock: FakeClock) -> None:
    bot, channel = any_db_bot, any_db_bot.channel
    open_incident(bot, "alice")
    ref, _ = posted_card(channel)
    channel.kind_failures["card_update"] = [DeliveryError("ratelimited", retry_after=30)]
    bot.say("anna", "/claim SD-1")  # its update fails for now
    bot.say("anna", "/status SD-1 in_progress")  # the newer update goes through
    assert channel.shown(ref).text.endswith("Status: in Bearbeitung · Bearbeitung: Anna Schmidt")

    clock.advance(timedelta(seconds=30))
    assert bot.app.relay.deliver_pending() == 0
    # the stale "assigned" state was never applied over the newer one
    assert len(channel.edits) == 1
    assert channel.shown(ref).text.endswith("Status: in Bearbeitung · Bearbeitung: Anna Schmidt")
    older, newer = outbox_rows(bot, "card_update")
    assert (older.last_error, older.attempts, older.sent_at) == (SUPERSEDED, 1, clock.now())
    assert newer.attempts == 1 and newer.last_error is None


def test_updates_held_up_together_apply_only_the_newest(any_db_bot: DeskBot, clock: FakeClock) -> None:
    bot, channel = any_db_bot, any_db_bot.channel
    open_incident(bot, "alice")
    down = [DeliveryError("service unavailable", retry_after=60) for _ in range(3)]
    channel.kind_failures["card_update"] = down
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/status SD-1 in_progress")
    bot.say("anna", "/priority SD-1 P1")
    assert channel.edits == []

    clock.advance(timedelta(seconds=60))
    bot.app.relay.deliver_pending()
    [edit] = channel.edits
    assert edit.text.startswith("SD-1 · Störung · P1 ·") and "in Bearbeitung" in edit.text


def test_an_update_overtaken_by_another_relay_puts_the_newest_state_back_on_top(
    database_url: str, clock: FakeClock, nlu: NluBackend, demo_config: DeskConfig
) -> None:
    """Two workers: while one is still applying "claimed", another applies the newer "in progress"; the
    older one may land last, so the newest state is applied once more."""

    class Racing(MemoryChannel):
        during_next_edit: list[str] = []

        def send(self, message: Outgoing) -> str | None:
            if message.edit_ref and self.during_next_edit:
                bot.say("anna", self.during_next_edit.pop())  # the other worker, meanwhile
            return super().send(message)

    channel = Racing()
    if not database_url.startswith("sqlite"):
        upgrade(make_engine(database_url))
    app = make_app(database_url, channel, clock, nlu, demo_config)
    bot = DeskBot(app, channel, clock)
    try:
        open_incident(bot, "alice")
        ref, _ = posted_card(channel)
        channel.during_next_edit = ["/status SD-1 in_progress"]
        bot.say("anna", "/claim SD-1")
        landed = [edit.text.rsplit("\n", 1)[-1] for edit in channel.edits]
        assert landed == [
            "Status: in Bearbeitung · Bearbeitung: Anna Schmidt",
            "Status: zugewiesen · Bearbeitung: Anna Schmidt",  # the older one landed last...
        ]
        assert bot.app.relay.deliver_pending() == 1  # ...so the newest goes again
        assert channel.shown(ref).text.endswith("Status: in Bearbeitung · Bearbeitung: Anna Schmidt")
        assert bot.app.relay.deliver_pending() == 0
    finally:
        app.close()


def test_the_terminal_transcript_of_the_readme_is_unchanged(
    tmp_path: Path, nlu: NluBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The terminal prints no card updates: README.md's example conversation, byte for byte."""
    block = README.read_text(encoding="utf-8").split("```text\n$ printf '", 1)[1].split("\n```", 1)[0]
    script, _, expected = block.partition("' | spoc chat --as alice\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    joblib.dump(nlu.model, cache_path(cache_dir=cache))  # type: ignore[attr-defined]
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'spoc.db'}"
    settings = Settings(spoc_database_url=url, spoc_cache_dir=str(cache), _env_file=None)  # type: ignore[call-arg]
    out = io.StringIO()

    assert chat(settings, "alice", io.StringIO(script.replace("\\n", "\n")), out) == 0

    assert out.getvalue() == expected + "\n"
    # The updates were written and handed to the terminal, which printed nothing for them.
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            updates = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card_update")).all()
            assert len(updates) == 2 and all(row.sent_at and row.attempts == 1 for row in updates)
    finally:
        engine.dispose()


# ---- answers only the sender sees ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "command", "answer"),
    [
        ("anna", "/claim SD-1", "Du bearbeitest jetzt SD-1."),
        ("bob", "/claim SD-1", "Sorry, you are not allowed to do that."),  # a refusal, too
        ("bob", "/lang xx", "Usage: /lang de|en"),
    ],
)
def test_private_replies_go_to_the_sender_alone(
    any_db_bot: DeskBot, who: str, command: str, answer: str
) -> None:
    bot = any_db_bot
    open_incident(bot, "alice")
    sent = bot.say(who, command, chat="C-TEAM", private_replies=True)
    [reply] = to(sent, "C-TEAM")
    assert (reply.kind, reply.recipient, reply.text) == ("private", who, answer)
    [row] = [row for row in bot.outbox() if row.id == reply.outbox_id]
    assert (row.kind, row.address, row.recipient) == ("private", "C-TEAM", who)
    # What the change tells others is no private answer.
    assert all(m.kind != "private" and m.recipient is None for m in sent if m.address != "C-TEAM")


@pytest.mark.parametrize(
    ("who", "apology"),
    [
        ("alice", "Das hat nicht geklappt. Bitte versuch es noch einmal."),
        ("bob", "That did not work. Please try again."),
    ],
)
def test_an_apology_for_a_private_command_is_private_too(
    any_db_bot: DeskBot, monkeypatch: pytest.MonkeyPatch, who: str, apology: str
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(converse, "run_command", broken)
    [reply] = any_db_bot.say(who, "/tickets", chat="C-TEAM", private_replies=True)
    assert (reply.kind, reply.recipient, reply.address, reply.text) == ("private", who, "C-TEAM", apology)


def test_without_private_replies_the_answer_is_for_the_whole_chat(any_db_bot: DeskBot) -> None:
    sent = any_db_bot.say("anna", "/mine", chat="C-TEAM")
    [reply] = to(sent, "C-TEAM")
    assert (reply.kind, reply.recipient) == ("reply", None)


# ---- one conversation, one thread ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_a_request_is_answered_in_the_thread_it_started_in(any_db_bot: DeskBot, who: str) -> None:
    bot = any_db_bot
    first, impact, urgency, submit = INCIDENT[who]
    replies = bot.say(who, first, thread="T1")
    replies += bot.say(who, bot.button(impact[1:]).value, button=True)  # a top-level answer
    replies += bot.say(who, urgency[1:], thread="T9")  # an answer in some other thread
    replies += bot.say(who, bot.button(submit[1:]).value, button=True)
    assert replies and {m.thread for m in replies if m.address == who} == {"T1"}
    assert bot.ticket(1).origin_thread == "T1"

    sent = bot.say("anna", "/claim SD-1")
    [told] = to(sent, who)
    assert "Anna Schmidt" in told.text and told.thread == "T1"


def test_outside_a_conversation_answers_go_to_the_message_thread(any_db_bot: DeskBot) -> None:
    bot = any_db_bot
    [answer] = bot.say("bob", "hello", thread="T5")
    assert answer.thread == "T5"
    [answer] = bot.say("bob", "/tickets", thread="T6")
    assert (answer.thread, answer.text) == ("T6", "You have no open tickets.")


def test_a_conversation_that_went_idle_starts_afresh_where_the_person_writes_now(
    any_db_bot: DeskBot, clock: FakeClock
) -> None:
    bot = any_db_bot
    bot.say("alice", "Mein Outlook stürzt seit heute Morgen bei jedem Start ab", thread="T1")
    clock.advance(timedelta(minutes=31))
    sent = bot.say("alice", "Ich brauche eine Schulung zu Excel für 5 Personen", thread="T2")
    assert "über 30 Minuten" in sent[0].text
    assert {m.thread for m in sent} == {"T2"}
    bot.say("alice", "nächsten Dienstag")  # answered at the top level: the new conversation's thread
    sent = bot.press("alice", "Absenden")
    assert {m.thread for m in to(sent, "alice")} == {"T2"} and bot.ticket(1).origin_thread == "T2"


# ---- a message in a ticket's thread is a reply on the ticket -------------------------------------------


def test_a_thread_reply_reaches_the_handler(any_db_bot: DeskBot) -> None:
    bot = any_db_bot
    open_incident(bot, "alice", thread="T1")
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/status SD-1 waiting Welche Version?")

    sent = bot.say("alice", "Version 2406, es geht immer noch nicht", thread="T1")

    [confirmation] = to(sent, "alice")
    assert confirmation.text == "Deine Nachricht ist zu SD-1 hinzugefügt und geht an Anna Schmidt."
    assert confirmation.thread == "T1"
    assert text_to(sent, "anna") == "Alice Wagner antwortet zu SD-1: Version 2406, es geht immer noch nicht"
    ticket = bot.ticket(1)
    assert [(c.author_id, c.public, c.body) for c in ticket.comments] == [
        (ticket.requester_id, True, "Version 2406, es geht immer noch nicht")
    ]
    assert ticket.status == "in_progress"  # the answer the desk waited for: back to work


def test_a_thread_reply_on_an_unclaimed_ticket_reaches_the_team_under_the_card(any_db_bot: DeskBot) -> None:
    bot, channel = any_db_bot, any_db_bot.channel
    open_incident(bot, "bob", thread="T1")
    ref, _ = posted_card(channel)

    sent = bot.say("bob", "It also happens at home", thread="T1")

    assert [(m.text, m.thread) for m in to(sent, "bob")] == [
        ("Your message has been added to SD-1 and goes to team Service Desk.", "T1")
    ]
    assert [(m.text, m.thread) for m in to(sent, "#service-desk")] == [
        ("Bob Miller antwortet zu SD-1: It also happens at home", ref)
    ]


@pytest.mark.parametrize(
    ("who", "added", "still_resolved", "solved", "closed"),
    [
        (
            "alice",
            "Deine Nachricht ist zu SD-1 hinzugefügt und geht an Anna Schmidt.",
            "SD-1 ist als gelöst markiert. Ist dein Anliegen damit erledigt?",
            "Ja, gelöst",
            "Danke! SD-1 ist geschlossen.",
        ),
        (
            "bob",
            "Your message has been added to SD-1 and goes to Anna Schmidt.",
            "SD-1 is marked as resolved. Is your request done?",
            "Yes, solved",
            "Thank you! SD-1 is closed.",
        ),
    ],
    ids=["de", "en"],
)
def test_a_thread_reply_on_a_resolved_ticket_is_added_and_asks_again_whether_it_is_done(
    any_db_bot: DeskBot, who: str, added: str, still_resolved: str, solved: str, closed: str
) -> None:
    bot = any_db_bot
    open_incident(bot, who, thread="T1")
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/resolve SD-1 Profil neu angelegt")

    sent = bot.say(who, "ok, I will try that tomorrow", thread="T1")

    assert [m.text for m in to(sent, who)] == [added, still_resolved]
    assert to(sent, who)[1].buttons[0].label == solved
    assert text_to(sent, "anna") == f"{NAME[who]} antwortet zu SD-1: ok, I will try that tomorrow"
    assert bot.ticket(1).status == "resolved"  # a reply is no decision: the requester makes that

    sent = bot.press(who, solved)
    assert text_to(sent, who) == closed
    # Once closed, the thread is a chat like any other: no more replies on SD-1.
    sent = bot.say(who, "Danke!" if who == "alice" else "Thank you!", thread="T1")
    assert len(bot.ticket(1).comments) == 2  # the resolution and the one reply
    assert text_to(sent, "anna") == ""


def test_the_reopen_button_after_a_thread_reply_reopens(any_db_bot: DeskBot) -> None:
    bot = any_db_bot
    open_incident(bot, "alice", thread="T1")
    bot.say("anna", "/claim SD-1")
    bot.say("anna", "/resolve SD-1 Profil neu angelegt")
    bot.say("alice", "Leider stürzt es weiter ab", thread="T1")
    sent = bot.press("alice", "Nein, wieder öffnen")
    assert text_to(sent, "alice").startswith("SD-1 ist wieder geöffnet. Was funktioniert noch nicht?")
    assert bot.ticket(1).status == "in_progress"


def test_only_the_requesters_own_plain_messages_in_the_thread_become_replies(any_db_bot: DeskBot) -> None:
    bot = any_db_bot
    open_incident(bot, "alice", thread="T1", chat="G-PROJECT")  # asked in a group chat

    # someone else in that thread: handled as their own message
    sent = bot.say("bob", "hello", thread="T1", chat="G-PROJECT")
    assert "Hello Bob Miller" in text_to(sent, "G-PROJECT")
    # a command in the thread stays a command
    sent = bot.say("alice", "/tickets", thread="T1", chat="G-PROJECT")
    assert text_to(sent, "G-PROJECT").startswith("Deine Tickets:")
    # the same words outside the thread are a new message, not a reply
    bot.say("alice", "Hallo", chat="G-PROJECT")
    assert bot.ticket(1).comments == []

    sent = bot.say("alice", "Es betrifft auch Teams", thread="T1", chat="G-PROJECT")
    assert (
        text_to(sent, "G-PROJECT")
        == "Deine Nachricht ist zu SD-1 hinzugefügt und geht an das Team Service Desk."
    )
    assert [c.body for c in bot.ticket(1).comments] == ["Es betrifft auch Teams"]


def test_a_message_in_a_tickets_thread_while_another_request_is_under_way_is_a_reply(
    any_db_bot: DeskBot,
) -> None:
    bot = any_db_bot
    open_incident(bot, "alice", thread="T1")
    bot.say("alice", "Der Drucker im 2. OG druckt nicht", thread="T2")  # a second request, elsewhere
    sent = bot.say("alice", "Ich bin ab 14 Uhr im Büro", thread="T1")
    assert [c.body for c in bot.ticket(1).comments] == ["Ich bin ab 14 Uhr im Büro"]
    assert {m.thread for m in sent if m.address == "alice"} == {"T1"}
    # The request in T2 goes on where it stood.
    sent = bot.say("alice", "seit gestern", thread="T2")
    assert "Wer ist betroffen?" in text_to(sent, "alice")
    assert {m.thread for m in sent} == {"T2"}


# ---- the schema ----------------------------------------------------------------------------------------


def test_migration_0003_upgrades_a_0002_database_and_keeps_its_data(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002")
        with engine.begin() as connection:
            # Core inserts name only the columns given: they fit the 0002 schema, which has no recipient.
            connection.execute(
                insert(Person.__table__).values(
                    id=1, handle="alice", display_name="Alice", language="de", roles=[], created_at=NOW
                )
            )
            connection.execute(
                insert(Team.__table__).values(id=1, slug="desk", name="Desk", auto_assign="none")
            )
            connection.execute(
                insert(Ticket.__table__).values(
                    id=1, category="incident", title="Outlook", description="", details={}, impact="low",
                    urgency="low", priority="P4", status="new", language="de", requester_id=1, team_id=1,
                    origin_channel="console", origin_chat="alice", created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
            connection.execute(
                insert(OutboxMessage.__table__).values(
                    id=1, channel="console", address="#desk", ticket_id=1, kind="team_card", text="Neu: SD-1",
                    buttons=[], created_at=NOW, next_attempt_at=NOW, attempts=0,
                )
            )  # fmt: skip

        upgrade(engine)

        assert current_revision(engine) == head_revision(engine)
        sessions: sessionmaker[Session] = make_session_factory(engine)
        with sessions() as session, session.begin():
            [row] = session.scalars(select(OutboxMessage)).all()
            assert (row.text, row.recipient, row.ticket_id) == ("Neu: SD-1", None, 1)
            session.add(TicketCard(ticket_id=1, channel="slack", address="C1", ref="1700.1", updated_at=NOW))
        # one card per ticket and chat; it goes with its ticket
        with pytest.raises(Exception, match=r"(?i)unique"), sessions() as session, session.begin():
            session.add(TicketCard(ticket_id=1, channel="slack", address="C1", ref="1700.2", updated_at=NOW))
        with sessions() as session, session.begin():
            session.delete(session.get_one(Ticket, 1))
        with sessions() as session:
            assert session.scalars(select(TicketCard)).all() == []
            assert session.get_one(OutboxMessage, 1).ticket_id is None
    finally:
        engine.dispose()


def test_migration_0003_downgrades_to_0002(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0003")
        command.downgrade(alembic_config(engine), "0002")
        assert current_revision(engine) == "0002"
        assert "ticket_cards" not in inspect(engine).get_table_names()
        assert "recipient" not in {column["name"] for column in inspect(engine).get_columns("outbox")}
        upgrade(engine, "0003")
        assert current_revision(engine) == "0003"
    finally:
        engine.dispose()


def test_migration_0004_adds_message_refs_and_blocked_accounts_and_goes_back(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0003")
        with engine.begin() as connection:
            connection.execute(
                insert(OutboxMessage.__table__).values(
                    id=1, channel="telegram", address="1001", kind="reply", text="Hallo", buttons=[],
                    created_at=NOW, next_attempt_at=NOW, attempts=1, sent_at=NOW,
                )
            )  # fmt: skip
        upgrade(engine, "0004")
        sessions: sessionmaker[Session] = make_session_factory(engine)
        with sessions() as session, session.begin():
            row = session.get_one(OutboxMessage, 1)
            assert (row.text, row.ref) == ("Hallo", None)
            row.ref = "1042"
        command.downgrade(alembic_config(engine), "0003")
        columns = {column["name"] for column in inspect(engine).get_columns("outbox")}
        assert "ref" not in columns
        assert "blocked_at" not in {c["name"] for c in inspect(engine).get_columns("channel_accounts")}
        upgrade(engine)
        assert current_revision(engine) == "0004"
    finally:
        engine.dispose()


def test_the_relay_hands_the_private_recipient_to_the_adapter(
    sessions: sessionmaker[Session], channel: MemoryChannel, clock: FakeClock
) -> None:
    with sessions() as session, session.begin():
        session.add(
            OutboxMessage(
                channel="console", address="C-TEAM", recipient="U-ANNA", kind="private", text="Nur für dich",
                created_at=clock.now(), next_attempt_at=clock.now(),
            )
        )  # fmt: skip
    assert Relay(sessions, {"console": channel}, clock).deliver_pending() == 1
    [message] = channel.sent
    assert (message.address, message.recipient, message.kind) == ("C-TEAM", "U-ANNA", "private")

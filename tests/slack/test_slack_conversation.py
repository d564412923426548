"""The desk in Slack, end to end over HTTP: the real slack-bolt app, signed requests built from Slack's
payloads, the Web API a local fake that records every call. Requesters in direct messages and channel
threads, agents at the team channel's ticket cards and with `/sd`."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.desk.status import Status
from storage.models import ChannelAccount, Comment, Person, Ticket
from tests.slack.fake_slack import FakeSlack
from tests.slack.support import NEWCOMER, SlackDesk

ALICE, BOB, ANNA, BEN = "U0ALICE", "U0BOB", "U0ANNA", "U0BEN"
VISIO = "Bitte installiert mir Visio auf meinem Laptop, ist dringend"


def ticket(desk: SlackDesk, number: int = 1) -> Ticket:
    with desk.app.sessions() as session:
        found = session.get_one(Ticket, number)
        _ = (found.assignee, found.requester, found.team)
        return found


def open_visio_ticket(desk: SlackDesk) -> str:
    """alice asks for Visio in her DM and submits; returns the thread of the conversation."""
    thread = desk.dm(ALICE, VISIO)
    desk.press(ALICE, "Absenden")
    return thread


def test_a_ticket_opened_in_a_dm_thread_is_claimed_at_the_team_card(any_db_desk: SlackDesk) -> None:
    desk, fake = any_db_desk, any_db_desk.fake
    thread = desk.dm(ALICE, VISIO)
    [summary] = fake.posts("D0ALICE")
    assert summary.params["thread_ts"] == thread  # answered in the thread of her message
    assert "Visio" in summary.params["text"]
    assert [label for label, _ in summary.buttons()] == ["Absenden", "Ändern", "Abbrechen"]

    desk.press(ALICE, "Absenden", on=summary)
    opened = fake.posts("D0ALICE")[-1]
    assert "SD-1" in opened.params["text"] and opened.params["thread_ts"] == thread
    [card] = fake.posts("C0WORK")  # installation orders go to Workplace & Installation
    assert "SD-1" in card.params["text"] and "Alice Wagner" in card.params["text"]
    assert ("Übernehmen", "/claim SD-1") in card.buttons()

    desk.press(BEN, "Übernehmen", on=card)
    [update] = fake.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("C0WORK", card.ts)  # the same message
    assert "Ben Fischer" in update.params["text"]
    assert "Übernehmen" not in dict(update.buttons())  # nobody can claim it twice
    told = fake.posts("D0ALICE")[-1]
    assert "Ben Fischer" in told.params["text"] and told.params["thread_ts"] == thread
    [confirmation] = fake.calls_to("chat.postEphemeral")  # the presser's answer is for him alone
    assert confirmation.params["user"] == BEN and "SD-1" in confirmation.params["text"]
    # Not in the card's thread: Slack shows an ephemeral message in a thread only once it has replies.
    assert "thread_ts" not in confirmation.params
    assert ticket(desk).assignee.handle == "ben"

    desk.dm(ALICE, "Ich bin ab 14 Uhr im Büro, Laptop liegt bereit", thread=thread)
    to_ben = [c for c in fake.posts() if c.params["channel"] in ("U0BEN", "D0BEN")]
    assert "Ich bin ab 14 Uhr im Büro" in to_ben[-1].params["text"]  # the reply reaches the handler
    assert fake.posts("D0ALICE")[-1].params["thread_ts"] == thread  # and she is told, in her thread
    with desk.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 1


def test_slash_commands_work_for_agents_and_their_answers_are_ephemeral(desk: SlackDesk) -> None:
    fake = desk.fake
    thread = desk.dm(BOB, "My Outlook crashes every time I open it since this morning")
    desk.submit_request(BOB, thread)
    assert ticket(desk).team.slug == "service-desk"
    card = fake.posts("C0DESK")[0]
    channel_posts = len(fake.posts("C0DESK"))

    assert desk.command(ANNA, "claim SD-1").status == 200
    assert desk.command(ANNA, "status SD-1 in_progress Profil wird geprüft").status == 200
    assert desk.command(ANNA, "resolve SD-1 Outlook-Profil neu angelegt").status == 200
    answers = fake.calls_to("chat.postEphemeral")
    assert [a.params["user"] for a in answers] == [ANNA] * 3
    assert all(a.params["channel"] == "C0DESK" for a in answers)
    assert "SD-1" in answers[-1].params["text"]
    assert ticket(desk).status == Status.RESOLVED and ticket(desk).assignee.handle == "anna"
    # the channel saw no command answers, only the card's changes (in place and in its thread)
    assert all(c.params.get("thread_ts") == card.ts for c in fake.posts("C0DESK")[channel_posts:])
    assert "Outlook-Profil neu angelegt" in fake.posts("D0BOB")[-1].params["text"]
    assert fake.posts("D0BOB")[-1].params["thread_ts"] == thread
    assert [label for label, _ in fake.posts("D0BOB")[-1].buttons()] == ["Yes, solved", "No, reopen"]
    assert fake.calls_to("chat.update")[-1].params["ts"] == card.ts

    desk.command(BOB, "status SD-1", channel="D0BOB")
    mine = fake.calls_to("chat.postEphemeral")[-1]
    assert mine.params["user"] == BOB and "SD-1" in mine.params["text"]


def test_slash_commands_are_refused_for_non_agents_and_change_nothing(desk: SlackDesk) -> None:
    fake = desk.fake
    open_visio_ticket(desk)
    updates, posts = len(fake.calls_to("chat.update")), len(fake.posts())
    for text in ("claim SD-1", "resolve SD-1 erledigt", "queue", "assign SD-1 bob"):
        assert desk.command(BOB, text, channel="C0WORK").status == 200
    refusals = fake.calls_to("chat.postEphemeral")
    assert len(refusals) == 4 and all(r.params["user"] == BOB for r in refusals)
    assert all(r.params["text"] for r in refusals)
    assert ticket(desk).status == Status.NEW and ticket(desk).assignee is None
    assert len(fake.calls_to("chat.update")) == updates and len(fake.posts()) == posts


def test_a_mention_in_a_channel_is_a_request_answered_in_its_thread(desk: SlackDesk) -> None:
    fake = desk.fake
    thread = desk.mention(BOB, "C0GENERAL", "I need a Visio license installed on my laptop, it's urgent")
    [summary] = fake.posts("C0GENERAL")
    assert summary.params["thread_ts"] == thread and "Visio" in summary.params["text"]
    # bob answers in the thread without mentioning the bot: still the same conversation
    desk.channel_reply(BOB, "C0GENERAL", thread, "yes")
    assert ticket(desk).origin_thread == thread
    assert "SD-1" in fake.posts("C0GENERAL")[-1].params["text"]
    assert fake.posts("C0GENERAL")[-1].params["thread_ts"] == thread
    # someone else chatting in that thread is not talking to the bot
    before = len(fake.calls)
    desk.channel_reply(ALICE, "C0GENERAL", thread, "same here, mine is broken too")
    assert fake.calls[before:] == []


def test_a_thread_reply_after_a_restart_is_recognised_from_the_thread_itself(desk: SlackDesk) -> None:
    fake = desk.fake
    thread = desk.mention(BOB, "C0GENERAL", "I need Visio installed on my laptop, urgent")
    desk.events._threads.clear()  # what a restart forgets
    fake.threads[("C0GENERAL", thread)] = {"user": BOB, "ts": thread, "text": "<@U0SPOCBOT> I need Visio"}
    desk.channel_reply(BOB, "C0GENERAL", thread, "yes")
    assert "SD-1" in fake.posts("C0GENERAL")[-1].params["text"]
    # a thread that did not start with a mention of the bot is none of its business, and asked once
    fake.threads[("C0GENERAL", "1767400000.000100")] = {
        "user": BOB,
        "ts": "1767400000.000100",
        "text": "lunch?",
    }
    desk.channel_reply(BOB, "C0GENERAL", "1767400000.000100", "pizza")
    desk.channel_reply(BOB, "C0GENERAL", "1767400000.000100", "at noon")
    assert len(fake.calls_to("conversations.replies")) == 2
    assert fake.posts("C0GENERAL")[-1].params["thread_ts"] == thread


def test_an_unknown_user_is_registered_with_name_and_locale_from_users_info(desk: SlackDesk) -> None:
    fake = desk.fake
    desk.dm(NEWCOMER, "Mein Drucker druckt seit gestern nicht mehr")
    desk.dm(NEWCOMER, "abbrechen")
    desk.dm(NEWCOMER, "Meine Tickets")
    assert len([c for c in fake.calls_to("users.info") if c.params["user"] == NEWCOMER]) == 1  # cached
    with desk.app.sessions() as session:
        account = session.scalars(select(ChannelAccount).where(ChannelAccount.external_id == NEWCOMER)).one()
        person = session.get_one(Person, account.person_id)
        assert (person.display_name, person.language, person.roles) == ("Nina Neumann", "de", ["requester"])
        assert account.direct_address == "D0NINA"
    assert all(
        "Nina" not in c.params.get("text", "") or c.params["channel"] == "D0NINA" for c in fake.posts()
    )


def test_users_info_failing_does_not_stop_the_answer(desk: SlackDesk, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next(1, status=500, method="users.info")
    desk.dm(NEWCOMER, "Hallo, mein Drucker druckt nicht mehr")
    assert fake_slack.posts("D0NINA")  # answered all the same
    desk.dm(NEWCOMER, "abbrechen")
    assert len(fake_slack.calls_to("users.info")) == 1  # asked again, and then known

"""Talking to the bot in Telegram, through the real python-telegram-bot Application: /start and /help, the
command menu offered at start, what the bot leaves alone in groups, a mention that addresses it, and
pressed keyboards in a private chat giving way to the choice made."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.i18n import TEXTS
from storage.models import ChannelAccount, Conversation, Person, Ticket
from tests.telegram.fake_telegram import NOT_MODIFIED
from tests.telegram.support import TelegramDesk
from tests.telegram.test_telegram_requests import (
    answers_to,
    press,
    press_in_private,
    refused_calls,
    sent_since,
)
from tests.telegram.updates import (
    ALICE,
    ANNA,
    BEN,
    BOB,
    NINA,
    OTHER_BOT,
    SAM,
    SPOC_BOT,
    TEAM_GROUPS,
    TelegramUser,
)

SERVICE_DESK = TEAM_GROUPS["service-desk"]
# A group of the company that is no team's: people there may address the bot by mentioning it.
ELSEWHERE = -1001000000099
# DESIGN.md's commands, every one of which Telegram's menu offers.
DESIGN_VERBS = (
    "claim", "unclaim", "assign", "status", "note", "resolve", "priority", "queue", "mine", "show",
    "reply", "tickets", "cancel", "reopen", "coaching", "lang", "help",
)  # fmt: skip


def count(desk: TelegramDesk, model: type) -> int:
    with desk.app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def person_of(desk: TelegramDesk, user: TelegramUser) -> tuple[Person, ChannelAccount]:
    with desk.app.sessions() as session:
        account = session.scalars(
            select(ChannelAccount).where(
                ChannelAccount.channel == "telegram", ChannelAccount.external_id == str(user.id)
            )
        ).one()
        return session.get_one(Person, account.person_id), account


# ---- 5. /start and /help ------------------------------------------------------------------------------
def test_start_registers_a_newcomer_and_introduces_the_desk_in_their_telegram_language(
    desk: TelegramDesk,
) -> None:
    fake = desk.fake
    start = desk.updates_made.command(NINA, "/start")  # her Telegram app is set to de-AT
    desk.deliver(start)
    [hello] = fake.sent(NINA.id)
    assert (hello.visible_text or "").startswith("Hallo Nina Neumann! Ich bin der Service-Desk-Bot.")
    assert "/tickets" in (hello.visible_text or "")  # the commands for everyone
    assert "/claim" not in (hello.visible_text or "")  # not the agents'
    assert hello.reply_to == start["message"]["message_id"]
    # the request types to choose from; coaching is for project leads only
    assert [label for label, _ in hello.buttons()] == [
        "Störung", "Installation / Bestellung", "Frage zur Bedienung", "Dokumentation", "Schulung",
        "Mit einem Menschen sprechen",
    ]  # fmt: skip
    person, account = person_of(desk, NINA)
    assert (person.display_name, person.language, person.roles) == ("Nina Neumann", "de", ["requester"])
    assert account.direct_address == str(NINA.id)

    desk.command(SAM, "/start")
    [hello] = fake.sent(SAM.id)
    assert (hello.visible_text or "").startswith("Hello Sam! I am the service desk bot.")
    assert hello.buttons()[0] == ("Incident", "intent:incident")
    assert person_of(desk, SAM)[0].language == "en"

    # a choice from the introduction starts that request
    press_in_private(desk, NINA, "Störung")
    assert desk.texts_to(NINA.id)[-1] == TEXTS["q_incident_what"]["de"]
    assert count(desk, Ticket) == 0
    assert refused_calls(fake) == []


def test_help_lists_the_commands_and_agents_also_read_theirs(desk: TelegramDesk) -> None:
    fake = desk.fake
    desk.command(ALICE, "/help")
    desk.command(ANNA, "/help")
    desk.command(BEN, "/help")
    [alice] = desk.texts_to(ALICE.id)
    assert TEXTS["cmd_help_everyone"]["de"] in alice and "Für Agents" not in alice
    [anna] = desk.texts_to(ANNA.id)
    assert TEXTS["cmd_help_everyone"]["de"] in anna and TEXTS["cmd_help_agents"]["de"] in anna
    [ben] = desk.texts_to(BEN.id)
    assert TEXTS["cmd_help_everyone"]["en"] in ben and TEXTS["cmd_help_agents"]["en"] in ben

    # in a team's group, the answer is private
    before = len(fake.calls)
    desk.command(ANNA, "/help@spoc_desk_bot", "service-desk")
    [private] = sent_since(fake, before)
    assert private.chat_id == ANNA.id and TEXTS["cmd_help_agents"]["de"] in (private.visible_text or "")
    assert refused_calls(fake) == []


# ---- 6. the command menu ------------------------------------------------------------------------------
def test_at_start_the_bot_offers_its_command_menu_in_german_and_english(desk: TelegramDesk) -> None:
    menus = desk.fake.commands
    assert set(menus) == {"de", "en", ""}  # "" for every other language: English
    for language, commands in menus.items():
        verbs = [command["command"] for command in commands]
        assert set(DESIGN_VERBS) <= set(verbs), language
        assert verbs[:2] == ["start", "help"]
    german = {c["command"]: c["description"] for c in menus["de"]}
    english = {c["command"]: c["description"] for c in menus["en"]}
    assert german["claim"] == "Agents: Ticket übernehmen: /claim SD-12"
    assert german["tickets"] == "Deine Tickets"
    assert all(german[verb] != english[verb] for verb in DESIGN_VERBS)
    assert menus[""] == menus["en"]


# ---- 7. what the bot leaves alone ---------------------------------------------------------------------
@pytest.fixture(params=["polling", "webhook"])
def any_desk(request: pytest.FixtureRequest) -> TelegramDesk:
    """Long polling, where Telegram holds back the kinds of update the bot did not ask for, and the
    webhook, where the adapter itself must leave them alone."""
    desk: TelegramDesk = request.getfixturevalue("desk" if request.param == "polling" else "webhook_desk")
    return desk


def ignored_updates(desk: TelegramDesk) -> dict[str, dict[str, Any]]:
    made = desk.updates_made
    return {
        "an edit": made.edited(ALICE, "Mein Drucker druckt nicht mehr, seit gestern"),
        "an edit in a group": made.edited(ANNA, "/claim SD-1", chat="service-desk"),
        "another bot": made.from_bot("/claim SD-1"),
        "another bot in private": made.from_bot("Mein Drucker druckt nicht", chat=OTHER_BOT.id),
        "group chatter": made.group_text(ANNA, "service-desk", "Wer hat heute Rufbereitschaft?"),
        "a command for another bot": made.command(ANNA, "/help@other_helper_bot", "service-desk"),
        "someone joins": made.new_member("service-desk", NINA),
        "the bot is added": made.new_member("workplace", SPOC_BOT),
    }


def test_edits_bots_chatter_other_bots_commands_and_joins_are_left_alone(any_desk: TelegramDesk) -> None:
    desk, fake = any_desk, any_desk.fake
    people = count(desk, Person)
    before = len(fake.calls)
    for what, update in ignored_updates(desk).items():
        if desk.webhook:
            assert desk.deliver(update) == [], what
        else:
            fake.push(update)  # the bot may never get it: polling asks only for messages and presses
    # A message after them all: once it is answered, everything before it was handled or held back.
    desk.say(ALICE, "Meine Tickets")
    [answer] = [c for c in fake.calls[before:] if c.method != "getUpdates"]
    assert (answer.method, answer.chat_id, answer.ok) == ("sendMessage", ALICE.id, True)
    assert [count(desk, model) for model in (Ticket, Conversation)] == [0, 1]
    assert count(desk, Person) == people  # nobody was registered: not Nina, not the other bot


def test_a_mention_of_the_bot_in_a_group_is_answered_in_the_group(desk: TelegramDesk) -> None:
    fake = desk.fake
    mention = desk.updates_made.group_text(BOB, "service-desk", "what are my tickets?", mention=True)
    desk.deliver(mention)
    [answer] = fake.sent(SERVICE_DESK)
    assert answer.visible_text == TEXTS["no_tickets"]["en"]
    assert answer.reply_to == mention["message"]["message_id"]
    assert fake.sent(BOB.id) == []
    assert refused_calls(fake) == []


def test_a_request_started_by_a_mention_goes_on_in_the_group(desk: TelegramDesk) -> None:
    fake = desk.fake
    desk.deliver(desk.updates_made.group_text(BOB, ELSEWHERE, "I need new software", mention=True))
    asked = fake.sent(ELSEWHERE)[-1]
    assert asked.visible_text == TEXTS["q_installation_item"]["en"] and asked.message_id is not None

    desk.in_group(BOB, ELSEWHERE, "Visio", reply_to=(ELSEWHERE, asked.message_id))
    asked = fake.sent(ELSEWHERE)[-1]
    assert asked.visible_text == TEXTS["q_installation_device"]["en"] and asked.message_id is not None
    desk.in_group(BOB, ELSEWHERE, "Laptop NB-4711", reply_to=(ELSEWHERE, asked.message_id))
    summary = fake.sent(ELSEWHERE)[-1]
    assert summary.buttons()[0] == ("Submit", "confirm") and summary.message_id is not None

    press(desk, BOB, ELSEWHERE, summary.message_id, "Submit")
    assert "SD-1" in (fake.sent(ELSEWHERE)[-1].visible_text or "")
    with desk.app.sessions() as session:
        [made] = session.scalars(select(Ticket)).all()
        assert made.details == {"item": "Visio", "device": "Laptop NB-4711"}


# ---- 8. pressed keyboards -----------------------------------------------------------------------------
def test_a_pressed_keyboard_shows_the_choice_and_a_repeated_press_is_answered_once_more(
    desk: TelegramDesk,
) -> None:
    fake = desk.fake
    desk.say(BOB, "My Outlook crashes every time I open it since this morning")
    asked = desk.last_to(BOB.id)
    assert asked.visible_text == "Who is affected?" and asked.message_id is not None

    pressed = press_in_private(desk, BOB, "Only me")
    query = pressed["callback_query"]["id"]
    assert fake.wait_for(lambda: bool(fake.calls_to("editMessageText")))
    [edit] = fake.calls_to("editMessageText")
    assert (edit.chat_id, edit.message_id) == (BOB.id, asked.message_id)
    assert edit.text == "Who is affected?\n\n› <i>Only me</i>" and edit.reply_markup is None
    shown = fake.message(BOB.id, asked.message_id)
    assert shown["visible_text"] == "Who is affected?\n\n› Only me" and shown["reply_markup"] is None
    assert desk.texts_to(BOB.id)[-1] == "How badly does it block your work?"
    sent = len(fake.sent())

    # Telegram hands the same press over again (the bot crashed before confirming it): the client is
    # answered once more, the conversation does not move on twice.
    desk.deliver(pressed, again=True)
    assert fake.wait_for(lambda: len(answers_to(fake, query)) == 2)
    assert len(fake.sent()) == sent
    assert desk.texts_to(BOB.id)[-1] == "How badly does it block your work?"
    assert fake.message(BOB.id, asked.message_id)["visible_text"] == "Who is affected?\n\n› Only me"
    # The repeat still carries the keyboard as it was when pressed: showing the choice again is at most
    # refused by Telegram as "not modified".
    assert all(c.description == NOT_MODIFIED for c in refused_calls(fake))

    # A long value's key from before a restart: the press is answered, with a word why nothing happens.
    expired = desk.updates_made.callback(
        BOB, fake.message_json(BOB.id, asked.message_id, with_reply=True), "~" + "0" * 40
    )
    desk.deliver(expired)
    query = expired["callback_query"]["id"]
    assert fake.wait_for(lambda: bool(answers_to(fake, query)))
    assert answers_to(fake, query)[0].params["text"] == TEXTS["tg_button_expired"]["en"]
    assert len(fake.sent()) == sent

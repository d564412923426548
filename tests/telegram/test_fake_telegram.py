"""The fake Bot API server against python-telegram-bot's real Bot: what it records, how it fails, how
long polling behaves, and that every update builder gives what PTB can read."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from telegram import Bot as TelegramBot
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from tests.telegram.fake_telegram import BOT_ID, BOT_USERNAME, TOKEN, FakeTelegram, HtmlError, parse_html
from tests.telegram.updates import ALICE, ANNA, BOB, NINA, OTHER_BOT, SAM, SPOC_BOT, TEAM_GROUPS, Updates

T = TypeVar("T")
DESK = TEAM_GROUPS["service-desk"]


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram()
    try:
        yield server
    finally:
        server.close()


def with_bot(fake: FakeTelegram, work: Callable[[TelegramBot], Awaitable[T]], token: str = TOKEN) -> T:
    async def run() -> T:
        async with TelegramBot(token, base_url=f"{fake.url}/bot") as bot:
            return await work(bot)

    return asyncio.run(run())


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_real_bot_talks_to_the_fake_and_every_call_is_recorded_with_its_parameters(
    fake: FakeTelegram,
) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Claim", callback_data="claim:4"),
                InlineKeyboardButton("Show", callback_data="show:4"),
            ]
        ]
    )

    async def work(bot: TelegramBot) -> None:
        assert bot.id == BOT_ID and bot.username == BOT_USERNAME
        sent = await bot.send_message(
            str(DESK),
            "<b>SD-4</b> &lt;Outlook&gt; &amp; <i>VPN</i>",
            parse_mode="HTML",
            reply_markup=keyboard,
            reply_parameters=ReplyParameters(17),
        )
        assert sent.message_id == 1000 and sent.chat.id == DESK and sent.chat.type == "supergroup"
        assert sent.text == "SD-4 <Outlook> & VPN" and sent.entities[0].type == MessageEntity.BOLD
        assert sent.reply_markup == keyboard
        edited = await bot.edit_message_text("<b>SD-4</b> claimed", DESK, sent.message_id, parse_mode="HTML")
        assert edited.text == "SD-4 claimed" and edited.reply_markup is None
        assert await bot.answer_callback_query("42", text="Done")
        assert await bot.set_my_commands([BotCommand("claim", "Ticket übernehmen")], language_code="de")
        assert await bot.set_webhook("https://desk.example/telegram/webhook", secret_token="s3cr3t-token")
        assert (await bot.get_webhook_info()).url == "https://desk.example/telegram/webhook"

    with_bot(fake, work)
    assert [c.method for c in fake.calls] == [
        "getMe", "sendMessage", "editMessageText", "answerCallbackQuery", "setMyCommands", "setWebhook",
        "getWebhookInfo",
    ]  # fmt: skip
    (send,) = fake.sent(DESK)
    assert send.chat_id == DESK and send.message_id == 1000 and send.reply_to == 17
    assert send.visible_text == "SD-4 <Outlook> & VPN"
    assert send.buttons() == [("Claim", "claim:4"), ("Show", "show:4")]
    (edit,) = fake.calls_to("editMessageText")
    assert edit.params["message_id"] == 1000 and edit.visible_text == "SD-4 claimed"
    assert fake.message(DESK, 1000)["visible_text"] == "SD-4 claimed"
    assert fake.message(DESK, 1000)["reply_markup"] is None  # an edit without markup drops the keyboard
    assert fake.calls_to("answerCallbackQuery")[0].params == {"callback_query_id": "42", "text": "Done"}
    assert fake.commands == {"de": [{"command": "claim", "description": "Ticket übernehmen"}]}
    assert fake.webhook is not None and fake.webhook["secret_token"] == "s3cr3t-token"


def test_edits_follow_telegrams_rules(fake: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])

    async def work(bot: TelegramBot) -> None:
        sent = await bot.send_message(ALICE.id, "Done?", reply_markup=keyboard)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text("Done?", ALICE.id, sent.message_id, reply_markup=keyboard)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("Done?", ALICE.id, 4711)
        await bot.edit_message_reply_markup(ALICE.id, sent.message_id, reply_markup=None)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_reply_markup(ALICE.id, sent.message_id, reply_markup=None)
        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(ALICE.id, "x", reply_markup=too_long)

    with_bot(fake, work)
    assert fake.buttons(ALICE.id, 1000) == []
    assert [c.status for c in fake.calls_to("editMessageReplyMarkup", ok_only=False)] == [200, 400]


def test_failures_surface_as_ptbs_errors(fake: FakeTelegram) -> None:
    fake.blocked.add(BOB.id)
    fake.unstarted.add(NINA.id)
    fake.missing_chats.add(-1009)

    async def work(bot: TelegramBot) -> None:
        fake.fail_next(status=429, retry_after=3)
        with pytest.raises(RetryAfter) as limited, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PTB's int-or-timedelta deprecation of retry_after
            await bot.send_message(ALICE.id, "hi")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert limited.value.retry_after in (3, dt.timedelta(seconds=3))
        fake.fail_next(status=500)
        with pytest.raises(NetworkError):
            await bot.send_message(ALICE.id, "hi")
        fake.fail_next(status=400, description="Bad Request: chat not found", method="editMessageText")
        await bot.send_message(ALICE.id, "spared: only editMessageText fails")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.edit_message_text("x", ALICE.id, 1000)
        with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
            await bot.send_message(BOB.id, "hi")
        with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
            await bot.send_message(NINA.id, "hi")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(-1009, "hi")
        for bad in ("<b>x", "a < b", "<b>x</i>", "<br>", '<span class="x">x</span>', "<b>x</b></b>"):
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(ALICE.id, bad, parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(ALICE.id, "<b>" + "x" * 4097 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(ALICE.id, "<b> </b>", parse_mode="HTML")
        # 4096 characters to read, five times as long once escaped: Telegram counts what is read.
        await bot.send_message(ALICE.id, "&amp;" * 4096, parse_mode="HTML")

    with_bot(fake, work)
    failed = [c for c in fake.calls if not c.ok]
    assert [c.status for c in failed[:3]] == [429, 500, 400]
    assert failed[0].description == "Too Many Requests: retry after 3"
    assert fake.sent(ALICE.id)[-1].visible_text == "&" * 4096
    assert len(fake.sent(ALICE.id)) == 2


def test_wrong_token_unknown_method_and_case_insensitive_names(fake: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        with_bot(fake, lambda bot: bot.get_me(), token="7000000001:AAwrong")
    status, answer = post(f"{fake.url}/bot{TOKEN}/fooBar", {})
    assert (status, answer) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, answer = post(f"{fake.url}/bot{TOKEN}/getme", {})
    assert status == 200 and answer["result"]["username"] == BOT_USERNAME
    status, answer = post(f"{fake.url}/bot{TOKEN}/sendMessage", {"chat_id": "1001", "text": "json body"})
    assert status == 200 and answer["result"]["chat"] == {"id": 1001, "type": "private"}
    assert fake.sent(1001)[0].params["chat_id"] == 1001
    markup = json.dumps({"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]})
    query = urllib.parse.urlencode({"chat_id": str(DESK), "text": "query string", "reply_markup": markup})
    with urllib.request.urlopen(f"{fake.url}/bot{TOKEN}/sendMessage?{query}", timeout=5) as response:
        assert json.load(response)["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Ja"
    assert fake.sent(DESK)[0].buttons() == [("Ja", "yes")] and fake.sent(DESK)[0].chat_id == DESK


def test_html_parsing_follows_telegrams_subset() -> None:
    text, entities = parse_html(
        'Hi <a href="https://x.example/?a=1&amp;b=2">link</a> 😀 <b>b<i>i</i></b>'
        '<pre><code class="language-python">x</code></pre><blockquote expandable>q</blockquote> & >'
    )
    assert text == "Hi link 😀 bixq & >"
    assert {"type": "text_link", "offset": 3, "length": 4, "url": "https://x.example/?a=1&b=2"} in entities
    # offsets count UTF-16 code units: the emoji is two
    assert {"type": "bold", "offset": 11, "length": 2} in entities
    assert {"type": "pre", "offset": 13, "length": 1, "language": "python"} in entities
    assert {"type": "expandable_blockquote", "offset": 14, "length": 1} in entities
    with pytest.raises(HtmlError, match='Unsupported start tag "" at byte offset 2'):
        parse_html("a < b")


def test_long_polling_confirms_with_offsets_and_redelivers_on_request(fake: FakeTelegram) -> None:
    updates = Updates()
    first, second = updates.private_text(ALICE, "hallo"), updates.private_text(BOB, "hello")
    third = updates.private_text(ALICE, "noch was")
    fake.push(first)
    fake.push(second)

    async def work(bot: TelegramBot) -> None:
        got = await bot.get_updates(timeout=0)
        assert [u.update_id for u in got] == [first["update_id"], second["update_id"]]
        assert await bot.get_updates(offset=second["update_id"] + 1, timeout=0) == ()
        assert fake.confirmed_offset == second["update_id"] + 1 and fake.pending == []
        with pytest.raises(ValueError, match="again=True"):
            fake.push(first)
        fake.push(first, again=True)
        (again,) = await bot.get_updates(offset=second["update_id"] + 1, timeout=0)
        assert again.update_id == first["update_id"] and again.message.text == "hallo"
        # a long poll waits for the next update and returns as soon as it is pushed
        waiting = asyncio.ensure_future(bot.get_updates(offset=second["update_id"] + 1, timeout=30))
        assert await asyncio.to_thread(fake.wait_for, lambda: fake.waiting_polls == 1)
        fake.push(third)
        assert [u.update_id for u in await asyncio.wait_for(waiting, 5)] == [third["update_id"]]
        # a webhook and getUpdates exclude each other, as on Telegram
        await bot.set_webhook("https://desk.example/telegram/webhook")
        with pytest.raises(Conflict):
            await bot.get_updates(timeout=0)
        await bot.delete_webhook(drop_pending_updates=True)
        assert fake.pending == []

    with_bot(fake, work)
    assert fake.deliveries == {first["update_id"]: 2, second["update_id"]: 1, third["update_id"]: 1}
    assert fake.wait_delivered(first["update_id"], times=2, timeout=0)


def test_ptbs_application_polls_the_fake_and_replies(fake: FakeTelegram) -> None:
    updates = Updates()
    hello = updates.private_text(ALICE, "hallo")

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_html(f"<b>Echo:</b> {update.message.text}", do_quote=True)

    async def run() -> None:
        app = Application.builder().token(TOKEN).base_url(f"{fake.url}/bot").build()
        app.add_handler(MessageHandler(filters.TEXT, on_text))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(timeout=10)
            fake.push(hello)
            assert await asyncio.to_thread(fake.wait_for, lambda: bool(fake.sent(ALICE.id)))
            await app.updater.stop()
            await app.stop()

    asyncio.run(run())
    (reply,) = fake.sent(ALICE.id)
    assert reply.visible_text == "Echo: hallo" and reply.reply_to == hello["message"]["message_id"]
    assert fake.deliveries == {hello["update_id"]: 1}
    assert fake.confirmed_offset == hello["update_id"] + 1  # PTB confirms what it handled when it stops


def test_close_wakes_a_waiting_long_poll(fake: FakeTelegram) -> None:
    async def work(bot: TelegramBot) -> tuple[Update, ...]:
        waiting = asyncio.ensure_future(bot.get_updates(timeout=30))
        assert await asyncio.to_thread(fake.wait_for, lambda: fake.waiting_polls == 1)
        fake.close()
        return await asyncio.wait_for(waiting, 5)

    assert with_bot(fake, work) == ()


def test_every_update_builder_gives_what_ptb_reads(fake: FakeTelegram) -> None:
    updates = Updates()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="confirm:4")]])

    async def work(bot: TelegramBot) -> None:
        sent = await bot.send_message(ALICE.id, "Erledigt?", reply_markup=keyboard)
        bot_message = fake.message_json(ALICE.id, sent.message_id)

        def read(data: dict[str, Any]) -> Update:
            update = Update.de_json(data, bot)
            assert update.update_id == data["update_id"]
            return update

        reply = read(updates.private_text(ALICE, "ja, danke", reply_to=bot_message)).message
        assert reply.chat.type == "private" and reply.chat.id == ALICE.id and reply.text == "ja, danke"
        assert reply.reply_to_message.from_user.id == BOT_ID and reply.reply_to_message.text == "Erledigt?"
        newcomer = read(updates.private_text(NINA, "Hallo")).effective_user
        assert newcomer.language_code == "de-AT" and newcomer.username is None
        assert read(updates.private_text(SAM, "hi")).effective_user.language_code == "en"
        command = read(updates.command(ANNA, "/claim@spoc_desk_bot SD-4", chat="service-desk")).message
        assert command.chat.id == DESK and command.chat.type == "supergroup"
        assert command.parse_entities([MessageEntity.BOT_COMMAND]) == {
            command.entities[0]: "/claim@spoc_desk_bot"
        }
        assert read(updates.command(ALICE, "/tickets")).message.entities[0].length == len("/tickets")
        mention = read(updates.group_text(BOB, DESK, "kannst du helfen?", mention=True)).message
        assert mention.text == "@spoc_desk_bot kannst du helfen?"
        assert mention.parse_entities([MessageEntity.MENTION]) == {mention.entities[0]: "@spoc_desk_bot"}
        assert read(updates.group_text(BOB, "workplace", "plain")).message.entities == ()
        query = read(updates.callback(ALICE, bot_message, "confirm:4")).callback_query
        assert query.data == "confirm:4" and query.from_user.id == ALICE.id
        assert query.message.message_id == sent.message_id and query.message.reply_markup == keyboard
        edited = read(updates.edited(ALICE, "geändert", message_id=reply.message_id))
        assert edited.edited_message.message_id == reply.message_id and edited.message is None
        assert read(updates.from_bot("beep")).effective_user.id == OTHER_BOT.id
        sticker = read(updates.sticker(BOB)).message
        assert sticker.sticker is not None and sticker.text is None
        joined = read(updates.new_member(DESK, SPOC_BOT)).message
        assert joined.new_chat_members[0].id == BOT_ID

    with_bot(fake, work)

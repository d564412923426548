"""Telegram updates as Telegram sends them (https://core.telegram.org/bots/api#update): private and group
messages, commands with their bot_command entity, button presses, and the kinds the bot must ignore.

`Updates` numbers updates and messages the way Telegram does (increasing ids) and dates them from a fixed
base, so tests are repeatable. Each builder returns the update as a dict, ready for `FakeTelegram.push`,
a webhook POST, or `telegram.Update.de_json`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from tests.telegram.fake_telegram import BOT_ID, BOT_USERNAME

BASE_DATE = 1767600000
FIRST_UPDATE_ID = 500_000_001


@dataclass(frozen=True)
class TelegramUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    # What the user's Telegram app is set to: "de", or an IETF tag such as "de-AT".
    language_code: str | None = None
    is_bot: bool = False

    def json(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            if getattr(self, name) is not None:
                user[name] = getattr(self, name)
        return user

    def chat(self) -> dict[str, Any]:
        """The private chat with this user (its id is the user's id)."""
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for name in ("last_name", "username"):
            if getattr(self, name) is not None:
                chat[name] = getattr(self, name)
        return chat


# The demo desk's people as Telegram users.
ALICE = TelegramUser(1001, "Alice", "Wagner", "alice_wagner", "de")
BOB = TelegramUser(1002, "Bob", "Miller", "bob_miller", "en")
ANNA = TelegramUser(1003, "Anna", "Schmidt", "anna_schmidt", "de")
BEN = TelegramUser(1004, "Ben", "Fischer", "ben_fischer", "en")
LENA = TelegramUser(1005, "Lena", "Hoffmann", "lena_hoffmann", "de")
CARLA = TelegramUser(1006, "Carla", "Weber", "carla_weber", "de")
PAUL = TelegramUser(1007, "Paul", "Becker", "paul_becker", "en")
# Newcomers the desk does not know: no username, an IETF language tag; and one in English.
NINA = TelegramUser(1099, "Nina", "Neumann", None, "de-AT")
SAM = TelegramUser(1098, "Sam", None, None, "en")
# The bot itself, and another bot in a group.
SPOC_BOT = TelegramUser(BOT_ID, "SPOC", None, BOT_USERNAME, None, is_bot=True)
OTHER_BOT = TelegramUser(7000000099, "Helper", None, "other_helper_bot", None, is_bot=True)

PEOPLE = {
    "alice": ALICE, "bob": BOB, "anna": ANNA, "ben": BEN, "lena": LENA, "carla": CARLA, "paul": PAUL,
}  # fmt: skip
ACCOUNTS = {name: user.id for name, user in PEOPLE.items()}
# The teams' supergroups (supergroup ids are negative: -100 and the channel id).
TEAM_GROUPS = {"service-desk": -1001000000001, "workplace": -1001000000002, "pmo": -1001000000003}
GROUP_TITLES = {
    TEAM_GROUPS["service-desk"]: "Service Desk",
    TEAM_GROUPS["workplace"]: "Workplace & Installation",
    TEAM_GROUPS["pmo"]: "PMO Coaching",
}

_COMMAND = re.compile(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?")


def utf16_len(text: str) -> int:
    """Telegram's entity offsets and lengths count UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def group_chat(group: int | str) -> dict[str, Any]:
    """A supergroup chat object, by id or team name ("service-desk")."""
    chat_id = TEAM_GROUPS[group] if isinstance(group, str) else group
    return {"id": chat_id, "type": "supergroup", "title": GROUP_TITLES.get(chat_id, f"Group {chat_id}")}


class Updates:
    """Builds updates with increasing update and message ids."""

    def __init__(self, first_update_id: int = FIRST_UPDATE_ID, first_message_id: int = 1) -> None:
        self._update_ids = itertools.count(first_update_id)
        self._message_ids = itertools.count(first_message_id)
        self._ticks = itertools.count(1)
        self._callback_ids = itertools.count(1)

    # ---- messages ---------------------------------------------------------------------------------
    def private_text(
        self, user: TelegramUser, text: str, reply_to: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A text message in the private chat with the bot; `reply_to` is the replied-to message
        (e.g. `fake.message_json(chat_id, message_id)`)."""
        return self._update("message", self._message(user, user.chat(), text=text, reply_to=reply_to))

    def command(self, user: TelegramUser, text: str, chat: int | str | None = None) -> dict[str, Any]:
        """A command ("/claim SD-4", "/claim@spoc_desk_bot 4") in the private chat or in a group."""
        command = _COMMAND.match(text)
        if command is None:
            raise ValueError(f"a command starts with /: {text!r}")
        entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}]
        where = user.chat() if chat is None else group_chat(chat)
        return self._update("message", self._message(user, where, text=text, entities=entities))

    def group_text(
        self,
        user: TelegramUser,
        group: int | str,
        text: str,
        reply_to: dict[str, Any] | None = None,
        mention: bool = False,
    ) -> dict[str, Any]:
        """A message in a group; with `mention` it names the bot (@spoc_desk_bot, prepended if missing)."""
        entities: list[dict[str, Any]] = []
        if mention:
            handle = f"@{BOT_USERNAME}"
            if handle not in text:
                text = f"{handle} {text}"
            start = text.index(handle)
            entities.append({"type": "mention", "offset": utf16_len(text[:start]), "length": len(handle)})
        message = self._message(user, group_chat(group), text=text, reply_to=reply_to, entities=entities)
        return self._update("message", message)

    def edited(
        self, user: TelegramUser, text: str, message_id: int | None = None, chat: int | str | None = None
    ) -> dict[str, Any]:
        """An edit of an earlier message (edited_message): the bot does not act on edits."""
        where = user.chat() if chat is None else group_chat(chat)
        message = self._message(user, where, text=text)
        if message_id is not None:
            message["message_id"] = message_id
        message["edit_date"] = message["date"] + 30
        return self._update("edited_message", message)

    def from_bot(
        self, text: str, chat: int | str = "service-desk", bot: TelegramUser = OTHER_BOT
    ) -> dict[str, Any]:
        """A message from a bot (from.is_bot is true), by default another bot in the service desk group."""
        where = group_chat(chat) if isinstance(chat, str) or chat < 0 else {"id": chat, "type": "private"}
        return self._update("message", self._message(bot, where, text=text))

    def sticker(self, user: TelegramUser) -> dict[str, Any]:
        """A sticker in the private chat: a message with no text."""
        sticker = {
            "file_id": "CAACAgIAAxkBAAEBsticker",
            "file_unique_id": "AgADsticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self._update("message", self._message(user, user.chat(), sticker=sticker))

    def new_member(self, group: int | str, user: TelegramUser) -> dict[str, Any]:
        """The service message when `user` joins a group (or is added: the bot itself, say)."""
        message = self._message(user, group_chat(group), new_chat_members=[user.json()])
        return self._update("message", message)

    # ---- button presses ---------------------------------------------------------------------------
    def callback(self, user: TelegramUser, message: dict[str, Any], data: str) -> dict[str, Any]:
        """A press on an inline keyboard button of `message` (the bot's message, as
        `fake.message_json` gives it, with its chat and reply_markup)."""
        query = {
            "id": str(4_300_000_000_000_000_000 + next(self._callback_ids)),
            "from": user.json(),
            "message": message,
            "chat_instance": str(-6_000_000_000_000_000_000 - abs(int(message["chat"]["id"]))),
            "data": data,
        }
        return self._update("callback_query", query)

    # ---- plumbing ---------------------------------------------------------------------------------
    def _update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), kind: payload}

    def _message(
        self,
        user: TelegramUser,
        chat: dict[str, Any],
        *,
        reply_to: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": BASE_DATE + next(self._ticks),
            "chat": chat,
            "from": user.json(),
            **fields,
        }
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return message

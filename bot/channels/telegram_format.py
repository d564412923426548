"""Telegram's text rules, both ways: neutral text to HTML in parts Telegram accepts, buttons to an inline
keyboard, and a message's text back to plain text.

Pure functions, no Telegram library: they are the rules of the format. Everything the bot says is plain
text that may carry what a person wrote (a ticket title, a reply, a display name), so all of it is
escaped for Telegram's HTML parse mode; the only markup is the bot's own (a card's bold headline).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.messages import Button

# A message's text may be 4096 characters long after its markup is parsed (Telegram counts UTF-16 code
# units, so an emoji counts twice).
MAX_TEXT = 4096
# A button's callback_data may be 64 bytes long.
MAX_CALLBACK_DATA = 64
# Longer button values are sent as a key to this process's memory of them.
LONG_VALUE_PREFIX = "~"
REMEMBERED_VALUES = 20_000
# Buttons with labels this short share a row of the keyboard (a choice of levels, Yes/No); longer
# ones get a row each, so that no label is cut on a phone.
SHORT_LABEL = 14
BUTTONS_PER_ROW = 3
# A cut in a long text is made at a paragraph, a line or a word when one lies in the last part of the
# window; only a text without any of them is cut mid-word.
_SOFT_CUT_WINDOW = 0.5


@dataclass(frozen=True)
class Part:
    """One message of what the bot says: HTML for parse_mode "HTML"."""

    html: str
    # Whether the keyboard goes with this part (the last one).
    last: bool


def render(text: str, *, headline: bool = False) -> list[Part]:
    """The text in as many messages as it takes, each within Telegram's limit, cut at paragraphs, lines
    or words. `headline` sets the first line in bold (a team's ticket card)."""
    pieces = split(text.strip() or "·", MAX_TEXT)
    parts = []
    for index, piece in enumerate(pieces):
        escaped = html.escape(piece, quote=False)
        if headline and index == 0:
            first, _, rest = escaped.partition("\n")
            escaped = f"<b>{first}</b>" + (f"\n{rest}" if rest else "")
        parts.append(Part(escaped, last=index == len(pieces) - 1))
    return parts


def render_one(text: str, *, headline: bool = False) -> str:
    """The text as one message (an edit changes exactly one): cut short with an ellipsis if it must be."""
    if utf16_len(text) > MAX_TEXT:
        text = split(text, MAX_TEXT - 1)[0].rstrip() + "…"
    return render(text, headline=headline)[0].html


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 code units, cut where a reader expects a break."""
    pieces = []
    while utf16_len(text) > limit:
        window = _fit(text, limit)
        cut = _soft_cut(window, text)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    pieces.append(text)
    return [piece for piece in pieces if piece] or [""]


def _fit(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` code units, never splitting a surrogate pair."""
    window = text[:limit]
    while utf16_len(window) > limit:
        window = window[: -max(1, (utf16_len(window) - limit) // 2)]
    return window


def _soft_cut(window: str, text: str) -> int:
    floor = int(len(window) * _SOFT_CUT_WINDOW)
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at > floor:
            return at + len(separator)
    return _between_characters(text, len(window))


def _between_characters(text: str, cut: int) -> int:
    """`cut`, moved back so that it does not split what a reader sees as one character: a letter and its
    accent, an emoji and its skin tone or variation, a ZWJ sequence, a flag's two regional indicators."""
    start = cut
    while 0 < cut < len(text) and _joins(text, cut):
        cut -= 1
    return cut if cut > 0 else start


def _joins(text: str, cut: int) -> bool:
    after, before = text[cut], text[cut - 1]
    if before == _ZWJ or after == _ZWJ or unicodedata.category(after) in ("Mn", "Me", "Mc"):
        return True
    if _is_modifier(after):
        return True
    if _is_regional(after) and _is_regional(before):
        run = 0
        while cut - run - 1 >= 0 and _is_regional(text[cut - run - 1]):
            run += 1
        return run % 2 == 1  # an odd number before the cut: the cut is inside a flag
    return False


_ZWJ = "\u200d"


def _is_modifier(char: str) -> bool:
    # Variation selectors, skin tones, and the tags of subdivision flags.
    point = ord(char)
    return 0xFE00 <= point <= 0xFE0F or 0x1F3FB <= point <= 0x1F3FF or 0xE0020 <= point <= 0xE007F


def _is_regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


# ---- buttons --------------------------------------------------------------------------------------------
class ButtonValues:
    """Button values longer than Telegram's 64 bytes of callback_data, by a short key. They are kept in
    memory only: a press after a restart is answered "please type it" rather than guessed."""

    def __init__(self, size: int = REMEMBERED_VALUES) -> None:
        self._values: OrderedDict[str, str] = OrderedDict()
        self._size = size

    def data(self, value: str) -> str:
        if len(value.encode()) <= MAX_CALLBACK_DATA and not value.startswith(LONG_VALUE_PREFIX):
            return value
        key = LONG_VALUE_PREFIX + hashlib.sha256(value.encode()).hexdigest()[:40]
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self._size:
            self._values.popitem(last=False)
        return key

    def value(self, data: str) -> str | None:
        """The value a press stands for; None for a long value this process does not know (any more)."""
        if not data.startswith(LONG_VALUE_PREFIX):
            return data
        return self._values.get(data)


def keyboard_rows(buttons: Sequence[Button], values: ButtonValues) -> list[list[dict[str, str]]]:
    """An inline keyboard's rows: short labels side by side, long ones on a row each."""
    rows: list[list[dict[str, str]]] = []
    row_of_short = False
    for button in buttons:
        key = {"text": button.label[:64] or "·", "callback_data": values.data(button.value)}
        short = len(button.label) <= SHORT_LABEL
        if short and row_of_short and len(rows[-1]) < BUTTONS_PER_ROW:
            rows[-1].append(key)
        else:
            rows.append([key])
        row_of_short = short
    return rows


# ---- inbound --------------------------------------------------------------------------------------------
def without_mention(text: str, username: str) -> str:
    """A group message addressed to the bot, without the "@bot" that addresses it."""
    return re.sub(rf"(?i)@{re.escape(username)}\b", " ", text).strip()


def command_target(text: str) -> str | None:
    """The bot a command names ("/claim@spoc_bot SD-1" names spoc_bot), or None."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return first.partition("@")[2] or None

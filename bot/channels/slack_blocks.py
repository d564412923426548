"""Slack's text formats, both ways: neutral text to mrkdwn and Block Kit, and a user's mrkdwn to plain text.

Pure functions, no Slack library: they are the rules of the format. Everything the bot says is plain text
that may carry what a person wrote (a ticket title, a reply, a display name), so all of it is escaped
before Slack reads it as mrkdwn: nobody can ping `<!channel>` or forge a link through the bot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.messages import Button

# Block Kit limits (https://docs.slack.dev/reference/block-kit): a section's text, a message's blocks, a
# button's label, a button's value, the elements of one actions block.
SECTION_LIMIT = 3000
MAX_BLOCKS = 50
BUTTON_LABEL_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
MAX_BUTTONS = 25
# The top-level `text` (notifications, screen readers, the fallback) is cut by Slack beyond this.
TEXT_LIMIT = 40_000
# Every button's action_id starts with this, so one listener takes them all, whatever the message.
ACTION_PREFIX = "spoc_"
# Escaping makes a character at most five long ("&amp;"), so a raw piece this long always fits a section,
# even in bold (two asterisks).
_RAW_PIECE = (SECTION_LIMIT - 2) // 5


def escape(text: str) -> str:
    """The three characters Slack gives meaning to in mrkdwn, as entities (its documented rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(text: str, buttons: Sequence[Button] = (), *, headline: bool = False) -> dict[str, Any]:
    """`text` and `blocks` for chat.postMessage / chat.update / chat.postEphemeral. `headline` shows the
    first line in bold (a team's ticket card)."""
    sections = _sections(text, headline)
    blocks: list[dict[str, Any]] = [
        # verbatim: Slack must not turn "@channel" or a bare URL in someone's text into a ping or a link.
        {"type": "section", "text": {"type": "mrkdwn", "text": section, "verbatim": True}}
        for section in sections
    ]
    if buttons:
        blocks = blocks[: MAX_BLOCKS - 1]
        blocks.append({"type": "actions", "elements": [_button(i, b) for i, b in enumerate(buttons)]})
    return {"text": escape(text)[:TEXT_LIMIT] or " ", "blocks": blocks[:MAX_BLOCKS]}


def _sections(text: str, headline: bool) -> list[str]:
    """Escaped text in sections of at most SECTION_LIMIT characters, cut at line ends where possible; a
    longer line goes on in the next section."""
    lines = text.splitlines() or [""]
    # (escaped piece, whether it starts a line)
    pieces = [
        (escape(line[start : start + _RAW_PIECE]), start == 0)
        for line in lines
        for start in range(0, max(len(line), 1), _RAW_PIECE)
    ]
    if headline and lines[0].strip() and len(lines[0]) <= _RAW_PIECE:
        pieces[0] = (f"*{pieces[0][0].strip()}*", True)
    sections: list[str] = []
    current = ""
    for piece, new_line in pieces:
        candidate = current + ("\n" if new_line and current else "") + piece
        if current and len(candidate) > SECTION_LIMIT:
            sections.append(current)
            candidate = piece
        current = candidate
    if current.strip():
        sections.append(current)
    return sections or [" "]


def _button(index: int, button: Button) -> dict[str, Any]:
    label = (
        button.label
        if len(button.label) <= BUTTON_LABEL_LIMIT
        else button.label[: BUTTON_LABEL_LIMIT - 1] + "…"
    )
    return {
        "type": "button",
        # Unique within the message, as Slack requires; the value is what the press sends back.
        "action_id": f"{ACTION_PREFIX}{index}",
        "text": {"type": "plain_text", "text": label or "·", "emoji": True},
        "value": button.value[:BUTTON_VALUE_LIMIT],
    }


# ---- inbound: what a person wrote, from Slack's mrkdwn to plain text ----------------------------------
_ENTITY = re.compile(r"<([^<>\n]*)>")


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """A message's text as the person meant it: mentions, channel links and links as readable text,
    the bot's own mention removed (it only addresses the message), entities unescaped. What the bot
    later repeats of it is escaped again by `render`."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    text = _ENTITY.sub(_readable, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def mentions(text: str, user_id: str) -> bool:
    return re.search(rf"<@{re.escape(user_id)}(\|[^>]*)?>", text) is not None


def _readable(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target.startswith("@"):  # a user: <@U123> or <@U123|name>
        return "@" + (label or target[1:])
    if target.startswith("#"):  # a channel: <#C123|general>
        return "#" + (label or target[1:])
    if target.startswith("!"):  # <!here>, <!channel>, <!subteam^S1|@team>, <!date^...|fallback>
        special = target[1:].split("^", 1)[0]
        if special in ("subteam", "date"):
            return label or ""
        return "@" + special
    address = target.removeprefix("mailto:")
    if not label or label in (target, address):
        return address
    # A link whose text differs from where it goes: show both, so an agent sees the real address.
    return f"{label} ({target})"

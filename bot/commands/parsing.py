"""The command grammar: `/verb args`, `/sd verb args`, Telegram's `/verb@botname`, and ticket keys
written as SD-42, sd 42, #42 or 42."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.entities import parse_ticket_ref


@dataclass(frozen=True)
class CommandLine:
    verb: str
    args: tuple[str, ...]
    # The text after the verb as typed, for commands that take free text (reply, note, resolve).
    rest: str


def is_command(text: str) -> bool:
    return text.startswith("/") and len(text) > 1 and not text[1].isspace()


_FIRST_WORD = re.compile(r"\s+")


def _split_first(text: str) -> tuple[str, str]:
    """The first word and the rest; a line break separates words too (`/reply SD-1` then text below)."""
    first, *rest = _FIRST_WORD.split(text.strip(), maxsplit=1)
    return first, rest[0] if rest else ""


def parse_command(text: str) -> CommandLine:
    verb, rest = _split_first(text.strip()[1:])
    verb = verb.split("@", 1)[0].lower()
    if verb == "sd":
        # Slack's one slash command; `/sd` alone asks for help.
        verb, rest = _split_first(rest)
        verb = verb.lower() or "help"
    rest = _join_ticket_key(rest.strip())
    return CommandLine(verb=verb, args=tuple(rest.split()), rest=rest)


_SD_SPACE_NUMBER = re.compile(r"sd\s+(\d+)(?=\s|$)", re.IGNORECASE)


def _join_ticket_key(rest: str) -> str:
    """`sd 42 text` is one ticket argument followed by text: join it so positions stay simple."""
    match = _SD_SPACE_NUMBER.match(rest)
    if match:
        return f"SD-{match.group(1)}{rest[match.end() :]}"
    return rest


def ticket_key(arg: str) -> str | None:
    return parse_ticket_ref(arg)


def text_after(line: CommandLine, count: int) -> str:
    """The free text after the first `count` arguments, with its own spacing and line breaks."""
    rest = line.rest
    for _ in range(count):
        rest = _split_first(rest)[1]
    return rest.strip()

"""The command grammar on its own: `/verb`, `/sd verb`, `/verb@bot`, ticket keys in every written form."""

from __future__ import annotations

import pytest

from bot.commands.parsing import is_command, parse_command, text_after, ticket_key


@pytest.mark.parametrize(
    "text",
    [
        "/claim SD-1",
        "/sd claim SD-1",
        "/claim@SpocBot SD-1",
        "/sd@SpocBot claim SD-1",
        "/CLAIM SD-1",
        "/SD Claim SD-1",
    ],
)
def test_every_command_form_gives_the_same_verb_and_ticket(text: str) -> None:
    line = parse_command(text)
    assert (line.verb, line.args) == ("claim", ("SD-1",))


@pytest.mark.parametrize("written", ["SD-1", "sd 1", "sd-1", "SD1", "#1", "1", "SD-001"])
def test_ticket_keys_in_every_written_form(written: str) -> None:
    line = parse_command(f"/reply {written} thanks, it works")
    assert ticket_key(line.args[0]) == "SD-1"
    assert text_after(line, 1) == "thanks, it works"


@pytest.mark.parametrize("garbage", ["abc", "SD-", "0", "SD-x1", "-1", "1.5", "SD-1234567890123"])
def test_garbage_is_not_a_ticket_key(garbage: str) -> None:
    assert ticket_key(garbage) is None


def test_sd_with_a_space_then_more_arguments() -> None:
    line = parse_command("/sd assign sd 12 ben")
    assert (line.verb, line.args) == ("assign", ("SD-12", "ben"))


def test_free_text_keeps_its_own_spacing_and_line_breaks() -> None:
    line = parse_command("/resolve SD-3 Printer driver reinstalled.\nPlease   test again")
    assert text_after(line, 1) == "Printer driver reinstalled.\nPlease   test again"
    line = parse_command("/status SD-3 waiting Which  version?")
    assert text_after(line, 2) == "Which  version?"
    assert text_after(parse_command("/status SD-3 waiting"), 2) == ""


def test_free_text_may_start_on_the_next_line() -> None:
    # Slack and Telegram let people put the text of `/reply T` on a new line.
    line = parse_command("/reply SD-3\nHere is the screenshot")
    assert ticket_key(line.args[0]) == "SD-3"
    assert text_after(line, 1) == "Here is the screenshot"


@pytest.mark.parametrize(
    ("text", "expected"), [("/help", True), ("/", False), ("/ help", False), ("help", False)]
)
def test_what_counts_as_a_command(text: str, expected: bool) -> None:
    assert is_command(text) is expected


def test_sd_alone_asks_for_help() -> None:
    # Slack's one slash command with nothing after it.
    assert parse_command("/sd").verb == "help"
    assert parse_command("/sd   ").verb == "help"

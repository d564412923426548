"""Telegram's text rules as pure functions (bot/channels/telegram_format.py): escaping for parse_mode HTML,
cutting long texts where a reader expects a break and within Telegram's limit in UTF-16 code units,
button values within 64 bytes of callback_data, keyboard rows, and reading commands in groups."""

from __future__ import annotations

import html
import random

import pytest

from bot.channels.telegram_format import (
    BUTTONS_PER_ROW,
    MAX_CALLBACK_DATA,
    MAX_TEXT,
    SHORT_LABEL,
    ButtonValues,
    command_target,
    keyboard_rows,
    render,
    render_one,
    split,
    utf16_len,
    without_mention,
)
from bot.messages import Button
from tests.telegram.fake_telegram import parse_html

SMILE = "😀"  # outside the BMP: two UTF-16 code units
FLAG = "🇩🇪"  # two regional indicators, each two code units: one emoji on screen


def assert_only_whitespace_cut(original: str, pieces: list[str]) -> None:
    """The pieces are the original in order, with nothing but whitespace dropped where it was cut."""
    at = 0
    for piece in pieces:
        found = original.find(piece, at)
        assert found >= 0, f"piece not found in order: {piece[:40]!r}"
        assert original[at:found].strip() == "", f"text lost before {piece[:40]!r}: {original[at:found]!r}"
        at = found + len(piece)
    assert original[at:].strip() == ""


# ---- render ---------------------------------------------------------------------------------------------
def test_render_escapes_what_html_would_read_and_keeps_quotes() -> None:
    [part] = render("""a < b & c > d "quoted" 'single' &amp; <b>not bold</b>""")
    assert part.html == (
        """a &lt; b &amp; c &gt; d "quoted" 'single' &amp;amp; &lt;b&gt;not bold&lt;/b&gt;"""
    )
    assert part.last
    visible, entities = parse_html(part.html)
    assert visible == """a < b & c > d "quoted" 'single' &amp; <b>not bold</b>""" and entities == []


def test_a_headline_is_bold_escaped_and_only_on_the_first_part() -> None:
    [card] = render("Neu: SD-1 · <Drucker> & Co\nzweite Zeile", headline=True)
    assert card.html == "<b>Neu: SD-1 · &lt;Drucker&gt; &amp; Co</b>\nzweite Zeile"
    [alone] = render("SD-1", headline=True)
    assert alone.html == "<b>SD-1</b>"

    long = "Neu: SD-2\n" + "\n".join(f"Zeile {n}: " + "x" * 60 for n in range(70))
    parts = render(long, headline=True)
    assert len(parts) == 2 and [p.last for p in parts] == [False, True]
    assert parts[0].html.startswith("<b>Neu: SD-2</b>\n") and parts[0].html.count("<b>") == 1
    assert "<b>" not in parts[1].html


def test_render_counts_the_limit_on_what_is_read_not_on_the_escaped_html() -> None:
    # 4,000 ampersands are 20,000 characters of HTML but 4,000 visible ones: one message.
    [part] = render("&" * 4000)
    assert len(part.html) == 20_000 and parse_html(part.html)[0] == "&" * 4000
    parts = render("<" * 5000)
    assert len(parts) == 2 and all(len(parse_html(p.html)[0]) <= MAX_TEXT for p in parts)
    assert "".join(parse_html(p.html)[0] for p in parts) == "<" * 5000


def test_render_of_nothing_is_still_a_message() -> None:
    assert [p.html for p in render("")] == ["·"] and [p.html for p in render("  \n ")] == ["·"]


# ---- split ----------------------------------------------------------------------------------------------
def test_split_cuts_at_a_paragraph_before_a_line_before_a_word() -> None:
    paragraph, line, word = "p" * 3000, "l" * 500, "w" * 300
    text = f"{paragraph}\n\n{line}\n{word} {'x' * 1000}"
    assert split(text, MAX_TEXT) == [paragraph, f"{line}\n{word} {'x' * 1000}"]

    no_paragraph = f"{paragraph}\n{line} {'x' * 1000}"
    assert split(no_paragraph, MAX_TEXT) == [paragraph, f"{line} {'x' * 1000}"]

    words = " ".join(["wort"] * 1000)  # 4,999 characters, spaces only
    first, second = split(words, MAX_TEXT)
    assert first.endswith("wort") and second.startswith("wort") and len(first) <= MAX_TEXT
    assert f"{first} {second}" == words


def test_a_break_too_early_in_the_window_is_not_taken() -> None:
    # The only space is in the first half of the window: cutting there would send a stub; cut hard.
    text = "a" * 1000 + " " + "b" * 5000
    first, second = split(text, MAX_TEXT)
    assert len(first) == MAX_TEXT and first + second == text


def test_a_text_within_the_limit_is_one_piece_unchanged() -> None:
    assert split("kurz\n\nund gut", 100) == ["kurz\n\nund gut"]
    exact = "x" * MAX_TEXT
    assert split(exact, MAX_TEXT) == [exact]
    assert split(SMILE * (MAX_TEXT // 2), MAX_TEXT) == [SMILE * (MAX_TEXT // 2)]


def test_split_counts_utf16_code_units_and_never_cuts_an_emoji_in_two() -> None:
    assert utf16_len(SMILE) == 2 and utf16_len("äöü€") == 4 and utf16_len(FLAG) == 4
    text = "a" * (MAX_TEXT - 1) + SMILE + "b" * 10
    first, second = split(text, MAX_TEXT)
    assert first == "a" * (MAX_TEXT - 1) and second == SMILE + "b" * 10  # 4,097 units would not fit

    emoji = SMILE * 3000  # 6,000 units, no break anywhere
    pieces = split(emoji, MAX_TEXT)
    assert [utf16_len(p) for p in pieces] == [MAX_TEXT, 6000 - MAX_TEXT]
    assert "".join(pieces) == emoji
    for piece in pieces:
        piece.encode("utf-16-le").decode("utf-16-le")  # no lone surrogate
        assert set(piece) == {SMILE}


def test_a_hard_cut_keeps_multi_code_point_emoji_whole() -> None:
    # 1 + 1,023 flags * 4 units = 4,093: the limit falls inside the next flag, after its first half.
    first, second = split("x" + FLAG * 1100, MAX_TEXT)
    assert first.endswith(FLAG) and second.startswith(FLAG) and first.count("🇩") == first.count("🇪")


@pytest.mark.parametrize(
    "cluster",
    ["👍🏽", "👩‍💻", "❤️", "é", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"],
    ids=["skin-tone", "zwj-sequence", "variation-selector", "combining-accent", "subdivision-flag"],
)
def test_a_hard_cut_keeps_a_character_with_its_modifiers_whole(cluster: str) -> None:
    text = "x" + cluster * 2000
    pieces = split(text, 4096)
    assert "".join(pieces) == text
    assert all(piece.lstrip("x").replace(cluster, "") == "" for piece in pieces)


@pytest.mark.parametrize("seed", range(40))
def test_split_never_exceeds_the_limit_and_loses_nothing_but_whitespace_at_cuts(seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = ["Drucker", "Störung", "VPN", "ß", "€", SMILE, FLAG, "x" * 70, "Überstunden", "&", "<b>"]
    separators = [" ", " ", " ", "\n", "\n\n", "  ", " \n"]
    text = "".join(rng.choice(vocabulary) + rng.choice(separators) for _ in range(rng.randint(1, 400)))
    limit = rng.choice([40, 64, 100, 333, 1000])
    pieces = split(text, limit)
    assert pieces and all(utf16_len(piece) <= limit for piece in pieces)
    assert all(piece == piece.rstrip() for piece in pieces[:-1])
    assert all(piece == piece.lstrip("\n ") for piece in pieces[1:])
    assert_only_whitespace_cut(text, pieces)
    for piece in pieces:
        piece.encode("utf-16-le")  # raises on a lone surrogate


# ---- render_one -----------------------------------------------------------------------------------------
def test_render_one_cuts_a_long_text_with_an_ellipsis_to_fit_one_message() -> None:
    text = "Neu: SD-3\n" + "\n".join(f"Zeile {n} mit <Text> & mehr" for n in range(400))
    shown = render_one(text, headline=True)
    visible, entities = parse_html(shown)
    assert utf16_len(visible) <= MAX_TEXT and visible.endswith("…")
    assert text.startswith(visible[:-1].rstrip())  # what is shown is the start of the text
    assert shown.startswith("<b>Neu: SD-3</b>\n") and entities[0]["type"] == "bold"
    assert render_one("kurz & <gut>") == "kurz &amp; &lt;gut&gt;"


def test_render_one_counts_emoji_as_two() -> None:
    text = SMILE * 2100  # 2,100 characters, 4,200 units
    visible = parse_html(render_one(text))[0]
    assert utf16_len(visible) <= MAX_TEXT and visible.endswith("…")


# ---- button values --------------------------------------------------------------------------------------
def test_short_button_values_are_sent_as_they_are() -> None:
    values = ButtonValues()
    for value in ("/claim SD-1", "confirm", "x" * MAX_CALLBACK_DATA, "ä" * 32):  # 64 bytes
        assert values.data(value) == value and values.value(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "/reply SD-12 " + "x" * 60,
        "ä" * 33,  # 33 characters, 66 bytes
        "Drucker im 3. OG (Raum 3.14) druckt nur noch Streifen, Toner gewechselt",
        "~x",  # looks like a key: must not be read back as one
    ],
)
def test_long_button_values_travel_as_a_key_and_come_back(value: str) -> None:
    values = ButtonValues()
    data = values.data(value)
    assert data != value and data.startswith("~") and len(data.encode()) <= MAX_CALLBACK_DATA
    assert values.value(data) == value
    assert values.data(value) == data  # the same value, the same key


def test_unknown_keys_are_none_and_plain_data_is_the_value() -> None:
    values = ButtonValues()
    assert values.value("~" + "0" * 40) is None  # a key from before a restart
    assert values.value("~") is None
    assert values.value("/claim SD-1") == "/claim SD-1"


def test_button_values_forget_the_least_recently_used_beyond_their_size() -> None:
    values = ButtonValues(size=2)
    first, second, third = ("v" * 70 + str(n) for n in range(3))
    key_first, key_second = values.data(first), values.data(second)
    values.data(first)  # used again: now the newer of the two
    key_third = values.data(third)
    assert values.value(key_second) is None
    assert (values.value(key_first), values.value(key_third)) == (first, third)


# ---- keyboards ------------------------------------------------------------------------------------------
def test_short_labels_share_rows_of_three_and_long_labels_get_their_own() -> None:
    values = ButtonValues()
    short = [Button(label, label.lower()) for label in ("Ja", "Nein", "1", "2")]
    rows = keyboard_rows(short, values)
    assert [[key["text"] for key in row] for row in rows] == [["Ja", "Nein", "1"], ["2"]]
    assert BUTTONS_PER_ROW == 3

    long = "x" * (SHORT_LABEL + 1)
    mixed = [Button("Absenden", "confirm"), Button(long, "a"), Button("Ändern", "change"), Button("Ok", "ok")]
    rows = keyboard_rows(mixed, values)
    assert [[key["text"] for key in row] for row in rows] == [["Absenden"], [long], ["Ändern", "Ok"]]


def test_keyboard_labels_and_data_fit_telegram() -> None:
    values = ButtonValues()
    value = "/assign SD-7 " + "jemand-mit-langem-namen" * 3
    [[key]] = keyboard_rows([Button("L" * 80, value)], values)
    assert key["text"] == "L" * 64
    assert (
        len(key["callback_data"].encode()) <= MAX_CALLBACK_DATA
        and values.value(key["callback_data"]) == value
    )
    [[empty]] = keyboard_rows([Button("", "x")], values)
    assert empty["text"] == "·"


# ---- commands and mentions in groups -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("/claim@spoc_desk_bot SD-1", "spoc_desk_bot"),
        ("/claim SD-1", None),
        ("/start@Other_Helper_Bot", "Other_Helper_Bot"),
        ("/claim@ SD-1", None),
        ("", None),
        ("   ", None),
    ],
)
def test_command_target_names_the_bot_a_command_is_for(text: str, target: str | None) -> None:
    assert command_target(text) == target


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("@spoc_desk_bot mein Drucker druckt nicht", "mein Drucker druckt nicht"),
        ("Hallo @SPOC_Desk_Bot, VPN geht nicht", "Hallo  , VPN geht nicht"),
        ("@spoc_desk_bot_x hallo", "@spoc_desk_bot_x hallo"),  # another bot's name that starts the same
        ("ohne Erwähnung", "ohne Erwähnung"),
    ],
)
def test_without_mention_drops_the_bots_name_only(text: str, left: str) -> None:
    assert without_mention(text, "spoc_desk_bot") == left


def test_escaping_round_trips_through_telegrams_parser() -> None:
    # Everything a person may type comes back as typed once Telegram has parsed the HTML.
    typed = "".join(chr(c) for c in range(33, 127)) + " äöüß € 😀 &amp; &#60; <a href='x'>"
    [part] = render(typed)
    assert parse_html(part.html) == (typed, [])
    assert html.unescape(part.html) == typed

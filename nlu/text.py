"""Text clean-up shared by training, parsing and language detection.

Training and parsing must see text normalised the same way, so both go through these functions.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from nlu.entities import Entity, extract_entities

# Chat messages that matter are short; pasted logs must not cost more than a normal message.
MAX_CHARS: Final = 2000
# The intent and the language are read from the start: people say what they want first, and a pasted
# log or mail thread after it only adds noise (and milliseconds: the classifier's cost grows with length).
CLASSIFY_CHARS: Final = 500

TICKET_TOKEN: Final = " ticketref "
NUMBER_TOKEN: Final = " numtoken "

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def truncate(text: str) -> str:
    return text[:MAX_CHARS]


def strip_control(text: str) -> str:
    """Control and format characters become spaces (same length, so entity offsets stay valid)."""
    if text.isprintable():
        return text
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") else ch for ch in text)


def fold(text: str) -> str:
    """Lower-case and spell umlauts the way people without a German keyboard do ("stürzt" == "stuerzt")."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_UMLAUTS)
    # Other accents (café, naïve) carry no meaning for intents; drop them.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def for_classifier(text: str, entities: list[Entity]) -> str:
    """The form the intent classifier sees: ticket refs and numbers as placeholders, folded, one-spaced.

    ``text`` must already be truncated and cleaned; ``entities`` carry offsets into it.
    """
    parts: list[str] = []
    position = 0
    for entity in entities:
        parts.append(text[position : entity["start"]])
        parts.append(TICKET_TOKEN)
        position = entity["end"]
    parts.append(text[position:])
    replaced = _DIGITS.sub(NUMBER_TOKEN, "".join(parts))
    return _SPACE.sub(" ", fold(replaced)).strip()


def prepare(text: str) -> tuple[str, list[Entity], str]:
    """(cleaned text, its entities, classifier input) for a raw message."""
    cleaned = strip_control(truncate(text))
    entities = extract_entities(cleaned)
    head, head_entities = classified_part(cleaned, entities)
    return cleaned, entities, for_classifier(head, head_entities)


def classified_part(cleaned: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """The start of the message that decides intent and language, with the entities inside it."""
    head = cleaned[:CLASSIFY_CHARS]
    return head, [entity for entity in entities if entity["end"] <= len(head)]


def blank_spans(text: str, entities: list[Entity]) -> str:
    """``text`` with entity spans blanked: "SD-42" says nothing about the language."""
    for entity in entities:
        text = text[: entity["start"]] + " " * (entity["end"] - entity["start"]) + text[entity["end"] :]
    return text


def for_language(text: str) -> str:
    """Lower-cased letters only, umlauts kept: they are the strongest hint of German."""
    text = unicodedata.normalize("NFKC", strip_control(truncate(text))).lower()  # keeps ß
    return _SPACE.sub(" ", re.sub(r"[\W\d_]+", " ", text)).strip()

"""Small extractors that find answers in a request's first message (German and English).

Items, urgency, head counts and dates come from the NLU's entities (the desk's catalogue, resolved
against the desk's clock and time zone); the rest are phrases read off the text. They are deliberately
conservative: a wrong pre-fill is worse than asking.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.dates import upcoming, with_resolved
from bot.intents.catalogue import FirstMessage

MIN_DESCRIPTION_WORDS = 4

_SINCE = re.compile(r"\b(seit|since|ab)\s+(.*)", re.IGNORECASE)
# Words that end a "since ..." phrase: what follows is about the problem, not the time.
_SINCE_STOP = frozenset(
    [
        # negations and "any more" belong to the problem ("seit heute früh nicht mehr"), not the time
        "nicht",
        "nichts",
        "kein",
        "keine",
        "mehr",
        "not",
        "no",
        "nothing",
        "bei",
        "beim",
        "wenn",
        "wann",
        "und",
        "aber",
        "immer",
        "jedes",
        "jeden",
        "jedem",
        "mit",
        "im",
        "in",
        "funktioniert",
        "geht",
        "ist",
        "kann",
        "and",
        "but",
        "when",
        "whenever",
        "every",
        "on",
        "it",
        "is",
        "i",
        "can",
        "the",
        "my",
        "mein",
        "meine",
        "for",
        "für",
    ]
)
_SINCE_START = re.compile(
    r"^(heute|gestern|vorgestern|today|yesterday|this|last|letzte[nmrs]?|dem|der|einer|einem|\d|montag|"
    r"dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|zwei|drei|vier|two|three|four|an|a|kurzem|recently|update|the|morning|morgen)",
    re.IGNORECASE,
)
MAX_SINCE_WORDS = 3
_DEVICE = re.compile(
    r"\b((?:mein(?:em|en|er)?|my|den|dem|the|unser(?:em|en)?|our)\s+)?"
    r"(laptop|notebook|rechner|computer|pc|desktop|macbook|mac|thinkpad|surface|iphone|smartphone|handy|"
    r"diensthandy|tablet|ipad|arbeitsplatz|workstation)\b(\s+[A-Z]{1,5}-?\d{2,8})?",
    re.IGNORECASE,
)
# The answers mirror the impact question's options: many people / a whole site is high, a team or a
# few colleagues is medium.
_EVERYONE = re.compile(
    r"\b(alle|niemand|ganze[snr]?|gesamte[snr]?|everyone|everybody|nobody|whole|entire|all\s+users)\b",
    re.IGNORECASE,
)
_TEAM = re.compile(
    r"\b(the\s+team|das\s+team|unser\s+team|our\s+team|my\s+team|mein\s+team|abteilung|department|"
    r"kollegen|kolleginnen|colleagues|several\s+people|mehrere)\b",
    re.IGNORECASE,
)


# Words that only say that something is wanted ("Ich brauche eine Dokumentation", "I need a coaching"):
# a message of nothing else names no document, topic or problem, so it is asked for.
_GENERIC = frozenset(
    " ".join(
        [
            "ich wir mir uns brauche brauchen benötige hätte hätten möchte möchten will wollen gern gerne",
            "bitte suche suchen buchen anfragen bekommen haben habe eine ein einen einem einer neue neues",
            "neuen mal zu doku dokumentation dokument coaching pmo pmo-coaching schulung training hilfe",
            "frage problem i i'd we me us need needs would like want to please looking look for book",
            "request get have some a an the new documentation document docs help question",
        ]
    ).split()
)


def description(message: FirstMessage) -> str | None:
    """The first message describes the request well enough if it has a few words, not all generic."""
    text = message.text
    words = [word.strip(".,;:!?\"'()").lower() for word in text.split()]
    if len(words) < MIN_DESCRIPTION_WORDS or all(word in _GENERIC for word in words if word):
        return None
    return text.strip()


def since(message: FirstMessage) -> str | None:
    """ "seit heute Morgen", "since yesterday", "seit dem Update": at most three words after the cue."""
    match = _SINCE.search(message.text)
    if not match or not _SINCE_START.match(match.group(2)):
        return None
    words: list[str] = []
    for word in match.group(2).split():
        bare = word.strip(",.;:!?")
        if bare.lower() in _SINCE_STOP or len(words) == MAX_SINCE_WORDS:
            break
        words.append(bare)
        if bare != word:
            break
    return " ".join([match.group(1), *words]) if words else None


def people_count(message: FirstMessage) -> str | None:
    counts = message.found("people_count")
    return str(counts[0]["value"]) if counts else None


def device(message: FirstMessage) -> str | None:
    match = _DEVICE.search(message.text)
    return match.group(0).strip() if match else None


def urgency(message: FirstMessage) -> str | None:
    """ "dringend", "ASAP", "blocking" (high) or "keine Eile", "no rush" (low), as the NLU read them."""
    cues = message.found("urgency")
    return str(cues[0]["value"]) if cues else None


def blocking(message: FirstMessage) -> str | None:
    """An incident's urgency asks how badly work is blocked: "dringend" answers it (high), but "nicht
    dringend" does not say "I can work normally", so it is still asked."""
    return "high" if urgency(message) == "high" else None


def impact(message: FirstMessage) -> str | None:
    if _EVERYONE.search(message.text):
        return "high"
    return "medium" if _TEAM.search(message.text) else None


def item(message: FirstMessage) -> str | None:
    """The software or hardware asked for: software first ("Visio auf meinem Laptop" is about Visio),
    then hardware that is not the device it is for."""
    device_match = _DEVICE.search(message.text)
    for kind in ("software", "hardware"):
        for entity in message.found(kind):
            if device_match and _inside(entity, device_match.start(), device_match.end()):
                continue
            return str(entity["value"])
    # "Ich brauche einen neuen Laptop": the device is what is ordered.
    hardware = message.found("hardware")
    return str(hardware[0]["value"]) if hardware else None


def appointment(message: FirstMessage) -> str | None:
    """A time ahead ("nächsten Donnerstag um 10"): the words as written, with the date they mean."""
    entity = upcoming(message.entities)
    if entity is None:
        return None
    return with_resolved(message.text[entity["start"] : entity["end"]].strip(), entity, message.language)


def _inside(entity: Mapping[str, Any], start: int, end: int) -> bool:
    return start <= int(entity["start"]) and int(entity["end"]) <= end

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

_SINCE = re.compile(r"\b(seit|since|ab)\s+(?=(.*))", re.IGNORECASE)
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
# "ganze" / "whole" only before a place or a group of people: "flackert die ganze Zeit" is about time.
_PLACES = (
    r"standort|haus|gebäude|gebaeude|etage|stockwerk|firma|unternehmen|büro|buero|niederlassung|werk|"
    r"site|building|floor|office|company|campus|location"
)
_EVERYONE = re.compile(
    rf"\b(?:alle(?:\s+(?:im|in|am|user|nutzer|kollegen|mitarbeiter))?|niemand\s+(?:kann|kommt)|"
    rf"(?:ganze[snr]?|gesamte[snr]?)\s+(?:{_PLACES})|(?:whole|entire)\s+(?:{_PLACES})|"
    rf"everyone|everybody|nobody\s+can|all\s+users)\b",
    re.IGNORECASE,
)
_TEAM = re.compile(
    r"\b(the\s+(?:whole\s+)?team|das\s+(?:ganze\s+)?team|unser(?:\s+ganzes)?\s+team|our\s+(?:whole\s+)?team|"
    r"my\s+(?:whole\s+)?team|mein(?:\s+ganzes)?\s+team|ganze\s+abteilung|whole\s+department|"
    r"(?:bei\s+uns\s+)?im\s+team|for\s+(?:our|my|the)\s+team|(?:meine\s+|die\s+)?kollegen\s+(?:sind|haben)\s+"
    r"(?:es\s+)?auch|auch\s+(?:bei\s+)?(?:den\s+)?kollegen|kollegen\s+(?:haben|auch)|colleagues\s+(?:have|too|as\s+well)|"
    r"several\s+people|mehrere\s+(?:kollegen|leute|personen))\b",
    re.IGNORECASE,
)
# "bei den Kollegen geht es", "works for my colleagues": only the writer is affected.
_ONLY_ME = re.compile(
    r"\b(?:bei\s+(?:den\s+)?(?:anderen|kollegen|kolleginnen)\s+(?:geht|funktioniert|läuft|klappt)|"
    r"(?:works|working)\s+(?:fine\s+)?for\s+(?:my\s+)?(?:colleagues|others|everyone\s+else)|"
    r"nur\s+(?:bei\s+)?(?:mir|ich)|only\s+(?:me|mine|for\s+me)|just\s+me)\b",
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
            "hab hätt ne nen kurze kurz frage fragen zu zum zur wegen bezüglich kann können könnt ihr du",
            "mir mich hallo hi hey moin can could i've ive got quick about regarding with on is there any",
            "there anyone something etwas was problem issue trouble buchen book booking session termin",
        ]
    ).split()
)


def description(message: FirstMessage) -> str | None:
    """The first message describes the request well enough if it has a few words that are not all
    generic: "Ich hab ne Frage zu Teams" or "Kann ich ein Coaching buchen?" name no question or topic
    (a product alone is no subject), so it is asked for."""
    text = message.text
    named = {
        word.lower()
        for entity in message.found("software", "hardware")
        for word in text[int(entity["start"]) : int(entity["end"])].split()
    }
    words = [word.strip(".,;:!?\"'()").lower() for word in text.split()]
    if len(words) < MIN_DESCRIPTION_WORDS or all(word in _GENERIC or word in named for word in words if word):
        return None
    return text.strip()


def since(message: FirstMessage) -> str | None:
    """ "seit heute Morgen", "since yesterday", "seit dem Update": at most three words after the cue."""
    # The first cue that a time follows: in "Word stürzt ab seit gestern" the "ab" of "stürzt ab" is none.
    match = next((m for m in _SINCE.finditer(message.text) if _SINCE_START.match(m.group(2))), None)
    if match is None:
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


# "meinem Rechner" alone does not say which machine (a desktop? which one?): asked, unless it has a number.
_GENERIC_DEVICES = frozenset({"rechner", "computer", "pc", "arbeitsplatz", "workstation", "desktop"})


def device(message: FirstMessage) -> str | None:
    match = _DEVICE.search(message.text)
    if match is None or (match.group(2).lower() in _GENERIC_DEVICES and not match.group(3)):
        return None
    return match.group(0).strip()


def urgency(message: FirstMessage) -> str | None:
    """ "dringend", "ASAP", "blocking" (high) or "keine Eile", "no rush" (low), as the NLU read them."""
    cues = message.found("urgency")
    return str(cues[0]["value"]) if cues else None


def blocking(message: FirstMessage) -> str | None:
    """An incident's urgency asks how badly work is blocked: "dringend" answers it (high), but "nicht
    dringend" does not say "I can work normally", so it is still asked."""
    return "high" if urgency(message) == "high" else None


def impact(message: FirstMessage) -> str | None:
    if _ONLY_ME.search(message.text):
        return "low"
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

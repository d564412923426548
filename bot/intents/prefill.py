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
from nlu.text import blank_spans

MIN_DESCRIPTION_WORDS = 4
# A head count from this size on is "many people / a whole site", not a team.
SITE_HEADCOUNT = 30

# "seid": a common typo; "started this morning": when it began is since when.
_SINCE = re.compile(r"\b(seit|seid|since|ab|started|began|begann|anfing)\s+(?=(.*))", re.IGNORECASE)
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
        # "seit heute nur Streifen": what it does since then
        "nur",
        "only",
        "just",
    ]
)
_SINCE_START = re.compile(
    r"^(heute|gestern|vorgestern|today|yesterday|this|last|letzte[nmrs]?|dem|der|einer|einem|\d|montag|"
    r"dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|zwei|drei|vier|two|three|four|an|a|kurzem|recently|update|the|morning|morgen|"
    r"ca\.?|circa|etwa|ungefähr|ungefaehr|knapp|gut|über|mehr\s+als|about|around|roughly|approximately|"
    r"over|more\s+than|almost|fast|kurz|vorhin|eben|heut|gestern|früh|frueh|like|so\s|on\s|in\s)",
    re.IGNORECASE,
)
MAX_SINCE_WORDS = 3
_STOPPED_AT = re.compile(
    r"\b(?:stopped|started|began|broke|died|quit|failed|crashed)(?:\s+working)?\s+(?:on|last)\s+"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|night)\b",
    re.IGNORECASE,
)
_SINCE_OPENERS = frozenset({"the", "on", "in", "my"})
_ABOUT = frozenset(
    {"ca", "circa", "etwa", "ungefähr", "ungefaehr", "about", "around", "approx", "roughly", "like", "so"}
)
_DEVICE = re.compile(
    r"\b((?:mein(?:em|en|er)?|my|den|dem|der|the|unser(?:em|en)?|our)\s+)?"
    r"(laptop|notebook|rechner|computer|pc|desktop|macbook|mac|thinkpad|surface|iphone|smartphone|handy|"
    r"diensthandy|tablet|ipad|arbeitsplatz|workstation)\b"
    r"((?:\s+(?:ist|is|hat|has|mit|with|nr\.?|nummer|number|:))?\s*\(?(?:[A-Z]{1,5}-?\d{2,8}|-\d{3,8})\)?)?",
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
    rf"\b(?:alle(?!\s+(?:im|in\s+der|in\s+meinem|in\s+unserem)\s+(?:team|raum|meeting|büro|buero|abteilung)\b)"
    rf"(?:\s+(?:im|in|am|user|nutzer|kollegen|mitarbeiter))?|"
    rf"(?:niemand|keiner|nobody|no\s+one)(?:\s+[^\W\d_]+){{0,4}}\s+(?:kann|kommt|can|gets)"
    rf"(?!\s+(?:[^\W\d_]+\s+){{0,2}}(?:me|mich|mir)\b)|"
    rf"(?:ganze[snr]?|gesamte[snr]?|whole|entire)\s+(?:[A-ZÄÖÜ][\w-]+\s+)?(?:{_PLACES})|"
    rf"(?:everyone|everybody)(?!\s+in\s+(?:the|my|our)\s+(?:room|team|meeting|department|office\s+next))|"
    rf"all\s+users)\b",
    re.IGNORECASE,
)
_TEAM = re.compile(
    r"\b(the\s+(?:whole\s+)?\w*team|das\s+(?:ganze\s+)?\w*team|unser(?:\s+ganzes)?\s+team|our\s+(?:whole\s+)?team|"
    r"my\s+(?:whole\s+)?team|mein(?:\s+ganzes)?\s+team|ganze\s+abteilung|whole\s+department|"
    r"(?:my|our|the|unser\w*|mein\w*|das|die|der)\s+(?:whole|entire|ganze[snr]?|gesamte[snr]?)\s+"
    r"(?:[\w-]+\s+){0,2}(?:team|abteilung|department)|(?:entire|whole)\s+(?:[\w-]+\s+){0,2}team|"
    r"(?:others|colleagues|kollegen)\s+(?:in\s+my\s+\w+\s+)?(?:have|haben)\s+(?:the\s+)?(?:same|das\s+gleiche)|"
    r"(?:bei\s+uns\s+)?im\s+team|for\s+(?:our|my|the)\s+team|(?:meine\s+|die\s+)?kollegen\s+(?:sind|haben)\s+"
    r"(?:es\s+)?auch|auch\s+(?:bei\s+)?(?:den\s+)?kollegen|kollegen\s+(?:haben|auch)|colleagues\s+(?:have|too|as\s+well)|"
    r"colleague\s+(?:has|too)|kolleg(?:e|in)\s+hat\s+(?:es|das)\s+auch|"
    r"several\s+people|mehrere\s+(?:kollegen|leute|personen)|not\s+(?:just|only)\s+me|nicht\s+nur\s+(?:ich|bei\s+mir)|"
    r"(?:everyone|everybody)\s+in\s+(?:the|my|our)\s+(?:room|team|meeting|department)|"
    r"alle\s+(?:im|in\s+der|in\s+meinem|in\s+unserem)\s+(?:team|raum|meeting|büro|buero|abteilung))\b",
    re.IGNORECASE,
)
# "bei den Kollegen geht es", "works for my colleagues": only the writer is affected.
_ONLY_ME = re.compile(
    r"\b(?:bei\s+(?:den\s+)?(?:anderen|kollegen|kolleginnen)\s+(?:geht|funktioniert|läuft|klappt)|"
    r"(?:works|working)\s+(?:fine\s+)?for\s+(?:my\s+)?(?:colleagues|others|everyone\s+else)|"
    r"(?<!nicht\s)nur\s+(?:bei\s+)?(?:mir|ich)|(?<!not\s)only\s+(?:me|mine|for\s+me)|(?<!not\s)just\s+me)\b",
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
            "handbuch anleitung manual guide leitfaden unterlagen instructions bräuchte bräuchten",
            "hab hätt ne nen kurze kurz frage fragen zu zum zur wegen bezüglich kann können könnt ihr du",
            "mir mich hallo hi hey moin can could i've ive got quick about regarding with on is there any",
            "there anyone something etwas was problem issue trouble buchen book booking session termin",
            "habt hast gibt gibts gibt's es für fuer for do you have has anything wo where finde find finden",
            "i'm im am looking mein meine meinem meinen meiner my our unser unsere unserem unseren suche",
            "search sure doc",
        ]
    ).split()
)


def description(message: FirstMessage) -> str | None:
    """The first message describes the request well enough if it has a few words that are not all
    generic: "Ich hab ne Frage zu Teams" or "Kann ich ein Coaching buchen?" name no question or topic
    (a product alone is no subject), so it is asked for. A short one does when it names what fails
    ("Druckerproblem", "Outlook kaputt", "VPN keeps dropping", "BSOD"); "geht nicht" does not."""
    text = message.text
    named = {
        word.lower()
        for entity in message.found("software", "hardware")
        for word in text[int(entity["start"]) : int(entity["end"])].split()
    }
    if not says_what(message):
        return None  # "since this morning" says when, not what
    words = [word.strip(".,;:!?\"'()").lower() for word in text.split()]
    content = [w for w in words if w and w not in _GENERIC and w not in named and w not in _LINKS]
    if named and any(word in _DOCUMENT_WORDS for word in words):
        return text.strip()  # "Where can I find the manual for Jira?": a document about something named
    if not content:
        return None
    if len(words) < MIN_DESCRIPTION_WORDS and not named and all(w in _VAGUE for w in content):
        return None  # "geht nicht", "dringend!": nothing named that fails
    return text.strip()


# Words that name nothing: "Problem mit Teams", "help with SAP" (with the generic words above).
_LINK_TEXT = "mit with von of bei at in im auf on an am"
_LINKS = frozenset(_LINK_TEXT.split())
_VAGUE_TEXT = """
geht gehen nicht not funktioniert works working work kaputt defekt broken down dringend urgent asap
wichtig important schnell quick quickly sofort störung stoerung fehler error incident ticket anliegen
"""
_VAGUE = frozenset(_VAGUE_TEXT.split())
_DOCUMENT_TEXT = """
doku dokumentation dokument handbuch anleitung leitfaden unterlagen manual guide instructions docs
documentation document
"""
_DOCUMENT_WORDS = frozenset(_DOCUMENT_TEXT.split())


def since(message: FirstMessage) -> str | None:
    """ "seit heute Morgen", "since yesterday", "seit dem Update": at most three words after the cue."""
    # The first cue that a time follows: in "Word stürzt ab seit gestern" the "ab" of "stürzt ab" is none.
    match = next((m for m in _SINCE.finditer(message.text) if _SINCE_START.match(m.group(2))), None)
    if match is None:
        if stopped := _STOPPED_AT.search(message.text):
            return stopped.group(0).strip()  # "stopped working on Monday": a weekday gone by
        # "stopped syncing yesterday", "geht seit... heute früh nicht": a time in the past says since when.
        past = [e for e in message.found("datetime") if e.get("past")]
        return message.text[int(past[0]["start"]) : int(past[0]["end"])].strip() if past else None
    words: list[str] = []
    for word in match.group(2).split():
        bare = word.strip(",.;:!?")
        opening = not words and bare.lower() in _SINCE_OPENERS  # "since the update", "started on Monday"
        if (bare.lower() in _SINCE_STOP and not opening) or len(words) == MAX_SINCE_WORDS:
            break
        if bare.lower() in _ABOUT:
            words.append(word)  # "ca." is no end of the phrase, and does not count as one of its words
            continue
        words.append(bare)
        if bare != word:
            break
    return " ".join([match.group(1), *words]) if words else None


def impact_of_count(count: int) -> str:
    """Who is affected, from how many people: one is only me, a few a team, many a site."""
    return "low" if count == 1 else "medium" if count < SITE_HEADCOUNT else "high"


def people_count(message: FirstMessage) -> str | None:
    counts = message.found("people_count")
    return str(counts[0]["value"]) if counts else None


# "meinem Rechner" alone does not say which machine (a desktop? which one?): asked, unless it has a number.
_GENERIC_DEVICES = frozenset({"rechner", "computer", "pc", "arbeitsplatz", "workstation", "desktop"})


# "auf PC-0815", "for NB-2041": an asset number alone names the device.
_ASSET = re.compile(
    r"\b(?:auf|an|on|for|für|fuer)\s+(?:dem\s+|den\s+|the\s+)?(?P<asset>[A-Z]{1,5}-?\d{3,8})\b"
)


def device(message: FirstMessage) -> str | None:
    """The device named, with its number when given ("meinem Laptop", "my laptop (NB-3381)"); a bare
    generic one ("meinem Rechner", "the Miro desktop app") says too little, unless an asset number
    follows "auf" / "on" somewhere."""
    anywhere = _ASSET_ANYWHERE.search(message.text)
    for match in _DEVICE.finditer(message.text):
        if _ACCESSORY.match(message.text, match.end()):
            continue
        if anywhere and anywhere.start() <= match.start(2) < anywhere.end():
            return anywhere.group(0)  # "PC-LDN-0412": the device word is part of the number
        if match.group(3):
            return match.group(0).strip()
        if anywhere:
            # "auf meinem Laptop, NB-2231": the device with its number, said apart.
            return f"{match.group(0).strip()} {anywhere.group(0)}"
        if match.group(2).lower() not in _GENERIC_DEVICES:
            return match.group(0).strip()
    asset = _ASSET.search(message.text)
    if asset:
        return asset.group("asset")
    # "NB-2291" alone, or "die Nummer ist NB-2291": a number that names a device.
    return anywhere.group(0) if anywhere and len(message.text.split()) <= MAX_BARE_ASSET_WORDS else None


MAX_BARE_ASSET_WORDS = 6


def vague_device(message: FirstMessage) -> str | None:
    """A device named too vaguely to pre-fill ("auf meinem Rechner"), but enough once the person says
    yes to it when asked: the question itself says »mein Laptop« will do."""
    for match in _DEVICE.finditer(message.text):
        if not _ACCESSORY.match(message.text, match.end()):
            return match.group(0).strip()
    return None


def urgency(message: FirstMessage) -> str | None:
    """ "dringend", "ASAP", "blocking" (high) or "keine Eile", "no rush" (low), as the NLU read them."""
    cues = message.found("urgency")
    return str(cues[0]["value"]) if cues else None


def blocking(message: FirstMessage) -> str | None:
    """An incident's urgency asks how badly work is blocked: "dringend" answers it (high), but "nicht
    dringend" does not say "I can work normally", so it is still asked."""
    return "high" if urgency(message) == "high" else None


def impact(message: FirstMessage) -> str | None:
    """Who is affected, as the question's options have it; a head count in an incident's words ("das
    Projektteam (12 Leute) ist betroffen") counts too: one is only me, a few a team, many a site."""
    if _ONLY_ME.search(message.text):
        return "low"
    if _EVERYONE.search(message.text):
        return "high"
    if _TEAM.search(message.text):
        return "medium"
    counts = [int(e["value"]) for e in message.found("people_count")]
    if counts:
        return impact_of_count(counts[0])
    return None


# "laptop stand", "Handy-Ladekabel": the catalogue's device names something for it, not the device.
_ACCESSORY = re.compile(
    r"[\s-]*(?:stand|ständer|staender|tasche|bag|charger|ladegerät|ladekabel|netzteil|hülle|huelle|case|"
    r"sleeve|lock|schloss|adapter|kabel|cable|akku|battery|halterung|mount|arm|dock|stift|pen)\b",
    re.IGNORECASE,
)


def _accessory(message: FirstMessage, entity: Mapping[str, Any]) -> str | None:
    match = _ACCESSORY.match(message.text, int(entity["end"]))
    return message.text[int(entity["start"]) : match.end()].strip() if match else None


def _as_named(message: FirstMessage, entity: Mapping[str, Any]) -> str:
    """The catalogue's name, with the person's own words when they differ: "Visual Studio Code (VS Code)"."""
    value = str(entity["value"])
    written = message.text[int(entity["start"]) : int(entity["end"])].strip()
    if not written or _squeezed(written) in _squeezed(value):
        return value
    return f"{value} ({written})"


def _squeezed(text: str) -> str:
    return re.sub(r"[\s-]+", "", text.lower())


def item(message: FirstMessage) -> str | None:
    """The software or hardware asked for: software first ("Visio auf meinem Laptop" is about Visio),
    then an accessory ("laptop stand"), then hardware that is not the device it is for."""
    device_match = _DEVICE.search(message.text)
    hardware = message.found("hardware")
    accessories = [a for a in (_accessory(message, entity) for entity in hardware) if a]
    for kind in ("software", "hardware"):
        # "Python und VS Code": every item asked for, in the catalogue's names.
        names = [
            _as_named(message, entity)
            for entity in message.found(kind)
            if not (device_match and _inside(entity, device_match.start(), device_match.end()))
            and not _accessory(message, entity)
        ]
        if names:
            return ", ".join(dict.fromkeys(names))
        if kind == "software" and accessories:
            return accessories[0]
    # "Ich brauche einen neuen Laptop": the device is what is ordered ("der Laptop ist NB-20413" orders
    # nothing: it names the device).
    # "MS Projekt auf meinem Laptop" orders nothing for the laptop it goes on; "einen neuen Laptop" orders it.
    target = (
        device_match if device_match and _FOR_DEVICE.search(message.text[: device_match.start()]) else None
    )
    ordered = [e for e in hardware if not (target and _inside(e, target.start(), target.end()))]
    if ordered and _ORDERING.search(message.text):
        return str(ordered[0]["value"])
    return _named_product(message.text)


_FOR_DEVICE = re.compile(r"\b(?:auf|an|on|for|für|fuer|am|im|in|onto)\s+$", re.IGNORECASE)
_ORDERING = re.compile(
    r"\b(?:brauch\w*|bräucht\w*|benötig\w*|bestell\w*|hätte\s+gerne?|möchte|need|want|order\w*|"
    r"would\s+like|neue[nrs]?|new|zweite[nrs]?|second|another|weitere[nrs]?)\b",
    re.IGNORECASE,
)


# "könnt ihr mir notepad++ installieren", "please install Inkscape": a product the catalogue does not know,
# in the place where an order names it.
_ORDER_DE = re.compile(
    r"\b(?:mir|uns)\s+(?:bitte\s+|mal\s+|noch\s+)*(?P<item>[^\s,.!?]+(?:\s+[^\s,.!?]+)?)\s+"
    r"(?:installier\w*|einricht\w*|freischalt\w*|aufspiel\w*)",
    re.IGNORECASE,
)
# "Bitte installiert mir MindManager auf PC-0815": the verb first.
_ORDER_VERB_FIRST = re.compile(
    r"\b(?:installier\w*|richtet|spielt)\s+(?:mir|uns)\s+(?:bitte\s+|mal\s+|noch\s+)*(?P<item>[^\s,.!?]+)",
    re.IGNORECASE,
)
_ORDER_EN = re.compile(
    r"\b(?:install|set\s+up|can\s+i\s+(?:get|have)|could\s+i\s+(?:get|have))\s+(?:me\s+)?(?:please\s+)?(?P<item>[^\s,.!?]+(?-i:\s+[A-Z0-9][^\s,.!?]*)?)",
    re.IGNORECASE,
)
# "Ich bräuchte SPSS installiert", "can you get R installed".
_INSTALLED = re.compile(
    r"\b(?P<item>[^\W\d_][\w+#.-]*)\s+(?:installiert|installieren|installed|to\s+be\s+installed)\b",
    re.IGNORECASE,
)
# "Ich brauche bis morgen SPSS auf meinem Rechner", "I need R on my laptop": what goes on the device.
_ON_DEVICE = re.compile(
    r"\b(?P<item>(?:[A-Z]{2,}\s+)?[^\W\d_][\w+#.-]*)\s+(?:auf|on|for|für)\s+(?:mein\w*|my|den|dem|the|unser\w*|our)\s+"
    r"(?:laptop|notebook|rechner|computer|pc|desktop|mac\w*|thinkpad|surface|tablet|handy|iphone|ipad)\b",
    re.IGNORECASE,
)
# "We need SPSS for the project", "ich bräuchte MindManager": a name that looks like a product (an acronym,
# CamelCase; in English any capitalised word, which German nouns would be too) after a verb of needing.
_NEEDED = re.compile(
    r"\b(?i:need|needs|want|brauch\w*|bräucht\w*|benötig\w*)\s+(?:(?i:a|an|the|also|noch|auch)\s+)?"
    r"(?P<item>[A-Z]{2,}[\w+#.-]*|[A-Z][a-z]+[A-Z][\w+#.-]*|[^\W\d_][\w.-]*(?:\+\+|#))(?=[\s,.;:!?]|$)"
    r"|\b(?i:we|i)\s+(?i:need|want|would\s+like)\s+(?P<en>[A-Z][\w+#.-]+)(?=[\s,.;:!?]|$)"
)
_SHORT_NEED = re.compile(
    r"(?:i\s+|we\s+)?(?:need|want|brauche|bräuchte|benötige)\s+(?P<item>[^\W\d_][\w+#.-]{2,})(?:\s+(?:pls|please|bitte))?",
    re.IGNORECASE,
)
_NOT_A_PRODUCT = """
das die den dem ein eine einen einem einer etwas was it this that something software programm program app
tool the a an some me mir uns bitte please mal noch neue new es sie ihn alles was get have got be
früh frueh morgen heute installed installiert it's that's dringend urgent asap wieder again drauf
help hilfe access zugang zugriff support unterstützung info information advice rat
"""
_NO_PRODUCT = frozenset(_NOT_A_PRODUCT.split())


def _named_product(text: str) -> str | None:
    for pattern in (_ORDER_DE, _ORDER_VERB_FIRST, _ORDER_EN, _INSTALLED, _ON_DEVICE):
        match = pattern.search(text)
        if match:
            words = [w for w in match.group("item").split() if w.lower() not in _NO_PRODUCT]
            if words and not _DEVICE.fullmatch(" ".join(words)):
                return " ".join(words)
    short = _SHORT_NEED.fullmatch(text.strip(" .!?"))
    if short and short.group("item").lower() not in _NO_PRODUCT:
        return short.group("item")  # "need matlab"
    needed = _NEEDED.search(text)
    if needed:
        name = needed.group("item") or needed.group("en")
        if name.lower() not in _NO_PRODUCT and not _DEVICE.fullmatch(name):
            return name
    return None


def appointment(message: FirstMessage) -> str | None:
    """A time ahead ("nächsten Donnerstag um 10"): the words as written, with the date they mean; or a
    period that names no day ("im Februar", "Anfang Q2", "in KW 12"), as written."""
    entity = upcoming(message.entities)
    if entity is not None:
        return with_resolved(message.text[entity["start"] : entity["end"]].strip(), entity, message.language)
    match = _PERIOD.search(message.text)
    return match.group(0).strip() if match else None


_MONTHS = (
    r"januar|jänner|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    r"january|february|march|may|june|july|october|december"
)
# A month only after a word that makes it a time ("im Mai", "in March"): "we may need" is no month.
_IN = r"(?:im|in|ab|bis|anfang|mitte|ende|early|mid|late|end\s+of|beginning\s+of|during|until|from)"
_PERIOD = re.compile(
    rf"\b(?:{_IN}\s+(?:{_MONTHS})\b(?:\s+\d{{4}})?|(?:{_IN}\s+)?(?:q[1-4]\b(?:\s+\d{{4}})?|kw\s*\d{{1,2}}\b|"
    rf"(?:nächste[nmr]?|naechste[nmr]?|kommende[nmr]?|next|this|diese[nmr]?)\s+"
    rf"(?:woche|monat|monats|quartal|quartals|jahr|jahres|week|month|quarter|year)\b))",
    re.IGNORECASE,
)
# "Schulung zu Scrum", "eine Confluence-Schulung", "training on writing user stories": the subject.
_TOPIC = re.compile(
    r"\b(?:schulung|training|kurs|course|workshop|einführung|einweisung|coaching|session)\w*\s+"
    r"(?:zu|zum|zur|über|ueber|für\s+(?:das|die|den)|on|about|in|for\s+(?:the\s+)?new|to)\s+"
    r"(?P<topic>[^,.!?;]{2,80})",
    re.IGNORECASE,
)
_TOPIC_COMPOUND = re.compile(r"\b(?P<topic>[A-ZÄÖÜ][\w+#.]*?)-?(?:schulung|training|kurs|workshop)\b")
_NOT_TOPIC = re.compile(
    r"^(?:mich|mein\w*|unser\w*|uns|my|our|us|me|the\s+team|das\s+team|\d+|[^\W\d_]+\s+(?:leute|personen|people))\b",
    re.IGNORECASE,
)
_TOPIC_TAIL = re.compile(
    r"\s+(?:für|for|mit|with|im|in|am|ab|nächste\w*|next|bitte|please|gerne?|würde|would|,).*$",
    re.IGNORECASE,
)


def topic(message: FirstMessage) -> str | None:
    """What a training should cover: a catalogue item, or the subject named after "Schulung zu" /
    "training on", or before "-Schulung"; never the people it is for ("für mein Team")."""
    match = _TOPIC.search(message.text) or _TOPIC_BEFORE.search(message.text)
    if match:
        # "Schulung zu Scrum", "an SAP basics training": the words the person put it in
        subject = _TOPIC_TAIL.sub("", match.group("topic")).strip()
        subject = " ".join(w for w in subject.split() if w.lower() not in _GENERIC)
        if subject and not _NOT_TOPIC.match(subject):
            return subject
    found = item(message)
    if found:
        return found
    compound = _TOPIC_COMPOUND.search(message.text) or _TOPIC_BEFORE.search(message.text)
    if compound is None:
        return None
    subject = " ".join(w for w in compound.group("topic").split() if w.lower() not in _GENERIC)
    return subject or None


# "an SAP basics training", "a GDPR training for the support team": the words before "training".
_TOPIC_BEFORE = re.compile(
    r"\b(?:a|an|the|some|eine?n?)\s+(?P<topic>(?:[\w+#.-]+\s+){1,3}?)(?:training|course|workshop|schulung|kurs)\b",
    re.IGNORECASE,
)


def _inside(entity: Mapping[str, Any], start: int, end: int) -> bool:
    return start <= int(entity["start"]) and int(entity["end"]) <= end


_TIME_WORDS = re.compile(
    r"\b(?:seit|since|ab|heute|gestern|vorgestern|morgen|früh|frueh|vormittag|mittag|nachmittag|abend|"
    r"nacht|woche|wochen|monat|monaten|jahr|tag|tagen|stunde|stunden|minuten|uhr|update|neustart|urlaub|"
    r"immer|schon|lange|länger|kurzem|vorhin|eben|gerade|grad|letzte\w*|montag|dienstag|mittwoch|"
    r"donnerstag|freitag|samstag|sonntag|wochenende|today|yesterday|tonight|morning|afternoon|evening|"
    r"night|week|weeks|month|months|year|day|days|hour|hours|minutes|ago|update|restart|reboot|always|"
    r"ever|long|recently|earlier|just\s+now|last|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"weekend|lunch|mittagspause|o'clock|am|pm|nach|after|before|vor|seitdem|als|when|wann|januar|februar|märz|april|mai|juni|juli|august|september|"
    r"oktober|november|dezember|january|february|march|may|june|july|october|december)\b",
    re.IGNORECASE,
)


def tells_time(message: FirstMessage) -> bool:
    """Whether an answer to "since when?" names a time at all: a date, a number, a word of time."""
    return (
        bool(message.found("datetime"))
        or bool(re.search(r"\d", message.text))
        or bool(_TIME_WORDS.search(message.text))
    )


# "egal, wann es passt", "any time next month": a time in the sense of "whenever".
_WHENEVER = re.compile(
    r"\b(?:egal|flexibel|jederzeit|irgendwann|wann\s+(?:es|ihr|du|sie)\s+\w+|baldmöglichst|bald|"
    r"kommt\s+(?:darauf|drauf)\s+an|kalender\w*|noch\s+offen|any\s*time|whenever|flexible|"
    r"no\s+preference|doesn't\s+matter|depends|calendar|soon|asap)\b",
    re.IGNORECASE,
)


def names_a_time(message: FirstMessage) -> bool:
    """Whether an answer to "when?" names a time ("im Februar", "egal, wann es passt"): thanks for the
    quick reply does not."""
    return tells_time(message) or bool(_WHENEVER.search(message.text))


_ONLY_TIME_TEXT = """
started began begann angefangen fing an this that the it es das der die dem den hat has was war is ist
happened passiert auf on
"""
_ONLY_TIME = frozenset(_ONLY_TIME_TEXT.split())


def says_what(message: FirstMessage) -> bool:
    """Whether an answer to "what is not working?" says more than since when ("started this morning
    after the update" says only when)."""
    rest = _SINCE.sub(" ", message.text)
    words = [w for w in re.findall(r"[^\W\d_]{2,}", rest) if not _TIME_WORDS.fullmatch(w)]
    return any(
        w.lower() not in _ONLY_TIME and w.lower() not in _GENERIC and w.lower() not in _COUNT_WORDS
        for w in words
    )


def names_a_subject(message: FirstMessage) -> bool:
    """Whether an answer to "which topic?" says more than how many and when ("nur für mich" does not)."""
    spans = [e for e in message.entities if e.get("entity") in ("people_count", "datetime")]
    rest = blank_spans(message.text, spans)  # type: ignore[arg-type]
    words = [w.lower() for w in re.findall(r"[^\W\d_]{3,}", rest)]
    return any(w not in _GENERIC and w not in _COUNT_WORDS for w in words)


_COUNT_TEXT = """
nur für mich uns sind wir leute personen kollegen team just only for me people are the our my persons
colleagues etwa ungefähr about around
"""
_COUNT_WORDS = frozenset(_COUNT_TEXT.split())


def names_an_item(message: FirstMessage) -> bool:
    """Whether an answer to "which software or hardware?" names more than the device it is for ("laptop
    LT-7781", "my asset number is NB-4410" answer the next question)."""
    match = _DEVICE.search(message.text) or _ASSET_ANYWHERE.search(message.text)
    if match is None:
        return True
    rest = message.text[: match.start()] + message.text[match.end() :]
    words = [w.lower() for w in re.findall(r"[^\W\d_]{3,}", rest)]
    return any(w not in _GENERIC and w not in _DEVICE_TALK for w in words)


# "NB-2231", "INV-30417", "PC-LDN-0412", "NB-MR-07"; never a ticket ("SD-12").
_ASSET_ANYWHERE = re.compile(r"\b(?!SD-\d)[A-Z]{1,5}(?:-[A-Z0-9]{1,6})*-\d{2,8}\b")
_DEVICE_TALK_TEXT = """
asset number nummer inventarnummer think glaube sure sicher not nicht though aber the der die das is ist
it's sticker aufkleber
"""
_DEVICE_TALK = frozenset(_DEVICE_TALK_TEXT.split())


# "meine Reisekosten in Concur abrechnen", "how do I do X in Workday": the application a how-to is about.
_IN_APP = re.compile(r"\b(?i:in|im|bei|mit|with|on|using)\s+(?P<app>[A-Z][\w+.-]{1,30})(?=[\s,.;:!?]|$)")
_TEAMS_APP = re.compile(r"\b(?:in|im|bei|with|on)\s+teams\b|^\W*teams\s*:", re.IGNORECASE)
_NOT_APPS = frozenset(
    {
        "Ordnung",
        "Zukunft",
        "Moment",
        "Meetings",
        "Meeting",
        "Excel-Datei",
        "English",
        "Deutsch",
        "German",
        "Englisch",
        "Englische",
        "Deutsche",
        "French",
        "Spanish",
    }
)


def application(message: FirstMessage) -> str | None:
    """The application of a how-to question: a catalogue item, else a capitalised name after "in"."""
    found = item(message)
    if found:
        return found
    if _TEAMS_APP.search(message.text):
        return "Microsoft Teams"  # "in teams", "Teams: how to...": the catalogue leaves a bare "teams" alone
    for match in _IN_APP.finditer(message.text):
        name = match.group("app")
        if name not in _NOT_APPS and name.lower() not in _GENERIC:
            return name
    return None

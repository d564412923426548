"""Urgency cues and head counts in German and English chat messages.

Rules, not a learned tagger: the phrases are few, a pre-filled answer the requester never confirmed must
be right, and the whole NLU parse has a budget of a few milliseconds. Every pattern is compiled once at
import and matches the original text (umlauts spelled with or without the dots: "fünf", "fuenf", "funf"),
so offsets point into the text as written.

An urgency word given as a value to something is no cue: "How do I mark an email as urgent?", "eine Mail
als dringend markieren", "auf dringend setzen", "mark it urgent", "Priorität hoch setzen" ask how to set a
flag in a tool, and say nothing about how urgent the request is. It is the value when it follows
"als"/"auf"/"as"/"to" (or is a priority phrase) and a verb of marking or setting stands before it in the
same sentence or up to two words after it; or when it directly follows "mark/flag/tag/label" and at most
three words. Unless the thing marked is the requester's ticket: "Bitte mein Ticket als dringend
markieren", "mark my request as urgent" are cues.
"""

from __future__ import annotations

import re
from typing import Final

from nlu.entities import Entity


def umlauts(pattern: str) -> str:
    """A pattern that also accepts the spellings of people without a German keyboard: ä = ae = a, ß = ss."""
    for letter, plain in (("ä", "a"), ("ö", "o"), ("ü", "u"), ("Ä", "A"), ("Ö", "O"), ("Ü", "U")):
        pattern = pattern.replace(letter, f"(?:{letter}|{plain}e|{plain})")
    return pattern.replace("ß", "(?:ß|ss)")


def compile_words(pattern: str) -> re.Pattern[str]:
    """Whole words only, any case, umlaut spellings folded (``pattern`` is written with umlauts)."""
    return re.compile(rf"(?<![\w-])(?:{umlauts(pattern)})(?![\w])", re.IGNORECASE)


def ascii_fold(word: str) -> str:
    """ "Fünf" -> "fuenf": the key under which spelled-out words are looked up."""
    return word.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")


def spellings(words: dict[str, int]) -> dict[str, int]:
    """Every spelling ``umlauts`` accepts ("fünf", "fuenf", "funf"), folded, mapped to its value."""
    table: dict[str, int] = {}
    for word, value in words.items():
        table[ascii_fold(word)] = value
        table[word.replace("ä", "a").replace("ö", "o").replace("ü", "u")] = value
    return table


# Number words up to twenty, and the tens ("about sixty people"), German and English. Shared with
# nlu.datetimes ("in zwei Tagen"). Articles ("ein", "a") are left out: "ein Kollege hat das auch" names a
# person, not a count; the constructions that do count with them are handled where they occur.
NUMBER_WORDS: Final[dict[str, int]] = {
    "eins": 1, "one": 1, "zwei": 2, "two": 2, "drei": 3, "three": 3, "vier": 4, "four": 4,
    "fünf": 5, "five": 5, "sechs": 6, "six": 6, "sieben": 7, "seven": 7, "acht": 8, "eight": 8,
    "neun": 9, "nine": 9, "zehn": 10, "ten": 10, "elf": 11, "eleven": 11, "zwölf": 12, "twelve": 12,
    "dreizehn": 13, "thirteen": 13, "vierzehn": 14, "fourteen": 14, "fünfzehn": 15, "fifteen": 15,
    "sechzehn": 16, "sixteen": 16, "siebzehn": 17, "seventeen": 17, "achtzehn": 18, "eighteen": 18,
    "neunzehn": 19, "nineteen": 19, "zwanzig": 20, "twenty": 20, "dreißig": 30, "thirty": 30,
    "vierzig": 40, "forty": 40, "fünfzig": 50, "fifty": 50, "sechzig": 60, "sixty": 60, "siebzig": 70,
    "seventy": 70, "achtzig": 80, "eighty": 80, "neunzig": 90, "ninety": 90,
}  # fmt: skip
# For patterns that go through ``umlauts``; longest first so "fünfzehn" is not read as "fünf".
NUMBER_WORD_PATTERN: Final = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_NUMBER_SPELLINGS: Final = spellings(NUMBER_WORDS)


def number_value(word: str) -> int | None:
    """Digits or a number word ("12", "zwölf", "Zwoelf", "zwolf") as an int."""
    if word.isdigit():
        return int(word)
    return _NUMBER_SPELLINGS.get(ascii_fold(word))


# --- urgency ---------------------------------------------------------------------------------------

# Single words and short phrases that say "this is urgent". A negation in front turns them into "low".
# "critical path", "emergency plan", "kritisch Pfad": an adjective before a noun names a thing, not how
# urgent the request is. These count when nothing or a word of this list follows.
_ADJECTIVE_FOLLOWERS = (
    r"for|für|because|weil|da|and|und|now|jetzt|to|zu|as|since|seit|bitte|please|issue|incident|problem"
    r"|situation|case|fall|here|hier|today|heute"
)
_STANDALONE = rf"(?!\s+(?!(?:{_ADJECTIVE_FOLLOWERS})(?![\w]))[^\W\d_])"
_HIGH_WORDS = (
    r"dringend\w*|dringlich\w*|eilig\w*|eilt|umgehend|schnellstmöglich|schnellstens|asap|a\.s\.a\.p\.?"
    r"|urgent|urgently|blocking|blocker|blockiert|blockt|zeitkritisch|time[- ]critical"
    rf"|(?:kritisch|critical|emergency){_STANDALONE}"
    r"|notfall|showstopper|stillstand|arbeitsunfähig|(?<!ab\s)sofort|immediately"
)
_HIGH_PHRASES = (
    r"es\s+eilt|so\s+schnell\s+wie\s+möglich|as\s+soon\s+as\s+possible|right\s+away"
    r"|(?:geht|funktioniert)\s+(?:gar\s+|überhaupt\s+)?nichts\s+mehr|nichts\s+geht\s+mehr"
    r"|kann\s+(?:gar\s+|überhaupt\s+)?nicht\s+(?:mehr\s+)?arbeiten|können\s+(?:gar\s+)?nicht\s+(?:mehr\s+)?arbeiten"
    r"|(?:can't|cannot|can\s+not|can’t|cant|unable\s+to)\s+(?:do\s+(?:any|my)\s+)?work"
    r"|(?:i'm|i\s+am|we're|we\s+are|totally|completely|fully|pretty\s+much)\s+blocked"
    r"|prio(?:rität|ritaet|rity)?\s*:?\s*(?:1|eins|one|hoch|high)|p1"
    r"|(?:hohe|höchste|high|highest|top)\s+prio(?:rität|rity)?"
)
# "Outlook stürzt sofort ab", "crashes immediately after login": how fast something fails, not how fast
# help is wanted. "sofort"/"immediately" count only when neither a failing verb precedes nor a word of
# sequence follows.
_FAILING_BEFORE = re.compile(
    umlauts(
        r"(?:stürzt|crasht|crashed|crashes|schließt|hängt|friert|bricht|trennt|beendet|startet|closes|"
        r"freezes|quits|stops|disconnects|dies|fails|hangs|restarts|logs|meldet|fährt|geht|goes|turns|"
        r"shuts|sich|itself)\s+$"
    ),
    re.IGNORECASE,
)
_SEQUENCE_AFTER = re.compile(
    r"\s+(?:ab|wieder|aus|nach|beim|bei|als|wenn|after|on|when|upon|again|back|off|down|out)\b",
    re.IGNORECASE,
)
_NEGATION = (
    r"(?:nicht|not|isn't|isn’t|kein|keine|keinen|no|nie|never)\s+"
    r"(?:(?:so|sehr|wirklich|besonders|allzu|super|total|that|very|really|too|particularly|gar|ganz|all|"
    r"so\s+richtig)\s+){0,2}"
)
_LOW_PHRASES = (
    r"keine\s+eile|ohne\s+eile|(?:hat|eilt)\s+(?:noch\s+)?(?:keine\s+eile|nicht)|hat\s+(?:noch\s+)?zeit"
    r"|kein\s+stress|no\s+rush|no\s+hurry|not\s+in\s+a\s+(?:rush|hurry)|(?:there's\s+)?no\s+pressure"
    r"|(?:whenever|when)\s+you\s+(?:have|get|find)\s+(?:the\s+)?(?:time|a\s+(?:moment|minute|chance))"
    r"|wenn\s+(?:du|ihr|sie)\s+(?:mal\s+|gerade\s+)?zeit\s+(?:hast|habt|haben|findest)"
    r"|at\s+your\s+(?:earliest\s+)?convenience|nice\s+to\s+have"
    r"|(?:low|lower|niedrige|niedriger|geringe|geringer)\s+prio(?:rität|ritaet|rity)?"
    r"|prio(?:rität|ritaet|rity)?\s*:?\s*(?:niedrig|low)"
)
_LOW = compile_words(rf"{_LOW_PHRASES}|{_NEGATION}(?:{_HIGH_WORDS})")
_HIGH = compile_words(rf"{_HIGH_PHRASES}|{_HIGH_WORDS}")
_LOOKBEHIND = 24  # enough for the failing verb before "sofort"
# An urgency word as the value of a flag (see the module doc).
_MARKING_VERBS_DE = (
    r"markier\w*|kennzeichn\w*|gekennzeichnet|flagg\w*|geflaggt|einstuf\w*|eingestuft|stuf\w*|setz\w*"
    r"|gesetzt|stell\w*|gestellt|einstell\w*|eingestellt"
)
_MARKING_VERBS_EN = r"mark|marks|marked|marking|flag|flags|flagged|flagging|tag|tags|tagged|tagging|label\w*"
_MARKING_BEFORE = re.compile(
    rf"(?<![\w-])(?:{_MARKING_VERBS_DE}|{_MARKING_VERBS_EN}|set|sets|setting|change[sd]?|changing)(?!\w)",
    re.IGNORECASE,
)
_MARKING_AFTER = re.compile(rf"(?:\s+[^\W\d_]+){{0,2}}?\s+(?:{_MARKING_VERBS_DE})(?!\w)", re.IGNORECASE)
_AS_VALUE_BEFORE = re.compile(r"(?<!\w)(?:als|auf|as|to)\s+$", re.IGNORECASE)
_MARK_IT_BEFORE = re.compile(rf"(?<![\w-])(?:{_MARKING_VERBS_EN})(?:\s+[\w'’-]+){{0,3}}\s+$", re.IGNORECASE)
_OWN_TICKET = compile_words(
    r"(?:mein|meine|meinen|unser|unsere|unseren|dieses|diese|diesen|das|die|den|my|our|this|the)\s+"
    r"(?:ticket|anfrage|anliegen|meldung|störungsmeldung|request|ticket\s+request)|(?:ticket|sd)[\s#-]*\d+|#\d+"
)
_SENTENCE_END = re.compile(r"[.!?;\n]")
_MARKING_LOOKBEHIND = 80  # "Wie setze ich in Outlook eine Mail auf dringend?": verb and value in one sentence
# Substrings (lower-cased) every cue contains: most messages have none, and then no regex runs.
_HIGH_NEEDLES: Final = (
    "dring", "eil", "sofort", "umgehend", "schnell", "asap", "a.s.a.p", "urgent", "block", "kritisch",
    "critical", "notfall", "emergenc", "showstopper", "stillstand", "nichts", "arbeit", "work", "prio",
    "p1", "soon", "right away", "immediately",
)  # fmt: skip
_LOW_NEEDLES: Final = (
    "eile", "zeit", "stress", "rush", "hurry", "pressure", "time", "moment", "minute", "chance",
    "convenience", "nice to have", "prio",
)  # fmt: skip


def find_urgency(text: str) -> list[Entity]:
    """Urgency cues: "high" (dringend, ASAP, blocking, "geht nichts mehr", "can't work", Prio 1...) or
    "low" ("keine Eile", "no rush", "nicht dringend": a negated high cue is a low one)."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    lower = text.lower()
    high = any(needle in lower for needle in _HIGH_NEEDLES)
    low = high or any(needle in lower for needle in _LOW_NEEDLES)  # "nicht dringend" needs a high word
    for match in _LOW.finditer(text) if low else ():
        taken.append(match.span())  # also when it is a flag's value: its "dringend" is no high cue either
        if not _is_a_flag_value(text, *match.span()):
            found.append(Entity(entity="urgency", value="low", start=match.start(), end=match.end()))
    for match in _HIGH.finditer(text) if high else ():
        start, end = match.span()
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        if match.group().casefold() in ("sofort", "immediately") and _says_how_it_fails(text, start, end):
            continue
        if _is_a_flag_value(text, start, end):
            continue
        found.append(Entity(entity="urgency", value="high", start=start, end=end))
    return sorted(found, key=lambda e: e["start"])


def _is_a_flag_value(text: str, start: int, end: int) -> bool:
    """ "mark an email as urgent", "als dringend markieren", "Priorität hoch setzen" (see the module doc)."""
    window = text[max(0, start - _MARKING_LOOKBEHIND) : start]
    clause = _SENTENCE_END.split(window)[-1]  # this sentence only
    if _OWN_TICKET.search(clause):
        return False  # "Bitte mein Ticket als dringend markieren": this request is urgent
    as_value = _AS_VALUE_BEFORE.search(clause) is not None or "prio" in text[start:end].casefold()
    marked = _MARKING_BEFORE.search(clause) is not None or _MARKING_AFTER.match(text, end) is not None
    return (as_value and marked) or _MARK_IT_BEFORE.search(clause) is not None


def _says_how_it_fails(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - _LOOKBEHIND) : start]
    return bool(_FAILING_BEFORE.search(before) or _SEQUENCE_AFTER.match(text, end))


# --- head counts -------------------------------------------------------------------------------------

# Nouns that name people (singular forms too: "5 user" is how many people write it). Gendered forms
# ("Kolleg:innen", "Mitarbeiter*innen", "KollegInnen") included.
_PEOPLE_NOUNS = (
    r"leute|leuten|menschen|personen|person|kolleg(?:e|en|in|innen|[:*_/]innen|Innen)"
    r"|mitarbeiter(?:n|in|innen|[:*_/]innen|Innen)?|mitarbeitende[n]?"
    r"|teilnehmer(?:n|in|innen|[:*_/]innen|Innen)?|teilnehmende[n]?"
    r"|(?:be)?nutzer(?:n|in|innen|[:*_/]innen|Innen)?|anwender(?:n|in|innen)?|user[s]?"
    r"|teammitglied(?:er|ern)?|gäste[n]?|besucher(?:n|in|innen)?|azubis|praktikant(?:en|innen)"
    r"|people|persons|colleagues?|participants?|attendees?|employees?|staff|members?|team\s+members?"
    r"|guests?|visitors?|trainees?|interns?|new\s+hires|new\s+starters|users"
)
# One adjective may stand between number and noun: "5 neue Kollegen", "two other colleagues".
_ADJECTIVES = (
    r"neue[n]?|weitere[n]?|externe[n]?|interne[n]?|andere[n]?|zusätzliche[n]?|betroffene[n]?|meiner|unserer"
    r"|new|other|more|additional|external|internal|extra|further|affected"
)
# Digits not glued to a decimal, a version, a time, a ticket ("SD-42") or a range ("5-10").
_COUNT = rf"(?<![\w.,:/#-])(?P<num>\d{{1,5}}|{NUMBER_WORD_PATTERN}|ein\s+dutzend|a\s+dozen|dozen)"
_PEOPLE = compile_words(rf"{_COUNT}(?![.,:]\d)\s+(?:(?:{_ADJECTIVES})\s+)?(?:{_PEOPLE_NOUNS})")
# A cheap test before the patterns: most messages name nobody (lower-cased, so "Kolleg" and "kolleg").
_NOUN_STEMS: Final = (
    "leute",
    "mensch",
    "person",
    "kolleg",
    "mitarbeit",
    "teilnehm",
    "nutzer",
    "anwender",
    "user",
    "mitglied",
    "gäst",
    "gaest",
    "gast",
    "besuch",
    "azubi",
    "praktikant",
    "people",
    "colleague",
    "participant",
    "attendee",
    "employee",
    "staff",
    "member",
    "guest",
    "visitor",
    "trainee",
    "intern",
    "hires",
    "starters",
)
# "für mich und zwei Kollegen" (3), "me and my colleague" (2): the writer counts too.
_ME_AND = compile_words(
    rf"(?:mich|mir|ich|me|myself|i)\s+(?:und|and|plus|\+)\s+"
    rf"(?:(?P<num>\d{{1,4}}|{NUMBER_WORD_PATTERN}|ein\s+dutzend|a\s+dozen)"
    rf"|(?P<one>einen|eine|einem|einer|meinen|meine|meinem|meiner|a|an|my|one))"
    rf"\s+(?:(?:{_ADJECTIVES})\s+)?(?P<noun>{_PEOPLE_NOUNS})"
)
# "zu dritt" (3), "5 von uns", "three of us".
_ZU_N = {
    "zweit": 2,
    "dritt": 3,
    "viert": 4,
    "fünft": 5,
    "sechst": 6,
    "siebt": 7,
    "acht": 8,
    "neunt": 9,
    "zehnt": 10,
}
_ZU_SPELLINGS: Final = spellings(_ZU_N)
_TOGETHER = compile_words(r"zu\s+(?P<zu>" + "|".join(_ZU_N) + ")")
_OF_US = compile_words(rf"{_COUNT}\s+(?:von\s+uns|of\s+us)")
# "my team of 5", "eine Gruppe von 8", "das Team (12)": the group's size.
_GROUP_OF = compile_words(
    rf"(?:team|gruppe|group|abteilung|department)\s+(?:of|von|aus|mit|with)\s+{_COUNT}"
    rf"(?!\s*(?:uhr|tage|days|pm|am))"
)
# "four of them", "there are 12", "wir sind zu acht" is handled by zu N; "wir sind 8": how many there are.
_OF_THEM = compile_words(rf"{_COUNT}\s+(?:of\s+them|von\s+ihnen)")
_THERE_ARE = compile_words(
    rf"(?:there\s+are|there're|we're|we\s+are|wir\s+sind|sind\s+wir|es\s+sind|das\s+sind|that's|that\s+is|"
    rf"that\s+makes|insgesamt|in\s+total)\s+(?:(?:actually|really|now|then|doch|eigentlich|jetzt|dann|nun|"
    rf"schon|ja|insgesamt|total|in\s+total|about|around|etwa|ungefähr|circa|ca\.)\s+){{0,2}}{_COUNT}(?!\s*(?:uhr|tage|days|pm|am|mal|times|%|euro|€))"
)
# "für uns drei", "wir vier", "us three": the writer's group.
_US_N = compile_words(rf"(?:uns|wir|us|we)\s+{_COUNT}(?!\s*(?:uhr|tage|days|mal|times|pm|am))")
_GROUP_SIZE = compile_words(rf"(?:team|gruppe|group)\s*\(\s*{_COUNT}\s*\)")
# "nur ich", "just me": one person; "nicht nur ich" / "not just me" is more than one, so not a count.
_ONLY_ME = compile_words(r"(?:nur|only|just)\s+(?:ich|mich|mir|bei\s+mir|me|myself|i)")
_NOT_BEFORE = re.compile(r"(?:nicht|not)\s+$", re.IGNORECASE)
_SINGULAR = re.compile(r"kollege|kollegin|kollegen|colleague|mitarbeiter|mitarbeiterin", re.IGNORECASE)


# "me and Sarah", "ich und Jonas": the writer and one person named (not "ich und Kollegen").
_ME_AND_NAME = re.compile(
    r"(?<![\w-])(?:[Ii]ch|[Mm]ich|[Mm]e|[Mm]yself|I)\s+(?:und|and|&)\s+"
    r"(?!(?:Mein|Meine|My|Our|Unser|Unsere|Team|Abteilung|Department|Group|Gruppe|Kunden|Customers)\b)"
    r"(?P<name>[A-ZÄÖÜ][a-zäöüß]{2,})(?![\w-])"
)


_PEOPLE_NOUN = compile_words(_PEOPLE_NOUNS)


def find_people_count(text: str) -> list[Entity]:
    """How many people: "5 Kollegen", "für zehn Leute", "12 participants", "mich und zwei Kollegen" (3),
    "nur ich" (1), "zu dritt" (3). Never a ticket, a time or a date; "das ganze Team" names no number."""
    spans: list[tuple[int, int, int]] = []
    lower = text.lower()
    nouns = any(stem in lower for stem in _NOUN_STEMS)
    for match in _ME_AND.finditer(text) if nouns else ():
        if match.group("num"):
            count = _count(match.group("num"))
        else:
            # "mich und meinen Kollegen" is one colleague; "mich und meine Kollegen" an unknown number.
            one, noun = match.group("one").casefold(), match.group("noun").casefold()
            plural = noun == "kollegen" and one in ("meine", "a", "my", "one")
            count = 1 if _SINGULAR.fullmatch(noun) and not plural else 0
        if count:
            spans.append((match.start(), match.end(), count + 1))
    patterns = ((_PEOPLE,) if nouns else ()) + ((_OF_US, _US_N) if "uns" in lower or "us" in lower else ())
    patterns += (_US_N,) if "wir" in lower or "we " in lower else ()
    patterns += (_OF_THEM, _THERE_ARE)
    patterns += (
        (_GROUP_OF, _GROUP_SIZE)
        if "team" in lower or "grup" in lower or "group" in lower or "abteil" in lower
        else ()
    )
    for pattern in patterns:
        for match in pattern.finditer(text):
            spans.append((match.start(), match.end(), _count(match.group("num"))))
    for match in _TOGETHER.finditer(text) if "zu" in lower else ():
        spans.append((match.start(), match.end(), _ZU_SPELLINGS[ascii_fold(match.group("zu"))]))
    for match in _ME_AND_NAME.finditer(text):
        if not _PEOPLE_NOUN.fullmatch(match.group("name")):
            spans.append((match.start(), match.end(), 2))
    for match in _ONLY_ME.finditer(text) if "nur" in lower or "only" in lower or "just" in lower else ():
        if not _NOT_BEFORE.search(text[max(0, match.start() - 8) : match.start()]):
            spans.append((match.start(), match.end(), 1))
    kept: list[Entity] = []
    # Earliest first, then the longest: "mich und zwei Kollegen" (3) over its "zwei Kollegen" (2).
    for start, end, count in sorted(spans, key=lambda s: (s[0], -s[1])):
        if count > 0 and (not kept or start >= kept[-1]["end"]):
            kept.append(Entity(entity="people_count", value=count, start=start, end=end))
    return kept


def _count(words: str) -> int:
    folded = " ".join(words.casefold().split())
    if folded.endswith("dutzend") or folded.endswith("dozen"):
        return 12
    value = number_value(folded)
    return value if value is not None else 0

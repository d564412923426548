"""The desk's catalogue of software and hardware, found in chat messages by name or synonym.

Matching rules (all decided in ``__init__``, so ``find`` is a few dict look-ups per word):
- Whole words only, any case, umlauts folded ("Kopfhörer" = "kopfhoerer"), accents dropped: "word"
  is not found in "password", nor "dock" in "docker".
- Spaces, hyphens and dots between words do not matter: "share point" = "SharePoint" = "share-point",
  "e-mail" = "email", "7-Zip" = "7zip", "Office 365" = "office365". Multi-word names are matched as
  phrases, and the longest phrase wins ("Visual Studio Code" over "Visual Studio", "Windows 10" over
  "Windows").
- Small typos: a word of 5 to 8 letters may be one edit away, a word of 9 or more letters two
  (an edit: a letter added, dropped, replaced, or two neighbours swapped): "outlok", "sharepiont",
  "powerpiont", "confluece". The first letter must be right (people rarely mistype it, and "house"
  must not become "mouse"), the typo must point to one item only, and a short list of real words that
  sit one edit from a catalogue word is never "corrected" ("drucken" is not "Drucker", "vision" not
  "Visio"). Words of 4 letters or fewer only match exactly: "Exel" is not Excel, one edit in four
  letters turns too many words into others ("word" -> "work", "jira" -> "hira").
- Plurals and case endings of a known word ("Laptops", "Monitore", "VPNs", "Druckern") match. A word
  of 4 letters or fewer takes only "-s" ("Docks", "VPNs", "iPads"): "-e", "-en", "-n" after a short
  stem make verbs, not plurals ("docken" is not a Docking station). Verbs one edit away from a
  catalogue word ("docken" / "Docker", "scannen" / "Scanner") are in the list of real words above.
- Names that are also everyday words ("Word", "Teams", "Zoom", "Office", "Handy"...: ``AMBIGUOUS_WORDS``)
  match only as written with a capital letter ("in Teams", "das Word-Dokument", not "my team" or "a
  word") or after "MS"/"Microsoft" ("ms teams"), exactly (no typo, no ending), and:
  - not right after a plural or genitive determiner, "im", or a hyphen ("die Teams", "meines Teams",
    "Scrum-Teams", "our teams" are groups of people, "im Office" is a place);
  - not right after a number, digits or a number word ("drei Teams", "3 Teams", "two Teams" are
    groups of people);
  - at the start of a message or sentence only with a word right after it that says "software"
    (``_PRODUCT_AFTER``: a verb in the singular such as "stürzt", "ist", "crashes", "installieren", or
    "Meeting", "Chat", "Anruf", "call", "App"): German capitalises every noun, so a capital there is no
    evidence ("Teams aus dem Vertrieb brauchen Zugriff" are people, "Teams stürzt ab" is the software).
  A compound with a hyphen after the word is always the software ("die Teams-App", "im Word-Dokument",
  "drei Teams-Lizenzen"). The singular "team" is never "Teams".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from rapidfuzz.distance import OSA

from nlu.cues import number_value, umlauts
from nlu.entities import Entity
from nlu.text import fold

# Everyday German or English words that are also product names. Compared with each name and synonym
# once folded; extend it when a desk adds such a product ("Notes", "Forms", "Planner").
AMBIGUOUS_WORDS: Final = frozenset(
    str.split(
        "word words teams zoom office edge access project notes paint slack handy forms planner lists stream"
        " bookings keep store whiteboard photos mail maps"
    )
)
# "die Teams", "all teams": people, not the software; "im Office": at the office ("in Teams" is fine).
_PLURAL_DETERMINERS: Final = frozenset(
    str.split(
        "die alle allen unsere unseren unserer eure euren ihre ihren beide beiden mehrere mehreren"
        " verschiedene verschiedenen andere anderen einige einigen viele vielen den our all both several"
        " other many some these those your their different im ins des eines meines deines seines unseres"
        " eures ihres"
    )
)
_VENDOR_PREFIXES: Final = ("ms", "microsoft")
# Real words within reach of a typo fix, same first letter: they mean themselves. Found by running the
# matcher over German and English word lists and the training data with the demo desk's catalogue
# (bot/config/demo_desk.yml); a desk with other products may need a few more.
_NOT_TYPOS: Final = frozenset(
    str.split(
        "conference confidence congruence confluent table tables tabled tablett window widows winnows decker"
        " dicker docked docket meuse morse mousy mopse moose mousse pinter painter pointer printed drunker"
        " drucken drucke druckt weber weben citric headstones kopfhoehe kamerad vision visit visits expel"
        " docken docke scannen"
    )
)
_SEEN_MAX: Final = 20_000  # words remembered with their normal form, ~2 MB at most
_MIN_FUZZY_LETTERS: Final = 5
_TWO_EDITS_LETTERS: Final = 9
_MIN_STEM: Final = 3
_ENDINGS: Final = ("en", "es", "s", "e", "n")  # Laptops, Monitore, Druckern; not "-er": docker != dock
_SHORT_STEM: Final = 4  # a stem this short takes "-s" only: "Docks", "VPNs"; "docken" is a verb
_SHORT_STEM_ENDINGS: Final = ("s",)
# At the start of a sentence an everyday word is the product only with one of these right after it: a verb
# in the singular ("Teams stürzt ab"; people would be "Teams stürzen"), or a word that only software has
# ("Teams Meeting"). Small on purpose: missing the product costs one question, a wrong one a wrong ticket.
_PRODUCT_AFTER = re.compile(
    umlauts(
        r"\s+(?:ist|war|hat|geht|ging|läuft|lädt|startet|stürzt|hängt|friert|bricht|zeigt|meldet|öffnet"
        r"|lässt|funktioniert|klappt|spinnt|reagiert|installieren|einrichten|aktualisieren|meeting|meetings"
        r"|besprechung|chat|anruf|call|calls|app|is|isn't|isn’t|was|wasn't|has|keeps|crashes|crashed|freezes"
        r"|hangs|won't|won’t|doesn't|doesn’t|fails|stopped|shows|opens|install|update)(?![\w’'])"
    ),
    re.IGNORECASE,
)
# What may stand between the start of a sentence and its first word: a bullet, an opening quote.
_BEFORE_FIRST_WORD: Final = frozenset(" \t\r\n\"'„“‚‘«»(*•-–")
_SENTENCE_ENDS: Final = frozenset(".!?:;")
_WORD = re.compile(r"[^\W_]+")
# What may stand between the words of one name: "share point", "e-mail", "s/4hana", "node.js".
_GAP = re.compile(r"[\s\-–_]{1,3}|[./+]")


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    name: str  # canonical name shown to users, e.g. "Visio"
    kind: Literal["software", "hardware"]
    synonyms: tuple[str, ...] = ()  # other ways people write it ("ms visio"); the name itself always matches


@dataclass(frozen=True, slots=True)
class _Term:
    item: CatalogueItem
    ambiguous: bool  # an everyday word: capitalised or after "MS" only


class Catalogue:
    """Finds catalogue items in a text: entity "software" or "hardware", value the item's name."""

    def __init__(self, items: Iterable[CatalogueItem]) -> None:
        self.items = tuple(items)
        self._terms: dict[str, _Term] = {}  # name or synonym, words joined: "sharepoint", "msteams"
        self._prefixes: set[str] = set()  # every beginning of a term: a phrase may continue
        self._words: set[str] = set()  # the words that make up the terms
        # Typo targets by (first letter, length), each with its item (None: one word of a phrase).
        self._targets: dict[tuple[str, int], list[tuple[str, CatalogueItem | None]]] = {}
        self._seen: dict[str, tuple[str, str]] = {}
        derived: list[tuple[str, _Term]] = []
        for item in self.items:
            for phrase in dict.fromkeys((item.name, *item.synonyms)):
                words = _WORD.findall(fold(phrase))
                if not words:
                    continue
                ambiguous = len(words) == 1 and words[0] in AMBIGUOUS_WORDS
                self._add("".join(words), _Term(item, ambiguous))
                self._words.update(words)
                if ambiguous:
                    derived += [(prefix + words[0], _Term(item, False)) for prefix in _VENDOR_PREFIXES]
        for key, term in derived:  # "ms word" unless the desk gave "ms word" to something else
            self._terms.setdefault(key, term)
            self._prefixes.update(key[:i] for i in range(1, len(key) + 1))
        self._index_typo_targets()

    def find(self, text: str) -> list[Entity]:
        tokens = [(m.start(), m.end(), self._normal(m.group())) for m in _WORD.finditer(text)]
        found: list[Entity] = []
        i = 0
        while i < len(tokens):
            match = self._longest_at(text, tokens, i)
            if match is None:
                i += 1
                continue
            last, term = match
            start, end = tokens[i][0], tokens[last][1]
            if term.ambiguous and not self._meant_as_product(text, tokens, i):
                i += 1
                continue
            found.append(Entity(entity=term.item.kind, value=term.item.name, start=start, end=end))
            i = last + 1
        return found

    # --- building ------------------------------------------------------------------------------------

    def _add(self, key: str, term: _Term) -> None:
        existing = self._terms.get(key)
        if existing is not None and existing.item != term.item:
            raise ValueError(
                f"catalogue: {existing.item.name!r} and {term.item.name!r} are both written {key!r};"
                " give each name or synonym to one item only"
            )
        if existing is None or (existing.ambiguous and not term.ambiguous):
            self._terms[key] = term
        self._prefixes.update(key[:i] for i in range(1, len(key) + 1))

    def _index_typo_targets(self) -> None:
        targets: dict[str, CatalogueItem | None] = {}
        for word in self._words:
            targets.setdefault(word, None)
        for key, term in self._terms.items():
            targets[key] = term.item  # a whole name ("sharepoint") names its item
        for word, item in targets.items():
            term = self._terms.get(word)
            everyday = word in AMBIGUOUS_WORDS or (term is not None and term.ambiguous)
            if len(word) < _MIN_FUZZY_LETTERS or not word.isalpha() or everyday:
                continue
            self._targets.setdefault((word[0], len(word)), []).append((word, item))

    # --- matching ------------------------------------------------------------------------------------

    def _normal(self, raw: str) -> tuple[str, str]:
        """(the word as the catalogue knows it, the word folded), remembered: chat repeats its words."""
        known = self._seen.get(raw)
        if known is None:
            if len(self._seen) >= _SEEN_MAX:
                self._seen.clear()  # bounded memory; refilled by the next few messages
            known = self._seen[raw] = self._normalise(raw)
        return known

    def _normalise(self, raw: str) -> tuple[str, str]:
        """Exact, with an ending cut ("Laptops"), or with a typo fixed ("outlok")."""
        word = raw.lower() if raw.isascii() else fold(raw)
        if word in self._terms or word in self._words or len(word) < _MIN_STEM or word in _NOT_TYPOS:
            return word, word
        for ending in _ENDINGS:
            stem = word[: -len(ending)]
            if len(stem) <= _SHORT_STEM and ending not in _SHORT_STEM_ENDINGS:
                continue
            if word.endswith(ending) and len(stem) >= _MIN_STEM and stem in self._words:
                term = self._terms.get(stem)
                if term is None or not term.ambiguous:
                    return stem, word
        if len(word) >= _MIN_FUZZY_LETTERS and word.isalpha():
            fixed = self._typo_fix(word)
            if fixed is not None:
                return fixed, word
        return word, word

    def _typo_fix(self, word: str) -> str | None:
        best: str | None = None
        best_distance = _TWO_EDITS_LETTERS  # more than any limit
        best_item: CatalogueItem | None = None
        tie = False
        for length in range(len(word) - 2, len(word) + 3):
            for target, item in self._targets.get((word[0], length), ()):
                limit = 2 if len(target) >= _TWO_EDITS_LETTERS else 1
                if abs(len(target) - len(word)) > limit:
                    continue
                distance = OSA.distance(word, target, score_cutoff=limit)
                if distance > limit:
                    continue
                if distance < best_distance:
                    best, best_distance, best_item, tie = target, distance, item, False
                elif distance == best_distance and (item is None or item != best_item):
                    tie = True
        return None if tie else best

    def _longest_at(
        self, text: str, tokens: list[tuple[int, int, tuple[str, str]]], i: int
    ) -> tuple[int, _Term] | None:
        found: tuple[int, _Term] | None = None
        joined = ""
        for j in range(i, len(tokens)):
            if j > i and not _GAP.fullmatch(text, tokens[j - 1][1], tokens[j][0]):
                break
            joined += tokens[j][2][0]
            term = self._terms.get(joined)
            if term is not None:
                found = (j, term)
            if joined not in self._prefixes:
                break
        return found

    @staticmethod
    def _meant_as_product(text: str, tokens: list[tuple[int, int, tuple[str, str]]], i: int) -> bool:
        """An everyday word that is also a product name: the product? (see the module doc)"""
        start, end, (_, folded) = tokens[i]
        if not text[start].isupper() or tokens[i][2][0] != folded:
            return False  # "my team", "a word"; and never a typo or an ending of an everyday word
        if text[start - 1 : start] == "-":
            return False  # "Scrum-Teams", "Projekt-Teams": groups of people
        if text.startswith("-", end):
            return True  # "die Teams-App", "drei Teams-Lizenzen"
        if i == 0 or _starts_sentence(text, start):
            return _PRODUCT_AFTER.match(text, end) is not None  # "Teams stürzt ab", not "Teams aus dem..."
        _, previous_end, (_, previous) = tokens[i - 1]
        if number_value(previous) is not None and text[previous_end:start].isspace():
            return False  # "drei Teams", "3 Teams", "two Teams": groups of people
        return previous not in _PLURAL_DETERMINERS


def _starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens the text, a sentence, or a line (bullets and quotes aside)."""
    j = start
    while j > 0 and text[j - 1] in _BEFORE_FIRST_WORD:
        j -= 1
    return j == 0 or text[j - 1] in _SENTENCE_ENDS or "\n" in text[j:start]

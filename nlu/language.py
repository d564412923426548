"""German/English detection: a character n-gram model plus a word heuristic for very short texts.

Two languages do not justify another dependency. The model learns from the training data's folders;
for one- or two-word messages ("danke", "ok", "nein") n-grams say little, so common function words and
umlauts decide there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlu.fast import FastPipeline, compile_pipeline
from nlu.text import for_language

DEFAULT_LANGUAGE: Final = "de"  # the desk's house language, used when a text carries no evidence


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


_DE_WORDS: Final = _words(
    """
    ich du er sie wir ihr es mein meine meinen meinem meiner mich mir dich dir uns euch sich ist sind bin
    bist war hat habe haben hatte kann kannst können konnte muss müssen soll sollte will möchte möchten
    würde wäre nicht kein keine keinen nichts noch schon auch aber oder und wenn dass weil denn doch mal
    der die das den dem des ein eine einen einem einer im ins vom zum zur am beim mit von für auf aus bei
    nach seit über unter vor zu bis um ohne gegen wie was wer wo warum wann welche welcher welches hier
    da dort jetzt heute gestern morgen immer nie sehr gut geht gehen ja nein danke bitte hallo tschüss
    tschüs moin servus grüß gruß guten tag abend vielen dank genau stimmt richtig falsch abbrechen lass
    vergiss egal gerne gern alles klar prima bis bald schönen wochenende hilfe brauche
    funktioniert kaputt drucker rechner neuen neue neues bei läuft mehr stürzt
    """
)
_EN_WORDS: Final = _words(
    """
    i you he she we they it my mine me your yours our us them is are am was were be been has have had do
    does did can could will would shall should may might must not no nothing dont doesnt cant wont
    isnt the a of to on at for from with by about into over under after before since until
    without what who where why when which how here there now today yesterday tomorrow always never very
    good yes yeah yep nope thanks thank thx please hello bye goodbye cheers see later good morning
    evening great fine sure right wrong correct cancel stop forget never mind help need want new broken
    printer laptop works working anymore this that these those and or but if because just still again
    """
)
_GERMAN_LETTERS: Final = frozenset("äöüß")
_SHORT_TEXT_WORDS: Final = 3


class LanguageDetector:
    """Trained on (text, language) pairs; ``detect`` returns ("de"|"en", confidence in [0.5, 1])."""

    def __init__(self) -> None:
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
        self._model = LogisticRegression(C=10.0, max_iter=1000)
        self._languages: tuple[str, str] = ("de", "en")
        self._fast: FastPipeline | None = None

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_fast": None}  # rebuilt by compile(), see nlu.fast

    def compile(self) -> None:
        if self._fast is None:
            self._fast = compile_pipeline(self._vectorizer, self._model)

    def fit(self, texts: Sequence[str], languages: Sequence[str]) -> LanguageDetector:
        labels = sorted(set(languages))
        if labels != ["de", "en"]:
            raise ValueError(f"language detection needs German and English examples, got {labels}")
        self._model.fit(self._vectorizer.fit_transform([for_language(t) for t in texts]), languages)
        classes = tuple(self._model.classes_)
        self._languages = (classes[0], classes[1])
        return self

    def detect(self, text: str) -> tuple[str, float]:
        cleaned = for_language(text)
        if not cleaned:
            return DEFAULT_LANGUAGE, 0.5
        p_de = self._model_p_de(cleaned)
        words = cleaned.split()
        hint = _word_hint(words)
        if hint is not None:
            # Short texts: the word list is more reliable than a handful of n-grams.
            weight = 0.7 if len(words) <= _SHORT_TEXT_WORDS else 0.25
            p_de = (1 - weight) * p_de + weight * hint
        return ("de", float(p_de)) if p_de >= 0.5 else ("en", float(1 - p_de))

    def _model_p_de(self, cleaned: str) -> float:
        self.compile()
        if self._fast is not None:
            proba = self._fast.proba(cleaned)
        else:
            proba = self._model.predict_proba(self._vectorizer.transform([cleaned]))[0]
        return float(proba[self._languages.index("de")])


def _word_hint(words: list[str]) -> float | None:
    """Probability of German from function words and umlauts, or None without evidence either way."""
    de = sum(w in _DE_WORDS for w in words) + 2 * sum(ch in _GERMAN_LETTERS for w in words for ch in w)
    en = sum(w in _EN_WORDS for w in words)
    if de == en:
        return None
    # One German word alone gives 0.75, two 0.83...; the +1 keeps single hits from being certain.
    return float(np.clip(0.5 + 0.5 * (de - en) / (de + en + 1), 0.02, 0.98))


_CODE_CHARS: Final = frozenset("*;=<>{}[]()|\\/`$%#_")
# Function words a person uses when they write a language, not just name things in it.
_MIN_FUNCTION_WORDS: Final = 2


def looks_like_code(text: str) -> bool:
    """SQL, code, a path or a log line: what it says is no sentence of a person's."""
    stripped = text.strip()
    return bool(stripped) and sum(ch in _CODE_CHARS for ch in stripped) / len(stripped) > 0.04


def language_evidence(text: str) -> str | None:
    """ "de" or "en" when a message is clearly written in that language (its function words), else
    None: a product name ("Microsoft Teams Rooms"), a pasted error line, SQL or a ticket key says
    nothing about the language its writer wants to be answered in."""
    stripped = text.strip()
    if not stripped or looks_like_code(stripped):
        return None  # code, SQL, a path or a log line
    words = for_language(stripped).split()
    de = sum(w in _DE_WORDS for w in words) + sum(ch in _GERMAN_LETTERS for w in words for ch in w)
    en = sum(w in _EN_WORDS for w in words)
    if de >= _MIN_FUNCTION_WORDS and de > 2 * en:
        return "de"
    if en >= _MIN_FUNCTION_WORDS and en > 2 * de:
        return "en"
    return None

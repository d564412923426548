"""Understanding a person's answer to one of the bot's questions: which option a free text means.

One small classifier per answer kind (who is affected, how badly work is blocked, the summary's
confirm / change / cancel, yes / no, and what people say instead of an answer: "weiß nicht", "was meinst
du?", "hat sich erledigt"), each with a confidence. They learn from ``nlu/answer_data`` (Rasa NLU YAML,
intents named ``<kind>_<label>``, so a Rasa server can learn the same answers) and from the request
classifier's own training texts, which teach each kind what is *not* an answer: "Mein Drucker geht auch
nicht" at "Wer ist betroffen?" is a new request, not a choice.

This module knows language only: the labels are words like ``low`` or ``confirm``; what they mean for
a ticket is the bot's business.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from nlu.dataset import Example, NluDataError, language_of, parse_file, read_files
from nlu.fast import FastPipeline, compile_pipeline
from nlu.text import prepare

NONE: Final = "none"
# The kinds and their labels; every kind also has NONE ("this is no answer of this kind").
KINDS: Final[dict[str, tuple[str, ...]]] = {
    "impact": ("low", "medium", "high"),
    "blocking": ("low", "medium", "high"),
    "summary": ("confirm", "change", "cancel"),
    "yesno": ("yes", "no"),
    "meta": ("dont_know", "clarify", "withdraw"),
}
# Kinds whose answers may stand at another kind's question without being wrong there: "ja" confirms a
# summary and says yes, "doch nicht" cancels and says no. They are not taught to each other as "none".
_COMPATIBLE: Final = {frozenset({"summary", "yesno"})}
# Request texts taught as "none" per kind: enough to cover the requests' vocabulary, few enough that the
# answers are not drowned (and training stays well under a second per kind).
_NEGATIVES_PER_KIND: Final = 600
ANSWER_MODEL_VERSION: Final = 5
_ANSWER_INTENTS: Final = frozenset({"affirm", "deny", "cancel"})


# Phrases whose meaning is fixed, checked before the classifier (in this order: "kann nicht normal
# arbeiten" is impaired, before "normal arbeiten" reads as unimpaired).
CUE_CONFIDENCE: Final = 0.95
_WORK = r"(?:arbeiten|weiterarbeiten|work|working)"
_CANNOT = (
    r"(?:(?:kann|können|könnt|can|could)(?:\s+(?:ich|wir|man|i|we))?(?:['’]t|n['’]t|not|\s+not|\s+nicht)"
    r"|cant)"
)
_YES = r"(?:y|yes|yep|yup|yeah|ja|jo|jup|jep|jawohl|ok|okay|k|kk|passt|genau|sure|klar|👍|✅|👌)"
_PLEASE = r"(?:thx|thanks|thank\s+you|danke|bitte|please|pls|gerne?|\s)*"


def _cues(*pairs: tuple[str, str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((label, re.compile(pattern, re.IGNORECASE)) for label, pattern in pairs)


_CUES: Final[dict[str, tuple[tuple[str, re.Pattern[str]], ...]]] = {
    "impact": _cues(
        ("medium", r"\b(?:nicht\s+nur|not\s+(?:just|only))\s+(?:ich|mich|mir|bei\s+mir|me|mine)\b"),
        ("low", r"^\W*(?:nur|only|just)\s+(?:ich|mich|mir|bei\s+mir|me|mine|my\s+\w+)\b"),
        (
            "low",
            r"\b(?:die|der)\s+einzige\b|\b(?:the\s+)?only\s+one\b|\bnobody\s+else\b|\bsonst\s+(?:niemand|keiner)\b",
        ),
    ),
    "blocking": _cues(
        (
            "medium",
            rf"\b{_CANNOT}\s+(?:mehr\s+)?(?:ganz\s+)?normal(?:ly)?\s+{_WORK}|\b{_CANNOT}\s+{_WORK}\s+normally",
        ),
        (
            "high",
            rf"\b(?:keiner|niemand|nobody|no\s+one|none\s+of\s+us)\s+(?:kann|can)\s+(?:mehr\s+)?{_WORK}",
        ),
        ("high", rf"\b{_CANNOT}\s+(?:mehr\s+|gar\s+|überhaupt\s+)?{_WORK}\b(?!\s+normal)"),
        (
            "high",
            r"\b(?:nichts\s+geht\s+mehr|geht\s+gar\s+nichts|totaler?\s+stillstand|komplett\s+blockiert|"
            r"(?:completely|totally)\s+(?:blocked|stuck)|can't\s+do\s+anything|nothing\s+works)\b",
        ),
        (
            "low",
            r"\bsonst\s+(?:geht|läuft|funktioniert|klappt)\s+alles|\botherwise\s+(?:everything|all)\s+(?:works|is\s+fine)|"
            r"\b(?:isn't|is\s+not|not|doesn't|does\s+not|nicht)\s+(?:really\s+)?hold(?:ing)?\s+(?:me|us)\s+up|"
            r"\bthat\s+works\s+fine\b|\bno\s+(?:real\s+)?(?:impact|effect)\s+on\s+(?:my|our)\s+work|"
            r"\bhält\s+(?:mich|uns)\s+nicht\s+auf",
        ),
        (
            "low",
            r"\b(?:nicht|kaum|not|hardly)\s+(?:wirklich\s+|really\s+|sehr\s+|very\s+)?(?:eingeschränkt|impaired|limited|restricted)",
        ),
        (
            "medium",
            r"\b(?:eingeschränkt|impaired|restricted|hält\s+(?:mich\s+|uns\s+)?(?:sehr\s+|ziemlich\s+)?auf|umständlich|"
            r"kostet\s+(?:mich\s+|uns\s+)?(?:viel\s+)?zeit|slow(?:s|ed|ing)?\s+(?:me\s+|us\s+)?down|cumbersome|"
            r"takes\s+(?:much\s+|a\s+lot\s+)?longer)\b",
        ),
        (
            "medium",
            rf"\b(?:kann|können|can|could)\s+(?:ich\s+|wir\s+|still\s+|schon\s+|noch\s+)?{_WORK}"
            r"\s*,?\s+(?:aber|but|only|nur)\b|\b(?:geht|works|läuft)\s*,?\s+(?:aber|but)\b",
        ),
        (
            "low",
            rf"\b(?:i|we|ich|wir)\s+(?:can|kann|können)\s+(?:still\s+|trotzdem\s+|noch\s+)?{_WORK}\s*[.!]*$",
        ),
        (
            "low",
            rf"\b(?:kann|können|can)\s+(?:ganz\s+|eigentlich\s+|trotzdem\s+|still\s+)?normal\s+{_WORK}|"
            rf"\b(?:can|kann)\s+{_WORK}\s+(?:normally|fine|as\s+usual|normal)\b",
        ),
    ),
    # A bare "y", "ok", "👍 thx" is a yes; too short for the classifier to be sure of.
    "summary": _cues(("confirm", rf"^\W*{_YES}\W*{_PLEASE}\W*$")),
    "yesno": _cues(("yes", rf"^\W*{_YES}\W*{_PLEASE}\W*$")),
}


@dataclass(frozen=True, slots=True)
class AnswerReading:
    """What a text means at a question of one kind: the best label (NONE: no answer of this kind) and
    the classifier's probability for it."""

    label: str
    confidence: float
    # The likeliest real answer even when "none" wins or it is unsure: what the bot may propose back
    # ("Meinst du »Ich bin eingeschränkt«?") instead of asking the same question again.
    guess: str | None = None
    guess_confidence: float = 0.0


def read_cue(kind: str, text: str) -> AnswerReading | None:
    for label, pattern in _CUES.get(kind, ()):
        if pattern.search(text):
            return AnswerReading(label, CUE_CONFIDENCE, label, CUE_CONFIDENCE)
    return None


def default_answer_dir() -> Path:
    return Path(__file__).resolve().parent / "answer_data"


def load_answer_examples(answer_dir: Path | None = None) -> list[Example]:
    """``<kind>_<label>`` examples from ``<language>/<kind>.yml`` files (the intent field holds the
    kind and label)."""
    root = Path(answer_dir) if answer_dir is not None else default_answer_dir()
    if not root.is_dir():
        raise NluDataError(f"{root}: answer data directory not found")
    known = {f"{kind}_{label}" for kind, labels in KINDS.items() for label in (*labels, NONE)}
    examples: list[Example] = []
    for path, raw in read_files(root):
        examples.extend(parse_file(path, raw, language_of(path, root), known))
    if not examples:
        raise NluDataError(f"{root}: no answer examples found")
    return list(dict.fromkeys(examples))


@dataclass
class _KindModel:
    labels: tuple[str, ...]
    features: FeatureUnion
    classifier: CalibratedClassifierCV
    _fast: FastPipeline | None = field(default=None, repr=False)

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_fast": None}

    def compile(self) -> None:
        if self._fast is None:
            self._fast = compile_pipeline(self.features, self.classifier)

    def proba(self, prepared: str) -> np.ndarray:
        self.compile()
        if self._fast is not None:
            return self._fast.proba(prepared)
        result: np.ndarray = self.classifier.predict_proba(self.features.transform([prepared]))[0]
        return result


@dataclass
class AnswerModels:
    """The trained classifiers, one per kind; picklable, cached beside the request model."""

    kinds: dict[str, _KindModel]
    train_seconds: float = 0.0
    fingerprint: str = ""

    def compile(self) -> None:
        for model in self.kinds.values():
            model.compile()

    def read(self, kind: str, text: str, cues_only: bool = False) -> AnswerReading:
        """The reading of ``text`` at a question of ``kind``; NONE with confidence 1 for an empty text.
        ``cues_only``: only the fixed phrases, for a text longer than the answers the classifiers learnt
        from ("Im ganzen Gebäude ist das WLAN weg, niemand kann arbeiten" says how badly all the same)."""
        prepared = prepare(text)[2]
        if not prepared:
            return AnswerReading(NONE, 1.0)
        cue = read_cue(kind, text)
        if cue is not None or cues_only:
            return cue or AnswerReading(NONE, 0.0)
        model = self.kinds[kind]
        proba = model.proba(prepared)
        best = int(np.argmax(proba))
        answers = [i for i, label in enumerate(model.labels) if label != NONE]
        likeliest = max(answers, key=lambda i: proba[i]) if answers else None
        return AnswerReading(
            model.labels[best],
            round(float(proba[best]), 4),
            model.labels[likeliest] if likeliest is not None else None,
            round(float(proba[likeliest]), 4) if likeliest is not None else 0.0,
        )


def train_answers(
    answers: Sequence[Example], requests: Iterable[Example] = (), seed: int = 0
) -> AnswerModels:
    """One classifier per kind from the answer examples; ``requests`` (the request classifier's data)
    are sampled in as "none"."""
    started = time.perf_counter()
    by_kind: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    for example in answers:
        kind, label = _split(example.intent)
        by_kind[kind].append((example.text, label))
    # "ja bitte" is an affirm in the request data and a confirm here: only the request data's other
    # intents teach what is no answer.
    request_texts = [example.text for example in requests if example.intent not in _ANSWER_INTENTS]
    rng = random.Random(seed)
    kinds: dict[str, _KindModel] = {}
    for kind in KINDS:
        pairs = list(by_kind[kind])
        # Other kinds' answers are no answer of this one ("nur ich" says nothing about the summary).
        others = [
            text
            for other, other_pairs in by_kind.items()
            if other != kind and frozenset({kind, other}) not in _COMPATIBLE
            for text, label in other_pairs
            if label != NONE
        ]
        # As many as the kind's own answers at most: "none" must not drown the short answers it has.
        own = sum(label != NONE for _, label in pairs)
        pairs += [(text, NONE) for text in rng.sample(others, min(len(others), own))]
        # ...and at least as many requests as answers, so a report ("Teams stürzt ständig ab") stays none.
        sample = rng.sample(request_texts, min(max(_NEGATIVES_PER_KIND, own), len(request_texts)))
        pairs += [(text, NONE) for text in sample]
        kinds[kind] = _fit(pairs)
    return AnswerModels(kinds, train_seconds=time.perf_counter() - started)


def _fit(pairs: list[tuple[str, str]]) -> _KindModel:
    texts = [prepare(text)[2] for text, _ in pairs]
    labels = [label for _, label in pairs]
    # The request model's features: word n-grams for phrasing, char n-grams for typos and compounds.
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(analyzer="word", ngram_range=(1, 2), lowercase=False, sublinear_tf=True),
            ),
            (
                "chars",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False, sublinear_tf=True),
            ),
        ]
    )
    matrix = features.fit_transform(texts)
    classifier = CalibratedClassifierCV(LinearSVC(C=2.0, class_weight="balanced"), method="sigmoid", cv=3)
    classifier.fit(matrix, labels)
    return _KindModel(tuple(str(c) for c in classifier.classes_), features, classifier)


def _split(intent: str) -> tuple[str, str]:
    for kind in KINDS:
        if intent.startswith(kind + "_"):
            return kind, intent[len(kind) + 1 :]
    raise NluDataError(f"unknown answer intent {intent!r}")

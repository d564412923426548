"""The trained artefact: features, intent classifier, language detector and decision settings.

Everything the engine needs at run time lives in one picklable object, so the cache stores and loads
exactly one thing and a model can never be paired with the wrong vocabulary or language detector.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from nlu.dataset import Example
from nlu.fast import FastPipeline, compile_pipeline
from nlu.language import LanguageDetector
from nlu.text import prepare

# Bump whenever features, normalisation or the classifier change: it invalidates every cached model.
MODEL_VERSION: Final = 2

# Chosen by 5-fold cross-validation on nlu/data (4,319 examples, seeds 0 and 1; /docs/nlu.md has the
# sweep), never on the held-out set in nlu/eval. Out-of-scope is a trained class, and the threshold
# turns low-confidence guesses into it too. At 0.40, short replies that are split between affirm, thanks
# and goodbye ("jo passt") fell below the threshold and counted as out-of-scope: CV out-of-scope
# precision 0.84. At 0.30 it is 0.87 with recall 0.88, and request macro-F1 is unchanged (0.96).
DEFAULT_THRESHOLD: Final = 0.3
DEFAULT_MARGIN: Final = 0.15

ClassifierKind = Literal["logreg", "svm"]


@dataclass(frozen=True)
class ModelConfig:
    # Calibrated LinearSVC beats LogisticRegression (C=30) in CV on out-of-scope precision (0.87 vs
    # 0.82 at the chosen threshold) and trains ~4x faster. C from 0.5 to 8 moves request macro-F1 by
    # under 0.005; C=4 is at the top and converges fastest.
    classifier: ClassifierKind = "svm"
    c: float = 4.0
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN


@dataclass
class TrainedModel:
    features: FeatureUnion
    classifier: LogisticRegression | CalibratedClassifierCV
    labels: tuple[str, ...]
    language: LanguageDetector
    config: ModelConfig
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (intent, language) -> examples
    train_seconds: float = 0.0
    fingerprint: str = ""  # of the data it was trained on; set by the cache

    _fast: FastPipeline | None = field(default=None, init=False, repr=False, compare=False)
    _compiled: bool = field(default=False, init=False, repr=False, compare=False)

    def probabilities(self, classifier_texts: Sequence[str]) -> np.ndarray:
        """Rows of class probabilities (columns in ``labels`` order) for already-prepared texts."""
        proba: np.ndarray = self.classifier.predict_proba(self.features.transform(classifier_texts))
        return proba

    def proba_one(self, classifier_text: str) -> np.ndarray:
        """Same as ``probabilities([text])[0]``, through the fast path when it applies."""
        self.compile()
        if self._fast is None:
            return self.probabilities([classifier_text])[0]
        return self._fast.proba(classifier_text)

    def compile(self) -> None:
        """Build the fast single-text path (done once after training or loading, not pickled)."""
        if not self._compiled:
            self._fast = compile_pipeline(self.features, self.classifier)
            self._compiled = True
        self.language.compile()

    def __getstate__(self) -> dict[str, object]:
        # The fast path duplicates the weights; rebuilding it is cheaper than storing it twice.
        state = dict(self.__dict__)
        state["_fast"], state["_compiled"] = None, False
        return state


def build_features(config: ModelConfig) -> FeatureUnion:
    # Word n-grams catch phrasing ("neues passwort"), char n-grams catch typos, compounds and
    # inflection ("druckertreiber", "geht nich"). Input is already folded, hence lowercase=False.
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    analyzer="word", ngram_range=config.word_ngrams, lowercase=False, sublinear_tf=True
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=config.char_ngrams,
                    lowercase=False,
                    sublinear_tf=True,
                    min_df=2,
                ),
            ),
        ]
    )


def build_classifier(config: ModelConfig, n_min_class: int) -> LogisticRegression | CalibratedClassifierCV:
    if config.classifier == "logreg":
        return LogisticRegression(C=config.c, max_iter=2000)
    # LinearSVC margins are not probabilities; sigmoid calibration on inner folds makes them so.
    folds = max(2, min(3, n_min_class))
    return CalibratedClassifierCV(LinearSVC(C=config.c), method="sigmoid", cv=folds)


def train(examples: Sequence[Example], config: ModelConfig | None = None) -> TrainedModel:
    """Fit features, classifier and language detector on ``examples`` (seconds, not minutes)."""
    config = config or ModelConfig()
    if not examples:
        raise ValueError("cannot train on zero examples")
    started = time.perf_counter()
    texts = [prepare(ex.text)[2] for ex in examples]
    intents = [ex.intent for ex in examples]
    features = build_features(config)
    matrix = features.fit_transform(texts)
    per_class = Counter(intents)
    classifier = build_classifier(config, min(per_class.values()))
    classifier.fit(matrix, intents)
    language = LanguageDetector().fit([ex.text for ex in examples], [ex.language for ex in examples])
    return TrainedModel(
        features=features,
        classifier=classifier,
        labels=tuple(str(c) for c in classifier.classes_),
        language=language,
        config=config,
        counts=dict(Counter((ex.intent, ex.language) for ex in examples)),
        train_seconds=time.perf_counter() - started,
    )

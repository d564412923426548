"""The built-in, in-process NLU engine: one trained model, the contract's parse output."""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from nlu.labels import OUT_OF_SCOPE
from nlu.model import TrainedModel
from nlu.text import blank_spans, classified_part, prepare

RANKING_SIZE: Final = 5


class BuiltinNlu:
    """Implements :class:`nlu.backend.NluBackend`. Build it with :func:`nlu.cache.load_or_train`."""

    def __init__(
        self,
        model: TrainedModel,
        threshold: float | None = None,
        margin: float | None = None,
        origin: str = "trained",
    ) -> None:
        self.model = model
        self.origin = origin  # "trained" or "cache": where this process got its model (logs, tests)
        self.threshold = model.config.threshold if threshold is None else threshold
        self.margin = model.config.margin if margin is None else margin
        model.compile()  # now, so the first message is as fast as the rest

    def parse(self, text: str) -> dict[str, Any]:
        cleaned, entities, features_text = prepare(text)
        language, _ = self.model.language.detect(blank_spans(*classified_part(cleaned, entities)))
        if not features_text:
            # Nothing to classify; say so rather than let the priors pick an intent.
            intent = {"name": OUT_OF_SCOPE, "confidence": 0.0}
            ranking: list[dict[str, Any]] = []
        else:
            proba = self.model.proba_one(features_text)
            ranking = rank(self.model.labels, proba)
            intent = decide(ranking, self.threshold)
        return {
            "text": text,
            "intent": intent,
            "intent_ranking": ranking,
            "entities": [dict(e) for e in entities],
            "language": language,
        }

    def detect_language(self, text: str) -> tuple[str, float]:
        """("de"|"en", confidence) exactly as ``parse`` decides it; the parse output has no confidence."""
        cleaned, entities, _ = prepare(text)
        return self.model.language.detect(blank_spans(*classified_part(cleaned, entities)))


def rank(labels: tuple[str, ...], proba: np.ndarray) -> list[dict[str, Any]]:
    order = np.argsort(-proba, kind="stable")[:RANKING_SIZE]
    return [{"name": labels[i], "confidence": round(float(proba[i]), 4)} for i in order]


def decide(ranking: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """The top intent, or out_of_scope (keeping the real confidence) when it is below ``threshold``."""
    top = ranking[0]
    if top["confidence"] < threshold:
        return {"name": OUT_OF_SCOPE, "confidence": top["confidence"]}
    return {"name": top["name"], "confidence": top["confidence"]}

"""What to do with a parse result: act on it, ask which of two or three intents, or admit not knowing.

A pure function of the result, so the bot can apply the same rule to the built-in engine and to a Rasa
server's answers (Rasa's own fallback intent ``nlu_fallback`` counts as unknown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from nlu.labels import OUT_OF_SCOPE
from nlu.result import Understanding

_FALLBACK_NAMES: Final = frozenset({OUT_OF_SCOPE, "nlu_fallback", None, ""})
_MAX_CANDIDATES: Final = 3


@dataclass(frozen=True, slots=True)
class Interpretation:
    kind: Literal["clear", "ambiguous", "unknown"]
    intents: tuple[str, ...]


def interpret(result: Understanding | Mapping[str, Any], threshold: float, margin: float) -> Interpretation:
    """``unknown`` below ``threshold`` or for out_of_scope; ``ambiguous`` when the runner-up is within
    ``margin`` of the top (intents: the 2-3 candidates within it, best first); else ``clear``.

    out_of_scope is never offered as a candidate: asking "did you mean X or nothing?" helps nobody.
    """
    if not isinstance(result, Understanding):
        result = Understanding.from_json(result)
    # A result may carry its own settings: a Rasa backend that fell back to the built-in engine returns
    # the built-in engine's confidences, which are judged by the built-in engine's settings.
    threshold = result.threshold if result.threshold is not None else threshold
    margin = result.margin if result.margin is not None else margin
    name = result.intent.name
    ranking = result.ranking
    top = ranking[0].confidence if ranking else result.intent.confidence
    if name in _FALLBACK_NAMES or top < threshold:
        return Interpretation("unknown", ())
    close = [
        r.name
        for r in ranking[:_MAX_CANDIDATES]
        if top - r.confidence <= margin + 1e-9 and r.name not in _FALLBACK_NAMES
    ]
    if len(close) >= 2:
        return Interpretation("ambiguous", tuple(close))
    return Interpretation("clear", (name,))

from __future__ import annotations

from typing import Any

import pytest

from nlu.decision import Interpretation, interpret


def result(*ranking: tuple[str, float], name: str | None = None) -> dict[str, Any]:
    top = ranking[0] if ranking else ("out_of_scope", 0.0)
    return {
        "text": "x",
        "intent": {"name": name or top[0], "confidence": top[1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": [],
        "language": "de",
    }


@pytest.mark.parametrize(
    ("parsed", "expected"),
    [
        (result(("incident", 0.9), ("installation", 0.05)), Interpretation("clear", ("incident",))),
        (result(("incident", 0.3), ("installation", 0.2)), Interpretation("unknown", ())),
        (result(("out_of_scope", 0.8), ("greet", 0.1)), Interpretation("unknown", ())),
        (result(("incident", 0.3), ("greet", 0.1), name="out_of_scope"), Interpretation("unknown", ())),
        (result(("incident", 0.9), name="nlu_fallback"), Interpretation("unknown", ())),
        (result(), Interpretation("unknown", ())),
        (
            result(("incident", 0.45), ("installation", 0.40), ("training", 0.1)),
            Interpretation("ambiguous", ("incident", "installation")),
        ),
        (
            result(("incident", 0.36), ("installation", 0.33), ("training", 0.30), ("coaching", 0.01)),
            Interpretation("ambiguous", ("incident", "installation", "training")),
        ),
        (
            result(("incident", 0.50), ("installation", 0.40), ("training", 0.05)),
            Interpretation("ambiguous", ("incident", "installation")),  # exactly at the margin
        ),
        (
            result(("incident", 0.45), ("out_of_scope", 0.44), ("greet", 0.1)),
            Interpretation("clear", ("incident",)),  # "incident or nothing?" is not a question
        ),
    ],
)
def test_interpret(parsed: dict[str, Any], expected: Interpretation) -> None:
    assert interpret(parsed, threshold=0.35, margin=0.1) == expected


def test_a_result_with_its_own_settings_is_judged_by_them() -> None:
    # A Rasa backend that fell back to the built-in engine: the built-in confidences and settings.
    parsed = {**result(("incident", 0.46), ("installation", 0.2)), "threshold": 0.3, "margin": 0.15}
    assert interpret(parsed, threshold=0.5, margin=0.1) == Interpretation("clear", ("incident",))
    assert interpret(result(("incident", 0.46), ("installation", 0.2)), threshold=0.5, margin=0.1) == (
        Interpretation("unknown", ())
    )

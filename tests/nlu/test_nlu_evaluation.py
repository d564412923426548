from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nlu.dataset import Example, load_examples
from nlu.evaluation import (
    GOAL_MACRO_F1_REQUEST,
    GOAL_MIN_REQUEST_F1,
    GOAL_OOS_PRECISION,
    GOAL_OOS_RECALL,
    HeldoutLeakError,
    HeldoutMiss,
    IntentScore,
    cross_validate,
    evaluate_heldout,
    find_leaks,
    format_heldout,
    format_report,
    heldout_report,
    score,
)
from nlu.labels import REQUEST_INTENTS
from nlu.model import ModelConfig


def test_request_intents_macro_f1_on_the_real_data() -> None:
    report = cross_validate(load_examples(), folds=5, seed=0)
    assert report.macro_f1_request >= 0.90, format_report(report)
    assert set(REQUEST_INTENTS) <= set(report.per_intent)
    assert report.language_accuracy >= 0.95


def test_report_contents_and_threshold_logic(tiny_data: Path) -> None:
    examples = load_examples(tiny_data)
    strict = cross_validate(examples, folds=2, seed=1, config=ModelConfig(threshold=0.999))
    # Everything falls below the threshold, so everything is predicted out_of_scope, as parse would.
    assert strict.confusion["incident"] == {"out_of_scope": sum(ex.intent == "incident" for ex in examples)}
    assert len(strict.misclassified) == len(examples)
    assert strict.unknown_rate == 1.0

    report = cross_validate(examples, folds=2, seed=1)
    assert report.n_examples == len(examples)
    assert sum(s.support for s in report.per_intent.values()) == len(examples)
    assert sum(n for row in report.confusion.values() for n in row.values()) == len(examples)
    text = format_report(report)
    for needle in ("precision", "macro-F1 request intents", "incident", "confusions", "threshold"):
        assert needle in text
    assert report.to_dict()["per_intent"]["incident"]["support"] == 8


# ---- the held-out report ---------------------------------------------------------------------------


def test_score_per_intent_on_a_hand_made_prediction_set() -> None:
    expected = ["incident"] * 4 + ["installation"] * 2 + ["out_of_scope"] * 2
    predicted = ["incident", "incident", "incident", "installation"]  # one incident taken for installation
    predicted += ["installation", "out_of_scope"]  # one installation the bot would not understand
    predicted += ["out_of_scope", "incident"]  # one out_of_scope text acted on as an incident

    scores = score(expected, predicted)

    assert list(scores) == ["installation", "incident", "out_of_scope"]  # INTENTS order
    assert scores["incident"] == IntentScore(precision=0.75, recall=0.75, f1=0.75, support=4)
    assert scores["installation"] == IntentScore(precision=0.5, recall=0.5, f1=0.5, support=2)
    assert scores["out_of_scope"] == IntentScore(precision=0.5, recall=0.5, f1=0.5, support=2)
    # An intent that is expected but never predicted has precision 0 (not a warning or NaN).
    assert score(["coaching", "incident"], ["incident", "incident"])["coaching"].precision == 0.0


class CannedNlu:
    """An NLU backend whose answers are written out by the test, in the contract's parse format."""

    threshold = 0.4
    margin = 0.15

    def __init__(self, answers: dict[str, list[tuple[str, float]]]) -> None:
        # text -> ranking; below the threshold parse says out_of_scope, as the engine does
        self.answers = answers

    def parse(self, text: str) -> dict[str, Any]:
        ranking = [{"name": n, "confidence": c} for n, c in self.answers[text]]
        top = ranking[0]
        name = top["name"] if top["confidence"] >= self.threshold else "out_of_scope"
        language = "en" if text.startswith("en:") else "de"
        return {
            "text": text,
            "intent": {"name": name, "confidence": top["confidence"]},
            "intent_ranking": ranking,
            "entities": [],
            "language": language,
        }


HELDOUT = [
    # (language, expected, text, ranking)
    ("de", "incident", "de: drucker kaputt", [("incident", 0.9), ("installation", 0.05)]),
    ("de", "incident", "de: vpn weg", [("incident", 0.5), ("user_support", 0.4)]),  # right, but asks
    ("de", "incident", "de: outlook zickt", [("user_support", 0.5), ("incident", 0.45)]),  # asks, offered
    ("de", "installation", "de: visio bitte", [("installation", 0.8), ("incident", 0.1)]),
    ("de", "out_of_scope", "de: wetter", [("out_of_scope", 0.7), ("greet", 0.1)]),
    ("de", "out_of_scope", "de: kantine", [("incident", 0.3), ("greet", 0.2)]),  # below threshold: oos
    ("en", "incident", "en: printer broken", [("incident", 0.7), ("installation", 0.1)]),
    ("en", "installation", "en: need visio", [("incident", 0.6), ("user_support", 0.5)]),  # asks, not offered
    ("en", "installation", "en: install teams", [("installation", 0.35), ("incident", 0.3)]),  # unknown
    ("en", "out_of_scope", "en: football", [("incident", 0.55), ("out_of_scope", 0.2)]),  # acted on
]


def heldout_examples() -> list[Example]:
    return [Example(text, intent, language) for language, intent, text, _ in HELDOUT]


def canned_nlu() -> CannedNlu:
    return CannedNlu({text: ranking for _, _, text, ranking in HELDOUT})


def test_heldout_report_figures_as_the_bot_sees_them() -> None:
    report = evaluate_heldout(canned_nlu(), heldout_examples())

    assert report.n_examples == 10
    # incident: expected 4; predicted 5 (drucker, vpn, printer right; need visio, football wrong).
    assert report.per_intent["incident"] == IntentScore(0.6, 0.75, pytest.approx(2 / 3), 4)
    assert report.per_intent["installation"].precision == 1.0
    assert report.per_intent["installation"].recall == pytest.approx(1 / 3)
    # Out of scope: recall = oos texts the bot did not act on (2 of 3); precision = of the 3 texts it did
    # not act on (wetter, kantine, "install teams" below the threshold), 2 really were out of scope.
    assert report.oos_recall == pytest.approx(2 / 3)
    assert report.oos_precision == pytest.approx(2 / 3)
    assert report.accuracy == pytest.approx(0.6)
    assert report.confusion["installation"] == {"incident": 1, "installation": 1, "out_of_scope": 1}
    assert report.confusion["out_of_scope"] == {"incident": 1, "out_of_scope": 2}
    # Two request intents present: incident (F1 2/3) and installation (F1 1/2).
    assert report.macro_f1_request == pytest.approx((2 / 3 + 0.5) / 2)
    assert report.per_language["de"].n_examples == 6 and report.per_language["en"].n_examples == 4
    assert report.per_language["de"].oos_recall == 1.0 and report.per_language["en"].oos_recall == 0.0
    assert report.language_accuracy == 1.0
    # The bot would ask about three texts (vpn, outlook, need visio); for two the right intent is offered.
    assert (report.ambiguous, report.ambiguous_expected_offered, report.unknown) == (3, 2, 3)


def test_wrong_texts_list_what_the_bot_would_have_done() -> None:
    report = evaluate_heldout(canned_nlu(), heldout_examples())

    wrong = {m.text: m for m in report.misclassified}
    assert set(wrong) == {"de: outlook zickt", "en: need visio", "en: install teams", "en: football"}
    assert wrong["de: outlook zickt"] == HeldoutMiss(
        text="de: outlook zickt",
        language="de",
        expected="incident",
        predicted="user_support",
        confidence=0.5,
        kind="ambiguous",
        candidates=("user_support", "incident"),
        expected_offered=True,
    )
    assert wrong["en: need visio"].expected_offered is False
    below = wrong["en: install teams"]
    assert (below.predicted, below.kind) == ("out_of_scope", "unknown")
    text = format_heldout(report)
    assert "[de] incident -> user_support (0.50) ask usup|inc +: de: outlook zickt" in text
    assert "[en] installation -> incident (0.60) ask inc|usup -: en: need visio" in text
    assert "[en] out_of_scope -> incident (0.55): en: football" in text


def test_goals_name_what_is_missed() -> None:
    report = evaluate_heldout(canned_nlu(), heldout_examples())

    missed = {g.name: g for g in report.missed}
    assert set(missed) == {
        "macro-F1 request intents",
        "F1 incident",
        "F1 installation",
        *(f"F1 {i}" for i in ("documentation", "training", "user_support", "coaching")),  # no texts
        "out-of-scope recall",
        "out-of-scope precision",
    }
    assert missed["F1 coaching"].value is None
    assert "F1 coaching n/a (no texts) (goal >= 0.88)" in format_heldout(report)
    assert "MISS  out-of-scope recall 0.667 (goal >= 0.85)" in format_heldout(report)
    assert report.to_dict()["goals_met"] is False

    perfect = heldout_report(
        [Example(f"{intent} text", intent, "en") for intent in (*REQUEST_INTENTS, "out_of_scope")],
        [{"intent": {"name": i, "confidence": 0.9}, "intent_ranking": [{"name": i, "confidence": 0.9}],
          "language": "en"} for i in (*REQUEST_INTENTS, "out_of_scope")],
        threshold=0.4,
        margin=0.15,
    )  # fmt: skip
    assert perfect.missed == [] and perfect.to_dict()["goals_met"] is True
    assert [g.target for g in perfect.goals] == [GOAL_MACRO_F1_REQUEST] + [GOAL_MIN_REQUEST_F1] * 6 + [
        GOAL_OOS_RECALL,
        GOAL_OOS_PRECISION,
    ]


def test_what_the_bot_would_not_act_on_counts_as_out_of_scope() -> None:
    # A Rasa server answers "nlu_fallback"; the bot treats it, like anything below the threshold, as unknown.
    examples = [Example("wetter", "out_of_scope", "de"), Example("drucker kaputt", "incident", "de")]
    results = [
        {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "intent_ranking": [], "language": "de"},
        {"intent": {"name": "incident", "confidence": 0.35}, "intent_ranking": [], "language": "de"},
    ]
    report = heldout_report(examples, results, threshold=0.4, margin=0.15)
    assert report.confusion == {"out_of_scope": {"out_of_scope": 1}, "incident": {"out_of_scope": 1}}
    assert (report.oos_recall, report.oos_precision, report.unknown) == (1.0, 0.5, 2)


def test_a_goal_exactly_met_passes() -> None:
    # 0.85 out-of-scope recall exactly: 17 of 20 out_of_scope texts not acted on.
    examples = [Example(f"t{i}", "out_of_scope", "en") for i in range(20)]
    results = [
        {"intent": {"name": "out_of_scope" if i < 17 else "greet", "confidence": 0.9}, "language": "en"}
        for i in range(20)
    ]
    report = heldout_report(examples, results, threshold=0.4, margin=0.15)
    recall = next(g for g in report.goals if g.name == "out-of-scope recall")
    assert recall.value == pytest.approx(0.85) and recall.met


def test_leaked_texts_are_refused_after_normalisation() -> None:
    training = [Example("Outlook stürzt ab", "incident", "de"), Example("Hello", "greet", "en")]
    heldout = [
        Example("OUTLOOK  stuerzt ab", "incident", "de"),  # same text, other case, umlaut and spacing
        Example("Outlook stürzt ständig ab", "incident", "de"),
        Example("hello", "greet", "de"),  # in another language folder: still the same text
    ]

    assert find_leaks(heldout, training) == [heldout[0], heldout[2]]
    with pytest.raises(HeldoutLeakError) as caught:
        evaluate_heldout(canned_nlu(), heldout, training)
    assert str(caught.value).splitlines() == [
        "held-out text also in training data: [de] incident: OUTLOOK  stuerzt ab",
        "held-out text also in training data: [de] greet: hello",
    ]


def test_confusion_table_rows_expected_columns_predicted() -> None:
    text = format_heldout(evaluate_heldout(canned_nlu(), heldout_examples()))
    lines = text.splitlines()
    start = lines.index("confusion (rows expected, columns predicted):")
    head, *rows = lines[start + 1 : start + 5]
    assert head.split() == ["inst", "inc", "usup", "oos"]
    assert rows[0].split() == ["inst", "1", "1", ".", "1"]
    assert rows[1].split() == ["inc", ".", "3", "1", "."]
    assert rows[2].split() == ["oos", ".", "1", ".", "2"]

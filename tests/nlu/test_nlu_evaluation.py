from __future__ import annotations

from pathlib import Path

from nlu.dataset import load_examples
from nlu.evaluation import cross_validate, format_report
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

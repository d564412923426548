"""Stratified k-fold cross-validation of the whole engine, as the bot would see it.

Predictions go through the same threshold rule as :meth:`BuiltinNlu.parse`, so the figures describe
what users get, including messages the bot would answer with "I did not understand".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from nlu.dataset import Example
from nlu.decision import interpret
from nlu.engine import decide, rank
from nlu.labels import INTENTS, REQUEST_INTENTS
from nlu.model import ModelConfig, train
from nlu.text import prepare

SWEEP_THRESHOLDS = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)


@dataclass(frozen=True)
class IntentScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Misclassified:
    text: str
    language: str
    expected: str
    predicted: str
    confidence: float


@dataclass(frozen=True)
class ThresholdPoint:
    """What a threshold would do: share of messages answered, their accuracy, request macro-F1."""

    threshold: float
    answered: float
    accuracy_answered: float
    macro_f1_request: float


@dataclass
class EvalReport:
    folds: int
    seed: int
    config: ModelConfig
    n_examples: int
    accuracy: float
    macro_f1_request: float
    macro_f1_all: float
    language_accuracy: float
    per_intent: dict[str, IntentScore]
    confusion: dict[str, dict[str, int]]  # expected -> predicted -> count (only non-zero cells)
    misclassified: list[Misclassified]
    ambiguous_rate: float  # share of messages the margin rule would ask about
    unknown_rate: float
    sweep: list[ThresholdPoint] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def cross_validate(
    examples: Sequence[Example], folds: int = 5, seed: int = 0, config: ModelConfig | None = None
) -> EvalReport:
    config = config or ModelConfig()
    examples = list(examples)
    intents = [ex.intent for ex in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    rankings: list[list[dict[str, Any]]] = [[] for _ in examples]
    languages: list[str] = [""] * len(examples)
    for train_idx, test_idx in splitter.split(np.zeros(len(examples)), intents):
        model = train([examples[i] for i in train_idx], config)
        test = [examples[i] for i in test_idx]
        proba = model.probabilities([prepare(ex.text)[2] for ex in test])
        for i, row in zip(test_idx, proba, strict=True):
            rankings[i] = rank(model.labels, row)
            languages[i] = model.language.detect(examples[i].text)[0]
    return _report(examples, rankings, languages, folds, seed, config)


def _report(
    examples: list[Example],
    rankings: list[list[dict[str, Any]]],
    languages: list[str],
    folds: int,
    seed: int,
    config: ModelConfig,
) -> EvalReport:
    expected = [ex.intent for ex in examples]
    predicted = [decide(r, config.threshold)["name"] for r in rankings]
    labels = [i for i in INTENTS if i in set(expected) | set(predicted)]
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0
    )
    per_intent = {
        label: IntentScore(float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    present = [label for label in labels if per_intent[label].support > 0]
    confusion: dict[str, dict[str, int]] = {}
    for (exp, pred), count in sorted(Counter(zip(expected, predicted, strict=True)).items()):
        confusion.setdefault(exp, {})[pred] = count
    kinds = Counter(
        interpret({"intent": {"name": p}, "intent_ranking": r}, config.threshold, config.margin).kind
        for p, r in zip(predicted, rankings, strict=True)
    )
    return EvalReport(
        folds=folds,
        seed=seed,
        config=config,
        n_examples=len(examples),
        accuracy=_mean(e == p for e, p in zip(expected, predicted, strict=True)),
        macro_f1_request=_macro_f1(per_intent, REQUEST_INTENTS),
        macro_f1_all=_macro_f1(per_intent, present),
        language_accuracy=_mean(ex.language == lang for ex, lang in zip(examples, languages, strict=True)),
        per_intent=per_intent,
        confusion=confusion,
        misclassified=[
            Misclassified(ex.text, ex.language, ex.intent, pred, float(r[0]["confidence"]))
            for ex, pred, r in zip(examples, predicted, rankings, strict=True)
            if pred != ex.intent
        ],
        ambiguous_rate=kinds["ambiguous"] / len(examples),
        unknown_rate=kinds["unknown"] / len(examples),
        sweep=[_sweep_point(expected, rankings, t) for t in SWEEP_THRESHOLDS],
    )


def _sweep_point(
    expected: list[str], rankings: list[list[dict[str, Any]]], threshold: float
) -> ThresholdPoint:
    predicted = [decide(r, threshold)["name"] for r in rankings]
    answered = [
        (e, p)
        for e, p, r in zip(expected, predicted, rankings, strict=True)
        if r[0]["confidence"] >= threshold
    ]
    _, _, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=list(REQUEST_INTENTS), zero_division=0
    )
    request_f1 = [float(f) for f, s in zip(f1, support, strict=True) if s > 0]
    return ThresholdPoint(
        threshold=threshold,
        answered=len(answered) / len(expected),
        accuracy_answered=_mean(e == p for e, p in answered),
        macro_f1_request=float(np.mean(request_f1)) if request_f1 else 0.0,
    )


def _macro_f1(per_intent: dict[str, IntentScore], intents: Sequence[str]) -> float:
    scores = [per_intent[i].f1 for i in intents if i in per_intent and per_intent[i].support > 0]
    return float(np.mean(scores)) if scores else 0.0


def _mean(flags: Any) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


def format_report(report: EvalReport, max_errors: int = 40) -> str:
    cfg = report.config
    lines = [
        f"{report.folds}-fold cross-validation, {report.n_examples} examples, seed {report.seed}, "
        f"{cfg.classifier} C={cfg.c}, threshold {cfg.threshold}, margin {cfg.margin}",
        "",
        f"{'intent':<15} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}",
    ]
    for name, s in report.per_intent.items():
        lines.append(f"{name:<15} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>8}")
    lines += [
        "",
        f"macro-F1 request intents: {report.macro_f1_request:.3f}",
        f"macro-F1 all intents:     {report.macro_f1_all:.3f}",
        f"accuracy:                 {report.accuracy:.3f}",
        f"language accuracy:        {report.language_accuracy:.3f}",
        f"would ask (ambiguous):    {report.ambiguous_rate:.1%}",
        f"would not understand:     {report.unknown_rate:.1%}",
        "",
        "threshold  answered  accuracy(answered)  macro-F1 request",
    ]
    for p in report.sweep:
        lines.append(
            f"{p.threshold:>9.2f} {p.answered:>9.1%} {p.accuracy_answered:>19.3f} {p.macro_f1_request:>17.3f}"
        )
    pairs = sorted(
        ((n, exp, pred) for exp, row in report.confusion.items() for pred, n in row.items() if exp != pred),
        reverse=True,
    )
    lines += ["", "confusions (expected -> predicted: count):"]
    lines += [f"  {exp} -> {pred}: {n}" for n, exp, pred in pairs] or ["  none"]
    lines += ["", f"misclassified ({len(report.misclassified)}, first {max_errors}):"]
    for m in report.misclassified[:max_errors]:
        lines.append(f"  [{m.language}] {m.expected} -> {m.predicted} ({m.confidence:.2f}): {m.text}")
    return "\n".join(lines)

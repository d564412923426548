"""How well the engine understands people: a held-out report and k-fold cross-validation.

The held-out report is the one the goals are about: the model trained on ``nlu/data`` parses texts
written apart from it (``nlu/eval``) through :meth:`BuiltinNlu.parse`, exactly as the bot does. The
cross-validation report, on the training data alone, is the second opinion used to choose settings
(threshold, margin, features) without ever looking at the held-out set.

Predictions in both go through the same threshold rule as :meth:`BuiltinNlu.parse`, so the figures
describe what users get, including messages the bot would answer with "I did not understand".
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from nlu.backend import NluBackend
from nlu.dataset import Example
from nlu.decision import interpret
from nlu.engine import decide, rank
from nlu.labels import INTENTS, LANGUAGES, OUT_OF_SCOPE, REQUEST_INTENTS
from nlu.model import ModelConfig, train
from nlu.text import fold, prepare

SWEEP_THRESHOLDS = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)

# Goals on the held-out set (the NLU evaluation issue); ``spoc nlu eval --check`` exits 1 below them.
GOAL_MACRO_F1_REQUEST: Final = 0.93
GOAL_MIN_REQUEST_F1: Final = 0.88
GOAL_OOS_RECALL: Final = 0.85
GOAL_OOS_PRECISION: Final = 0.85
# Fewer held-out texts than this per request intent and language make a per-intent F1 too noisy to trust.
MIN_HELDOUT_PER_INTENT: Final = 30

# Column heads of the confusion table (at most 5 characters): 17 full names would not fit a terminal.
ABBREVIATIONS: Final[dict[str, str]] = {
    "documentation": "doc",
    "training": "train",
    "installation": "inst",
    "incident": "inc",
    "user_support": "usup",
    "coaching": "coach",
    "ticket_status": "stat",
    "my_tickets": "mine",
    "talk_to_agent": "agent",
    "greet": "greet",
    "goodbye": "bye",
    "thanks": "thx",
    "help": "help",
    "affirm": "yes",
    "deny": "no",
    "cancel": "canc",
    OUT_OF_SCOPE: "oos",
}


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


def score(
    expected: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> dict[str, IntentScore]:
    """Precision, recall, F1 and support per intent (default: every intent that occurs on either side,
    in the order of ``nlu.labels.INTENTS``). An intent never predicted has precision 0, not undefined."""
    if labels is None:
        occurring = set(expected) | set(predicted)
        labels = [i for i in INTENTS if i in occurring] + sorted(occurring - set(INTENTS))
    if not labels:
        return {}
    precision, recall, f1, support = precision_recall_fscore_support(
        list(expected), list(predicted), labels=list(labels), zero_division=0
    )
    return {
        label: IntentScore(float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }


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
    per_intent = score(expected, predicted)
    present = [label for label, s in per_intent.items() if s.support > 0]
    confusion = _confusion(expected, predicted)
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


def _confusion(expected: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, int]]:
    confusion: dict[str, dict[str, int]] = {}
    for (exp, pred), count in sorted(Counter(zip(expected, predicted, strict=True)).items()):
        confusion.setdefault(exp, {})[pred] = count
    return confusion


def _macro_f1(per_intent: dict[str, IntentScore], intents: Sequence[str]) -> float:
    scores = [per_intent[i].f1 for i in intents if i in per_intent and per_intent[i].support > 0]
    return float(np.mean(scores)) if scores else 0.0


def _mean(flags: Any) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


def _intent_table(per_intent: Mapping[str, IntentScore]) -> list[str]:
    return [f"{'intent':<15} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"] + [
        f"{name:<15} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.support:>8}"
        for name, s in per_intent.items()
    ]


def format_report(report: EvalReport, max_errors: int = 40) -> str:
    """The cross-validation report as text."""
    cfg = report.config
    lines = [
        f"{report.folds}-fold cross-validation, {report.n_examples} examples, seed {report.seed}, "
        f"{cfg.classifier} C={cfg.c}, threshold {cfg.threshold}, margin {cfg.margin}",
        "",
        *_intent_table(report.per_intent),
    ]
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


# ---- the held-out report ---------------------------------------------------------------------------


class HeldoutLeakError(ValueError):
    """Held-out texts that also occur in the training data: the report would flatter the model."""

    def __init__(self, leaks: Sequence[Example]) -> None:
        self.leaks = list(leaks)
        # One line per text, so a long list is easy to grep and to fix file by file.
        super().__init__(
            "\n".join(
                f"held-out text also in training data: [{ex.language}] {ex.intent}: {ex.text}"
                for ex in self.leaks
            )
        )


@dataclass(frozen=True)
class HeldoutMiss:
    """A held-out text the engine got wrong, and what the bot would have done with it."""

    text: str
    language: str
    expected: str
    predicted: str
    confidence: float
    kind: str  # nlu.decision.interpret: "clear", "ambiguous" or "unknown"
    candidates: tuple[str, ...]  # the intents the bot would offer when ambiguous
    expected_offered: bool  # the right intent was among them: the person could still pick it


@dataclass(frozen=True)
class LanguageScore:
    n_examples: int
    accuracy: float
    macro_f1_request: float
    oos_recall: float | None
    language_accuracy: float  # the detected language is the folder's


@dataclass(frozen=True)
class Goal:
    name: str
    target: float
    value: float | None  # None: the held-out set cannot measure it (no texts of that intent)
    met: bool

    def describe(self) -> str:
        value = "n/a (no texts)" if self.value is None else f"{self.value:.3f}"
        return f"{self.name} {value} (goal >= {self.target:.2f})"


@dataclass
class HeldoutReport:
    n_examples: int
    threshold: float
    margin: float
    accuracy: float
    macro_f1_request: float
    macro_f1_all: float
    oos_recall: float | None  # of the out_of_scope texts, the share the bot would not act on
    oos_precision: float | None  # of the texts the bot would not act on, the share really out of scope
    language_accuracy: float
    per_intent: dict[str, IntentScore]
    per_language: dict[str, LanguageScore]
    counts: dict[str, dict[str, int]]  # intent -> language -> held-out texts
    confusion: dict[str, dict[str, int]]  # expected -> predicted -> count (only non-zero cells)
    misclassified: list[HeldoutMiss]
    ambiguous: int  # texts the bot would ask about (2-3 candidates)
    ambiguous_expected_offered: int  # ... with the expected intent among the candidates
    unknown: int  # texts the bot would answer with "I did not understand"
    goals: list[Goal]
    source: str = ""  # the held-out directory
    model: str = ""  # what was evaluated: model fingerprint and where it came from

    @property
    def missed(self) -> list[Goal]:
        return [g for g in self.goals if not g.met]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["goals_met"] = not self.missed
        return data


def normalise(text: str) -> str:
    """The form in which two texts count as the same for the leak check: folded, one-spaced."""
    return " ".join(fold(text).split())


def find_leaks(heldout: Iterable[Example], training: Iterable[Example]) -> list[Example]:
    """Held-out examples whose text (normalised, in any language or intent) is also a training text."""
    seen = {normalise(ex.text) for ex in training}
    return [ex for ex in heldout if normalise(ex.text) in seen]


def evaluate_heldout(
    nlu: NluBackend, examples: Sequence[Example], training: Sequence[Example] | None = None
) -> HeldoutReport:
    """Parse every held-out text with ``nlu`` as the bot would and score the results.

    With ``training``, refuse (:class:`HeldoutLeakError`) when a held-out text is also a training text.
    """
    if training is not None:
        leaks = find_leaks(examples, training)
        if leaks:
            raise HeldoutLeakError(leaks)
    results = [nlu.parse(ex.text) for ex in examples]
    return heldout_report(examples, results, nlu.threshold, nlu.margin)


def heldout_report(
    examples: Sequence[Example], results: Sequence[Mapping[str, Any]], threshold: float, margin: float
) -> HeldoutReport:
    """The report for parse ``results`` (one per example, the contract's parse format)."""
    if len(examples) != len(results):
        raise ValueError(f"{len(examples)} examples but {len(results)} parse results")
    expected = [ex.intent for ex in examples]
    readings = [interpret(r, threshold, margin) for r in results]
    # What the bot does with it: whatever it would answer "I did not understand" to counts as out_of_scope
    # (for the built-in engine that is its own out_of_scope; a Rasa server says "nlu_fallback").
    predicted = [
        OUT_OF_SCOPE if reading.kind == "unknown" else str(r["intent"]["name"])
        for r, reading in zip(results, readings, strict=True)
    ]
    detected = [r.get("language") for r in results]
    per_intent = score(expected, predicted)
    present = [label for label, s in per_intent.items() if s.support > 0]
    oos = per_intent.get(OUT_OF_SCOPE)
    predicted_oos = predicted.count(OUT_OF_SCOPE)
    misclassified = [
        HeldoutMiss(
            text=ex.text,
            language=ex.language,
            expected=ex.intent,
            predicted=pred,
            confidence=float(r["intent"].get("confidence") or 0.0),
            kind=reading.kind,
            candidates=reading.intents if reading.kind == "ambiguous" else (),
            expected_offered=reading.kind == "ambiguous" and ex.intent in reading.intents,
        )
        for ex, pred, r, reading in zip(examples, predicted, results, readings, strict=True)
        if pred != ex.intent
    ]
    ambiguous = [
        (ex, reading) for ex, reading in zip(examples, readings, strict=True) if reading.kind == "ambiguous"
    ]
    counts: dict[str, dict[str, int]] = {}
    for (intent, language), n in sorted(Counter((ex.intent, ex.language) for ex in examples).items()):
        counts.setdefault(intent, {})[language] = n
    report = HeldoutReport(
        n_examples=len(examples),
        threshold=threshold,
        margin=margin,
        accuracy=_mean(e == p for e, p in zip(expected, predicted, strict=True)),
        macro_f1_request=_macro_f1(per_intent, REQUEST_INTENTS),
        macro_f1_all=_macro_f1(per_intent, present),
        oos_recall=oos.recall if oos is not None and oos.support > 0 else None,
        oos_precision=oos.precision if oos is not None and predicted_oos > 0 else None,
        language_accuracy=_mean(ex.language == lang for ex, lang in zip(examples, detected, strict=True)),
        per_intent=per_intent,
        per_language=_per_language(examples, predicted, detected),
        counts=counts,
        confusion=_confusion(expected, predicted),
        misclassified=misclassified,
        ambiguous=len(ambiguous),
        ambiguous_expected_offered=sum(ex.intent in reading.intents for ex, reading in ambiguous),
        unknown=sum(reading.kind == "unknown" for reading in readings),
        goals=[],
    )
    report.goals = check_goals(report)
    return report


def _per_language(
    examples: Sequence[Example], predicted: Sequence[str], detected: Sequence[Any]
) -> dict[str, LanguageScore]:
    scores: dict[str, LanguageScore] = {}
    languages = [lang for lang in LANGUAGES if any(ex.language == lang for ex in examples)]
    for language in languages:
        rows = [i for i, ex in enumerate(examples) if ex.language == language]
        expected = [examples[i].intent for i in rows]
        chosen = [predicted[i] for i in rows]
        per_intent = score(expected, chosen)
        oos = per_intent.get(OUT_OF_SCOPE)
        scores[language] = LanguageScore(
            n_examples=len(rows),
            accuracy=_mean(e == p for e, p in zip(expected, chosen, strict=True)),
            macro_f1_request=_macro_f1(per_intent, REQUEST_INTENTS),
            oos_recall=oos.recall if oos is not None and oos.support > 0 else None,
            language_accuracy=_mean(detected[i] == language for i in rows),
        )
    return scores


def check_goals(report: HeldoutReport) -> list[Goal]:
    """Every goal with its measured value; a goal the set cannot measure counts as missed."""

    def goal(name: str, target: float, value: float | None) -> Goal:
        return Goal(name, target, value, value is not None and value >= target)

    def request_f1(intent: str) -> float | None:
        s = report.per_intent.get(intent)
        return s.f1 if s is not None and s.support > 0 else None

    present = [i for i in REQUEST_INTENTS if request_f1(i) is not None]
    return [
        goal("macro-F1 request intents", GOAL_MACRO_F1_REQUEST, report.macro_f1_request if present else None),
        *(goal(f"F1 {intent}", GOAL_MIN_REQUEST_F1, request_f1(intent)) for intent in REQUEST_INTENTS),
        goal("out-of-scope recall", GOAL_OOS_RECALL, report.oos_recall),
        goal("out-of-scope precision", GOAL_OOS_PRECISION, report.oos_precision),
    ]


def _optional(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_heldout(report: HeldoutReport) -> str:
    """The held-out report as text: scores, goals, per language, confusion table, every text it got wrong."""
    per_language = ", ".join(f"{lang} {s.n_examples}" for lang, s in report.per_language.items())
    lines = [
        f"held-out evaluation: {report.n_examples} texts ({per_language})"
        + (f" from {report.source}" if report.source else ""),
        f"model {report.model or '?'}, threshold {report.threshold}, margin {report.margin}; "
        "a text below the threshold counts as out_of_scope",
        "",
        *_intent_table(report.per_intent),
    ]
    lines += [
        "",
        f"macro-F1 request intents: {report.macro_f1_request:.3f}",
        f"macro-F1 all intents:     {report.macro_f1_all:.3f}",
        f"out-of-scope recall:      {_optional(report.oos_recall)}",
        f"out-of-scope precision:   {_optional(report.oos_precision)}",
        f"accuracy:                 {report.accuracy:.3f}",
        f"language accuracy:        {report.language_accuracy:.3f}",
        "",
        f"{'language':<9} {'texts':>6} {'accuracy':>9} {'macro-F1 request':>17} {'oos recall':>11} "
        f"{'detected':>9}",
    ]
    for lang, s in report.per_language.items():
        lines.append(
            f"{lang:<9} {s.n_examples:>6} {s.accuracy:>9.3f} {s.macro_f1_request:>17.3f} "
            f"{_optional(s.oos_recall):>11} {s.language_accuracy:>9.3f}"
        )
    lines += ["", "goals:"]
    lines += [f"  {'PASS' if g.met else 'MISS'}  {g.describe()}" for g in report.goals]
    thin = [
        f"{intent}/{lang} {report.counts.get(intent, {}).get(lang, 0)}"
        for intent in REQUEST_INTENTS
        for lang in report.per_language
        if report.counts.get(intent, {}).get(lang, 0) < MIN_HELDOUT_PER_INTENT
    ]
    if thin:
        lines.append(f"  note: fewer than {MIN_HELDOUT_PER_INTENT} held-out texts for " + ", ".join(thin))
    asked = report.ambiguous
    lines += [
        "",
        f"would ask (ambiguous):    {asked} ({asked / max(report.n_examples, 1):.1%}), "
        f"the expected intent offered in {report.ambiguous_expected_offered} of them",
        f"would not understand:     {report.unknown} ({report.unknown / max(report.n_examples, 1):.1%})",
        "",
        "confusion (rows expected, columns predicted):",
        *_confusion_table(report.confusion),
        "",
        f"wrong ({len(report.misclassified)}; 'ask a|b +' = the bot would offer a or b, the expected among "
        "them):",
    ]
    for m in report.misclassified:
        ask = ""
        if m.kind == "ambiguous":
            ask = f" ask {'|'.join(ABBREVIATIONS.get(c, c) for c in m.candidates)}"
            ask += " +" if m.expected_offered else " -"
        lines.append(f"  [{m.language}] {m.expected} -> {m.predicted} ({m.confidence:.2f}){ask}: {m.text}")
    if not report.misclassified:
        lines.append("  none")
    return "\n".join(lines)


def _confusion_table(confusion: Mapping[str, Mapping[str, int]]) -> list[str]:
    occurring = set(confusion) | {p for row in confusion.values() for p in row}
    labels = [i for i in INTENTS if i in occurring] + sorted(occurring - set(INTENTS))
    heads = [ABBREVIATIONS.get(label, label[:5]) for label in labels]
    biggest = max((n for row in confusion.values() for n in row.values()), default=0)
    width = max([len(h) for h in heads] + [len(str(biggest))])
    lines = [" " * width + "".join(f" {h:>{width}}" for h in heads)]
    for label, head in zip(labels, heads, strict=True):
        row = confusion.get(label)
        if not row:
            continue  # predicted but never expected: a column only
        cells = "".join(f" {row.get(p, 0) or '.':>{width}}" for p in labels)
        lines.append(f"{head:<{width}}{cells}")
    legend = [f"{head}={label}" for label, head in zip(labels, heads, strict=True) if head != label]
    if legend:
        lines += textwrap.wrap(f"({', '.join(legend)})", width=100)
    return lines

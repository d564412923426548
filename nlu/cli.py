"""``spoc nlu parse|train|eval``: the bodies of the subcommands; ``bot.cli`` owns argparse.

Each takes its streams as arguments so tests can drive it with ``io.StringIO``.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TextIO

from nlu.backend import NluBackend
from nlu.cache import load_or_train
from nlu.dataset import Example, NluDataError, default_eval_dir, load_eval_examples, load_examples
from nlu.evaluation import (
    HeldoutLeakError,
    HeldoutReport,
    cross_validate,
    evaluate_heldout,
    find_leaks,
    format_heldout,
    format_report,
)
from nlu.labels import INTENTS, LANGUAGES


def cmd_parse(stdin: TextIO, stdout: TextIO, nlu: NluBackend) -> int:
    """One text per input line, one JSON object per output line (blank lines too, so lines match)."""
    for line in stdin:
        result = nlu.parse(line.rstrip("\r\n"))
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        stdout.flush()  # answer each line as it comes when used interactively or through a pipe
    return 0


def cmd_train(data_dir: Path | None, cache_dir: Path | None, stdout: TextIO) -> int:
    """Retrain (ignoring any cached model), store the model, report what it was trained on."""
    started = time.perf_counter()
    try:
        nlu = load_or_train(data_dir, cache_dir, force=True)
    except NluDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    counts: Counter[tuple[str, str]] = Counter(nlu.model.counts)
    stdout.write(f"{'intent':<15}" + "".join(f"{lang:>7}" for lang in LANGUAGES) + f"{'total':>8}\n")
    for intent in INTENTS:
        row = [counts[intent, lang] for lang in LANGUAGES]
        stdout.write(f"{intent:<15}" + "".join(f"{n:>7}" for n in row) + f"{sum(row):>8}\n")
    totals = [sum(n for (_, lang), n in counts.items() if lang == language) for language in LANGUAGES]
    stdout.write(f"{'total':<15}" + "".join(f"{n:>7}" for n in totals) + f"{sum(totals):>8}\n")
    stdout.write(
        f"trained in {nlu.model.train_seconds:.1f} s ({elapsed:.1f} s with loading and saving), "
        f"model {nlu.model.fingerprint[:12]}\n"
    )
    return 0


def cmd_eval(
    data_dir: Path | None,
    folds: int,
    stdout: TextIO,
    json_out: bool,
    *,
    eval_dir: Path | None = None,
    cache_dir: Path | None = None,
    heldout: bool = True,
    cross_validation: bool = True,
    check: bool = False,
    stderr: TextIO | None = None,
) -> int:
    """The held-out report (model trained on ``data_dir``, texts from ``eval_dir``), then the
    cross-validation report on ``data_dir``; text, or one JSON object ``{"heldout", "cross_validation"}``
    (a section not asked for is null).

    Exit status: 0; 1 with ``check`` when a held-out goal is missed (named on stderr); 2 for unusable
    data, a missing or empty held-out set, or held-out texts that are also training texts.
    """
    stderr = stderr if stderr is not None else sys.stderr
    if not (heldout or cross_validation):
        print("error: nothing to evaluate (both sections switched off)", file=stderr)
        return 2
    if check and not heldout:
        print("error: --check judges the held-out report; it cannot be combined with --cv-only", file=stderr)
        return 2
    if cross_validation and folds < 2:
        print(f"error: --folds must be at least 2, not {folds}", file=stderr)
        return 2
    try:
        training = load_examples(data_dir)
        report = _heldout(data_dir, eval_dir, cache_dir, training) if heldout else None
    except (NluDataError, HeldoutLeakError) as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=stderr)
        return 2
    if report is not None and not json_out:
        stdout.write(format_heldout(report) + "\n")
        stdout.flush()  # cross-validation takes a while; show the held-out figures meanwhile
    cv_report = cross_validate(training, folds=folds) if cross_validation else None
    if json_out:
        document = {
            "heldout": report.to_dict() if report is not None else None,
            "cross_validation": cv_report.to_dict() if cv_report is not None else None,
        }
        stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    elif cv_report is not None:
        if report is not None:
            stdout.write("\n\n== cross-validation on the training data (second report) ==\n\n")
        stdout.write(format_report(cv_report) + "\n")
    if check and report is not None:
        for goal in report.missed:
            print(f"goal missed: {goal.describe()}", file=stderr)
        if report.missed:
            return 1
        print(f"all {len(report.goals)} held-out goals met", file=stderr)
    return 0


def _heldout(
    data_dir: Path | None, eval_dir: Path | None, cache_dir: Path | None, training: list[Example]
) -> HeldoutReport:
    eval_dir = Path(eval_dir) if eval_dir is not None else default_eval_dir()
    examples = load_eval_examples(eval_dir)
    # Checked before training: a leaked text makes the figures worthless, however long training takes.
    leaks = find_leaks(examples, training)
    if leaks:
        raise HeldoutLeakError(leaks)
    nlu = load_or_train(data_dir, cache_dir)  # the cached model when there is one, as the bot would
    report = evaluate_heldout(nlu, examples)
    report.source = str(eval_dir)
    report.model = f"{nlu.model.fingerprint[:12]} ({nlu.origin})"
    return report

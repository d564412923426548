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
from nlu.dataset import NluDataError, load_examples
from nlu.evaluation import cross_validate, format_report
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


def cmd_eval(data_dir: Path | None, folds: int, stdout: TextIO, json_out: bool) -> int:
    """Cross-validate on the training data and print the report (or JSON with ``json_out``)."""
    try:
        examples = load_examples(data_dir)
    except NluDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = cross_validate(examples, folds=folds)
    if json_out:
        stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        stdout.write(format_report(report) + "\n")
    return 0

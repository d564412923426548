#!/usr/bin/env python
"""The built-in NLU's costs: training time, model load time, parse latency, memory of the loaded model.

* **Training**: read ``nlu/data`` and fit the model from scratch (``nlu.model.train``), ``--runs`` times.
* **Load**, in a fresh Python process per run, the way the bot starts: the import of numpy and
  scikit-learn (and the rest of ``nlu``), the cache key (hash of the data files), ``joblib.load`` of the
  cached model plus ``compile`` (what ``BuiltinNlu`` does on construction), and the first parse. "Load"
  alone is the joblib load plus compile; the imports are reported apart because a start pays them too.
* **Parse latency** of ``BuiltinNlu.parse``, one call at a time, after a warm-up, with gc enabled as in
  production, over a few thousand texts: every training and held-out text, lower-cased ones, ones with
  the umlauts stripped, long messages (300-800 characters) and 2,000-character pastes. The process is
  pinned to one CPU (``os.sched_setaffinity``) where the platform allows it, and says so.
* **Memory**: VmRSS of a fresh process after the imports, after loading the model, and the difference.
* Parse latency once more as the bot parses: with the desk's entities (``nlu.pipeline.NluPipeline`` with
  the demo desk's catalogue, time zone and clock).

    .venv/bin/python benchmarks/bench_nlu.py [--runs N] [--texts N] [--json] [--cpu C] [--cache-dir DIR]
                                             [--check-target]

Exit status 0; 3 with ``--check-target`` when a goal is missed.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import desk_entities  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config.loader import load_desk_config  # noqa: E402
from nlu.cache import cache_path, default_cache_dir, load_or_train  # noqa: E402
from nlu.dataset import NluDataError, default_data_dir, load_eval_examples, load_examples  # noqa: E402
from nlu.engine import BuiltinNlu  # noqa: E402
from nlu.model import train  # noqa: E402
from nlu.pipeline import NluPipeline  # noqa: E402

# Goals of the NLU evaluation issue.
GOAL_PARSE_P99_MS = 5.0  # one core
GOAL_LOAD_S = 1.0  # joblib load + compile, one core
GOAL_TRAIN_S = 30.0

WARMUP_TEXTS = 300
SEED = 20261124

# Shares of the timed texts by kind; the rest are the data's texts as written.
MIX = {"lower-cased": 0.10, "umlauts stripped": 0.10, "long (300-800)": 0.08, "paste (2,000)": 0.04}

LOG_LINES = [
    "2026-11-24 08:{m:02d}:{s:02d},{ms:03d} ERROR [main] com.corp.mail.Sync - connection reset (10054)",
    "2026-11-24 08:{m:02d}:{s:02d},{ms:03d} WARN  [pool-{n}] o.a.h.impl.conn - retrying request to {{s}}://vpn",
    "   at System.Net.Sockets.Socket.Receive(Byte[] buffer, Int32 offset, Int32 size) +{n}",
    'Traceback (most recent call last): File "C:\\Tools\\sync.py", line {n}, in <module>',
    "0x{n:08x} Faulting module outlook.exe, version 16.0.{n}.20000, exception code 0xc0000005",
]


# ---- texts ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    kind: str
    text: str


def strip_umlauts(text: str) -> str:
    """As typed on a keyboard without them, the lazy way: "stürzt" -> "sturzt", "ß" -> "ss"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ẞ", "SS"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def long_message(rng: random.Random, pool: list[str]) -> str:
    target = rng.randint(300, 800)
    parts: list[str] = []
    while sum(len(p) + 2 for p in parts) < target:
        parts.append(rng.choice(pool).rstrip(".!?"))
    return (". ".join(parts) + ".")[:800]


def paste(rng: random.Random, pool: list[str]) -> str:
    lines = [rng.choice(pool) + ", hier der Log / here is the log:"]
    while sum(len(line) + 1 for line in lines) < 2000:
        n = rng.randrange(1, 99999)
        lines.append(
            rng.choice(LOG_LINES).format(m=n % 60, s=(n // 7) % 60, ms=n % 1000, n=n).replace("{s}", "https")
        )
    return "\n".join(lines)[:2000]


def build_texts(count: int | None, seed: int) -> tuple[list[Text], dict[str, int]]:
    """``count`` texts of the mix above, drawn with a fixed seed, so every version gets the same ones.
    By default as many as it takes for every training and held-out text to come once, as written."""
    rng = random.Random(seed)
    written = [ex.text for ex in load_examples()]
    sources = {"training": len(written)}
    try:
        heldout = [ex.text for ex in load_eval_examples()]
    except NluDataError:
        heldout = []  # a checkout without the held-out set still measures on the training texts
    sources["held-out"] = len(heldout)
    pool = written + heldout
    texts = [Text("as written", t) for t in pool]
    rng.shuffle(texts)
    if count is None:
        count = math.ceil(len(texts) / (1 - sum(MIX.values())))
    shares = {kind: round(count * share) for kind, share in MIX.items()}
    plain = max(count - sum(shares.values()), 0)
    # Every text as written once when count allows; the rest of the mix is made from random ones.
    out = texts[:plain]
    while len(out) < plain:
        out.append(rng.choice(texts))
    makers: dict[str, Callable[[], str]] = {
        "lower-cased": lambda: rng.choice(pool).lower(),
        "umlauts stripped": lambda: strip_umlauts(rng.choice(pool)),
        "long (300-800)": lambda: long_message(rng, pool),
        "paste (2,000)": lambda: paste(rng, pool),
    }
    for kind, n in shares.items():
        out.extend(Text(kind, makers[kind]()) for _ in range(n))
    rng.shuffle(out)
    return out, sources


# ---- measurements -----------------------------------------------------------------------------------
def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (k - low)


@dataclass
class Latency:
    p50: float
    p95: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, ms: list[float]) -> Latency:
        values = sorted(ms)
        return cls(
            p50=percentile(values, 50),
            p95=percentile(values, 95),
            p99=percentile(values, 99),
            max=values[-1] if values else 0.0,
            mean=statistics.fmean(values) if values else 0.0,
        )

    @classmethod
    def median(cls, runs: list[Latency]) -> Latency:
        return cls(**{k: statistics.median(getattr(r, k) for r in runs) for k in asdict(runs[0])})


def time_parse(parse: Callable[[str], Any], texts: list[Text], runs: int) -> tuple[list[Latency], dict]:
    """Per-run latency over all texts, plus p50/p99/max per kind of text over every run."""
    for t in texts[:WARMUP_TEXTS]:
        parse(t.text)
    per_run: list[Latency] = []
    by_kind: dict[str, list[float]] = {}
    clock = time.perf_counter_ns
    for _ in range(runs):
        gc.collect()  # each run starts from the same heap; gc stays enabled during it, as in the bot
        ms: list[float] = []
        for t in texts:
            started = clock()
            parse(t.text)
            elapsed = (clock() - started) / 1e6
            ms.append(elapsed)
            by_kind.setdefault(t.kind, []).append(elapsed)
        per_run.append(Latency.of(ms))
    kinds = {
        kind: asdict(Latency.of(values)) | {"n": len(values) // runs} for kind, values in by_kind.items()
    }
    return per_run, kinds


def time_training(runs: int) -> dict[str, float]:
    read, fit = [], []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        examples = load_examples()
        loaded = time.perf_counter()
        model = train(examples)
        done = time.perf_counter()
        read.append(loaded - started)
        fit.append(done - loaded)
        del model
    return {
        "examples": len(examples),
        "read_s": statistics.median(read),
        "fit_s": statistics.median(fit),
        "total_s": statistics.median(r + f for r, f in zip(read, fit, strict=True)),
        "total_max_s": max(r + f for r, f in zip(read, fit, strict=True)),
    }


# What a starting bot does, step by step, in a process of its own (so nothing is imported or cached yet).
CHILD = r"""
import json, sys, time
t0 = time.perf_counter()

def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None

rss_start = rss_kb()
import numpy
t1 = time.perf_counter()
import joblib, sklearn.calibration, sklearn.feature_extraction.text, sklearn.linear_model, sklearn.svm
t2 = time.perf_counter()
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from nlu.cache import cache_key
from nlu.engine import BuiltinNlu
t3 = time.perf_counter()
rss_imports = rss_kb()
key = cache_key(Path(sys.argv[2]))
t4 = time.perf_counter()
model = joblib.load(sys.argv[1])
t5 = time.perf_counter()
nlu = BuiltinNlu(model, origin="cache")  # compiles the fast path and the language detector
t6 = time.perf_counter()
rss_loaded = rss_kb()
nlu.parse("Mein Outlook stürzt seit heute Morgen bei jedem Start ab")
t7 = time.perf_counter()
rss_parsed = rss_kb()
print(json.dumps({
    "import_numpy_s": t1 - t0, "import_sklearn_s": t2 - t1, "import_nlu_s": t3 - t2,
    "cache_key_s": t4 - t3, "joblib_load_s": t5 - t4, "compile_s": t6 - t5, "first_parse_s": t7 - t6,
    "rss_start_kb": rss_start, "rss_imports_kb": rss_imports, "rss_loaded_kb": rss_loaded,
    "rss_parsed_kb": rss_parsed, "key_matches": key == model.fingerprint,
}))
"""


def time_fresh_load(model_path: Path, runs: int) -> dict[str, Any]:
    samples: list[dict[str, Any]] = []
    walls: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(model_path), str(default_data_dir()), str(ROOT)],
            capture_output=True,
            text=True,
            check=True,
        )
        walls.append(time.perf_counter() - started)
        samples.append(json.loads(done.stdout.strip().splitlines()[-1]))
    numeric = [k for k, v in samples[0].items() if isinstance(v, int | float) and not isinstance(v, bool)]
    result: dict[str, Any] = {
        k: statistics.median(s[k] for s in samples if s[k] is not None) for k in numeric
    }
    result["load_s"] = statistics.median(s["joblib_load_s"] + s["compile_s"] for s in samples)
    result["load_max_s"] = max(s["joblib_load_s"] + s["compile_s"] for s in samples)
    result["imports_s"] = statistics.median(
        s["import_numpy_s"] + s["import_sklearn_s"] + s["import_nlu_s"] for s in samples
    )
    result["process_wall_s"] = statistics.median(walls)  # interpreter start to exit, as the parent saw it
    result["key_matches"] = all(s["key_matches"] for s in samples)
    if samples[0]["rss_loaded_kb"] is not None:
        result["rss_model_kb"] = statistics.median(s["rss_loaded_kb"] - s["rss_imports_kb"] for s in samples)
    return result


def with_entities(nlu: BuiltinNlu) -> tuple[NluPipeline, str]:
    """The engine as the bot runs it: with the demo desk's entities (catalogue, time zone, clock)."""
    pipeline = NluPipeline(nlu, desk_entities(load_desk_config(None), SystemClock()))
    return pipeline, "NluPipeline(BuiltinNlu, EntityExtractor), the demo desk's catalogue"


def pin(cpu: int | None) -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (os.sched_setaffinity is not available here)"
    allowed = sorted(os.sched_getaffinity(0))
    chosen = cpu if cpu is not None else allowed[-1]
    os.sched_setaffinity(0, {chosen})
    return f"pinned to CPU {chosen} of {os.cpu_count()} (child processes inherit it)"


# ---- output -----------------------------------------------------------------------------------------
@dataclass
class Goal:
    name: str
    limit: str
    value: float
    unit: str
    met: bool


@dataclass
class Results:
    environment: dict[str, Any]
    texts: dict[str, Any]
    training: dict[str, float]
    load: dict[str, Any]
    parse: dict[str, Any]
    parse_with_entities: dict[str, Any]
    entities_note: str
    goals: list[Goal] = field(default_factory=list)


def table(results: Results) -> str:
    t, ld, p = results.training, results.load, results.parse
    env = results.environment
    lines = [
        f"SPOC NLU benchmark: {env['runs']} run(s), {results.texts['count']} texts per parse run "
        f"(+{WARMUP_TEXTS} warm-up); medians of the runs",
        f"python {env['python']}, {env['machine']}, {env['cpus']} CPUs, scikit-learn {env['sklearn']}, "
        f"numpy {env['numpy']}; {env['pinning']}; load average {env['load_before']}->{env['load_after']}",
        f"model {env['model']} ({t['examples']} training examples), cache {env['cache']}",
        "",
        f"{'what':44} {'median':>8}",
        f"{'training: read nlu/data':44} {t['read_s']:>8.2f} s",
        f"{'training: fit (features, SVM, calibration)':44} {t['fit_s']:>8.2f} s",
        f"{'training: total':44} {t['total_s']:>8.2f} s  (slowest run {t['total_max_s']:.2f} s)",
        f"{'fresh process: import numpy':44} {ld['import_numpy_s'] * 1000:>8.0f} ms",
        f"{'fresh process: import scikit-learn, joblib':44} {ld['import_sklearn_s'] * 1000:>8.0f} ms",
        f"{'fresh process: import nlu':44} {ld['import_nlu_s'] * 1000:>8.0f} ms",
        f"{'fresh process: cache key (hash data files)':44} {ld['cache_key_s'] * 1000:>8.0f} ms",
        f"{'fresh process: joblib load':44} {ld['joblib_load_s'] * 1000:>8.0f} ms",
        f"{'fresh process: compile':44} {ld['compile_s'] * 1000:>8.0f} ms",
        f"{'load = joblib load + compile':44} {ld['load_s'] * 1000:>8.0f} ms  "
        f"(slowest {ld['load_max_s'] * 1000:.0f} ms)",
        f"{'fresh process: first parse':44} {ld['first_parse_s'] * 1000:>8.1f} ms",
        f"{'fresh process: start to exit (wall)':44} {ld['process_wall_s'] * 1000:>8.0f} ms",
        f"{'RSS after imports':44} {ld['rss_imports_kb'] / 1024:>8.1f} MiB",
        f"{'RSS after loading the model':44} {ld['rss_loaded_kb'] / 1024:>8.1f} MiB",
        f"{'RSS of the loaded model (difference)':44} {ld.get('rss_model_kb', 0) / 1024:>8.1f} MiB",
        "",
        f"{'parse latency, ms':30} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'mean':>7}",
        _latency_line("BuiltinNlu.parse", p["median"]),
    ]
    lines.append(_latency_line("with EntityExtractor", results.parse_with_entities["median"]))
    lines.append(f"  (entities: {results.entities_note})")
    lines += ["", f"{'with entities, by kind of text':30} {'n':>5} {'p50':>7} {'p99':>7} {'max':>7}"]
    for kind, s in sorted(results.parse_with_entities["by_kind"].items(), key=lambda kv: -kv[1]["n"]):
        lines.append(f"  {kind:28} {s['n']:>5} {s['p50']:>7.3f} {s['p99']:>7.3f} {s['max']:>7.3f}")
    lines += ["", "goals:"]
    for g in results.goals:
        lines.append(f"  {'PASS' if g.met else 'MISS'}  {g.name} {g.value:.2f} {g.unit} (goal {g.limit})")
    return "\n".join(lines)


def _latency_line(name: str, s: dict[str, float]) -> str:
    return f"{name:30} {s['p50']:>7.3f} {s['p95']:>7.3f} {s['p99']:>7.3f} {s['max']:>7.3f} {s['mean']:>7.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement (default 5)")
    parser.add_argument(
        "--texts",
        type=int,
        help="texts per parse run (default: every training and held-out text plus variations)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    parser.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the last allowed)")
    parser.add_argument(
        "--cache-dir", type=Path, help="NLU model cache (default: SPOC_CACHE_DIR or ~/.cache/spoc)"
    )
    parser.add_argument("--check-target", action="store_true", help="exit 3 when a goal is missed")
    args = parser.parse_args(argv)
    if args.runs < 1 or (args.texts is not None and args.texts < 100):
        parser.error("--runs must be at least 1 and --texts at least 100")

    import numpy
    import sklearn

    pinning = pin(args.cpu)
    load_before = f"{os.getloadavg()[0]:.1f}"
    cache_dir = args.cache_dir or default_cache_dir()
    nlu = load_or_train(cache_dir=cache_dir)  # trained and cached here if need be, before any timing
    model_path = cache_path(None, cache_dir)
    if not model_path.exists():  # an unwritable cache: measure loading from a scratch copy instead
        import joblib

        model_path = Path(tempfile.mkdtemp(prefix="spoc-bench-nlu-")) / "model.joblib"
        joblib.dump(nlu.model, model_path)
    texts, sources = build_texts(args.texts, SEED)

    training = time_training(args.runs)
    load = time_fresh_load(model_path, args.runs)
    runs, by_kind = time_parse(nlu.parse, texts, args.runs)
    parse = {"runs": [asdict(r) for r in runs], "median": asdict(Latency.median(runs)), "by_kind": by_kind}
    entities_nlu, note = with_entities(nlu)
    runs_e, kinds_e = time_parse(entities_nlu.parse, texts, args.runs)
    parse_entities = {
        "runs": [asdict(r) for r in runs_e],
        "median": asdict(Latency.median(runs_e)),
        "by_kind": kinds_e,
    }

    results = Results(
        environment={
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "sklearn": sklearn.__version__,
            "numpy": numpy.__version__,
            "pinning": pinning,
            "runs": args.runs,
            "load_before": load_before,
            "load_after": f"{os.getloadavg()[0]:.1f}",
            "model": nlu.model.fingerprint[:12],
            "cache": str(model_path),
        },
        texts={"count": len(texts), "sources": sources, "mix": MIX, "seed": SEED},
        training=training,
        load=load,
        parse=parse,
        parse_with_entities=parse_entities,
        entities_note=note,
    )
    p99s = [parse["median"]["p99"], parse_entities["median"]["p99"]]
    p99, load_s, train_s = max(p99s), load["load_s"], training["total_s"]
    results.goals = [
        Goal("parse p99", f"<= {GOAL_PARSE_P99_MS:g} ms, one core", p99, "ms", p99 <= GOAL_PARSE_P99_MS),
        Goal(
            "model load (joblib + compile)",
            f"<= {GOAL_LOAD_S:g} s, one core",
            load_s,
            "s",
            load_s <= GOAL_LOAD_S,
        ),
        Goal("training", f"<= {GOAL_TRAIN_S:g} s", train_s, "s", train_s <= GOAL_TRAIN_S),
    ]
    if args.json:
        print(json.dumps(asdict(results), indent=2, ensure_ascii=False))
    else:
        print(table(results))
    if args.check_target and not all(g.met for g in results.goals):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())

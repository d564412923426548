"""nlu is a leaf: it never imports bot or storage, and importing it trains or reads nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHECK = """
import sys, time
started = time.perf_counter()
import nlu, nlu.backend, nlu.cache, nlu.cli, nlu.decision, nlu.engine, nlu.entities, nlu.evaluation
import nlu.language, nlu.model, nlu.dataset, nlu.catalogue, nlu.cues, nlu.datetimes, nlu.extract
import nlu.pipeline, nlu.rasa
leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("bot", "storage"))
assert not leaked, leaked
"""


def test_nlu_does_not_import_bot_or_storage(tmp_path: Path) -> None:
    # A cache dir that must stay empty: nothing may be trained or written at import time.
    env = {"SPOC_CACHE_DIR": str(tmp_path), "PATH": ""}
    subprocess.run([sys.executable, "-c", CHECK], check=True, env=env, timeout=60)
    assert list(tmp_path.iterdir()) == []

"""The held-out set (nlu/eval) stays apart from the training data (nlu/data): big enough to judge each
request intent in each language, never trained on, and never part of what decides the cached model."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from nlu.cache import cache_key
from nlu.dataset import default_data_dir, default_eval_dir, load_eval_examples, load_examples
from nlu.evaluation import MIN_HELDOUT_PER_INTENT, find_leaks
from nlu.labels import LANGUAGES, REQUEST_INTENTS


def test_heldout_set_covers_every_request_intent_in_both_languages() -> None:
    eval_dir = default_eval_dir()
    assert eval_dir.is_dir(), f"{eval_dir} is missing"

    examples = load_eval_examples(eval_dir)  # raises on a malformed file or an unknown intent

    counts = Counter((ex.intent, ex.language) for ex in examples)
    thin = {
        f"{intent}/{lang}": counts[intent, lang]
        for intent in REQUEST_INTENTS
        for lang in LANGUAGES
        if counts[intent, lang] < MIN_HELDOUT_PER_INTENT
    }
    assert thin == {}, f"fewer than {MIN_HELDOUT_PER_INTENT} held-out texts: {thin}"


def test_no_heldout_text_is_a_training_text() -> None:
    leaks = [
        f"[{ex.language}] {ex.intent}: {ex.text}" for ex in find_leaks(load_eval_examples(), load_examples())
    ]
    assert not leaks, f"{len(leaks)} held-out texts are also training texts: " + "; ".join(leaks[:30])


def test_heldout_set_lives_outside_the_training_data() -> None:
    data_dir, eval_dir = default_data_dir().resolve(), default_eval_dir().resolve()
    assert not eval_dir.is_relative_to(data_dir) and not data_dir.is_relative_to(eval_dir)


def test_model_cache_key_ignores_the_heldout_set(tmp_path: Path) -> None:
    # A copy of nlu/ with data/ and eval/ side by side, as in the repository.
    data = shutil.copytree(default_data_dir(), tmp_path / "nlu" / "data")
    heldout = shutil.copytree(default_eval_dir(), tmp_path / "nlu" / "eval")
    key = cache_key(data)

    some_file = next(p for p in sorted(heldout.rglob("*.yml")))
    with some_file.open("a", encoding="utf-8") as f:
        f.write("    - a text written only to change the held-out set\n")
    (heldout / "en" / "extra.yml").write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")

    assert cache_key(data) == key
    # ... while a change to the training data does change it (so the comparison above means something).
    with next(iter(sorted(data.rglob("*.yml")))).open("a", encoding="utf-8") as f:
        f.write("    - a text written only to change the training data\n")
    assert cache_key(data) != key

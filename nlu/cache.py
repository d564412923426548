"""Train once, then load: the model is cached on disk, keyed by everything it depends on.

The key covers the training data files, the scikit-learn and numpy versions (pickles are not
portable across them), ``MODEL_VERSION`` and the default ``ModelConfig``, so a stale model is
never loaded: it is simply not found.
Files are written to a temporary name and renamed into place, so a process starting while another
one trains sees either no file or a complete one. Anything unreadable is retrained, never fatal.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
import sklearn

from nlu.answers import (
    ANSWER_MODEL_VERSION,
    AnswerModels,
    default_answer_dir,
    load_answer_examples,
    train_answers,
)
from nlu.dataset import data_fingerprint, default_data_dir, load_examples, load_examples_with_fingerprint
from nlu.engine import BuiltinNlu
from nlu.model import MODEL_VERSION, ModelConfig, TrainedModel, train

log = logging.getLogger(__name__)

CACHE_ENV = "SPOC_CACHE_DIR"


def default_cache_dir() -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "spoc"


def cache_key(data_dir: Path) -> str:
    return _key(data_fingerprint(data_dir))


def _key(fingerprint: str) -> str:
    parts = [
        fingerprint,
        f"model={MODEL_VERSION}",
        f"config={ModelConfig()!r}",  # a changed default (threshold, C...) must not load an old model
        f"sklearn={sklearn.__version__}",
        f"numpy={np.__version__}",
        f"python={sys.version_info.major}.{sys.version_info.minor}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cache_path(data_dir: Path | None = None, cache_dir: Path | None = None) -> Path:
    """Where the model for ``data_dir`` is (or would be) cached."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    return _path_for(cache_key(data_dir), cache_dir)


def _path_for(key: str, cache_dir: Path | None) -> Path:
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return cache_dir / f"nlu-{key[:24]}.joblib"


def load_or_train(
    data_dir: Path | None = None,
    cache_dir: Path | None = None,
    *,
    force: bool = False,
    config: ModelConfig | None = None,
) -> BuiltinNlu:
    """The engine for ``data_dir``'s data: loaded from the cache when present, else trained and cached.

    ``force`` retrains even when a cached model exists (``spoc nlu train``). A ``config`` other than the
    default is trained but not cached: the key does not cover it.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    key = cache_key(data_dir)
    path = _path_for(key, cache_dir)
    if not force and config is None:
        model = _load(path, key)
        if model is not None:
            return BuiltinNlu(model, origin="cache")
    examples, fingerprint = load_examples_with_fingerprint(data_dir)
    key = _key(fingerprint)  # of the bytes actually trained on, should the files change meanwhile
    path = _path_for(key, cache_dir)
    model = train(examples, config)
    model.fingerprint = key
    if config is None:
        _store(model, path)
    return BuiltinNlu(model)


def _load(path: Path, key: str) -> TrainedModel | None:
    if not path.exists():
        return None
    started = time.perf_counter()
    try:
        model = joblib.load(path)
    except Exception as exc:  # a truncated or foreign file must not stop the bot: retrain instead
        log.warning("NLU cache %s unreadable (%s); retraining", path, exc)
        return None
    if not isinstance(model, TrainedModel) or model.fingerprint != key:
        log.warning("NLU cache %s holds another model; retraining", path)
        return None
    log.info("NLU model loaded from %s in %.0f ms", path, (time.perf_counter() - started) * 1000)
    return model


def _store(model: TrainedModel | AnswerModels, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as tmp:
                joblib.dump(model, tmp)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    except OSError as exc:  # read-only home, full disk: the bot still runs, it just trains next time
        log.warning("could not write NLU cache %s: %s", path, exc)


def answers_cache_key(answer_dir: Path, data_dir: Path) -> str:
    """The answer models depend on their own data and on the request data they sample "none" from."""
    parts = [
        data_fingerprint(answer_dir),
        data_fingerprint(data_dir),
        f"answers={ANSWER_MODEL_VERSION}",
        f"sklearn={sklearn.__version__}",
        f"numpy={np.__version__}",
        f"python={sys.version_info.major}.{sys.version_info.minor}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def load_or_train_answers(
    answer_dir: Path | None = None, data_dir: Path | None = None, cache_dir: Path | None = None
) -> AnswerModels:
    """The answer classifiers, cached like the request model (trained in about a second)."""
    answer_dir = Path(answer_dir) if answer_dir is not None else default_answer_dir()
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    key = answers_cache_key(answer_dir, data_dir)
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache_dir / f"answers-{key[:24]}.joblib"
    if path.exists():
        try:
            models = joblib.load(path)
        except Exception as exc:  # unreadable: retrain, never fatal
            log.warning("answer model cache %s unreadable (%s); retraining", path, exc)
        else:
            if isinstance(models, AnswerModels) and models.fingerprint == key:
                models.compile()
                return models
    models = train_answers(load_answer_examples(answer_dir), load_examples(data_dir))
    models.fingerprint = key
    _store(models, path)
    models.compile()
    return models

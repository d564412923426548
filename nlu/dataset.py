"""Training examples from Rasa NLU YAML files, one folder per language (``data/de``, ``data/en``).

The files stay in Rasa's format so the same data can train a Rasa model; this loader reads the subset
of that format we use (``- intent: ... examples: |`` blocks, optionally the list-of-``text`` form) and
strips entity annotations, which the built-in engine finds with rules instead (see ``entities``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.labels import INTENTS, LANGUAGES

# ``[SD-42](ticket)``, ``[SD-42]{"entity": "ticket"}`` -> ``SD-42``
_ANNOTATION = re.compile(r"\[([^\[\]]+)\](?:\([^()]*\)|\{[^{}]*\})")
_YAML_SUFFIXES = (".yml", ".yaml")


class NluDataError(ValueError):
    """The training data is unusable; the message names the file and what is wrong."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    language: str


def default_data_dir() -> Path:
    return Path(__file__).resolve().parent / "data"


def default_eval_dir() -> Path:
    """The held-out evaluation set: a sibling of ``data``, never below it, so it never trains a model
    and never enters the model cache's key."""
    return Path(__file__).resolve().parent / "eval"


def strip_annotations(text: str) -> str:
    return _ANNOTATION.sub(r"\1", text)


def data_files(data_dir: Path) -> list[Path]:
    """All YAML files below ``data_dir``, in a stable order (the cache key depends on it)."""
    if not data_dir.is_dir():
        raise NluDataError(f"{data_dir}: training data directory not found")
    return sorted(p for p in data_dir.rglob("*") if p.suffix in _YAML_SUFFIXES and p.is_file())


def data_fingerprint(data_dir: Path) -> str:
    """Hash of every data file's relative path and bytes: changes whenever the training data does."""
    return _fingerprint(read_files(Path(data_dir)), Path(data_dir))


def load_examples(data_dir: Path | None = None) -> list[Example]:
    """Every example under ``data_dir`` (default: the bundled ``nlu/data``), exact duplicates removed."""
    return load_examples_with_fingerprint(data_dir)[0]


def load_examples_with_fingerprint(data_dir: Path | None = None) -> tuple[list[Example], str]:
    """Examples plus the fingerprint of the very bytes they were parsed from (no race with edits)."""
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    files = read_files(root)
    examples: list[Example] = []
    for path, raw in files:
        examples.extend(parse_file(path, raw, language_of(path, root)))
    if not examples:
        raise NluDataError(f"{root}: no training examples found")
    # Duplicates would leak between cross-validation folds and overweight a phrasing; keep the first.
    return list(dict.fromkeys(examples)), _fingerprint(files, root)


def load_eval_examples(eval_dir: Path | None = None) -> list[Example]:
    """The held-out examples under ``eval_dir`` (default: ``nlu/eval``), same format as the training data.

    Only the error messages differ from :func:`load_examples`: "training data" would mislead here.
    """
    root = Path(eval_dir) if eval_dir is not None else default_eval_dir()
    if not root.is_dir():
        raise NluDataError(f"{root}: held-out evaluation directory not found")
    examples: list[Example] = []
    for path, raw in read_files(root):
        examples.extend(parse_file(path, raw, language_of(path, root)))
    if not examples:
        raise NluDataError(f"{root}: no held-out examples found (expected <language>/<intent>.yml files)")
    return list(dict.fromkeys(examples))


def find_conflicts(examples: Iterable[Example]) -> dict[tuple[str, str], set[str]]:
    """Texts (per language, case-insensitive) labelled with more than one intent."""
    seen: dict[tuple[str, str], set[str]] = {}
    for ex in examples:
        seen.setdefault((ex.language, " ".join(ex.text.casefold().split())), set()).add(ex.intent)
    return {key: intents for key, intents in seen.items() if len(intents) > 1}


def read_files(root: Path) -> list[tuple[Path, bytes]]:
    return [(path, path.read_bytes()) for path in data_files(root)]


def _fingerprint(files: list[tuple[Path, bytes]], root: Path) -> str:
    digest = hashlib.sha256()
    for path, raw in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(raw)
        digest.update(b"\0")
    return digest.hexdigest()


def language_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    if len(parts) < 2 or parts[0] not in LANGUAGES:
        raise NluDataError(f"{path}: data files must live in a language folder ({', '.join(LANGUAGES)})")
    return parts[0]


def parse_file(path: Path, raw: bytes, language: str, known: Iterable[str] = INTENTS) -> Iterator[Example]:
    """The examples of one Rasa NLU YAML file; ``known``: the intent names it may use."""
    known = frozenset(known)
    try:
        doc = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise NluDataError(f"{path}: not valid YAML: {exc}") from exc
    if doc is None:
        return  # an empty file is harmless
    if not isinstance(doc, dict) or not isinstance(doc.get("nlu", []), list):
        raise NluDataError(f"{path}: expected a mapping with an 'nlu' list")
    for index, item in enumerate(doc.get("nlu") or []):
        if not isinstance(item, dict):
            raise NluDataError(f"{path}: nlu item {index} is not a mapping")
        if "intent" not in item:
            continue  # synonym / regex / lookup items are Rasa's business, not ours
        intent = item["intent"]
        if intent not in known:
            raise NluDataError(f"{path}: unknown intent {intent!r} (known: {', '.join(sorted(known))})")
        for text in _example_texts(item.get("examples"), path, intent):
            yield Example(text=text, intent=intent, language=language)


def _example_texts(raw: object, path: Path, intent: str) -> Iterator[str]:
    if isinstance(raw, str):
        lines: list[str] = []
        for line in raw.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith("- "):
                raise NluDataError(f"{path}: intent {intent}: example line must start with '- ': {line!r}")
            lines.append(stripped[2:])
    elif isinstance(raw, list):  # Rasa's long form: ``examples: [{text: ..., metadata: ...}]``
        lines = []
        for entry in raw:
            if not (isinstance(entry, dict) and isinstance(entry.get("text"), str)):
                raise NluDataError(f"{path}: intent {intent}: malformed example entry {entry!r}")
            lines.append(entry["text"])
    else:
        raise NluDataError(f"{path}: intent {intent}: 'examples' must be a block of '- ' lines")
    for line in lines:
        text = " ".join(strip_annotations(line).split())
        if text:
            yield text

"""Fixtures for the NLU tests: one engine trained on the real data per session, tiny data sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.cache import load_or_train
from nlu.engine import BuiltinNlu

TINY_DATA = {
    "de": {
        "incident": ["Mein Drucker geht nicht", "Outlook stürzt ab", "VPN kaputt", "Laptop startet nicht"],
        "installation": ["Bitte Visio installieren", "Ich brauche Teams", "Installiert mir Python"],
        "ticket_status": ["Wie steht es um [SD-4](ticket)?", "Status von Ticket 7", "was ist mit #12"],
        "greet": ["Hallo", "Guten Morgen", "Moin"],
    },
    "en": {
        "incident": ["My printer is broken", "Outlook keeps crashing", "VPN is down", "laptop won't boot"],
        "installation": ["Please install Visio", "I need Teams installed", "install python for me"],
        "ticket_status": ["status of [SD-4](ticket)?", "any news on ticket 7", "what about #12"],
        "greet": ["Hello", "Good morning", "hi there"],
    },
}


def write_data(root: Path, data: dict[str, dict[str, list[str]]]) -> Path:
    """Rasa NLU YAML files, one per intent and language, like nlu/data."""
    for language, intents in data.items():
        folder = root / language
        folder.mkdir(parents=True, exist_ok=True)
        for intent, texts in intents.items():
            lines = "".join(f"    - {t}\n" for t in texts)
            (folder / f"{intent}.yml").write_text(
                f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{lines}', encoding="utf-8"
            )
    return root


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    return write_data(tmp_path / "data", TINY_DATA)


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> BuiltinNlu:
    """The built-in engine on the real nlu/data, trained once for the whole session."""
    return load_or_train(cache_dir=tmp_path_factory.mktemp("nlu-cache"))

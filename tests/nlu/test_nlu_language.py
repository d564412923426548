from __future__ import annotations

import pytest

from nlu.engine import BuiltinNlu

GERMAN = [
    "danke",
    "ja",
    "nein",
    "tschüss",
    "abbrechen",
    "Mein Drucker druckt nicht",
    "Outlook stürzt ab",
    "stuerzt dauernd ab",
    "Ich brauche eine Schulung für Jira",
    "wie steht es um SD-42?",
    "Guten Morgen, mein Laptop startet seit gestern nicht mehr, obwohl ich ihn über Nacht geladen "
    "habe. Können Sie bitte jemanden vorbeischicken? Ich sitze im dritten Stock, Raum 3.12.",
]
ENGLISH = [
    "thanks",
    "yes",
    "no",
    "bye",
    "cancel",
    "My printer does not print",
    "Outlook keeps crashing",
    "I need Jira training",
    "what about SD-42?",
    "Good morning, my laptop has not started since yesterday even though I charged it overnight. "
    "Could you please send someone over? I am on the third floor, room 3.12.",
]


@pytest.mark.parametrize("text", GERMAN)
def test_german(engine: BuiltinNlu, text: str) -> None:
    assert engine.parse(text)["language"] == "de"
    assert engine.detect_language(text)[0] == "de"


@pytest.mark.parametrize("text", ENGLISH)
def test_english(engine: BuiltinNlu, text: str) -> None:
    assert engine.parse(text)["language"] == "en"


def test_long_texts_are_detected_with_high_confidence(engine: BuiltinNlu) -> None:
    assert engine.detect_language(GERMAN[-1]) >= ("de", 0.9)
    assert engine.detect_language(ENGLISH[-1]) >= ("en", 0.9)


@pytest.mark.parametrize("text", ["", "   ", "42", "🙂", "SD-42"])
def test_no_evidence_gives_a_valid_language_with_low_confidence(engine: BuiltinNlu, text: str) -> None:
    language, confidence = engine.detect_language(text)
    assert language in ("de", "en")
    assert 0.5 <= confidence <= 0.75

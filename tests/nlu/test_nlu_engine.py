from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nlu.backend import NluBackend
from nlu.dataset import load_examples
from nlu.engine import BuiltinNlu
from nlu.labels import INTENTS
from nlu.model import ModelConfig, train
from nlu.text import MAX_CHARS, prepare


def assert_contract(result: dict[str, Any], text: str) -> None:
    assert set(result) == {"text", "intent", "intent_ranking", "entities", "language"}
    assert result["text"] == text
    assert set(result["intent"]) == {"name", "confidence"}
    assert result["intent"]["name"] in INTENTS
    assert 0.0 <= result["intent"]["confidence"] <= 1.0
    ranking = result["intent_ranking"]
    assert len(ranking) <= 5
    assert all(set(r) == {"name", "confidence"} and r["name"] in INTENTS for r in ranking)
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)
    for entity in result["entities"]:
        assert set(entity) == {"entity", "value", "start", "end"}
        assert 0 <= entity["start"] < entity["end"] <= len(text)
    assert result["language"] in ("de", "en")
    json.dumps(result, ensure_ascii=False)  # must serialise: numpy types would not


def test_is_an_nlu_backend(engine: BuiltinNlu) -> None:
    assert isinstance(engine, NluBackend)
    assert 0 < engine.threshold < 1 and 0 < engine.margin < 1


@pytest.mark.parametrize(
    ("text", "intent", "language"),
    [
        ("Mein Outlook stürzt seit heute Morgen ab", "incident", "de"),
        ("Outlook stuerzt seit heute Morgen ab", "incident", "de"),
        ("Kannst du mir bitte Visio installieren?", "installation", "de"),
        ("Ich hätte gern eine Schulung zu Jira", "training", "de"),
        ("Wo finde ich die Doku zum Reisekostenantrag?", "documentation", "de"),
        ("Ich möchte einen Coaching-Termin für mein Projekt", "coaching", "de"),
        ("Wie steht es um SD-42?", "ticket_status", "de"),
        ("Danke!", "thanks", "de"),
        ("My Outlook keeps crashing since this morning", "incident", "en"),
        ("Could you install Visio on my laptop?", "installation", "en"),
        ("I'd like a Jira training course", "training", "en"),
        ("Where can I find the documentation for the travel expense form?", "documentation", "en"),
        ("I want to book a coaching session for my project", "coaching", "en"),
        ("What's the status of SD-42?", "ticket_status", "en"),
        ("Thanks a lot!", "thanks", "en"),
    ],
)
def test_parse_contract_and_obvious_intents(
    engine: BuiltinNlu, text: str, intent: str, language: str
) -> None:
    result = engine.parse(text)
    assert_contract(result, text)
    assert result["intent"]["name"] == intent
    assert result["intent"]["name"] == result["intent_ranking"][0]["name"]
    assert result["language"] == language


def test_parse_carries_ticket_entities(engine: BuiltinNlu) -> None:
    text = "Gibt es was Neues zu Ticket #42?"
    result = engine.parse(text)
    assert result["entities"] == [{"entity": "ticket", "value": "SD-42", "start": 28, "end": 31}]


@pytest.mark.parametrize("text", ["", " ", "\t\n  ", "\x00\x01\x1b"])
def test_empty_text_is_out_of_scope_with_zero_confidence(engine: BuiltinNlu, text: str) -> None:
    result = engine.parse(text)
    assert_contract(result, text)
    assert result["intent"] == {"name": "out_of_scope", "confidence": 0.0}
    assert result["entities"] == []


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE tickets; --",
        "drucker\x00 geht\x07 nicht\x1b[31m",
        "🙂🙂🙂",
        "👨‍👩‍👧 Drucker 🔥🔥 kaputt 😭",
        "\u202eRTL override\u200b zero width",
        "<script>alert(1)</script>",
        "ticket 42 " * 50,
        "\ud800 lone surrogate",
    ],
)
def test_hostile_input_does_not_crash(engine: BuiltinNlu, text: str) -> None:
    assert_contract(engine.parse(text), text)


def test_very_long_text_is_truncated_not_slow(engine: BuiltinNlu) -> None:
    text = "Mein Drucker druckt nicht. " * 4000  # ~100,000 characters
    assert len(text) > 100_000
    started = time.perf_counter()
    result = engine.parse(text)
    elapsed = time.perf_counter() - started
    assert_contract(result, text)
    assert result["intent"]["name"] == "incident"
    assert elapsed < 0.5  # generous; it is ~1 ms, an un-truncated parse takes far longer
    assert prepare(text)[0] == text[:MAX_CHARS]


def test_below_threshold_is_out_of_scope_but_ranking_keeps_real_scores(engine: BuiltinNlu) -> None:
    text = "Outlook stürzt ab"
    normal = engine.parse(text)
    strict = BuiltinNlu(engine.model, threshold=0.999)
    result = strict.parse(text)
    assert result["intent"] == {"name": "out_of_scope", "confidence": normal["intent"]["confidence"]}
    assert result["intent_ranking"] == normal["intent_ranking"]
    assert result["intent_ranking"][0]["name"] == "incident"


def test_fast_path_matches_scikit_learn(engine: BuiltinNlu) -> None:
    model = engine.model
    texts = [prepare(ex.text)[2] for ex in load_examples()[::5]] + ["x", "numtoken", "zzzzzz"]
    expected = model.probabilities(texts)
    actual = np.array([model.proba_one(t) for t in texts])
    np.testing.assert_allclose(actual, expected, atol=1e-9)


def test_fast_path_matches_scikit_learn_for_logistic_regression(tiny_data: Path) -> None:
    model = train(load_examples(tiny_data), ModelConfig(classifier="logreg", c=10.0))
    texts = [prepare(t)[2] for t in ["drucker kaputt", "install visio", "status ticket 7", "hallo", "?"]]
    np.testing.assert_allclose([model.proba_one(t) for t in texts], model.probabilities(texts), atol=1e-9)

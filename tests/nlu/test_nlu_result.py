"""The core's view of a parse: typed, frozen, read-only entities; the contract's JSON only at the edges."""

from __future__ import annotations

import dataclasses

import pytest

from nlu.decision import Interpretation, interpret
from nlu.result import Scored, Understanding

JSON = {
    "text": "Status von SD-42?",
    "intent": {"name": "ticket_status", "confidence": 0.91},
    "intent_ranking": [
        {"name": "ticket_status", "confidence": 0.91},
        {"name": "incident", "confidence": 0.04},
    ],
    "entities": [{"entity": "ticket", "value": "SD-42", "start": 11, "end": 16}],
    "language": "de",
}


def test_the_contracts_json_becomes_a_typed_result() -> None:
    result = Understanding.from_json(JSON)
    assert result.intent == Scored("ticket_status", 0.91)
    assert [r.name for r in result.ranking] == ["ticket_status", "incident"]
    assert result.language == "de" and not result.degraded
    assert [e["value"] for e in result.found("ticket")] == ["SD-42"]
    assert result.entity_dicts() == JSON["entities"]


def test_it_cannot_be_changed() -> None:
    result = Understanding.from_json(JSON)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.language = "en"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.entities[0]["value"] = "SD-1"  # type: ignore[index]


def test_a_broken_answer_reads_as_nothing_understood() -> None:
    result = Understanding.from_json({"intent": "garbage", "entities": ["x"], "intent_ranking": [{}]})
    assert (result.intent.name, result.ranking, result.entities) == ("", (), ())
    assert interpret(result, 0.3, 0.15) == Interpretation("unknown", ())


def test_a_degraded_result_is_judged_by_its_own_settings() -> None:
    degraded = {**JSON, "nlu_degraded": True, "threshold": 0.95, "margin": 0.15}
    result = Understanding.from_json(degraded)
    assert result.degraded and interpret(result, 0.3, 0.15).kind == "unknown"
    assert interpret(Understanding.from_json(JSON), 0.3, 0.15) == Interpretation("clear", ("ticket_status",))

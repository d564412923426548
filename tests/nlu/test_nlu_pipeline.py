"""The backend's intent with the desk's entities; a failing extractor costs the entities, not the answer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from nlu.backend import NluBackend
from nlu.entities import Entity
from nlu.extract import EntityExtractor
from nlu.pipeline import NluPipeline

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TICKET = {"entity": "ticket", "value": "SD-42", "start": 0, "end": 5}


class FixedBackend:
    """A backend that found a ticket reference in every text, as the engines do."""

    threshold = 0.3
    margin = 0.15

    def __init__(self, **extra: Any) -> None:
        self.extra = extra

    def parse(self, text: str) -> dict[str, Any]:
        return {
            "text": text,
            "intent": {"name": "incident", "confidence": 0.9},
            "intent_ranking": [{"name": "incident", "confidence": 0.9}],
            "entities": [dict(TICKET)],
            "language": "de",
            **self.extra,
        }


class BrokenExtractor:
    def extract(self, text: str) -> list[Entity]:
        raise ValueError(f"cannot read {text!r}")  # a message that quotes the user's text


def desk_extractor() -> EntityExtractor:
    return EntityExtractor(timezone="Europe/Berlin", now=lambda: NOW)


def test_is_an_nlu_backend_with_the_backends_decision_settings() -> None:
    pipeline = NluPipeline(FixedBackend(), desk_extractor())
    assert isinstance(pipeline, NluBackend)
    assert (pipeline.threshold, pipeline.margin) == (0.3, 0.15)


def test_the_desk_entities_replace_the_backends() -> None:
    text = "SD-42 morgen bitte"
    result = NluPipeline(FixedBackend(), desk_extractor()).parse(text)
    assert result["intent"] == {"name": "incident", "confidence": 0.9}
    assert result["entities"] == [
        TICKET,
        {"entity": "datetime", "value": "2026-11-25", "start": 6, "end": 12, "grain": "day"},
    ]


def test_a_year_no_date_can_hold_is_no_date_and_no_error(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        result = NluPipeline(FixedBackend(), desk_extractor()).parse("Termin am 0000-01-01 bitte")
    assert result["entities"] == []
    assert caplog.records == []


def test_a_failing_extractor_keeps_the_backends_entities_and_logs_only_the_error_type(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = "SD-42: Termin am 0000-01-01 bei Frau Geheim"
    with caplog.at_level(logging.DEBUG, logger="nlu.pipeline"):
        result = NluPipeline(FixedBackend(), BrokenExtractor()).parse(text)

    assert result["intent"]["name"] == "incident"
    assert result["entities"] == [TICKET]
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "ValueError" in record.getMessage()
    assert "Geheim" not in caplog.text and "cannot read" not in caplog.text
    assert record.exc_info is None  # a traceback would print the message too


def test_a_degraded_backends_own_decision_settings_pass_through() -> None:
    backend = FixedBackend(nlu_degraded=True, threshold=0.3, margin=0.15)
    result = NluPipeline(backend, desk_extractor()).parse("SD-42 bitte")
    assert (result["nlu_degraded"], result["threshold"], result["margin"]) == (True, 0.3, 0.15)

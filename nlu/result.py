"""What the core sees of one parse: a typed, frozen result. JSON (the contract's dicts) exists only at
the edges: `spoc nlu parse`, the backends' own output and the Rasa client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, slots=True)
class Scored:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Understanding:
    """One message as the NLU read it. ``entities`` are the contract's entity objects, read-only;
    ``threshold`` / ``margin`` are set when the result must be judged by other settings than the
    backend's (a Rasa backend that fell back to the built-in engine); ``degraded`` tells that."""

    text: str
    intent: Scored
    ranking: tuple[Scored, ...]
    entities: tuple[Mapping[str, Any], ...]
    language: str
    degraded: bool = False
    threshold: float | None = None
    margin: float | None = None

    @classmethod
    def from_json(cls, result: Mapping[str, Any]) -> Understanding:
        intent = result.get("intent") or {}
        if not isinstance(intent, Mapping):
            intent = {}
        return cls(
            text=str(result.get("text") or ""),
            intent=Scored(str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)),
            ranking=tuple(
                Scored(str(r["name"]), float(r.get("confidence") or 0.0))
                for r in result.get("intent_ranking") or []
                if isinstance(r, Mapping) and r.get("name")
            ),
            entities=tuple(
                MappingProxyType(dict(e)) for e in result.get("entities") or [] if isinstance(e, Mapping)
            ),
            language=str(result.get("language") or ""),
            degraded=bool(result.get("nlu_degraded")),
            threshold=_optional_float(result.get("threshold")),
            margin=_optional_float(result.get("margin")),
        )

    def found(self, *kinds: str) -> list[Mapping[str, Any]]:
        return [entity for entity in self.entities if entity.get("entity") in kinds]

    def entity_dicts(self) -> list[dict[str, Any]]:
        """The entities as plain dicts, for storing in a conversation's state."""
        return [dict(entity) for entity in self.entities]


def _optional_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]

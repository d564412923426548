"""The request types the desk handles: what each asks for, what pre-fills it, how urgent by default.

One `RequestType` per module in this package; the flows only read this description.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

FieldKind = Literal["text", "impact", "urgency", "number", "datetime"]


@dataclass(frozen=True)
class FirstMessage:
    """The message that started a request, with the entities the NLU found in it (contract format)."""

    text: str
    entities: Sequence[Mapping[str, Any]] = ()
    language: str = "en"

    def found(self, *kinds: str) -> list[Mapping[str, Any]]:
        return [entity for entity in self.entities if entity.get("entity") in kinds]


Extractor = Callable[[FirstMessage], str | None]


@dataclass(frozen=True)
class Question:
    name: str
    kind: FieldKind = "text"
    # Finds the answer in the request's first message, so nobody is asked what they already said.
    prefill: Extractor | None = None
    # False: never asked, only taken from the first message when it says so (urgency of an order).
    ask: bool = True
    # May stay unknown: "weiß nicht" / "no idea" is taken as an answer and the request goes on.
    optional: bool = False
    # What a free-text answer must look like to be taken for this question when it answers another one
    # instead: "so können wir nicht arbeiten" is no answer to "since when?" (it says how badly).
    fits: Callable[[FirstMessage], bool] | None = None
    # What the first message names too vaguely to pre-fill ("auf meinem Rechner"), but enough when the
    # person, asked, just says yes to it.
    vague: Extractor | None = None


@dataclass(frozen=True)
class RequestType:
    category: str
    questions: tuple[Question, ...]
    # The field whose answer becomes the ticket's title.
    title_field: str
    default_impact: str = "low"
    default_urgency: str = "medium"
    required_roles: tuple[str, ...] = field(default_factory=tuple)

    def question(self, name: str) -> Question:
        return next(question for question in self.questions if question.name == name)

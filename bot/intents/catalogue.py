"""The request types the desk handles: what each asks for, what pre-fills it, how urgent by default.

One `RequestType` per module in this package; the flows only read this description.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

FieldKind = Literal["text", "impact", "urgency", "number"]
Extractor = Callable[[str], str | None]


@dataclass(frozen=True)
class Question:
    name: str
    kind: FieldKind = "text"
    # Finds the answer in the request's first message, so nobody is asked what they already said.
    prefill: Extractor | None = None


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

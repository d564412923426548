"""The port the bot talks to: the built-in engine and a Rasa HTTP client both fit it."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class NluBackend(Protocol):
    """Parses one message into the contract object (see DESIGN.md, "NLU output")."""

    threshold: float  # below this top confidence the message is "unknown" (see nlu.decision)
    margin: float  # top two this close together: ask which one

    def parse(self, text: str) -> dict[str, Any]: ...

"""One backend's intent and language, with the desk's own entities.

The classifier (built-in or Rasa) knows the language of the whole company; the desk's catalogue, its
time zone and "now" belong to one desk and one clock. Keeping them apart lets one trained model serve
any desk configuration, and lets a Rasa server that knows nothing of the catalogue still pre-fill
"which software?" from it.

Should the desk's extractor fail on a message anyway (a bug), the user still gets an answer: the
backend's result with the backend's own entities (ticket references), and the log one WARNING naming
the exception's type, never its message (which may quote the user's text).
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Protocol

from nlu.answers import NONE, AnswerModels, AnswerReading, read_cue
from nlu.backend import NluBackend
from nlu.entities import Entity
from nlu.result import Understanding
from nlu.text import strip_control, truncate

log = logging.getLogger(__name__)
READINGS_REMEMBERED = 256


class EntityFinder(Protocol):
    def extract(self, text: str) -> list[Entity]: ...


class NluPipeline:
    """Implements :class:`nlu.backend.NluBackend`: ``backend.parse`` with the entities replaced by the
    desk's (ticket references, catalogue items, dates, urgency, head counts)."""

    def __init__(
        self, backend: NluBackend, entities: EntityFinder, answers: AnswerModels | None = None
    ) -> None:
        self.backend = backend
        self.entities = entities
        # The answer classifiers run in-process whatever the backend: a Rasa server is asked for the
        # request's intent, the bot's own questions are read here (milliseconds, no round trip).
        self.answers = answers
        self._read = functools.lru_cache(maxsize=READINGS_REMEMBERED)(self._read_uncached)

    def read_answer(self, kind: str, text: str, cues_only: bool = False) -> AnswerReading:
        """What ``text`` means at a question of ``kind`` (see :mod:`nlu.answers`); without answer
        models, only the fixed phrases are read. One message is often read twice for the same kind
        (is it an answer? then: which?): the last readings are remembered, the models never change."""
        return self._read(kind, strip_control(truncate(text)), cues_only)

    def _read_uncached(self, kind: str, text: str, cues_only: bool) -> AnswerReading:
        if self.answers is None:
            return read_cue(kind, text) or AnswerReading(NONE, 0.0)
        return self.answers.read(kind, text, cues_only)

    @property
    def threshold(self) -> float:
        return self.backend.threshold

    @property
    def margin(self) -> float:
        return self.backend.margin

    def understand(self, text: str) -> Understanding:
        """The parse as the core reads it: typed and frozen (``parse`` is the contract's JSON)."""
        return Understanding.from_json(self.parse(text))

    def parse(self, text: str) -> dict[str, Any]:
        result = self.backend.parse(text)
        try:
            # The same clean-up as the engines apply, which keeps the length: offsets point into ``text``.
            entities = self.entities.extract(strip_control(truncate(text)))
        except Exception as exc:  # a bug in one rule must not cost the user an answer
            log.warning(
                "entity extraction failed (%s); using the NLU backend's own entities", type(exc).__name__
            )
            return result
        result["entities"] = [dict(entity) for entity in entities]
        return result

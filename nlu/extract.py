"""All of a desk's entities in one message: tickets, catalogue items, dates and times, urgency, head count.

The flows pre-fill their questions from these, so a requester is never asked what they already said.
Everything here is rules over precompiled patterns and dictionaries: well under a millisecond for a
chat message, and bounded for the longest text the NLU accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nlu.catalogue import Catalogue
from nlu.cues import find_people_count, find_urgency
from nlu.datetimes import find_datetimes
from nlu.entities import Entity, extract_entities
from nlu.text import MAX_CHARS


class EntityExtractor:
    """Entities in the contract format with offsets into the text, sorted, never overlapping.

    ``now`` is the injected clock (UTC-aware datetimes); dates are resolved in ``timezone``, the desk's.
    """

    def __init__(
        self,
        catalogue: Catalogue | None = None,
        timezone: str = "UTC",
        now: Callable[[], datetime] | None = None,
    ) -> None:
        try:
            self.timezone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {timezone!r} (expected an IANA name like 'Europe/Berlin')"
            ) from exc
        self.catalogue = catalogue
        self._now = now or (lambda: datetime.now(UTC))

    def extract(self, text: str) -> list[Entity]:
        # The NLU reads no further than MAX_CHARS; offsets stay valid for ``text`` itself.
        text = text[:MAX_CHARS]
        now = self._now()
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)  # the contract says UTC; never read a naive time as local
        # Ticket references first: "SD-42" is never a head count or a time. The others compete by length,
        # so "Windows 10" (software) beats a lone "10", and a whole date phrase beats a piece of it.
        ranked = [(0, entity) for entity in extract_entities(text)]
        others = find_datetimes(text, now, self.timezone) + find_people_count(text) + find_urgency(text)
        if self.catalogue is not None:
            others += self.catalogue.find(text)
        ranked += [(1, entity) for entity in others]
        kept: list[Entity] = []
        taken: list[tuple[int, int]] = []
        for _, entity in sorted(ranked, key=lambda r: (r[0], r[1]["start"] - r[1]["end"], r[1]["start"])):
            start, end = entity["start"], entity["end"]
            if all(end <= t_start or t_end <= start for t_start, t_end in taken):
                kept.append(entity)
                taken.append((start, end))
        return sorted(kept, key=lambda e: e["start"])

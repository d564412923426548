"""A ticket's statuses and the one table of allowed transitions."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # on the requester; the SLA clock pauses
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.NEW, S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.NEW, S.WAITING, S.RESOLVED, S.CANCELLED}),
    S.WAITING: frozenset({S.NEW, S.IN_PROGRESS, S.RESOLVED, S.CANCELLED}),
    # Resolved waits for the requester: confirmed (closed) or reopened (back to work).
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

OPEN_STATUSES = frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.WAITING})
# Still the requester's business: open, or resolved and waiting for their confirmation.
IN_PLAY = OPEN_STATUSES | {S.RESOLVED}
# Statuses an agent sets with `status T STATUS`; new and assigned follow from unclaim / claim / assign.
SETTABLE_BY_COMMAND = frozenset({S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED, S.CANCELLED})


def can_transition(old: Status | str, new: Status | str) -> bool:
    return Status(new) in TRANSITIONS[Status(old)]


def parse_status(text: str) -> Status | None:
    """Accept `in_progress`, `in-progress`, `In Progress` and the German names agents type."""
    normalised = text.strip().lower().replace("-", "_").replace(" ", "_")
    return _ALIASES.get(normalised) or (
        Status(normalised) if normalised in Status._value2member_map_ else None
    )


_ALIASES: dict[str, Status] = {
    "neu": S.NEW,
    "zugewiesen": S.ASSIGNED,
    "inprogress": S.IN_PROGRESS,
    "in_bearbeitung": S.IN_PROGRESS,
    "bearbeitung": S.IN_PROGRESS,
    "wartend": S.WAITING,
    "warten": S.WAITING,
    "gelöst": S.RESOLVED,
    "geloest": S.RESOLVED,
    "geschlossen": S.CLOSED,
    "storniert": S.CANCELLED,
    "abgebrochen": S.CANCELLED,
    "canceled": S.CANCELLED,
}

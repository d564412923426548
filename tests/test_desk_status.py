"""The one table of allowed status transitions, checked pair by pair against the lifecycle we promise."""

from __future__ import annotations

import itertools

import pytest

from bot.desk.status import (
    OPEN_STATUSES,
    SETTABLE_BY_COMMAND,
    TRANSITIONS,
    Status,
    can_transition,
    parse_status,
)

S = Status
# Written out independently of bot/desk/status.py: a change to the table has to change this too.
ALLOWED = {
    (S.NEW, S.ASSIGNED),  # claim, assign, auto-assign
    (S.NEW, S.IN_PROGRESS),  # an agent starts right away
    (S.NEW, S.WAITING),  # an agent asks the requester first
    (S.NEW, S.RESOLVED),  # solved at once
    (S.NEW, S.CANCELLED),
    (S.ASSIGNED, S.NEW),  # unclaim
    (S.ASSIGNED, S.IN_PROGRESS),
    (S.ASSIGNED, S.WAITING),
    (S.ASSIGNED, S.RESOLVED),
    (S.ASSIGNED, S.CANCELLED),
    (S.IN_PROGRESS, S.NEW),  # unclaim
    (S.IN_PROGRESS, S.WAITING),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.IN_PROGRESS, S.CANCELLED),
    (S.WAITING, S.NEW),  # unclaim
    (S.WAITING, S.IN_PROGRESS),  # the requester answered
    (S.WAITING, S.RESOLVED),
    (S.WAITING, S.CANCELLED),
    (S.RESOLVED, S.CLOSED),  # confirmed
    (S.RESOLVED, S.IN_PROGRESS),  # reopened
}
PAIRS = list(itertools.product(Status, Status))


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{o}->{n}" for o, n in PAIRS])
def test_every_pair_of_the_table(old: Status, new: Status) -> None:
    assert can_transition(old, new) is ((old, new) in ALLOWED)
    assert can_transition(str(old), str(new)) is ((old, new) in ALLOWED)  # as stored in the database


def test_the_table_has_a_row_for_every_status() -> None:
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize("final", [S.CLOSED, S.CANCELLED])
def test_closed_and_cancelled_are_final(final: Status) -> None:
    assert TRANSITIONS[final] == frozenset()
    assert not any(can_transition(final, new) for new in Status)
    assert final not in OPEN_STATUSES


def test_no_status_moves_to_itself() -> None:
    assert not any(can_transition(status, status) for status in Status)


def test_every_status_can_be_reached_and_every_open_one_can_end() -> None:
    reachable = {new for old in Status for new in TRANSITIONS[old]}
    assert reachable == set(Status)  # new again by unclaim
    for status in OPEN_STATUSES:
        assert can_transition(status, S.CANCELLED) and can_transition(status, S.RESOLVED)


def test_new_and_assigned_are_not_set_by_the_status_command() -> None:
    assert {S.NEW, S.ASSIGNED}.isdisjoint(SETTABLE_BY_COMMAND)
    assert set(Status) - SETTABLE_BY_COMMAND == {S.NEW, S.ASSIGNED}


def test_unknown_status_value_is_an_error() -> None:
    with pytest.raises(ValueError):
        can_transition("new", "done")


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("in_progress", S.IN_PROGRESS),
        ("in-progress", S.IN_PROGRESS),
        ("In Progress", S.IN_PROGRESS),
        ("inprogress", S.IN_PROGRESS),
        ("in Bearbeitung", S.IN_PROGRESS),
        ("WAITING", S.WAITING),
        ("wartend", S.WAITING),
        ("gelöst", S.RESOLVED),
        ("geloest", S.RESOLVED),
        ("geschlossen", S.CLOSED),
        ("canceled", S.CANCELLED),
        ("storniert", S.CANCELLED),
        ("neu", S.NEW),
        ("zugewiesen", S.ASSIGNED),
    ],
)
def test_parse_status_accepts_the_names_agents_type(typed: str, status: Status) -> None:
    assert parse_status(typed) == status


@pytest.mark.parametrize("typed", ["fertig", "", "done", "in"])
def test_parse_status_rejects_other_words(typed: str) -> None:
    assert parse_status(typed) is None

"""The desk on its own (no chat): priority from impact x urgency, SLA due times, the audit trail, and
refusals that leave nothing behind. Real SQLAlchemy on the demo desk's database, a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config.schema import DeskConfig, SlaTarget
from bot.desk import events as ev
from bot.desk.errors import DeskError, InvalidTransition, InvalidValue, NotAllowed, TicketNotFound
from bot.desk.status import SETTABLE_BY_COMMAND, Status, can_transition
from bot.desk.tickets import Desk, NewTicket, Origin
from storage.models import Person, Ticket, TicketEvent
from tests.support import DeskBot

ORIGIN = Origin("console", "bob")
LEVELS = ("high", "medium", "low")
# The demo desk's matrix, written out: impact (rows) x urgency (columns).
DEMO_MATRIX = {
    ("high", "high"): "P1",
    ("high", "medium"): "P2",
    ("high", "low"): "P3",
    ("medium", "high"): "P2",
    ("medium", "medium"): "P3",
    ("medium", "low"): "P4",
    ("low", "high"): "P3",
    ("low", "medium"): "P4",
    ("low", "low"): "P4",
}


@dataclass
class World:
    session: Session
    desk: Desk
    bot: DeskBot

    def person(self, handle: str) -> Person:
        person = self.session.scalar(select(Person).where(Person.handle == handle))
        assert person is not None
        return person

    def open(self, who: str = "bob", **fields: str) -> Ticket:
        request = NewTicket(
            category=fields.pop("category", "incident"),
            title=fields.pop("title", "Outlook crashes"),
            description="Outlook crashes on start",
            **fields,  # type: ignore[arg-type]
        )
        return self.desk.open(self.person(who), request, ORIGIN)

    def audit_rows(self) -> int:
        self.session.flush()
        return self.session.scalar(select(func.count()).select_from(TicketEvent)) or 0


def world_for(bot: DeskBot, session: Session, config: DeskConfig | None = None) -> World:
    return World(session, Desk(session, bot.clock, config or bot.app.config), bot)


@pytest.fixture
def world(bot: DeskBot) -> Iterator[World]:
    with bot.session() as session:
        yield world_for(bot, session)


# ---- priority --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("impact", "urgency"), list(DEMO_MATRIX))
def test_priority_from_impact_and_urgency(world: World, impact: str, urgency: str) -> None:
    ticket = world.open(impact=impact, urgency=urgency)
    assert (ticket.impact, ticket.urgency, ticket.priority) == (impact, urgency, DEMO_MATRIX[impact, urgency])


def test_a_configured_matrix_is_used(bot: DeskBot, world: World) -> None:
    matrix = {impact: dict.fromkeys(LEVELS, "P4") for impact in LEVELS}
    matrix["low"]["high"] = "P1"
    config = bot.app.config.model_copy(update={"priority_matrix": matrix})
    custom = world_for(bot, world.session, config)
    assert custom.open(impact="low", urgency="high").priority == "P1"
    assert custom.open(impact="high", urgency="high").priority == "P4"


@pytest.mark.parametrize(("impact", "urgency"), [("huge", "high"), ("high", "asap"), ("", "low")])
def test_unknown_levels_are_refused_and_nothing_is_written(world: World, impact: str, urgency: str) -> None:
    with pytest.raises(InvalidValue):
        world.open(impact=impact, urgency=urgency)
    assert world.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert world.desk.events == []


# ---- SLA -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("impact", "urgency", "response", "resolution"),
    [
        ("high", "high", timedelta(minutes=15), timedelta(hours=4)),  # P1
        ("high", "medium", timedelta(hours=1), timedelta(hours=8)),  # P2
        ("medium", "medium", timedelta(hours=4), timedelta(days=3)),  # P3
        ("low", "low", timedelta(hours=8), timedelta(days=5)),  # P4
    ],
)
def test_due_times_from_the_default_sla_targets(
    world: World, impact: str, urgency: str, response: timedelta, resolution: timedelta
) -> None:
    now = world.bot.clock.now()
    ticket = world.open(impact=impact, urgency=urgency)
    assert ticket.created_at == now
    assert (ticket.response_due_at, ticket.resolution_due_at) == (now + response, now + resolution)


def test_due_times_from_configured_sla_targets(bot: DeskBot, world: World) -> None:
    sla = {"P3": SlaTarget(response_minutes=30, resolution_minutes=600)}
    custom = world_for(bot, world.session, bot.app.config.model_copy(update={"sla": sla}))
    bot.clock.advance(timedelta(days=2, minutes=7))
    now = bot.clock.now()
    p3 = custom.open(impact="medium", urgency="medium")
    assert (p3.response_due_at, p3.resolution_due_at) == (
        now + timedelta(minutes=30),
        now + timedelta(hours=10),
    )
    # A priority without a target has no due times (nothing to watch), rather than someone else's.
    p4 = custom.open(impact="low", urgency="low")
    assert (p4.priority, p4.response_due_at, p4.resolution_due_at) == ("P4", None, None)


def test_priority_change_recomputes_due_times_and_is_audited(world: World) -> None:
    ticket = world.open(impact="low", urgency="low")  # P4
    created = ticket.created_at
    world.bot.clock.advance(timedelta(minutes=40))
    world.desk.events.clear()

    world.desk.set_priority(world.person("anna"), ticket.key, "p1")

    assert ticket.priority == "P1"
    # Due from the moment the request came in, not from the moment someone noticed it is urgent.
    assert (ticket.response_due_at, ticket.resolution_due_at) == (
        created + timedelta(minutes=15),
        created + timedelta(hours=4),
    )
    world.session.flush()
    last = ticket.events[-1]
    assert (last.kind, last.old_value, last.new_value, last.actor.handle, last.at) == (
        "priority",
        "P4",
        "P1",
        "anna",
        world.bot.clock.now(),
    )
    assert world.desk.events == [ev.PriorityChanged(ticket.id, world.person("anna").id, "P4", "P1")]
    assert ticket.updated_at == world.bot.clock.now()


def test_same_priority_again_changes_nothing(world: World) -> None:
    ticket = world.open(impact="low", urgency="low")
    before = world.audit_rows()
    world.desk.events.clear()
    world.desk.set_priority(world.person("anna"), ticket.key, "P4")
    assert world.audit_rows() == before and world.desk.events == []


@pytest.mark.parametrize("priority", ["P0", "P5", "high", ""])
def test_unknown_priority_is_refused(world: World, priority: str) -> None:
    ticket = world.open()
    with pytest.raises(InvalidValue):
        world.desk.set_priority(world.person("anna"), ticket.key, priority)
    assert ticket.priority == "P3"


# ---- audit trail -----------------------------------------------------------------------------------
def test_every_change_is_an_audit_event_with_actor_time_and_old_new(world: World) -> None:
    clock, desk, p = world.bot.clock, world.desk, world.person
    start = clock.now()
    steps = [
        lambda key: desk.claim(p("anna"), key),
        lambda key: desk.unclaim(p("anna"), key),
        lambda key: desk.assign(p("lena"), key, "anna"),
        lambda key: desk.change_status(p("anna"), key, Status.WAITING, "Which version?"),
        lambda key: desk.reply(p("bob"), key, "Version 16"),
        lambda key: desk.note(p("anna"), key, "Known bug"),
        lambda key: desk.set_priority(p("anna"), key, "P2"),
        lambda key: desk.resolve(p("anna"), key, "Patched"),
        lambda key: desk.reopen(p("bob"), key, "Still broken"),
        lambda key: desk.resolve(p("anna"), key, "Patched again"),
        lambda key: desk.confirm(p("bob"), key),
    ]
    ticket = world.open()
    for step in steps:
        clock.advance(timedelta(minutes=1))
        step(ticket.key)
    world.session.flush()
    at = [start + timedelta(minutes=m) for m in range(len(steps) + 1)]
    trail = [
        (e.actor.handle if e.actor else None, e.at, e.kind, e.old_value, e.new_value, e.note)
        for e in ticket.events
    ]
    assert trail == [
        ("bob", at[0], "opened", None, "new", "Outlook crashes"),
        ("anna", at[1], "claimed", None, "anna", None),
        ("anna", at[1], "status", "new", "assigned", None),
        ("anna", at[2], "unclaimed", "anna", None, None),
        ("anna", at[2], "status", "assigned", "new", None),
        ("lena", at[3], "assigned", None, "anna", None),
        ("lena", at[3], "status", "new", "assigned", None),
        ("anna", at[4], "status", "assigned", "waiting", "Which version?"),
        ("bob", at[5], "reply", None, None, "Version 16"),
        ("bob", at[5], "status", "waiting", "in_progress", None),
        ("anna", at[6], "note", None, None, "Known bug"),
        ("anna", at[7], "priority", "P3", "P2", None),
        ("anna", at[8], "reply", None, None, "Patched"),
        ("anna", at[8], "status", "in_progress", "resolved", "Patched"),
        ("bob", at[9], "status", "resolved", "in_progress", "Still broken"),
        ("anna", at[10], "reply", None, None, "Patched again"),
        ("anna", at[10], "status", "in_progress", "resolved", "Patched again"),
        ("bob", at[11], "status", "resolved", "closed", None),
    ]
    assert (ticket.status, ticket.closed_at, ticket.first_response_at) == ("closed", at[11], at[1])


def test_auto_assignment_is_audited_without_an_actor(world: World) -> None:
    ticket = world.open("paul", category="coaching", title="Risk management")  # pmo: round robin
    world.session.flush()
    assert ticket.team.slug == "pmo"
    assert [(e.actor_id, e.kind, e.old_value, e.new_value) for e in ticket.events] == [
        (world.person("paul").id, "opened", None, "new"),
        (None, "auto_assigned", None, "carla"),
        (None, "status", "new", "assigned"),
    ]


# ---- refusals leave nothing behind ------------------------------------------------------------------
INVALID = [
    (old, new) for old in Status for new in sorted(SETTABLE_BY_COMMAND) if not can_transition(old, new)
]


@pytest.mark.parametrize(("old", "new"), INVALID, ids=[f"{o}->{n}" for o, n in INVALID])
def test_status_change_the_table_forbids(world: World, old: Status, new: Status) -> None:
    ticket = world.open()
    ticket.status = old
    world.session.flush()
    before, world.desk.events[:] = world.audit_rows(), []
    with pytest.raises(InvalidTransition) as refused:
        world.desk.change_status(world.person("lena"), ticket.key, new, "note")
    assert refused.value.params == {"key": ticket.key, "old": old, "new": new}
    assert ticket.status == old and ticket.assignee is None
    assert world.audit_rows() == before and world.desk.events == []


@pytest.mark.parametrize("status", [Status.NEW, Status.ASSIGNED])
def test_change_status_never_sets_new_or_assigned(world: World, status: Status) -> None:
    ticket = world.open()
    with pytest.raises(InvalidTransition):
        world.desk.change_status(world.person("anna"), ticket.key, status)
    assert ticket.status == "new"


@pytest.mark.parametrize(
    ("who", "operation"),
    [
        ("bob", lambda d, p, key: d.claim(p, key)),
        ("bob", lambda d, p, key: d.note(p, key, "x")),
        ("bob", lambda d, p, key: d.resolve(p, key, "x")),
        ("bob", lambda d, p, key: d.set_priority(p, key, "P1")),
        ("bob", lambda d, p, key: d.queue(p)),
        ("bob", lambda d, p, key: d.assigned_to(p)),
        ("ben", lambda d, p, key: d.reply(p, key, "hello")),
        ("ben", lambda d, p, key: d.cancel(p, key)),
        ("alice", lambda d, p, key: d.cancel(p, key)),
        ("alice", lambda d, p, key: d.reply(p, key, "hi")),
    ],
)
def test_refused_operations_write_nothing(world: World, who: str, operation: object) -> None:
    ticket = world.open()
    before, world.desk.events[:] = world.audit_rows(), []
    with pytest.raises(DeskError) as refused:
        operation(world.desk, world.person(who), ticket.key)  # type: ignore[operator]
    assert (
        isinstance(refused.value, NotAllowed | TicketNotFound)
        or refused.value.text_key == "error_not_in_team"
    )
    assert world.audit_rows() == before and world.desk.events == [] and ticket.comments == []
    assert (ticket.status, ticket.assignee) == ("new", None)


def test_someone_elses_ticket_is_not_found_like_a_missing_one(world: World) -> None:
    ticket = world.open("bob")
    alice = world.person("alice")
    with pytest.raises(TicketNotFound) as foreign:
        world.desk.ticket_for(alice, ticket.key)
    with pytest.raises(TicketNotFound) as missing:
        world.desk.ticket_for(alice, "SD-999")
    assert type(foreign.value) is type(missing.value)
    assert foreign.value.params == {"key": ticket.key} and missing.value.params == {"key": "SD-999"}
    assert world.desk.ticket_for(world.person("bob"), ticket.key) is ticket
    assert world.desk.ticket_for(world.person("ben"), ticket.key) is ticket  # agents see every ticket


@pytest.mark.parametrize("key", ["SD-x", "1", "sd-1", "SD-"])
def test_ticket_for_wants_a_normalised_key(world: World, key: str) -> None:
    world.open()
    with pytest.raises(TicketNotFound):
        world.desk.ticket_for(world.person("anna"), key)


def test_texts_are_clipped_and_empty_texts_refused(world: World) -> None:
    ticket = world.open(title="x" * 500)
    assert len(ticket.title) == 200
    with pytest.raises(InvalidValue):
        world.desk.note(world.person("anna"), ticket.key, "   ")
    with pytest.raises(InvalidValue):
        world.desk.resolve(world.person("anna"), ticket.key, "")
    comment = world.desk.reply(world.person("anna"), ticket.key, "y" * 5000)
    assert len(comment.body) == 4000

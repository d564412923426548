"""Who may see and do what. One place, so every operation asks the same questions."""

from __future__ import annotations

from storage.models import Person, Ticket

WORKER_ROLES = ("agent", "coach", "lead", "admin")
DESK_WIDE_ROLES = ("lead", "admin")


def is_worker(person: Person) -> bool:
    """Agents (and coaches, for coaching requests) work tickets; leads and admins too."""
    return person.has_role(*WORKER_ROLES)


def is_desk_wide(person: Person) -> bool:
    """Leads and admins act across teams: reassign anywhere, see every queue."""
    return person.has_role(*DESK_WIDE_ROLES)


def in_team(person: Person, team_id: int) -> bool:
    return any(membership.team_id == team_id for membership in person.memberships)


def can_see(person: Person, ticket: Ticket) -> bool:
    return ticket.requester_id == person.id or ticket.assignee_id == person.id or is_worker(person)


def can_work(person: Person, ticket: Ticket) -> bool:
    if is_desk_wide(person):
        return True
    return is_worker(person) and (in_team(person, ticket.team_id) or ticket.assignee_id == person.id)

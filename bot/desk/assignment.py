"""Who gets a new ticket: the team's auto-assign policy (none, round_robin, least_loaded)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.desk.access import is_worker
from bot.desk.status import OPEN_STATUSES
from storage.models import Person, Team, TeamMembership, Ticket


def team_workers(session: Session, team: Team) -> list[Person]:
    people = session.scalars(
        select(Person).join(TeamMembership).where(TeamMembership.team_id == team.id).order_by(Person.id)
    ).all()
    return [person for person in people if is_worker(person)]


def pick_assignee(session: Session, team: Team) -> Person | None:
    if team.auto_assign == "none":
        return None
    workers = team_workers(session, team)
    if not workers:
        return None
    if team.auto_assign == "round_robin":
        ids = [worker.id for worker in workers]
        after = ids.index(team.last_assignee_id) + 1 if team.last_assignee_id in ids else 0
        return workers[after % len(workers)]
    # least_loaded: fewest open tickets; ties go to the one listed first, so the choice is repeatable.
    loads = dict(
        session.execute(
            select(Ticket.assignee_id, func.count())
            .where(Ticket.assignee_id.in_([w.id for w in workers]), Ticket.status.in_(list(OPEN_STATUSES)))
            .group_by(Ticket.assignee_id)
        ).all()
    )
    return min(workers, key=lambda worker: loads.get(worker.id, 0))

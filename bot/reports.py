"""`spoc tickets list|show`: the tickets and their history, for people and for scripts (--json)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.desk.status import Status, parse_status
from bot.settings import Settings
from nlu.entities import parse_ticket_ref
from storage.database import make_engine, make_session_factory
from storage.migrate import DatabaseNotReady, is_up_to_date
from storage.models import Ticket


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "key": ticket.key,
        "category": ticket.category,
        "title": ticket.title,
        "status": ticket.status,
        "priority": ticket.priority,
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "team": ticket.team.slug,
        "requester": ticket.requester.handle,
        "assignee": ticket.assignee.handle if ticket.assignee else None,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "first_response_at": _iso(ticket.first_response_at),
        "resolved_at": _iso(ticket.resolved_at),
        "closed_at": _iso(ticket.closed_at),
        "response_due_at": _iso(ticket.response_due_at),
        "resolution_due_at": _iso(ticket.resolution_due_at),
    }


def ticket_detail(ticket: Ticket) -> dict[str, Any]:
    return {
        **ticket_summary(ticket),
        "description": ticket.description,
        "details": ticket.details,
        "origin": {
            "channel": ticket.origin_channel,
            "chat": ticket.origin_chat,
            "thread": ticket.origin_thread,
        },
        "comments": [
            {"author": c.author.handle, "public": c.public, "body": c.body, "at": c.created_at.isoformat()}
            for c in ticket.comments
        ],
        "events": [
            {
                "at": e.at.isoformat(),
                "actor": e.actor.handle if e.actor else None,
                "kind": e.kind,
                "old": e.old_value,
                "new": e.new_value,
                "note": e.note,
            }
            for e in ticket.events
        ],
    }


def list_tickets(
    settings: Settings, status: str | None, as_json: bool, out: TextIO, err: TextIO | None = None
) -> int:
    wanted: Status | None = None
    if status:
        wanted = parse_status(status)
        if wanted is None:
            print(
                f"spoc: unknown status {status!r}; one of: {', '.join(s.value for s in Status)}",
                file=err or sys.stderr,
            )
            return 2
    with _session(settings) as session:
        query = select(Ticket).order_by(Ticket.id)
        if wanted:
            query = query.where(Ticket.status == wanted)
        rows = [ticket_summary(t) for t in session.scalars(query)]
    if as_json:
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    for row in rows:
        print(
            f"{row['key']:<8} {row['status']:<12} {row['priority']} {row['category']:<13} "
            f"{row['team']:<14} {row['assignee'] or '-':<8} {row['title'][:60]}",
            file=out,
        )
    if not rows:
        print("no tickets", file=out)
    return 0


def show_ticket(
    settings: Settings, reference: str, as_json: bool, out: TextIO, err: TextIO | None = None
) -> int:
    key = parse_ticket_ref(reference)
    with _session(settings) as session:
        ticket = session.get(Ticket, int(key[3:])) if key else None
        if ticket is None:
            print(f"spoc: no ticket {reference}", file=err or sys.stderr)
            return 1
        detail = ticket_detail(ticket)
    if as_json:
        json.dump(detail, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    print(
        f"{detail['key']}  {detail['status']}  {detail['priority']}  {detail['category']}  "
        f"team {detail['team']}",
        file=out,
    )
    print(f"title:     {detail['title']}", file=out)
    print(f"requester: {detail['requester']}   assignee: {detail['assignee'] or '-'}", file=out)
    for name, value in detail["details"].items():
        print(f"{name}: {value}", file=out)
    print("history:", file=out)
    for event in detail["events"]:
        change = f"{event['old'] or ''} -> {event['new'] or ''}" if event["old"] or event["new"] else ""
        note = f"  {event['note']}" if event["note"] else ""
        print(
            f"  {event['at']}  {event['actor'] or 'system':<8} {event['kind']:<14} {change}{note}", file=out
        )
    return 0


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    """A session on the existing database: looking at tickets never creates or migrates one (a typo in
    the URL must not quietly show an empty, new desk)."""
    url = make_url(settings.spoc_database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise DatabaseNotReady(
            f"no SPOC database at {url.database!r}: start the bot once or run `spoc db upgrade`"
        )
    engine = make_engine(settings.spoc_database_url)
    try:
        if not is_up_to_date(engine):
            raise DatabaseNotReady("the database schema is not up to date: run `spoc db upgrade`")
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None

"""Where to reach a person or a team on the channels this process delivers to."""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import Person, Team, Ticket


@dataclass(frozen=True)
class Address:
    channel: str
    address: str
    thread: str | None = None


def requester_address(ticket: Ticket, enabled: frozenset[str]) -> Address | None:
    """Back to the chat (and thread) the request came from; else wherever the requester can be reached."""
    if ticket.origin_channel in enabled:
        return Address(ticket.origin_channel, ticket.origin_chat, ticket.origin_thread)
    return person_address(ticket.requester, enabled)


def person_address(person: Person, enabled: frozenset[str], prefer: str | None = None) -> Address | None:
    accounts = sorted(person.accounts, key=lambda account: (account.channel != prefer, account.id))
    for account in accounts:
        if account.channel in enabled:
            return Address(account.channel, account.direct_address or account.external_id)
    return None


def team_addresses(team: Team, enabled: frozenset[str]) -> list[Address]:
    return [Address(c.channel, c.address) for c in team.channels if c.channel in enabled]

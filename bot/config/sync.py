"""Apply the desk configuration to the database at start-up: teams, people, memberships, accounts.

People who registered themselves on first contact are kept; configured people are updated in place, so
a renamed person keeps their tickets. Someone taken out of the configuration stays (their tickets and
history need them) but only as a requester: no team, no agent or lead role any more.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.schema import DeskConfig
from storage.models import ChannelAccount, Person, Team, TeamChannel, TeamMembership

CONSOLE = "console"
# The platforms whose accounts the configuration lists (PersonConfig.accounts).
CONFIGURED_CHANNELS = ("slack", "telegram")


def apply_config(session: Session, config: DeskConfig, now: datetime) -> None:
    teams = {team.slug: team for team in session.scalars(select(Team))}
    for team_config in config.teams:
        team = teams.get(team_config.id) or Team(slug=team_config.id)
        team.name = team_config.name
        team.auto_assign = team_config.auto_assign
        session.add(team)
        _sync_team_channels(team, team_config.channels)
        teams[team.slug] = team
    session.flush()

    people = {person.handle: person for person in session.scalars(select(Person))}
    for person_config in config.people:
        person = people.get(person_config.id)
        if person is None:
            # The configured language is where a person starts; their own choice (/lang, or writing
            # in the other language) is kept across restarts.
            person = Person(handle=person_config.id, created_at=now, language=person_config.language)
        person.display_name = person_config.name
        person.roles = sorted({"requester", *person_config.roles})
        person.location = person_config.location
        person.contact = person_config.contact
        session.add(person)
        session.flush()
        _sync_memberships(session, person, [teams[slug] for slug in person_config.teams])
        # Every configured person can use the terminal channel under their handle.
        accounts = {CONSOLE: person.handle, **person_config.accounts}
        _sync_accounts(session, person, accounts)
    session.flush()

    _demote_the_unconfigured(session, people, {person_config.id for person_config in config.people})
    session.flush()


def _demote_the_unconfigured(session: Session, people: dict[str, Person], configured: set[str]) -> None:
    """Whoever is not (or no longer) in the configuration keeps no team and no role beyond requester."""
    stale = select(TeamMembership).join(Person).where(Person.handle.not_in(configured))
    for membership in session.scalars(stale):
        session.delete(membership)
    for handle, person in people.items():
        if handle not in configured and person.roles != ["requester"]:
            person.roles = ["requester"]


def _sync_team_channels(team: Team, channels: dict[str, str]) -> None:
    existing = {channel.channel: channel for channel in team.channels}
    for name, channel in existing.items():
        if name not in channels:
            team.channels.remove(channel)
    for name, address in channels.items():
        if name in existing:
            existing[name].address = address
        else:
            team.channels.append(TeamChannel(channel=name, address=address))


def _sync_memberships(session: Session, person: Person, teams: list[Team]) -> None:
    wanted = {team.id for team in teams}
    for membership in list(person.memberships):
        if membership.team_id not in wanted:
            session.delete(membership)
    have = {membership.team_id for membership in person.memberships}
    for team in teams:
        if team.id not in have:
            session.add(TeamMembership(team=team, person=person))


def _sync_accounts(session: Session, person: Person, accounts: dict[str, str]) -> None:
    # A platform account taken out of a configured person's entry no longer speaks as that person.
    for account in session.scalars(
        select(ChannelAccount).where(
            ChannelAccount.person_id == person.id,
            ChannelAccount.channel.in_(CONFIGURED_CHANNELS),
            ChannelAccount.channel.not_in(list(accounts)),
        )
    ):
        session.delete(account)
    for channel, external_id in accounts.items():
        account = session.scalar(
            select(ChannelAccount).where(
                ChannelAccount.channel == channel, ChannelAccount.external_id == external_id
            )
        )
        if account is None:
            stale = session.scalar(
                select(ChannelAccount).where(
                    ChannelAccount.channel == channel, ChannelAccount.person_id == person.id
                )
            )
            if stale is not None:
                session.delete(stale)
                session.flush()
            session.add(
                ChannelAccount(
                    person=person,
                    channel=channel,
                    external_id=external_id,
                    direct_address=external_id if channel == CONSOLE else None,
                )
            )
        elif account.person_id != person.id:
            account.person = person

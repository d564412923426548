"""Auto-assignment policies of a team (none, round_robin, least_loaded), on a desk of our own making:
who gets each new ticket, and that the requester is told who has it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config.loader import load_desk_config
from bot.config.schema import DeskConfig
from bot.desk.tickets import Desk, NewTicket, Origin
from nlu.backend import NluBackend
from storage.models import Person
from tests.conftest import make_app
from tests.support import DeskBot, MemoryChannel, say_steps, text_to, texts_to
from tests.test_commands_support import open_ticket

DESK_YAML = """
desk: {{name: Test desk, default_language: en, default_team: helpdesk}}
teams:
  - id: helpdesk
    name: Helpdesk
    categories: [incident, user_support, documentation, installation]
    auto_assign: {policy}
    channels: {{console: "#helpdesk"}}
  - id: other
    name: Other team
    categories: [coaching]
    channels: {{console: "#other"}}
  - id: empty
    name: Nobody here
    categories: [training]
    auto_assign: {policy}
people:
  - {{id: rita, name: Rita Requester}}
  - {{id: una, name: Una One, roles: [agent], teams: [helpdesk], location: Room 1}}
  - {{id: manu, name: Manu Member, teams: [helpdesk]}}
  - {{id: tom, name: Tom Two, roles: [agent], teams: [helpdesk], location: Room 2}}
  - {{id: lee, name: Lee Lead, roles: [lead]}}
  - {{id: otto, name: Otto Other, roles: [agent], teams: [other]}}
  - {{id: tia, name: Tia Three, roles: [agent, lead], teams: [other, helpdesk], location: Room 3}}
"""
WORKERS = ["una", "tom", "tia"]  # the helpdesk's workers in the order they were configured
RITA = ("My Outlook crashes on every start since this morning", "Only me", "My work is impaired", "Submit")

Factory = Callable[[str], DeskBot]


@pytest.fixture
def desk_with(tmp_path: Path, channel: MemoryChannel, clock: FakeClock, nlu: NluBackend) -> Iterator[Factory]:
    apps = []

    def build(policy: str) -> DeskBot:
        file = tmp_path / f"desk-{policy}.yml"
        file.write_text(DESK_YAML.format(policy=policy), encoding="utf-8")
        config: DeskConfig = load_desk_config(file)
        app = make_app(f"sqlite:///{tmp_path / f'{policy}.db'}", channel, clock, nlu, config)
        apps.append(app)
        return DeskBot(app, channel, clock)

    yield build
    for app in apps:
        app.close()


def assignees(bot: DeskBot) -> list[str | None]:
    return [t.assignee.handle if t.assignee else None for t in bot.tickets()]


def open_directly(bot: DeskBot, count: int) -> None:
    """Open tickets straight through the desk (as rita), one transaction each."""
    for _ in range(count):
        with bot.session() as session, session.begin():
            rita = session.query(Person).filter_by(handle="rita").one()
            Desk(session, bot.clock, bot.app.config).open(
                rita,
                NewTicket("incident", "Printer", "Printer prints blank pages"),
                Origin("console", "rita"),
            )


def test_none_leaves_new_tickets_unassigned(desk_with: Factory) -> None:
    bot = desk_with("none")
    sent = say_steps(bot, "rita", RITA)
    assert "SD-1" in text_to(sent, "rita") and "is now handling" not in text_to(sent, "rita")
    open_directly(bot, 2)
    assert assignees(bot) == [None, None, None]
    assert {t.status for t in bot.tickets()} == {"new"}


def test_round_robin_rotates_over_the_teams_workers_in_order(desk_with: Factory) -> None:
    bot = desk_with("round_robin")
    open_directly(bot, 7)
    # manu is in the team but no agent; lee leads but is not a member; otto is in another team.
    assert assignees(bot) == [*WORKERS, *WORKERS, "una"]
    assert {t.status for t in bot.tickets()} == {"assigned"}


def test_round_robin_continues_after_the_last_one_even_if_tickets_are_closed(desk_with: Factory) -> None:
    bot = desk_with("round_robin")
    open_directly(bot, 2)  # una, tom
    bot.say("tom", "/resolve SD-2 done")
    bot.say("una", "/unclaim SD-1")
    open_directly(bot, 2)
    assert assignees(bot) == [None, "tom", "tia", "una"]


def test_least_loaded_picks_the_worker_with_fewest_open_tickets(desk_with: Factory) -> None:
    bot = desk_with("least_loaded")
    open_directly(bot, 4)
    # All start at none: ties go to the one configured first.
    assert assignees(bot) == ["una", "tom", "tia", "una"]
    # tom's ticket is resolved and tia's cancelled: they count no longer.
    bot.say("tom", "/resolve SD-2 done")
    bot.say("rita", "/cancel SD-3")
    open_directly(bot, 1)
    assert assignees(bot)[-1] == "tom"
    open_directly(bot, 1)
    assert assignees(bot)[-1] == "tia"  # una 2, tom 1, tia 0


def test_least_loaded_counts_open_tickets_of_other_teams_too(desk_with: Factory) -> None:
    bot = desk_with("least_loaded")
    with bot.session() as session, session.begin():
        rita = session.query(Person).filter_by(handle="rita").one()
        desk = Desk(session, bot.clock, bot.app.config)
        coaching = desk.open(
            rita, NewTicket("coaching", "Coaching", "Risk", team="other"), Origin("console", "rita")
        )
        desk.assign(session.query(Person).filter_by(handle="tia").one(), coaching.key, "tia")
        desk.assign(session.query(Person).filter_by(handle="tia").one(), coaching.key, "una")
    open_directly(bot, 2)
    assert assignees(bot) == ["una", "tom", "tia"]


def test_the_requester_is_told_who_got_the_ticket(desk_with: Factory) -> None:
    bot = desk_with("round_robin")
    sent = say_steps(bot, "rita", RITA)
    told = texts_to(sent, "rita")
    assert told[0].startswith("Your request SD-1 (Incident, priority P4) is open and with team Helpdesk.")
    assert "Una One (Helpdesk, Room 1) is now handling your request SD-1." in told[1]
    # The worker hears of it directly, not only through the team channel.
    assert texts_to(sent, "una") == [
        "SPOC assigned SD-1 to you: My Outlook crashes on every start since this morning"
    ]
    assert bot.ticket(1).assignee.handle == "una"
    start = len(bot.channel.sent)
    open_ticket(bot, "rita", ("The VPN drops every few minutes since this morning", *RITA[1:]))
    assert "Tom Two (Helpdesk, Room 2) is now handling your request SD-2." in text_to(
        bot.channel.sent[start:], "rita"
    )


@pytest.mark.parametrize("policy", ["round_robin", "least_loaded"])
def test_a_team_without_workers_leaves_the_ticket_new(desk_with: Factory, policy: str) -> None:
    bot = desk_with(policy)
    with bot.session() as session, session.begin():
        rita = session.query(Person).filter_by(handle="rita").one()
        ticket = Desk(session, bot.clock, bot.app.config).open(
            rita, NewTicket("training", "Excel", "Excel training"), Origin("console", "rita")
        )
        assert (ticket.team.slug, ticket.assignee, ticket.status) == ("empty", None, "new")

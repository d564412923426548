"""`spoc chat`: the bot in this terminal, interactive or scripted from standard input."""

from __future__ import annotations

import gc
import sys
from typing import TextIO

from bot.app import build_application
from bot.channels.console import CHANNEL, ConsoleChannel
from bot.config.schema import DeskConfig
from bot.settings import Settings

BANNER = (
    "SPOC service desk, terminal channel. You are {person}. Write '@name text' to write as someone else\n"
    "(demo desk: alice, bob, anna, ben, lena, carla, paul); answer buttons by number. Ctrl-D ends."
)


def team_members(config: DeskConfig) -> dict[str, frozenset[str]]:
    """Each team's terminal address with the handles of its members (of every team using it)."""
    members: dict[str, frozenset[str]] = {}
    for team in config.teams:
        if CHANNEL in team.channels:
            address = team.channels[CHANNEL]
            handles = frozenset(p.id for p in config.people if team.id in p.teams)
            members[address] = members.get(address, frozenset()) | handles
    return members


def chat(settings: Settings, person: str, stdin: TextIO, stdout: TextIO) -> int:
    console = ConsoleChannel(stdout, person.lower())
    app = build_application(settings, {CHANNEL: console})
    # Everything loaded at start-up (NLU model, SQLAlchemy's caches) lives as long as the process: keep
    # it out of the garbage collector's full passes, which otherwise pause a reply for ~0.1 s.
    gc.collect()
    gc.freeze()
    console.team_members = team_members(app.config)
    interactive = stdin.isatty()
    try:
        # Messages queued while the bot was not running (or left over from a crash) go out first.
        app.relay.deliver_pending()
        if interactive:
            print(BANNER.format(person=console.current), file=stdout)
        while True:
            if interactive:
                print(f"{console.current}> ", end="", file=stdout, flush=True)
            line = stdin.readline()
            if not line:
                break
            inbound = console.translate(line)
            if inbound is None:
                continue
            if not interactive:
                # Scripted input is echoed, so the output reads as a transcript.
                print("{}> {}".format(*console.split_sender(line)), file=stdout)
            app.handle(inbound)
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(chat(Settings(), "alice", sys.stdin, sys.stdout))

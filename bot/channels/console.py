"""The terminal channel (`spoc chat`): a plain line comes from the current person, `@name text` from
that person; every message the bot sends is printed with its recipient; buttons are numbered and
answered by number or by their text."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TextIO

from bot.messages import Button, Inbound, Outgoing

CHANNEL = "console"


class ConsoleChannel:
    name = CHANNEL

    def __init__(
        self, out: TextIO, current: str, team_members: Mapping[str, Collection[str]] | None = None
    ) -> None:
        self.out = out
        self.current = current
        # Who may answer a team channel's buttons (team address -> handles); None: anyone.
        self.team_members = team_members
        # The buttons of the latest message to each address, so "2" or "Submit" can answer it.
        self._buttons: dict[str, tuple[Button, ...]] = {}
        # Team addresses, the most recently written to last.
        self._team_addresses: list[str] = []

    # ---- outgoing -----------------------------------------------------------------------------
    def send(self, message: Outgoing) -> str | None:
        if message.edit_ref is not None or message.kind == "card_update":
            # A terminal cannot change what it printed, and printing a team card again on every change
            # would bury the conversation: the card's news comes as the team notices that go with it.
            return message.edit_ref
        lines = message.text.splitlines() or [""]
        print(f"[{message.address}] {lines[0]}", file=self.out)
        for line in lines[1:]:
            print(f"{' ' * (len(message.address) + 3)}{line}", file=self.out)
        if message.buttons:
            numbered = "   ".join(f"{i}) {b.label}" for i, b in enumerate(message.buttons, start=1))
            print(f"{' ' * (len(message.address) + 3)}{numbered}", file=self.out)
        self._buttons[message.address] = message.buttons
        if message.address.startswith("#"):
            if message.address in self._team_addresses:
                self._team_addresses.remove(message.address)
            self._team_addresses.append(message.address)
        self.out.flush()
        return f"console-{message.outbox_id}"

    # ---- incoming -----------------------------------------------------------------------------
    def translate(self, line: str) -> Inbound | None:
        """A typed line as a neutral message, or None for a blank line."""
        if not line.strip():
            return None
        sender, text = self.split_sender(line)
        if not text.strip():  # "@anna" alone says nothing
            return None
        button = self._pressed(sender, text.strip())
        return Inbound(
            channel=CHANNEL,
            chat_id=sender,
            user_id=sender,
            text=button.value if button else text,
            is_button=button is not None,
            user_name=sender,
        )

    def split_sender(self, line: str) -> tuple[str, str]:
        """`@anna /claim SD-1` is anna's; any other line is the current person's."""
        line = line.rstrip("\r\n")
        if line.startswith("@"):
            name, _, rest = line[1:].partition(" ")
            if name:
                return name.lower(), rest
        return self.current, line

    def _pressed(self, sender: str, text: str) -> Button | None:
        """A number or a button's label answers the person's latest buttons, else the latest card in a
        team channel the person belongs to (a requester's "1" never presses an agent's button)."""
        candidates = [self._buttons.get(sender, ())]
        candidates += [
            self._buttons[address]
            for address in reversed(self._team_addresses)
            if self.team_members is None or sender in self.team_members.get(address, ())
        ]
        for buttons in candidates:
            if not buttons:
                continue
            if text.isdigit() and 1 <= int(text) <= len(buttons):
                return buttons[int(text) - 1]
            for button in buttons:
                if text.lower() == button.label.lower():
                    return button
        return None

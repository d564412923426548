"""Channel-neutral messages: what adapters hand to dispatch, and what the bot sends back."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    label: str
    # What pressing it sends on the presser's behalf: a command ("/claim SD-1") or a flow answer.
    value: str


@dataclass(frozen=True)
class Inbound:
    """One message or button press from a person, already translated from the platform's payload."""

    channel: str
    chat_id: str
    user_id: str
    text: str
    thread: str | None = None
    delivery_id: str | None = None
    is_button: bool = False
    # What the platform tells about an unknown user, used to register them on first contact.
    user_name: str | None = None
    user_language: str | None = None
    # A one-to-one chat with the bot (a DM, a private chat), as opposed to a channel or group.
    is_direct: bool = True


@dataclass(frozen=True)
class Outgoing:
    """One message to deliver, read from the outbox."""

    outbox_id: int
    channel: str
    address: str
    text: str
    thread: str | None = None
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    kind: str = "reply"
    ticket_key: str | None = None

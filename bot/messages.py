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
    # The bot's direct answers go to the sender alone (a Slack slash command typed in a channel, a
    # Telegram command in a group): they are written as kind "private" to `user_id` in `chat_id`.
    private_replies: bool = False


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
    # Change this earlier message of the bot's (the platform's id an adapter's send returned) instead of
    # posting a new one: a team's ticket card updated in place.
    edit_ref: str | None = None
    # For kind "private": the platform user id who alone sees it, in chat `address` (Slack: an ephemeral
    # message; Telegram: a private message to that user).
    recipient: str | None = None

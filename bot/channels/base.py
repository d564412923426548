"""What every channel adapter offers the relay: send one message, or say why it could not."""

from __future__ import annotations

from typing import Protocol

from bot.messages import Outgoing


class DeliveryError(Exception):
    """The platform did not take the message. `retry_after` (seconds) when the platform said so;
    `permanent` when retrying can never help (the chat is gone, the message is unacceptable); `blocked`
    when the person blocked the bot (permanent too, and recorded on their account)."""

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        blocked: bool = False,
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.permanent = permanent or blocked
        self.blocked = blocked


class ChannelAdapter(Protocol):
    name: str

    def send(self, message: Outgoing) -> str | None:
        """Post the message (or, with `edit_ref`, change that earlier one); returns the platform's id of
        the message (Slack `ts`, Telegram `message_id` as text), or None when the platform has none.
        The relay keeps the id of a team's ticket card, to update the card and thread notices under it."""
        ...

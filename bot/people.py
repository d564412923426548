"""Who wrote: the person behind a platform account, registered as a requester on first contact."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.config.schema import DeskConfig
from bot.i18n import LANGUAGES
from bot.messages import Inbound
from storage.models import ChannelAccount, Person

log = logging.getLogger(__name__)


def resolve_person(
    session: Session, inbound: Inbound, config: DeskConfig, now: datetime
) -> tuple[Person, bool]:
    """The person behind the platform account, and whether they were registered just now."""
    account = session.scalar(
        select(ChannelAccount)
        .options(joinedload(ChannelAccount.person))
        .where(ChannelAccount.channel == inbound.channel, ChannelAccount.external_id == inbound.user_id)
    )
    if account is not None:
        if account.direct_address is None and inbound.is_direct:
            account.direct_address = inbound.chat_id
        if account.blocked_at is not None and inbound.is_direct:
            account.blocked_at = None  # writing to the bot privately again undoes having blocked it
        return account.person, False
    return _register(session, inbound, config, now), True


def _register(session: Session, inbound: Inbound, config: DeskConfig, now: datetime) -> Person:
    """Someone the desk configuration does not know: a requester, from now on."""
    language = (inbound.user_language or "")[:2].lower()
    name = (inbound.user_name or inbound.user_id)[:200]
    person = Person(
        handle=_free_handle(session, name, inbound),
        display_name=name,
        language=language if language in LANGUAGES else config.desk.default_language,
        roles=["requester"],
        created_at=now,
    )
    session.add(person)
    session.add(
        ChannelAccount(
            person=person,
            channel=inbound.channel,
            external_id=inbound.user_id,
            # Personal notifications go only to a one-to-one chat, never to a group.
            direct_address=inbound.chat_id if inbound.is_direct else None,
        )
    )
    session.flush()
    log.info("registered a new requester on %s", inbound.channel)
    return person


def _free_handle(session: Session, name: str, inbound: Inbound) -> str:
    base = re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-.")[:48] or "user"
    if inbound.channel != "console":
        # Platform strangers get a handle of their own namespace: an admin who later configures a
        # person "dave" must not inherit the tickets of a Slack stranger named Dave.
        base = f"{inbound.channel}-{base}"
    if not base[0].isalpha():
        base = f"u-{base}"
    handle, counter = base, 1
    while session.scalar(select(Person.id).where(Person.handle == handle)) is not None:
        counter += 1
        handle = f"{base}-{counter}"
    return handle

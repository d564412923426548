"""The whole request flow as good on Slack as in the terminal: typed answers in free words and pressed
buttons mixed, through the real slack-bolt against the fake Web API."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Ticket
from tests.slack.support import SlackDesk


def _tickets(app: object) -> list[tuple[str, str, str, dict[str, str]]]:
    with app.sessions() as session:  # type: ignore[attr-defined]
        return [
            (t.category, t.priority, t.urgency, dict(t.details))
            for t in session.scalars(select(Ticket).order_by(Ticket.id))
        ]


def test_slack_free_words_and_buttons_mixed(desk: SlackDesk) -> None:
    thread = desk.dm("U0BOB", "The VPN keeps dropping my connection")
    desk.dm("U0BOB", "since this morning", thread=thread)
    desk.press("U0BOB", "My team / several people")
    desk.dm("U0BOB", "we can work but calls keep cutting out", thread=thread)
    summary = desk.fake.posts("D0BOB")[-1].params["text"]
    assert summary.startswith("Please check your request (Incident, priority P3)")
    desk.dm("U0BOB", "yes please", thread=thread)
    [(category, priority, urgency, _)] = _tickets(desk.app)
    assert (category, priority, urgency) == ("incident", "P3", "medium")

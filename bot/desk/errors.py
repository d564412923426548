"""What the desk refuses, as exceptions: each carries a text key and its parameters for the user."""

from __future__ import annotations

from typing import Any


class DeskError(Exception):
    text_key = "error_generic"

    def __init__(self, **params: Any) -> None:
        super().__init__(f"{type(self).__name__}({params})")
        self.params = params


class TicketNotFound(DeskError):
    """Also raised for a ticket the person may not see: the answer must not reveal that it exists."""

    text_key = "error_ticket_not_found"


class PersonNotFound(DeskError):
    text_key = "error_person_not_found"


class TeamNotFound(DeskError):
    text_key = "error_team_not_found"


class NotAllowed(DeskError):
    text_key = "error_not_allowed"


class NotInTeam(DeskError):
    text_key = "error_not_in_team"


class NotTeamMember(DeskError):
    """Another team's queue: for its members and the leads."""

    text_key = "error_not_team_member"


class InvalidTransition(DeskError):
    text_key = "error_invalid_transition"


class AlreadyClaimed(DeskError):
    text_key = "error_already_claimed"


class NotClaimed(DeskError):
    text_key = "error_not_claimed"


class NotAHandler(DeskError):
    text_key = "error_not_a_handler"


class InvalidValue(DeskError):
    text_key = "error_invalid_value"

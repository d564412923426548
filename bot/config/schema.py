"""The desk configuration file's schema (pydantic): teams, people, catalogue, priority matrix, texts."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

Language = Literal["de", "en"]
Level = Literal["high", "medium", "low"]
Priority = Literal["P1", "P2", "P3", "P4"]
Role = Literal["requester", "agent", "lead", "coach", "project_lead", "admin"]
AutoAssign = Literal["none", "round_robin", "least_loaded"]
ChannelName = Literal["console", "slack", "telegram"]
Category = Literal["documentation", "training", "installation", "incident", "user_support", "coaching"]

HANDLE_PATTERN = r"^[a-z][a-z0-9_.-]{0,63}$"
MAX_CATALOGUE_NAME = 100
# Enough for a large company's software list; the matcher is precomputed, so size costs start-up only.
MAX_CATALOGUE_ITEMS = 2000

DEFAULT_MATRIX: dict[Level, dict[Level, Priority]] = {
    "high": {"high": "P1", "medium": "P2", "low": "P3"},
    "medium": {"high": "P2", "medium": "P3", "low": "P4"},
    "low": {"high": "P3", "medium": "P4", "low": "P4"},
}


class Strict(BaseModel):
    # A misspelt key is a mistake the admin wants to hear about, not a silently ignored line.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeskSection(Strict):
    name: str = "Service Desk"
    timezone: str = "Europe/Berlin"
    default_language: Language = "en"
    # Where a hand-off to a human and anything unrouted goes.
    default_team: str

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class TeamConfig(Strict):
    id: str = Field(pattern=HANDLE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    categories: list[Category] = Field(default_factory=list)
    auto_assign: AutoAssign = "none"
    channels: dict[ChannelName, str] = Field(default_factory=dict)


class PersonConfig(Strict):
    id: str = Field(pattern=HANDLE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    language: Language = "en"
    roles: list[Role] = Field(default_factory=lambda: ["requester"])
    teams: list[str] = Field(default_factory=list)
    location: str | None = None
    contact: str | None = None
    accounts: dict[Literal["slack", "telegram"], str] = Field(default_factory=dict)

    @field_validator("accounts", mode="before")
    @classmethod
    def _ids_as_text(cls, value: object) -> object:
        # Telegram user ids are numbers in YAML; they are compared as text everywhere.
        if isinstance(value, dict):
            return {key: str(item) for key, item in value.items()}
        return value


class CatalogueItemConfig(Strict):
    """One piece of software or hardware people ask for by name; the NLU finds it in messages."""

    name: str = Field(min_length=1, max_length=100)
    kind: Literal["software", "hardware"]
    synonyms: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("name", "synonyms")
    @classmethod
    def _no_blank_names(cls, value: str | list[str]) -> str | list[str]:
        for name in [value] if isinstance(value, str) else value:
            if not name.strip() or len(name) > MAX_CATALOGUE_NAME:
                raise ValueError(f"names must be 1 to {MAX_CATALOGUE_NAME} characters, not blank: {name!r}")
        return value


class SlaTarget(Strict):
    """Minutes to the first response and to the resolution, for one priority."""

    response_minutes: int = Field(gt=0)
    resolution_minutes: int = Field(gt=0)


DEFAULT_SLA: dict[Priority, SlaTarget] = {
    "P1": SlaTarget(response_minutes=15, resolution_minutes=4 * 60),
    "P2": SlaTarget(response_minutes=60, resolution_minutes=8 * 60),
    "P3": SlaTarget(response_minutes=4 * 60, resolution_minutes=3 * 24 * 60),
    "P4": SlaTarget(response_minutes=8 * 60, resolution_minutes=5 * 24 * 60),
}


class DeskConfig(Strict):
    desk: DeskSection
    priority_matrix: dict[Level, dict[Level, Priority]] = Field(default_factory=lambda: DEFAULT_MATRIX)
    sla: dict[Priority, SlaTarget] = Field(default_factory=lambda: dict(DEFAULT_SLA))
    teams: list[TeamConfig] = Field(min_length=1)
    people: list[PersonConfig] = Field(default_factory=list)
    # Software and hardware the desk installs and supports: pre-fills "which item?" questions.
    catalogue: list[CatalogueItemConfig] = Field(default_factory=list, max_length=MAX_CATALOGUE_ITEMS)
    texts: dict[Language, dict[str, str]] = Field(default_factory=dict)

    def team_for_category(self, category: str) -> str:
        for team in self.teams:
            if category in team.categories:
                return team.id
        return self.desk.default_team

    def priority(self, impact: str, urgency: str) -> str:
        return self.priority_matrix[impact][urgency]  # type: ignore[index]

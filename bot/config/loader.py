"""Load and check the desk configuration; a mistake names the file, the key and what is wrong."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.config.schema import DeskConfig
from bot.i18n import TEXT_KEYS

DEMO_DESK = "demo_desk.yml"
MAX_CONFIG_BYTES = 2_000_000


class ConfigError(Exception):
    """The desk configuration cannot be used; the message says where and why."""


def demo_desk_path() -> Path:
    return Path(str(resources.files("bot.config").joinpath(DEMO_DESK)))


def load_desk_config(path: Path | str | None = None) -> DeskConfig:
    file = Path(path) if path else demo_desk_path()
    try:
        if file.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{file}: the file is larger than {MAX_CONFIG_BYTES} bytes")
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the desk configuration: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{file}: not UTF-8 text: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}: expected a mapping with the keys desk, teams, people")
    try:
        config = DeskConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{file}: " + "; ".join(_describe(error) for error in exc.errors())) from exc
    problems = list(_cross_reference_problems(config))
    if problems:
        raise ConfigError(f"{file}: " + "; ".join(problems))
    return config


def _describe(error: Any) -> str:
    location = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
    return f"{location.lstrip('.') or '(top level)'}: {error['msg']}"


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({value for value in values if value in seen or seen.add(value)})  # type: ignore[func-returns-value]


def _cross_reference_problems(config: DeskConfig) -> Iterable[str]:
    team_ids = {team.id for team in config.teams}
    for team_id in _duplicates(team.id for team in config.teams):
        yield f"teams: the team id {team_id!r} is used twice"
    for handle in _duplicates(person.id for person in config.people):
        yield f"people: the person id {handle!r} is used twice"
    if config.desk.default_team not in team_ids:
        yield f"desk.default_team: no team with the id {config.desk.default_team!r}"
    for category in _duplicates(c for team in config.teams for c in team.categories):
        yield f"teams: the category {category!r} is routed to more than one team"
    for index, person in enumerate(config.people):
        for team_id in person.teams:
            if team_id not in team_ids:
                yield f"people[{index}].teams: no team with the id {team_id!r}"
    for channel in ("slack", "telegram"):
        accounts = [p.accounts[channel] for p in config.people if channel in p.accounts]  # type: ignore[index]
        for account in _duplicates(accounts):
            yield f"people: the {channel} account {account!r} belongs to more than one person"
    for impact in ("high", "medium", "low"):
        row = config.priority_matrix.get(impact)  # type: ignore[call-overload]
        missing = [u for u in ("high", "medium", "low") if row is None or u not in row]
        if missing:
            yield f"priority_matrix.{impact}: missing urgency {', '.join(missing)}"
    for language, texts in config.texts.items():
        for key in texts:
            if key not in TEXT_KEYS:
                yield f"texts.{language}.{key}: no such text (see the list in docs/configuration.md)"

"""Load and check the desk configuration; a mistake names the file, the key and what is wrong."""

from __future__ import annotations

import difflib
import string
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.config.schema import CatalogueItemConfig, DeskConfig, DeskSection, PersonConfig, TeamConfig
from bot.i18n import TEXT_KEYS, TEXTS
from nlu.catalogue import Catalogue, CatalogueItem

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
        raise ConfigError(f"{file}: not valid YAML: {_yaml_problem(exc)}") from exc
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


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        context = f"{exc.context}, " if exc.context else ""
        return f"line {mark.line + 1}, column {mark.column + 1}: {context}{exc.problem}"
    return str(exc)


def _describe(error: Any) -> str:
    location = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
    message = error["msg"]
    if error["type"] == "extra_forbidden" and error["loc"]:
        message += _did_you_mean(str(error["loc"][-1]), error["loc"][:-1])
    return f"{location.lstrip('.') or '(top level)'}: {message}"


_SECTIONS: dict[str, type[BaseModel]] = {
    "": DeskConfig,
    "desk": DeskSection,
    "teams": TeamConfig,
    "people": PersonConfig,
    "catalogue": CatalogueItemConfig,
}


def _did_you_mean(key: str, parents: tuple[Any, ...]) -> str:
    """A hint for a misspelt key ("temas" -> "teams"), from the keys the section allows."""
    section = next((str(p) for p in reversed(parents) if isinstance(p, str)), "")
    model = _SECTIONS.get(section)
    if model is None:
        return ""
    close = difflib.get_close_matches(key, list(model.model_fields), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _first_and_repeats(values: Iterable[tuple[int, str]]) -> Iterable[tuple[int, int, str]]:
    """(index, first index, value) for every value seen before."""
    first: dict[str, int] = {}
    for index, value in values:
        if value in first:
            yield index, first[value], value
        else:
            first[value] = index


def _cross_reference_problems(config: DeskConfig) -> Iterable[str]:
    team_ids = {team.id for team in config.teams}
    for index, earlier, team_id in _first_and_repeats(enumerate(team.id for team in config.teams)):
        yield f"teams[{index}].id: the team id {team_id!r} is already used by teams[{earlier}]"
    for index, earlier, handle in _first_and_repeats(enumerate(person.id for person in config.people)):
        yield f"people[{index}].id: the person id {handle!r} is already used by people[{earlier}]"
    if config.desk.default_team not in team_ids:
        yield f"desk.default_team: no team with the id {config.desk.default_team!r}"
    categories = ((i, c) for i, team in enumerate(config.teams) for c in dict.fromkeys(team.categories))
    for index, earlier, category in _first_and_repeats(categories):
        yield (
            f"teams[{index}].categories: the category {category!r} is already routed to "
            f"teams[{earlier}] ({config.teams[earlier].id}); a category goes to one team"
        )
    for index, person in enumerate(config.people):
        for team_id in person.teams:
            if team_id not in team_ids:
                yield f"people[{index}].teams: no team with the id {team_id!r}"
    for channel in ("slack", "telegram"):
        accounts = ((i, p.accounts[channel]) for i, p in enumerate(config.people) if channel in p.accounts)  # type: ignore[index]
        for index, earlier, account in _first_and_repeats(accounts):
            yield (
                f"people[{index}].accounts.{channel}: the {channel} account {account!r} already belongs to "
                f"people[{earlier}] ({config.people[earlier].id})"
            )
    yield from _catalogue_problems(config)
    for impact in ("high", "medium", "low"):
        row = config.priority_matrix.get(impact)  # type: ignore[call-overload]
        missing = [u for u in ("high", "medium", "low") if row is None or u not in row]
        if missing:
            yield f"priority_matrix.{impact}: missing urgency {', '.join(missing)}"
    for language, texts in config.texts.items():
        for key, text in texts.items():
            if key not in TEXT_KEYS:
                close = difflib.get_close_matches(key, sorted(TEXT_KEYS), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                yield f"texts.{language}.{key}: no such text{hint} (see the list in docs/configuration.md)"
                continue
            problem = _placeholder_problem(text, TEXTS[key][language])
            if problem:
                yield f"texts.{language}.{key}: {problem}"


def _catalogue_problems(config: DeskConfig) -> Iterable[str]:
    names = [item.name.casefold() for item in config.catalogue]
    found = [
        f"catalogue[{index}].name: {name!r} is already listed as catalogue[{earlier}]"
        for index, earlier, name in _first_and_repeats(enumerate(names))
    ]
    # A word that names two items cannot pre-fill either: the admin has to decide.
    spellings = (
        (i, spelling.casefold())
        for i, item in enumerate(config.catalogue)
        for spelling in dict.fromkeys(s.casefold() for s in (item.name, *item.synonyms))
    )
    found += [
        f"catalogue[{index}]: {spelling!r} also names catalogue[{earlier}] "
        f"({config.catalogue[earlier].name}); a synonym belongs to one item"
        for index, earlier, spelling in _first_and_repeats(spellings)
        if index != earlier and not spelling == names[index] == names[earlier]  # reported above
    ]
    if not found:
        # The matcher also folds umlauts, hyphens and spaces: "Kopfhörer" and "kopfhoerer" are one word.
        try:
            Catalogue(desk_catalogue(config))
        except ValueError as exc:
            found.append(str(exc))
    yield from found


def desk_catalogue(config: DeskConfig) -> list[CatalogueItem]:
    return [CatalogueItem(item.name, item.kind, tuple(item.synonyms)) for item in config.catalogue]


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _placeholder_problem(text: str, original: str) -> str | None:
    """An override may use the placeholders of the text it replaces, and no others."""
    try:
        used = _placeholders(text)
    except ValueError as exc:
        return f"not a valid text template ({exc}); write {{{{ and }}}} for literal braces"
    unknown = sorted(used - _placeholders(original))
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in sorted(_placeholders(original))) or "none"
        return (
            f"unknown placeholder {', '.join(f'{{{name}}}' for name in unknown)} (this text has: {allowed})"
        )
    return None

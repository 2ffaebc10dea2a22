"""The run's settings files read strictly (config.yaml, a --configfile, protocol.yaml), and the checks
of config.yaml that its schema cannot express. YAML itself lets a key repeat in a mapping and keeps
the last value: the same study listed twice in config.yaml would silently lose its first block."""
from __future__ import annotations

import datetime
from pathlib import Path

import yaml


class SettingsError(ValueError):
    """A settings file that cannot be used as it is."""


class _StrictLoader(yaml.SafeLoader):
    """yaml.safe_load, but a key twice in one mapping is an error naming its lines."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise SettingsError(f"line {key_node.start_mark.line + 1}: key {key!r} given twice (first on line "
                                f"{seen[key] + 1}); expected each key once in a mapping (YAML keeps only the last)")
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(path: str | Path):
    """The content of a YAML file, a duplicate key an error naming the file and lines."""
    path = Path(path)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except SettingsError as err:
        raise SettingsError(f"{path}, {err}") from None


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def config_problems(config: dict, today: datetime.date, where: str = "config.yaml") -> list[str]:
    """One line per problem of the studies in a (schema-valid) config: a cut or a data_currency date
    that is not a calendar date (2018-02-30), a cut after today (its data cannot be complete), a
    data_currency entry for a date that is not one of the study's cuts, an extraction before its cut."""
    out = []
    for study, spec in config.get("studies", {}).items():
        at = f"{where} studies.{study}"
        cuts = [str(c) for c in spec.get("cuts", [])]
        for cut in cuts:
            day = _date(cut)
            if day is None:
                out.append(f"{at}.cuts: {cut} is not a calendar date; expected a date that exists (YYYY-MM-DD)")
            elif day > today:
                out.append(f"{at}.cuts: {cut} is after today ({today.isoformat()}); expected a data-cut date that "
                           "has passed (the data of a later date cannot be complete)")
        for key, entry in (spec.get("data_currency") or {}).items():
            if str(key) not in cuts:
                out.append(f"{at}.data_currency: {key} is not one of the study's cuts ({', '.join(cuts)}); expected "
                           "an entry per cut date, keyed by that date")
            for name, value in (entry or {}).items():
                if name != "extracted":
                    continue
                day = _date(str(value))
                if day is None:
                    out.append(f"{at}.data_currency.{key}.extracted: {value} is not a calendar date; expected "
                               "YYYY-MM-DD")
                elif _date(str(key)) is not None and day < _date(str(key)):
                    out.append(f"{at}.data_currency.{key}.extracted: {value} is before the cut {key}; expected "
                               "the extraction on or after the cut date")
    return out

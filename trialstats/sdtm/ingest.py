"""Locate and read a study folder: protocol.yaml and one file per SDTM domain in sdtm/."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from ..io import READABLE, UnreadableFile, read_table
from .spec import required_domains


@dataclass(frozen=True)
class Study:
    folder: Path
    protocol: dict
    files: dict[str, Path]                              # domain -> file
    frames: dict[str, pd.DataFrame]                     # domain -> text columns, as read
    problems: list[dict] = field(default_factory=list)  # files that could not be read


def domain_files(sdtm_dir: Path) -> tuple[dict[str, Path], list[dict]]:
    """One file per domain, named <domain>.<csv|xpt|parquet|json|ndjson> (any case)."""
    files, problems = {}, []
    for path in sorted(Path(sdtm_dir).iterdir()) if Path(sdtm_dir).is_dir() else []:
        if path.suffix.lower() not in READABLE:
            continue
        domain = path.stem.upper()
        if domain in files:
            problems.append(problem(path, "", [], "two files for one domain: "
                                    f"{files[domain].name} and {path.name}", "exactly one file per domain"))
            continue
        files[domain] = path
    return files, problems


def load_study(folder: str | Path) -> Study:
    folder = Path(folder)
    protocol_path = folder / "protocol.yaml"
    problems: list[dict] = []
    protocol: dict = {}
    try:
        protocol = yaml.safe_load(protocol_path.read_text()) or {}
    except FileNotFoundError:
        problems.append(problem(protocol_path, "", [], "protocol.yaml is missing", "the study definition file"))
    except yaml.YAMLError as err:
        problems.append(problem(protocol_path, "", [], f"not valid YAML: {err}", "a YAML mapping"))
    files, file_problems = domain_files(folder / "sdtm")
    problems += file_problems
    for domain in required_domains(protocol if isinstance(protocol, dict) else {}):
        if domain not in files:
            problems.append(problem(folder / "sdtm" / f"{domain.lower()}.csv", "", [],
                                    f"required domain {domain} has no file (the protocol uses it)",
                                    f"sdtm/{domain.lower()}.csv, .xpt, .parquet or .json (Dataset-JSON)"))
    frames = {}
    encoding = (protocol.get("sdtm") or {}).get("encoding") if isinstance(protocol, dict) else None
    for domain, path in files.items():
        try:
            frames[domain] = read_table(path, encoding)
        except UnreadableFile as err:
            problems.append(problem(path, "", [], f"unreadable file: {err}", f"a readable {path.suffix[1:]} table"))
    return Study(folder, protocol, files, frames, problems)


def problem(path, column: str, rows, what: str, expected: str, examples=(), rule: str = "") -> dict:
    """One validation finding: file, column, 1-based data rows, what is wrong, what was expected;
    `rule`: the stated rule under which it is a data query instead of a stop (blank: a stop)."""
    rows = sorted({int(r) for r in rows})
    return dict(file=str(path), column=column, rows=rows, n=len(rows), problem=what,
                expected=expected, examples=[str(e) for e in list(examples)[:5]], rule=rule)

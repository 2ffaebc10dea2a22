"""Checks of an ADaM folder the pipeline did not derive (config adam_studies): every problem
named by file, column, rows and what was expected, all at once, before any table is made."""
from __future__ import annotations

import re

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..io import TABLE_SUFFIXES, UnreadableFile, read_table
from .efficacy_config import efficacy_problems

STANDARD = ("adsl", "adae", "adlb", "advs", "adex", "adcm")        # the datasets the ADaM route reads
REQUIRED = {"adsl": ["USUBJID", "SAFFL"], "adae": ["USUBJID", "AEBODSYS", "AEDECOD", "TRTEMFL"],
            "adlb": ["USUBJID", "PARAMCD", "AVAL", "AVISIT"], "advs": ["USUBJID", "PARAMCD", "AVAL", "AVISIT"],
            "adex": ["USUBJID"], "adcm": ["USUBJID", "CMDECOD"]}
EFFICACY_REQUIRED = ["USUBJID", "PARAMCD", "AVAL"]   # a dataset named by the efficacy config (BDS or ADTTE)


class AdamInputError(ValueError):
    """An ADaM input that cannot be analysed as it is."""


def _rows(mask: pd.Series, most: int = 20) -> str:
    rows = [str(i + 2) for i in mask.index[mask]]          # file rows: the header is row 1
    return ", ".join(rows[:most]) + (f" and {len(rows) - most} more" if len(rows) > most else "")


def adam_input_problems(adam: dict[str, pd.DataFrame], arm: str, files: dict[str, str]) -> list[str]:
    """One line per problem: '<file>, column <c>, rows <r>: <problem>; expected <what>'."""
    if "adsl" not in adam or "adae" not in adam:
        absent = [n for n in ("adsl", "adae") if n not in adam]
        return [f"{files.get('folder', 'ADaM folder')}: no {' or '.join(absent)} dataset found; expected "
                f"{' and '.join(absent)} as CSV, CSV.GZ, XPT or parquet (or name the files in config datasets)"]
    out = []
    for name, frame in adam.items():
        need = REQUIRED.get(name.split(".")[0], EFFICACY_REQUIRED) + ([arm] if name == "adsl" else [])
        missing = [c for c in need if c not in frame]
        if missing:
            out.append(f"{files[name]}: missing column(s) {', '.join(missing)}; expected {', '.join(need)}")
    if out:
        return out
    adsl = adam["adsl"]
    dup = adsl["USUBJID"].duplicated(keep=False)
    if dup.any():
        out.append(f"{files['adsl']}, column USUBJID, rows {_rows(dup)}: subject more than once; expected one row "
                   "per subject")
    flag = adsl["SAFFL"].astype("string").fillna("")
    bad = ~flag.isin(["Y", "N", ""])
    if bad.any():
        out.append(f"{files['adsl']}, column SAFFL, rows {_rows(bad)}: values {', '.join(sorted(set(flag[bad])))}; "
                   "expected Y, N or blank")
    safety = adsl.loc[flag == "Y"]
    if len(safety) and safety[arm].isna().all():
        out.append(f"{files['adsl']}, column {arm}: blank for every safety subject; expected the treatment received")
    known = set(adsl["USUBJID"])
    for name, frame in adam.items():
        if name == "adsl":
            continue
        orphan = ~frame["USUBJID"].isin(known)
        if orphan.any():
            out.append(f"{files[name]}, column USUBJID, rows {_rows(orphan)}: subject(s) "
                       f"{', '.join(sorted(set(frame.loc[orphan, 'USUBJID']))[:5])} not in ADSL; "
                       "expected subjects of ADSL")
    return out


@dataclass(frozen=True)
class AdamInput:
    """The datasets of an ADaM folder by standard name (several laboratory files combined into
    one adlb), the file each came from (several: "adlb.<stem>"), and the table files not used."""
    datasets: dict
    files: dict
    unused: list


def _table_files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"ADaM folder {folder} not found (config.yaml adam_studies folder)")
    stems = {}
    for path in sorted(folder.iterdir()):
        for suffix in TABLE_SUFFIXES:
            if path.name.lower().endswith(suffix):
                stems[path.name.lower()[: -len(suffix)]] = path
    return stems


def adam_roles(folder: str | Path, names: dict | None = None,
               efficacy: list[str] = ()) -> tuple[dict[str, list[Path]], list[str]]:
    """{standard name: [files]} of a folder and the file names of its other tables. `names` maps
    a standard name to the file stem used there, or to several (e.g. {"adlb": ["adlbc", "adlbh"]});
    `efficacy` the stems the efficacy config reads (each its own role). A named file that is
    absent is an error listing the files that are there."""
    stems = _table_files(Path(folder))
    missing = [s for s in efficacy if s not in stems]
    if missing:
        raise AdamInputError(f"{folder}: no file for efficacy dataset(s) {', '.join(missing)} (config efficacy "
                             f"dataset); expected one of the table files there: {', '.join(sorted(stems)) or '(none)'}")
    roles, absent = {}, []
    for std in STANDARD:
        wanted = (names or {}).get(std, std)
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        found = [stems[w.lower()] for w in wanted if w.lower() in stems]
        absent += [f"{std}: {w}" for w in wanted if w.lower() not in stems and (names or {}).get(std) is not None]
        if found:
            roles[std] = found
    if absent:
        raise AdamInputError(f"{folder}: no file for config datasets {', '.join(absent)}; expected one of the "
                             f"table files there: {', '.join(sorted(stems)) or '(none)'}")
    roles.update({s: [stems[s]] for s in efficacy})
    used = {p for paths in roles.values() for p in paths}
    return roles, [p.name for _, p in sorted(stems.items()) if p not in used]


def load_adam_folder(folder: str | Path, names: dict | None, arm: str, efficacy: list[str] = ()) -> AdamInput:
    """Read and check an ADaM folder: every problem of every file at once (adam_input_problems,
    and a laboratory parameter in two files); several laboratory files are stacked into one
    adlb, PARCAT1 filled with the file's name where a file has none; the efficacy datasets
    (file stems) by their stem."""
    roles, unused = adam_roles(folder, names, efficacy)
    frames, files = {}, {"folder": str(folder)}
    for std, paths in roles.items():
        for path in paths:
            key = std if len(paths) == 1 else f"{std}.{path.name.split('.')[0].lower()}"
            try:
                frames[key] = read_table(path)
            except UnreadableFile as err:
                raise UnreadableFile(f"{path}: {err}") from err
            files[key] = str(path)
    problems = adam_input_problems(frames, arm, files)
    for std in ("adlb", "advs"):
        keys = [k for k in frames if k.startswith(std + ".")]
        seen: dict[str, str] = {}
        for k in keys if not problems else []:
            for code in sorted(set(frames[k]["PARAMCD"].dropna())):
                if code in seen:
                    problems.append(f"{files[seen[code]]} and {files[k]}, column PARAMCD: parameter {code} in both; "
                                    "expected each parameter in one file")
                seen.setdefault(code, k)
    if problems:
        raise AdamInputError(f"{len(problems)} problem(s) in the ADaM input:\n"
                             + "\n".join(f"  - {p}" for p in problems))
    datasets = {}
    for std in roles:
        keys = [k for k in frames if k == std or k.startswith(std + ".")]
        parts = [frames[k] if "PARCAT1" in frames[k] or "." not in k
                 else frames[k].assign(PARCAT1=k.split(".", 1)[1].upper()) for k in keys]
        datasets[std] = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    return AdamInput(datasets, files, unused)


def check_study_config(datasets: dict[str, pd.DataFrame], cfg: dict, where: str = "config.yaml adam_studies") -> None:
    """The config of an ADaM study against its data: the control is one of the arms, the planned
    arm, demographics population, analysis flag and the lab shift window's flag are columns of the
    data, the reference limits exist for `labs.range: limits` (a mistyped name would otherwise
    silently drop the tests or the flag)."""
    adsl, problems = datasets["adsl"], []
    arms = sorted(adsl[cfg["arm"]].dropna().astype(str).unique())
    if cfg.get("control") is not None and cfg["control"] not in arms:
        problems.append(f"{where} control: {cfg['control']!r} is not an arm of ADSL {cfg['arm']}; "
                        f"expected one of {', '.join(map(repr, arms))}")
    for key in ("planned_arm", "population"):
        if cfg.get(key) is not None and cfg[key] not in adsl:
            problems.append(f"{where} {key}: ADSL has no column {cfg[key]}")
    flag = cfg.get("analysis_flag")
    bds = [n for n in ("adlb", "advs") if n in datasets]
    if flag is not None and bds and not any(flag in datasets[n] for n in bds):
        problems.append(f"{where} analysis_flag: no column {flag} in {' or '.join(n.upper() for n in bds)}")
    labs = cfg.get("labs") or {}
    adlb = datasets.get("adlb")
    window_flag = (labs.get("shift_window") or {}).get("flag")
    if adlb is not None and window_flag is not None and window_flag not in adlb:
        problems.append(f"{where} labs.shift_window.flag: no column {window_flag} in ADLB")
    if adlb is not None and labs.get("range") == "limits" and not {"ANRLO", "ANRHI", "A1LO", "A1HI"} & set(adlb):
        problems.append(f"{where} labs.range: limits needs the reference limits ANRLO/ANRHI or A1LO/A1HI in ADLB; "
                        "it has none (use range: indicator for ANRIND)")
    if not problems:
        problems += efficacy_problems(datasets, cfg, demographics_population(adsl, cfg), where)
    if problems:
        raise AdamInputError(f"{len(problems)} problem(s) in the configuration:\n"
                             + "\n".join(f"  - {p}" for p in problems))


def demographics_population(adsl: pd.DataFrame, cfg: dict) -> str:
    """The population of the demographics table (and the default of the efficacy analyses): config
    `population`, else ITTFL, FASFL or SAFFL."""
    return cfg.get("population") or next(f for f in ("ITTFL", "FASFL", "SAFFL") if f in adsl)


def data_date(adsl: pd.DataFrame) -> tuple[str, str]:
    """The latest date of ADSL's date columns (..DT) and the column it is in: the data currency
    shown when the configuration states no data cut."""
    best = ("", "")
    for col in adsl.columns:
        if not re.fullmatch(r"[A-Z0-9]*DT", col):
            continue
        d = pd.to_datetime(adsl[col].astype("string"), errors="coerce", format="ISO8601").max()
        if pd.notna(d) and d.strftime("%Y-%m-%d") > best[0]:
            best = (d.strftime("%Y-%m-%d"), col)
    return best

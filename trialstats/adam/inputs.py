"""Checks of an ADaM folder the pipeline did not derive (config adam_studies): every problem
named by file, column, rows and what was expected, all at once, before any table is made."""
from __future__ import annotations

import pandas as pd

REQUIRED = {"adsl": ["USUBJID", "SAFFL"], "adae": ["USUBJID", "AEBODSYS", "AEDECOD", "TRTEMFL"],
            "adlb": ["USUBJID", "PARAMCD", "AVAL", "AVISIT"], "advs": ["USUBJID", "PARAMCD", "AVAL", "AVISIT"],
            "adex": ["USUBJID"]}


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
        need = REQUIRED.get(name, []) + ([arm] if name == "adsl" else [])
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
                       f"{', '.join(sorted(set(frame.loc[orphan, 'USUBJID']))[:5])} not in ADSL; expected subjects of ADSL")
    return out


def check_adam_input(adam: dict[str, pd.DataFrame], arm: str, files: dict[str, str]) -> None:
    problems = adam_input_problems(adam, arm, files)
    if problems:
        raise AdamInputError(f"{len(problems)} problem(s) in the ADaM input:\n" + "\n".join(f"  - {p}" for p in problems))

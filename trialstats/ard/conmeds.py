"""Prior and concomitant medications of an ADaM folder's ADCM (OCCDS), by class and standardized name
(CMDECOD), n (%) of the safety subjects of each actual arm."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .shape import ard

CLASS_COLUMNS = ("ATC2", "CMCLAS", "ATC1", "ATC3", "ATC4")    # the first present names the class
UNCODED = "Class not coded"


def _dates(d: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_datetime(d[col].astype("string"), errors="coerce", format="ISO8601") if col in d else \
        pd.Series(pd.NaT, index=d.index)


def medication_periods(adcm: pd.DataFrame, adsl: pd.DataFrame) -> tuple[dict[str, pd.Series], str]:
    """{"Prior": mask, "Concomitant": mask} of ADCM records and the rule in words. ADCM's flags PREFL
    and ONTRTFL where it has them; else its dates against ADSL's first and last dose: prior = started
    before TRTSDT; concomitant = not ended before TRTSDT (or no end date) and not started after TRTEDT
    (a medication started before the first dose and continued is both). Empty without either."""
    if {"PREFL", "ONTRTFL"} <= set(adcm):
        flag = lambda c: adcm[c].astype("string").str.strip().str.upper().eq("Y").fillna(False)  # noqa: E731
        return ({"Prior": flag("PREFL"), "Concomitant": flag("ONTRTFL")},
                "prior: ADCM PREFL = Y; concomitant: ADCM ONTRTFL = Y (flags as ADCM records them)")
    if "ASTDT" not in adcm or "TRTSDT" not in adsl:
        return {}, ("not assessable: ADCM has neither the flags PREFL and ONTRTFL nor start dates (ASTDT) to set "
                    "against the first dose (ADSL TRTSDT)")
    s = adsl.set_index("USUBJID")
    first = adcm["USUBJID"].map(_dates(s, "TRTSDT"))
    last = adcm["USUBJID"].map(_dates(s, "TRTEDT")) if "TRTEDT" in s else pd.Series(pd.NaT, index=adcm.index)
    start, end = _dates(adcm, "ASTDT"), _dates(adcm, "AENDT")
    prior = (start < first).fillna(False)
    concomitant = ~(end < first).fillna(False) & ~(start > last).fillna(False) & first.notna()
    return ({"Prior": prior, "Concomitant": concomitant},
            "prior: started (ASTDT) before the first dose (ADSL TRTSDT); concomitant: not ended (AENDT) before the "
            "first dose, or no end date, and not started after the last dose (TRTEDT); a medication started before "
            "the first dose and continued is both")


def class_column(adcm: pd.DataFrame) -> str | None:
    """The ADCM column naming the medication class (CLASS_COLUMNS), None where ADCM has none."""
    return next((c for c in CLASS_COLUMNS if c in adcm), None)


def ard_medications(adcm: pd.DataFrame, adsl: pd.DataFrame, arms: list[str]) -> pd.DataFrame:
    """Subjects with any medication, then per class (alphabetical) and its CMDECOD (most subjects
    first, then by name): n, N (the arm's safety subjects) and %. adcm: records of safety subjects."""
    n_by_arm = adsl.groupby("ARM_").size()
    arm = adcm["USUBJID"].map(adsl.set_index("USUBJID")["ARM_"])
    col = class_column(adcm)
    cls = (adcm[col].astype("string").str.strip().replace("", pd.NA).fillna(UNCODED) if col else
           pd.Series(UNCODED, index=adcm.index, dtype="string"))
    name = adcm["CMDECOD"].astype("string").str.strip().replace("", pd.NA).fillna("Not coded")
    d = pd.DataFrame({"USUBJID": adcm["USUBJID"], "ARM_": arm, "CLASS": cls, "NAME": name})

    def rows_of(sel: pd.DataFrame, group2_level: str, level: str) -> list[dict]:
        n = sel.groupby("ARM_")["USUBJID"].nunique()
        out = []
        for a in arms:
            k, big_n = int(n.get(a, 0)), int(n_by_arm.get(a, 0))
            b = dict(group1="ARM", group1_level=a, group2="CLASS", group2_level=group2_level, variable="CMDECOD",
                     variable_level=level)
            out += [dict(b, stat_name="n", stat=k), dict(b, stat_name="N", stat=big_n),
                    dict(b, stat_name="pct", stat=100 * k / big_n if big_n else np.nan)]
        return out

    return ard(by_class_and_name(d, "NAME", rows_of, "Any medication"))


def by_class_and_name(d: pd.DataFrame, name: str, rows_of, any_label: str) -> list[dict]:
    """The rows of a medication table: `rows_of(records, class, level)` for every record (`any_label`), then
    per CLASS (alphabetical, the uncoded last) for the class (ANY) and each medication of column `name`
    (most subjects first, then by name)."""
    rows = rows_of(d, "", any_label)
    for c in sorted(d["CLASS"].unique(), key=lambda v: (v == UNCODED, v)):
        g = d[d["CLASS"] == c]
        rows += rows_of(g, c, "ANY")
        subjects = g.groupby(name)["USUBJID"].nunique()
        for med in sorted(subjects.index, key=lambda m: (-subjects[m], m)):
            rows += rows_of(g[g[name] == med], c, med)
    return rows

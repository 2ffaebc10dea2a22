"""Unblinding: the one place that joins the randomization key to the analysis datasets.

Arms come from the key (any number, any labels). TRT01P is the randomized arm, TRT01A the arm
received (blank if never dosed); TRTCODE is the coded label a DMC sees by default (A, B, ...
in order of first appearance in the key, i.e. the randomization sequence). BDS and OCCDS get
TRTP/TRTA from ADSL; ADEX gets the actual dose (0 for placebo arms).
"""
from __future__ import annotations

import string

import numpy as np
import pandas as pd

from ..columns import lookup

KEY_COLUMNS = ("USUBJID", "ARMCD", "ARM")


class RandomizationKeyError(ValueError):
    """The randomization key does not match the study data."""


def _rows(mask: pd.Series) -> str:
    return ", ".join(str(i + 2) for i in mask.index[mask])     # file rows: the header is row 1


def check_key(key: pd.DataFrame, adsl: pd.DataFrame, source: str = "randomization key",
              randomization: dict | None = None) -> None:
    """Every randomized subject once in the key, nobody else; arms filled in, one name per code
    and, when the protocol lists them (randomization.arms), known; the control among them.
    Clear errors otherwise (file, column, rows, expected)."""
    missing = [c for c in KEY_COLUMNS if c not in key]
    if missing:
        raise RandomizationKeyError(f"{source}: missing column(s) {', '.join(missing)}; "
                                    f"expected {', '.join(KEY_COLUMNS)}")
    problems = []
    for col in KEY_COLUMNS:
        blank = key[col].isna() | (key[col].astype("string").str.strip() == "")
        if blank.any():
            problems.append(f"column {col}: blank in rows {_rows(blank)} (expected a value on every row)")
    names = key.dropna(subset=["ARMCD", "ARM"]).groupby("ARMCD")["ARM"].unique()
    for code, arm_names in names.items():
        if len(arm_names) > 1:
            problems.append(f"column ARM: arm code {code} has {len(arm_names)} names ({', '.join(sorted(arm_names))}); "
                            "expected one name per ARMCD")
    spec = randomization or {}
    known = spec.get("arms")
    if known:
        unknown = key["ARMCD"].notna() & ~key["ARMCD"].isin(known)
        if unknown.any():
            problems.append(f"column ARMCD: arm code(s) {', '.join(sorted(set(key.loc[unknown, 'ARMCD'])))} in rows "
                            f"{_rows(unknown)} not in protocol.yaml randomization.arms ({', '.join(known)})")
    if spec.get("control") and not key["ARMCD"].eq(spec["control"]).any():
        problems.append(f"column ARMCD: no subject in the control arm {spec['control']} "
                        "(protocol.yaml randomization.control)")
    dup = key["USUBJID"][key["USUBJID"].duplicated(keep=False)]
    if len(dup):
        problems.append(f"column USUBJID: subject(s) more than once: {', '.join(sorted(set(dup)))} "
                        f"(rows {', '.join(str(i + 2) for i in dup.index)})")
    randomized = set(adsl.loc[adsl["ENRLFL"] == "Y", "USUBJID"])
    unknown = sorted(set(key["USUBJID"]) - set(adsl["USUBJID"]))
    if unknown:
        problems.append(f"column USUBJID: subject(s) not in DM: {', '.join(unknown)} (rows "
                        f"{_rows(key['USUBJID'].isin(unknown))}; expected subjects of DM)")
    absent = sorted(randomized - set(key["USUBJID"]))
    if absent:
        problems.append(f"column USUBJID: randomized subject(s) missing from the key: {', '.join(absent)} "
                        "(expected every subject randomized by the cut, DM.RFICDTC and DS RANDOMIZED)")
    if problems:
        raise RandomizationKeyError(f"{source}: " + "; ".join(problems))


def filter_key_at_cut(key: pd.DataFrame, cut: str) -> pd.DataFrame:
    """Key entries randomized on or before the cut (all of them if the key has no RANDDT):
    a complete key lists subjects an interim cut does not contain yet."""
    if "RANDDT" not in key:
        return key
    when = pd.to_datetime(key["RANDDT"], format="%Y-%m-%d", errors="coerce")
    if when.isna().any():
        rows = ", ".join(str(i + 1) for i in key.index[when.isna()])
        raise RandomizationKeyError(f"randomization key: RANDDT is not a YYYY-MM-DD date in rows {rows}")
    return key[when <= pd.Timestamp(cut)]          # the file's row numbers kept for messages


def arm_codes(key: pd.DataFrame) -> dict[str, str]:
    """ARM -> DMC code (A, B, ...) in order of first appearance in the key."""
    arms = list(dict.fromkeys(key["ARM"]))
    if len(arms) > 26:
        raise RandomizationKeyError(f"{len(arms)} arms: codes A-Z cover at most 26")
    return dict(zip(arms, string.ascii_uppercase))


def arm_coding(key: pd.DataFrame, control: str | None) -> list[dict]:
    """The arm coding every closed output uses, written once by the unblinding rule (closed/adam/arms.json):
    per arm its name (ARM), ARMCD, DMC code (arm_codes) and whether it is the protocol's control."""
    codes = arm_codes(key)
    armcd = key.drop_duplicates("ARM").set_index("ARM")["ARMCD"]
    return [{"arm": arm, "armcd": armcd[arm], "code": code, "control": armcd[arm] == control}
            for arm, code in codes.items()]


def control_of(coding: list[dict], arm_column: str) -> str | None:
    """The control arm as the closed outputs label it: its name (TRT01P/TRT01A) or its code (TRTCODE)."""
    arm = next((a for a in coding if a["control"]), None)
    return None if arm is None else arm["code"] if arm_column == "TRTCODE" else arm["arm"]


def derive_vars_treatment(adsl: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    codes = arm_codes(key)
    order = {arm: i + 1 for i, arm in enumerate(sorted(codes, key=codes.get))}
    arm = adsl["USUBJID"].map(key.set_index("USUBJID")["ARM"]).where(adsl["ENRLFL"] == "Y")
    out = adsl.copy()
    out["TRT01P"] = arm
    out["TRT01PN"] = arm.map(order)
    out["TRT01A"] = arm.where(out["SAFFL"] == "Y")
    out["TRT01AN"] = out["TRT01A"].map(order)
    out["TRTCODE"] = arm.map(codes)
    out["ARMCD"] = adsl["USUBJID"].map(key.set_index("USUBJID")["ARMCD"]).where(adsl["ENRLFL"] == "Y")
    return out


def unblind(adam: dict[str, pd.DataFrame], key: pd.DataFrame, placebo_arms=()) -> dict[str, pd.DataFrame]:
    """Unblinded copies of the analysis datasets (the blinded ones are not modified)."""
    adsl = derive_vars_treatment(adam["adsl"], key)
    trt = adsl.set_index("USUBJID")[["TRT01P", "TRT01A", "TRTCODE", "ARMCD"]]
    out = {"adsl": adsl}
    for name, df in adam.items():
        if name in ("adsl", "eligibility"):
            continue
        t = lookup(df["USUBJID"], trt)
        out[name] = df.assign(TRTP=t["TRT01P"], TRTA=t["TRT01A"], TRTCODE=t["TRTCODE"])
    if "adex" in out:
        arm = lookup(out["adex"]["USUBJID"], trt["ARMCD"])
        out["adex"]["ADOSE"] = np.where(arm.isin(list(placebo_arms)), 0.0, out["adex"]["EXDOSE"])
    return out

"""Unblinding: the one place that joins the randomization key to the analysis datasets.

Randomization is the key's: every subject of the key (at the cut) is randomized (RANDFL = Y,
ENRLFL = Y) with an arm, on the DS RANDOMIZED date where DS has one, else on the key's RANDDT.
The open side never reads the key: its ENRLFL comes from DS milestones, or from the first dose
where DS has none (adsl.derive_vars_populations). DS and the key are cross-checked
(compare_randomization); a subject of the key left without an arm stops the run (assert_key_arms).
Arms come from the key (any number, any labels). TRT01P is the randomized arm, TRT01A the arm
received (the key's ACTARMCD/ACTARM where it has them, else the randomized arm; blank if never
dosed); TRTCODE is the coded label a DMC sees by default (A, B, ... in order of first appearance in
the key, i.e. the randomization sequence). BDS and OCCDS get TRTP/TRTA from ADSL; ADEX gets the
actual dose (0 for placebo arms, by the arm received). The safety outputs count by the arm received
(received_arm).
"""
from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pandas as pd

from ..columns import lookup
from ..dates import compute_dt
from ..io import UnreadableFile, read_table
from ..sdtm.spec import NULL_ARMS

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
                        "(expected every subject enrolled by the cut in the key: DS RANDOMIZED, or the first dose "
                        "where DS records no RANDOMIZED milestone)")
    if problems:
        raise RandomizationKeyError(f"{source}: " + "; ".join(problems))


def read_key(path: str | Path) -> pd.DataFrame:
    """The randomization key as the SDTM files are read (io.read_table: text, cells and column names
    stripped of surrounding whitespace, blanks as missing); a file that cannot be read names itself."""
    try:
        return read_table(path)
    except (UnreadableFile, OSError) as err:
        raise RandomizationKeyError(f"{path} (the randomization key): {err}") from err


def filter_key_at_cut(key: pd.DataFrame, cut: str, source: str = "randomization key") -> pd.DataFrame:
    """Key entries randomized on or before the cut (all of them if the key has no RANDDT):
    a complete key lists subjects an interim cut does not contain yet."""
    if "RANDDT" not in key:
        return key
    when = pd.to_datetime(key["RANDDT"], format="%Y-%m-%d", errors="coerce")
    if when.isna().any():
        raise RandomizationKeyError(f"{source}, column RANDDT, rows {_rows(when.isna())}: not a YYYY-MM-DD date; "
                                    "expected the date of randomization on every row")
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


def received_arm(adsl: pd.DataFrame, arm_column: str, coding: list[dict]) -> pd.Series:
    """The safety outputs' arm: the arm received (TRT01A) labelled as `arm_column` labels arms (TRT01P: its
    name; TRTCODE: its DMC code from the arm coding); the planned label where TRT01A is blank (outside
    the safety set, which the safety outputs leave out)."""
    received = adsl["TRT01A"]
    if arm_column == "TRTCODE":
        received = received.map({a["arm"]: a["code"] for a in coding})
    return received.where(received.notna(), adsl[arm_column])


def _key_dates(key: pd.DataFrame, ids: pd.Series) -> pd.Series:
    if "RANDDT" not in key:
        return pd.Series(pd.NaT, index=ids.index, dtype="datetime64[ns]")
    when = pd.to_datetime(key.set_index("USUBJID")["RANDDT"], format="%Y-%m-%d", errors="coerce")
    return ids.map(when)


def compare_randomization(adsl: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """Where the DS RANDOMIZED milestones (ADSL RANDDT) and the key (at the cut) disagree: USUBJID,
    DS_RANDDT, KEY_RANDDT, PROBLEM (a date differs; randomized in the key without a DS milestone,
    where DS records milestones for others; a DS milestone without a key entry). Empty when they agree
    or DS records no milestone at all (the key's dates are then used, as stated in the unblind log)."""
    ds = adsl["RANDDT"] if "RANDDT" in adsl else pd.Series(pd.NaT, index=adsl.index)
    in_key = adsl["USUBJID"].isin(key["USUBJID"])
    keyed = _key_dates(key, adsl["USUBJID"])
    problem = pd.Series("", index=adsl.index, dtype="object")
    if ds.notna().any():
        problem = problem.mask(in_key & ds.isna(), "randomized in the key; no DS RANDOMIZED milestone")
        problem = problem.mask(~in_key & ds.notna(), "DS RANDOMIZED milestone; not in the key")
    problem = problem.mask(in_key & ds.notna() & keyed.notna() & (ds != keyed), "randomization date differs")
    rows = problem != ""
    fmt = lambda d: pd.to_datetime(d).dt.strftime("%Y-%m-%d").fillna("")  # noqa: E731
    return pd.DataFrame({"USUBJID": adsl.loc[rows, "USUBJID"], "DS_RANDDT": fmt(ds[rows]),
                         "KEY_RANDDT": fmt(keyed[rows]), "PROBLEM": problem[rows]}).reset_index(drop=True)


def derive_vars_randomization(adsl: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """The closed side's randomization: RANDFL = Y for every subject of the key (N otherwise),
    ENRLFL = Y for them as well, RANDDT the DS milestone where there is one, else the key's RANDDT;
    FASREAS "randomized, not dosed" where the open side had "not enrolled"."""
    out = adsl.copy()
    in_key = out["USUBJID"].isin(key["USUBJID"]).to_numpy()
    out["RANDFL"] = out["RANDFL"].mask(in_key, "Y").mask(~in_key, "N") if "RANDFL" in out else \
        np.where(in_key, "Y", "N")
    out["ENRLFL"] = out["ENRLFL"].mask(in_key, "Y")      # only values change: the blinded dtypes are kept
    if "FASREAS" in out:    # randomized by the key, not enrolled by the open side's evidence: never dosed
        out["FASREAS"] = out["FASREAS"].mask(in_key & out["FASREAS"].eq("not enrolled").fillna(False).to_numpy(bool),
                                             "randomized, not dosed")
    keyed = _key_dates(key, out["USUBJID"]).where(in_key)
    if "RANDDT" not in out:
        out["RANDDT"] = keyed
    fill = (out["RANDDT"].isna() & keyed.notna()).to_numpy()
    if fill.any():
        out.loc[fill, "RANDDT"] = keyed[fill].astype(out["RANDDT"].dtype)
    return out


def assert_key_arms(adsl: pd.DataFrame, key: pd.DataFrame, source: str = "randomization key") -> None:
    """Every subject of the key has an arm (TRT01P) in the unblinded ADSL: nothing silently lost."""
    arms = adsl.set_index("USUBJID")["TRT01P"]
    lost = sorted(u for u in key["USUBJID"] if pd.isna(arms.get(u)))
    if lost:
        raise RandomizationKeyError(f"{source}: {len(lost)} subject(s) of the key without an arm after unblinding: "
                                    f"{', '.join(lost)} (expected every subject of the key in ADSL with its arm)")


def actual_arms(key: pd.DataFrame) -> pd.DataFrame:
    """Per subject of the key (index USUBJID): ARM and ARMCD of the arm received. The key's actual arm
    (ACTARMCD, else ACTARM; split-key writes them where DM has them) where it names an arm of the key;
    the planned arm (ARM, ARMCD) where the key has no actual arm or it is blank or an SDTM null arm
    (NOTTRT: never dosed, then blank in TRT01A by SAFFL). An actual arm that is no arm of the key stops
    the run (it could not be coded for the DMC)."""
    planned = key.set_index("USUBJID")[["ARM", "ARMCD"]]
    if "ACTARMCD" not in key and "ACTARM" not in key:
        return planned
    by_code = key.drop_duplicates("ARMCD").set_index("ARMCD")["ARM"]
    by_name = key.drop_duplicates("ARM").set_index("ARM")["ARMCD"]
    code = _arm_text(key["ACTARMCD"]) if "ACTARMCD" in key else pd.Series("", index=key.index)
    name = _arm_text(key["ACTARM"]) if "ACTARM" in key else pd.Series("", index=key.index)
    code = code.where(code != "", name.map(by_name).fillna(name))    # ACTARM alone: its code
    null = code.str.upper().isin(NULL_ARMS | {""}) & (name.eq("") | ~name.isin(by_name.index))
    unknown = ~null & ~code.isin(by_code.index)
    if unknown.any():
        raise RandomizationKeyError(
            f"randomization key: actual arm (ACTARMCD/ACTARM) {', '.join(sorted(set(code[unknown])))} in rows "
            f"{_rows(unknown)} is no arm of the key ({', '.join(by_code.index)}); expected an arm of ARMCD, "
            "blank or an SDTM null arm")
    actual = pd.DataFrame({"ARM": code.map(by_code).where(~null, key["ARM"]),
                           "ARMCD": code.where(~null, key["ARMCD"])}).set_axis(key["USUBJID"].to_numpy())
    return actual


def derive_vars_treatment(adsl: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """TRT01P/TRT01PN the randomized arm, TRT01A/TRT01AN the arm received (actual_arms; blank if not in
    the safety set), TRTCODE the planned arm's DMC code, ARMCD the planned arm's code."""
    codes = arm_codes(key)
    order = {arm: i + 1 for i, arm in enumerate(sorted(codes, key=codes.get))}
    adsl = derive_vars_randomization(adsl, key)
    arm = adsl["USUBJID"].map(key.set_index("USUBJID")["ARM"]).where(adsl["RANDFL"] == "Y")
    received = adsl["USUBJID"].map(actual_arms(key)["ARM"]).where(adsl["RANDFL"] == "Y")
    out = adsl.copy()
    out["TRT01P"] = arm
    out["TRT01PN"] = arm.map(order)
    out["TRT01A"] = received.where(out["SAFFL"] == "Y")
    out["TRT01AN"] = out["TRT01A"].map(order)
    out["TRTCODE"] = arm.map(codes)
    out["ARMCD"] = adsl["USUBJID"].map(key.set_index("USUBJID")["ARMCD"]).where(adsl["RANDFL"] == "Y")
    return out


def unblind(adam: dict[str, pd.DataFrame], key: pd.DataFrame, placebo_arms=(),
            planned: dict | None = None, doses: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Unblinded copies of the analysis datasets (the blinded ones are not modified); TRTA is TRT01A, the
    arm received. ADEX's ADOSE: 0 in a placebo arm (the arm received), else EXDOSE; where EXDOSE is blank
    (a transfer masked by split-key), the dose the key side kept for that EX record (`doses`: USUBJID,
    EXSEQ, EXDOSE, written by split-key, so a titration is not lost), else the arm's planned dose
    (`planned`: ARMCD -> dose, protocol treatment.planned_dose)."""
    adsl = derive_vars_treatment(adam["adsl"], key)
    trt = adsl.set_index("USUBJID")[["TRT01P", "TRT01A", "TRTCODE", "ARMCD"]]
    out = {"adsl": adsl}
    for name, df in adam.items():
        if name in ("adsl", "eligibility"):
            continue
        t = lookup(df["USUBJID"], trt)
        out[name] = df.assign(TRTP=t["TRT01P"], TRTA=t["TRT01A"], TRTCODE=t["TRTCODE"])
    if "adex" in out:       # the dose of the arm received
        arm = out["adex"]["USUBJID"].map(actual_arms(key)["ARMCD"])
        dose = out["adex"]["EXDOSE"]
        if doses is not None and len(doses) and "EXSEQ" in out["adex"]:
            kept = doses.assign(EXSEQ=pd.to_numeric(doses["EXSEQ"]), EXDOSE=pd.to_numeric(doses["EXDOSE"]))
            kept = kept.set_index(["USUBJID", "EXSEQ"])["EXDOSE"]
            ids = pd.MultiIndex.from_arrays([out["adex"]["USUBJID"].astype(str),
                                             pd.to_numeric(out["adex"]["EXSEQ"]).astype(float)])
            dose = dose.fillna(pd.Series(kept.reindex(ids).to_numpy(), index=dose.index))
        if planned:
            dose = dose.fillna(pd.to_numeric(arm.map(planned), errors="coerce"))
        out["adex"]["ADOSE"] = np.where(arm.isin(list(placebo_arms)), 0.0, dose)
    return out


def _arm_text(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().fillna("")


def _changed(before: pd.Series, after: pd.Series) -> int:
    return int((before.astype("string").fillna("\0") != after.astype("string").fillna("\0")).sum())


def split_key(sdtm: dict[str, pd.DataFrame], masking_term: str = "BLINDED",
              treatment: str | None = None) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], list[dict]]:
    """An unblinded SDTM transfer split into the randomization key and a masked SDTM.

    Key: one row per DM subject with an arm (ARMCD neither blank nor an SDTM null arm, sdtm NULL_ARMS):
    STUDYID, USUBJID, RANDDT, ARMCD, ARM (the format check_key and filter_key_at_cut read), plus
    ACTARMCD/ACTARM where DM has them, and RANDSRC: where RANDDT comes from, the DS RANDOMIZED
    milestone (DS), else the first dose (EX EXSTDTC), else DM.RFSTDTC; blank if none (the pipeline then
    stops on the key). Masked: DM.ARM/ARMCD/ACTARM/ACTARMCD of those subjects set to `masking_term`;
    EX.EXTRT to `treatment` (the protocol's blinded treatment name) or the masking term; EXDOSE
    blanked and EXDOSU masked where they differ by arm. Returns (key, {domain: masked frame} of the
    domains changed, [{domain, column, rows_changed, value}])."""
    dm = sdtm["DM"]
    armed = ~_arm_text(dm["ARMCD"]).str.upper().isin(NULL_ARMS | {""}).to_numpy(bool)
    subjects = dm.loc[armed]
    ids = subjects["USUBJID"].astype("string")
    dates = {}
    if sdtm.get("DS") is not None:
        ds = sdtm["DS"][_arm_text(sdtm["DS"]["DSDECOD"]).str.upper().eq("RANDOMIZED").to_numpy(bool)]
        dates["DS"] = compute_dt(ds["DSSTDTC"]).groupby(ds["USUBJID"].astype("string").to_numpy()).min()
    if sdtm.get("EX") is not None:
        ex = sdtm["EX"]
        dates["EX"] = compute_dt(ex["EXSTDTC"]).groupby(ex["USUBJID"].astype("string").to_numpy()).min()
    if "RFSTDTC" in dm:
        dates["RFSTDTC"] = pd.Series(compute_dt(subjects["RFSTDTC"]).to_numpy(), index=ids.to_numpy())
    when = pd.Series(pd.NaT, index=ids.to_numpy(), dtype="datetime64[ns]")
    source = pd.Series("", index=ids.to_numpy(), dtype="object")
    for name, d in dates.items():
        d = d.reindex(when.index)
        source = source.mask(when.isna() & d.notna(), name)
        when = when.fillna(d)
    key = pd.DataFrame({"STUDYID": subjects["STUDYID"].astype("string").to_numpy() if "STUDYID" in dm else "",
                        "USUBJID": ids.to_numpy(), "RANDDT": when.dt.strftime("%Y-%m-%d").fillna("").to_numpy(),
                        "ARMCD": _arm_text(subjects["ARMCD"]).to_numpy(), "ARM": _arm_text(subjects["ARM"]).to_numpy()})
    for col in ("ACTARMCD", "ACTARM"):
        if col in dm:
            key[col] = _arm_text(subjects[col]).to_numpy()
    key["RANDSRC"] = source.to_numpy()
    masked, changes = {}, []

    def mask(domain: str, frame: pd.DataFrame, col: str, rows, value) -> pd.DataFrame:
        after = frame.copy()
        after.loc[rows, col] = value
        n = _changed(frame[col], after[col])
        if n:
            changes.append({"domain": domain, "column": col, "rows_changed": n,
                            "value": value if isinstance(value, str) else "(blank)"})
        return after

    out = dm
    for col in ("ARMCD", "ARM", "ACTARMCD", "ACTARM"):
        if col in out:
            out = mask("DM", out, col, armed, masking_term)
    masked["DM"] = out
    if sdtm.get("EX") is not None:
        ex = sdtm["EX"]
        arm_of = ex["USUBJID"].astype("string").map(pd.Series(key["ARMCD"].to_numpy(), index=key["USUBJID"]))
        out = mask("EX", ex, "EXTRT", slice(None), treatment or masking_term)
        for col, value in (("EXDOSE", np.nan), ("EXDOSU", masking_term)):
            if col in ex and ex.groupby(arm_of.to_numpy())[col].agg(lambda v: frozenset(v.dropna())).nunique() > 1:
                out = mask("EX", out, col, slice(None), value)
        masked["EX"] = out
    return key, {d: f for d, f in masked.items() if any(c["domain"] == d for c in changes)}, changes


def key_doses(ex: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """The EX doses a masked copy blanks, kept on the key side (split-key writes them beside the key as
    doses.csv): USUBJID, EXSEQ, EXDOSE, EXDOSU of the key's subjects' EX records."""
    ex = ex[ex["USUBJID"].astype("string").isin(key["USUBJID"]).to_numpy(bool)]
    cols = [c for c in ("USUBJID", "EXSEQ", "EXDOSE", "EXDOSU") if c in ex]
    return ex[cols].reset_index(drop=True)

"""Patient profiles: which subjects get one (the narrative rule) and the records of each profile: dosing,
adverse events, key laboratory values (every record, retests and unscheduled ones too), concomitant
medications and medical history.

Inputs: ADSL (with ARM_, the arm as the outputs label it, or none on the open side), ADAE, ADLB, ADEX of the
analysis datasets, and the SDTM CM and MH domains (ADaM here has no ADCM or ADMH).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..adam.exposure import infusions
from ..adam.liver import compute_xuln
from ..adam.occds import aesi_columns, withdrawal_mask
from ..adam.standardize import is_post_baseline
from ..numbers import decimal_text

LIVER_TESTS = ("ALT", "AST", "BILI", "ALP")
KEY_LABS = LIVER_TESTS + ("CREAT",)
LIVER_ALERT = 3.0      # ALT or AST >= 3 x ULN after the first dose
HYS_BILI = 2.0         # with bilirubin >= 2 x ULN: the Hy's-law screen


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    v = frame[col] if col in frame else pd.Series(pd.NA, index=frame.index)
    return v.astype("string").str.strip().str.upper()


def flag_narrative_events(adae: pd.DataFrame, adsl: pd.DataFrame, aesi: list[str]) -> pd.DataFrame:
    """Per ADAE record, why it needs a narrative: SERIOUS_ (AESER Y), DEATH_ (AEOUT FATAL or AESDTH Y),
    WITHDRAWN_ (withdrawal_mask: AEACN DRUG WITHDRAWN, or every TEAE of a subject who discontinued for an
    adverse event), AESI_ (the name of an AESI in `aesi`, the protocol's narratives.aesi names, else "")."""
    serious = _text(adae, "AESER").eq("Y").fillna(False).astype(bool)
    fatal = (_text(adae, "AEOUT").eq("FATAL") | _text(adae, "AESDTH").eq("Y")).fillna(False).astype(bool)
    withdrawn, _ = withdrawal_mask(adae, adsl)
    names = pd.Series("", index=adae.index, dtype=object)
    for col in aesi_columns(adae):
        hit = adae[col].astype("string").isin(aesi).fillna(False).astype(bool)
        names = names.where(~hit | (names != ""), adae[col].astype(object))
    return pd.DataFrame({"SERIOUS_": serious.to_numpy(), "DEATH_": fatal.to_numpy(),
                         "WITHDRAWN_": withdrawn.astype(bool).to_numpy(), "AESI_": names.to_numpy()}, index=adae.index)


def is_post_dose(adlb: pd.DataFrame) -> pd.Series:
    """Records after the first dose: not the baseline (ABLFL) and on study day 1 or later (ADY; a screening
    record is not "after the first dose" even where no baseline flag is set)."""
    on_study = pd.to_numeric(adlb["ADY"], errors="coerce").ge(1).fillna(False).astype(bool) if "ADY" in adlb else True
    return is_post_baseline(adlb) & on_study


def liver_peaks(adlb: pd.DataFrame) -> pd.DataFrame:
    """Per subject and liver test (ALT, AST, BILI, ALP), the record of the peak multiple of ULN after the
    first dose (is_post_dose; the earliest on ties): USUBJID, PARAMCD, AVAL, AVALU, ANRHI, XULN, ADT, ADY."""
    d = adlb[adlb["PARAMCD"].isin(LIVER_TESTS) & is_post_dose(adlb)].assign(XULN=compute_xuln)
    d = d[d["XULN"].notna()].sort_values(["USUBJID", "PARAMCD", "ADT"], kind="mergesort")
    top = d.loc[d.groupby(["USUBJID", "PARAMCD"], sort=True)["XULN"].idxmax()]
    return top[["USUBJID", "PARAMCD", "AVAL", "AVALU", "ANRHI", "XULN", "ADT", "ADY"]].reset_index(drop=True)


def select_profile_subjects(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame | None,
                            aesi: list[str]) -> pd.DataFrame:
    """The subjects of the safety set (SAFFL Y) who get a profile and narrative, with the reasons:
    an SAE, a death (ADSL DTHFL, or a fatal AE), an AE leading to withdrawal, an AESI the protocol marks
    for narratives (names `aesi`), or a liver alert (post-baseline ALT or AST >= 3 x ULN; Hy's-law screen:
    with bilirubin >= 2 x ULN). Any AE record of the subject counts, treatment-emergent or not.
    Columns USUBJID, REASONS ("; "-joined), in subject order."""
    safety = adsl[_text(adsl, "SAFFL").eq("Y").fillna(False).astype(bool)]
    ids = set(safety["USUBJID"])
    ae = adae[adae["USUBJID"].isin(ids)]
    flags = flag_narrative_events(ae, safety, aesi)
    reasons: dict[str, list[str]] = {s: [] for s in sorted(ids)}

    def add(subjects, reason):
        for s in sorted(set(subjects)):
            reasons[s].append(reason)

    add(ae.loc[flags["SERIOUS_"], "USUBJID"], "serious adverse event")
    dead = safety.loc[_text(safety, "DTHFL").eq("Y").fillna(False).astype(bool), "USUBJID"]
    add(set(dead) | set(ae.loc[flags["DEATH_"], "USUBJID"]), "death")
    add(ae.loc[flags["WITHDRAWN_"], "USUBJID"], "adverse event leading to withdrawal")
    for name in aesi:
        add(ae.loc[flags["AESI_"] == name, "USUBJID"], f"AESI: {name}")
    if adlb is not None and len(adlb):
        peaks = liver_peaks(adlb[adlb["USUBJID"].isin(ids)])
        wide = peaks.pivot_table(index="USUBJID", columns="PARAMCD", values="XULN", aggfunc="max")
        transaminase = wide.reindex(columns=["ALT", "AST"]).max(axis=1) >= LIVER_ALERT
        bili = wide["BILI"] if "BILI" in wide else pd.Series(np.nan, index=wide.index)
        add(wide.index[transaminase], "liver alert: ALT or AST >= 3 x ULN")
        add(wide.index[transaminase & (bili >= HYS_BILI)], "Hy's-law screen: and bilirubin >= 2 x ULN")
    rows = [(s, "; ".join(r)) for s, r in reasons.items() if r]
    return pd.DataFrame(rows, columns=["USUBJID", "REASONS"])


def profile_dosing(adex: pd.DataFrame, subjects: list[str]) -> pd.DataFrame:
    """The doses of the subjects: USUBJID, INFNUM, ASTDT, ASTDY and the dose as recorded (EXDOSE, EXDOSU)."""
    ex = infusions(adex[adex["USUBJID"].isin(subjects)])
    cols = [c for c in ("USUBJID", "INFNUM", "ASTDT", "ASTDY", "EXDOSE", "EXDOSU") if c in ex]
    return ex.sort_values(["USUBJID", "ASTDT"], kind="mergesort")[cols].reset_index(drop=True)


def profile_adverse_events(adae: pd.DataFrame, adsl: pd.DataFrame, subjects: list[str],
                           aesi: list[str]) -> pd.DataFrame:
    """Every AE record of the subjects with the narrative flags (flag_narrative_events) and NARR_ (the
    record needs a narrative sentence), by subject and onset."""
    ae = adae[adae["USUBJID"].isin(subjects)]
    flags = flag_narrative_events(ae, adsl, aesi)
    out = pd.concat([ae, flags], axis=1)
    out["NARR_"] = out[["SERIOUS_", "DEATH_", "WITHDRAWN_"]].any(axis=1) | (out["AESI_"] != "")
    return out.sort_values(["USUBJID", "ASTDT", "AESEQ"], kind="mergesort").reset_index(drop=True)


def profile_labs(adlb: pd.DataFrame, subjects: list[str]) -> pd.DataFrame:
    """Every record of the key tests (liver, creatinine) of the subjects, analysed or not (retests and
    unscheduled records included): USUBJID, PARAMCD, PARAM, AVAL, AVALU, ANRHI, XULN, ADT, ADY, AVISIT,
    ABLFL (the baseline record: never a peak after the first dose, even on day 1), ANL01FL, by subject, test and
    date."""
    d = adlb[adlb["USUBJID"].isin(subjects) & adlb["PARAMCD"].isin(KEY_LABS)]
    d = d.assign(XULN=compute_xuln(d))
    cols = [c for c in ("USUBJID", "PARAMCD", "PARAM", "AVAL", "AVALU", "ANRHI", "XULN", "ADT", "ADY", "AVISIT",
                        "ABLFL", "ANL01FL") if c in d]
    return d.sort_values(["USUBJID", "PARAMCD", "ADT"], kind="mergesort")[cols].reset_index(drop=True)


def profile_conmeds(cm: pd.DataFrame | None, adsl: pd.DataFrame, subjects: list[str]) -> pd.DataFrame:
    """The subjects' medications taken on or after the first dose (ended on or after TRTSDT, or with no
    end): one row per medication and indication, its dose periods joined (first start, last end; blank:
    ongoing): USUBJID, CMDECOD, CMCLAS, CMINDC, START, END, RECORDS."""
    cols = ["USUBJID", "CMDECOD", "CMCLAS", "CMINDC", "START", "END", "RECORDS"]
    if cm is None or cm.empty:
        return pd.DataFrame(columns=cols)
    d = cm[cm["USUBJID"].isin(subjects)].copy()
    first = adsl.set_index("USUBJID")["TRTSDT"]
    d["START"] = pd.to_datetime(d["CMSTDTC"].astype("string").str[:10], errors="coerce")
    d["END"] = pd.to_datetime(d["CMENDTC"].astype("string").str[:10], errors="coerce")
    d = d[d["END"].isna() | (d["END"] >= pd.to_datetime(d["USUBJID"].map(first)))]
    for c in ("CMDECOD", "CMCLAS", "CMINDC"):
        d[c] = (d[c] if c in d else pd.Series(pd.NA, index=d.index)).astype("string").fillna("")
    g = d.groupby(["USUBJID", "CMDECOD", "CMCLAS", "CMINDC"], sort=True)
    out = g.agg(START=("START", "min"), END=("END", "max"), RECORDS=("START", "size")).reset_index()
    ongoing = g["END"].apply(lambda e: e.isna().any()).to_numpy()
    out.loc[ongoing, "END"] = pd.NaT
    return out.sort_values(["USUBJID", "START", "CMDECOD"], kind="mergesort")[cols].reset_index(drop=True)


def profile_history(mh: pd.DataFrame | None, subjects: list[str]) -> pd.DataFrame:
    """The subjects' medical history (SDTM MH): USUBJID, MHSEQ, MHDECOD (else MHTERM), MHSTDTC."""
    cols = ["USUBJID", "MHSEQ", "MHDECOD", "MHSTDTC"]
    if mh is None or mh.empty:
        return pd.DataFrame(columns=cols)
    d = mh[mh["USUBJID"].isin(subjects)].copy()
    term = d["MHDECOD"] if "MHDECOD" in d else pd.Series(pd.NA, index=d.index)
    d["MHDECOD"] = term.astype("string").fillna(d["MHTERM"].astype("string"))
    d["MHSTDTC"] = (d["MHSTDTC"] if "MHSTDTC" in d else pd.Series(pd.NA, index=d.index)).astype("string").fillna("")
    return d.sort_values(["USUBJID", "MHSEQ"], kind="mergesort")[cols].reset_index(drop=True)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("")


def _ints(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("Int64").astype("string").fillna("")


def t_profile_events(events: pd.DataFrame) -> pd.DataFrame:
    """The profile's AE table: every AE of the subjects, the ones the narrative describes marked."""
    e = events.reset_index(drop=True)
    text = lambda c: (e[c] if c in e else pd.Series(pd.NA, index=e.index)).astype("string").fillna("")  # noqa: E731
    return pd.DataFrame({
        "Subject": e["USUBJID"], "In narrative": e["NARR_"].map({True: "Yes", False: ""}),
        "Preferred term": text("AEDECOD"), "Onset": _dates(e["ASTDT"]), "Day": _ints(e["ASTDY"]),
        "End": _dates(e["AENDT"]), "Severity": text("AESEV").str.capitalize(),
        "Serious": text("AESER").map({"Y": "Yes", "N": "No"}).fillna(""),
        "Relationship": text("AEREL").str.capitalize(), "Action": text("AEACN").str.capitalize(),
        "Outcome": text("AEOUT").str.capitalize(), "TEAE": text("TRTEMFL").map({"Y": "Yes", "N": "No"}).fillna("")})


def t_profile_labs(labs: pd.DataFrame) -> pd.DataFrame:
    """The profile's key laboratory table: one row per subject and date, a column per test with the
    value and its multiple of ULN; "*" marks a record not analysed (a retest or an unscheduled record)."""
    if labs.empty:
        return pd.DataFrame(columns=["Subject", "Date", "Day", "Visit"])
    d = labs.copy()
    flag = d["ANL01FL"].astype("string").eq("Y").fillna(False).astype(bool) if "ANL01FL" in d else True
    xuln = d["XULN"].map(lambda v: "" if pd.isna(v) else f" ({decimal_text(v, 1)})")
    d["CELL_"] = d["AVAL"].map(lambda v: "" if pd.isna(v) else f"{v:g}") + xuln + pd.Series(flag, index=d.index).map(
        {True: "", False: " *"})
    unit = d["AVALU"].astype("string").fillna("") if "AVALU" in d else pd.Series("", index=d.index)
    d["TEST_"] = d["PARAMCD"].astype(str) + (" " + unit).where(unit != "", "") + " (x ULN)"
    d["Date"], d["Day"] = _dates(d["ADT"]), _ints(d["ADY"])
    d["Visit"] = d["AVISIT"].astype("string").fillna("") if "AVISIT" in d else ""
    wide = d.pivot_table(index=["USUBJID", "Date", "Day"], columns="TEST_", values="CELL_",
                         aggfunc=lambda v: " / ".join(v)).reset_index()
    visits = d.groupby(["USUBJID", "Date"], sort=True)["Visit"].agg(lambda v: " / ".join(dict.fromkeys(v)))
    wide.insert(3, "Visit", visits.reindex(pd.MultiIndex.from_frame(wide[["USUBJID", "Date"]])).to_numpy())
    wide.columns.name = None
    return wide.rename(columns={"USUBJID": "Subject"}).fillna("").sort_values(["Subject", "Date"], kind="mergesort")


def t_profile_conmeds(conmeds: pd.DataFrame) -> pd.DataFrame:
    """The profile's concomitant medication table."""
    return pd.DataFrame({"Subject": conmeds["USUBJID"], "Medication": conmeds["CMDECOD"].str.capitalize(),
                         "Class": conmeds["CMCLAS"].str.capitalize(), "Indication": conmeds["CMINDC"].str.capitalize(),
                         "Start": _dates(conmeds["START"]), "End": _dates(conmeds["END"]).replace("", "ongoing"),
                         "Records (dose periods)": conmeds["RECORDS"].astype(str)})

"""Basic data structure (BDS) derivations: ADLB, ADVS and ADEFF share these steps.

    records -> derive_vars_dt_dy -> derive_var_ablfl -> derive_vars_avisit -> derive_var_anl01fl
            -> derive_vars_base_chg -> derive_var_anrind

Baseline is the last non-missing value on or before the first dose (SAP). Post-baseline records
go to the visit whose window (target day +/- window) holds their study day; of several records
in one window the one nearest the target is analysed, the later one on ties.

Real transfers: a partial --DTC is imputed to the first day of its period (ADTF "D" or "M"); a
record without a date cannot be placed in a window and is kept with AVISIT UNSCHEDULED (listed
by record_notes). Unscheduled visits (VISITNUM 4.1, "UNSCHEDULED ...") are windowed by study day
like any record; a retest is resolved by the same rule (nearest the target day, the later on
ties) and the records not analysed stay with ANL01FL blank. The laboratory's own range
indicator (--NRIND) is used where given; --LOBXFL is carried for the cross-check with ABLFL.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..units import parameter_label
from ..columns import lookup, per_distinct, pick_per_group, sort_order
from ..dates import compute_dtm, compute_on_or_before, compute_study_day, derive_vars_dt_imputed

BDS_COLUMNS = ["STUDYID", "USUBJID", "PARAMCD", "PARAM", "AVAL", "AVALC", "AVALU", "ADT", "ADTF", "ADTM", "ADY",
               "ATPT", "ATPTN", "VISIT", "VISITNUM", "AVISIT", "AVISITN", "ABLFL", "ANL01FL", "BASE",
               "CHG", "PCHG", "ANRLO", "ANRHI", "ANRIND", "BNRIND", "LOBXFL", "SRCDOM", "SRCSEQ"]
NRIND = {"N": "NORMAL", "NORMAL": "NORMAL", "L": "LOW", "LOW": "LOW", "H": "HIGH", "HIGH": "HIGH"}


def filter_not_done(df: pd.DataFrame, domain: str) -> pd.DataFrame:
    """Records with a result: --STAT = NOT DONE records carry none (they are listed as excluded,
    with --REASND, by the record accounting)."""
    stat = df.get(f"{domain}STAT")
    return df if stat is None else df[~(stat.astype("string").str.upper() == "NOT DONE").fillna(False)]


COMPARATOR = r"^\s*(<=|<|>=|>)\s*(\d+(?:\.\d*)?|\.\d+)\s*$"      # "<0.1", "<= 5", ">500"
COMPARATOR_RULES = ("exclude", "limit", "half_limit")


def comparator_rule(protocol: dict) -> str:
    """protocol.yaml sdtm.comparator_results: how a result such as "<0.1" without a number is analysed."""
    return (protocol.get("sdtm") or {}).get("comparator_results", "exclude")


def without_number(df: pd.DataFrame, domain: str, params: dict) -> pd.Series:
    """Records of a numeric test (protocol labs/vitals with a unit) that carry no number: --STRESN blank
    (a result with a comparator, "<0.1", or a text, "HEMOLYZED", or nothing at all)."""
    numeric = df[f"{domain}TESTCD"].isin([c for c, d in params.items() if "unit" in d])
    return numeric & pd.to_numeric(df[f"{domain}STRESN"], errors="coerce").isna()


def resolve_comparators(df: pd.DataFrame, domain: str, params: dict, rule: str = "exclude") -> pd.DataFrame:
    """A numeric result given with a comparator in --STRESC and --STRESN blank, by the protocol's rule
    (sdtm.comparator_results): "limit" analyses the limit (<0.1 -> 0.1), "half_limit" half a lower limit
    (<0.1 -> 0.05, e.g. LLOQ/2; an upper one, >500, as the limit), "exclude" (the default) keeps none.
    A record without a number after that is left out, as NOT DONE ones are (filter_not_done): the record
    accounting lists each with its value and the rule; an imputed one is listed in record_notes."""
    df = filter_not_done(df, domain)
    if rule not in COMPARATOR_RULES:
        raise ValueError(f"protocol.yaml sdtm.comparator_results: {rule!r}; expected one of "
                         f"{', '.join(COMPARATOR_RULES)}")
    missing = without_number(df, domain, params)
    if rule != "exclude" and missing.any() and f"{domain}STRESC" in df:
        parts = df.loc[missing, f"{domain}STRESC"].astype("string").str.extract(COMPARATOR)
        limit = pd.to_numeric(parts[1], errors="coerce")
        value = limit / 2 if rule == "half_limit" else limit
        value = value.where(parts[0].isin(["<", "<="]), limit)
        df = df.copy()
        column = f"{domain}STRESN"
        numbers = value.dropna()
        df.loc[numbers.index, column] = (numbers if pd.api.types.is_numeric_dtype(df[column])
                                         else numbers.map(repr).astype("string"))   # typed SDTM, or text
        missing = without_number(df, domain, params)
    return df[~missing.fillna(False)]


def bds_from_findings(df: pd.DataFrame, domain: str, params: dict) -> pd.DataFrame:
    """SDTM LB or VS records -> BDS skeleton (one row per record, PARAM from the protocol)."""
    p = domain
    names = {code: parameter_label(d["name"], d.get("unit")) for code, d in params.items()}
    units = {code: d.get("unit", "") for code, d in params.items()}
    out = pd.DataFrame({
        "STUDYID": df["STUDYID"], "USUBJID": df["USUBJID"], "PARAMCD": df[f"{p}TESTCD"],
        "AVAL": pd.to_numeric(df[f"{p}STRESN"], errors="coerce"),
        "AVALC": df.get(f"{p}STRESC", df.get(f"{p}ORRES")),
        "ADTC": df[f"{p}DTC"], "ATPT": df.get(f"{p}TPT"), "ATPTN": pd.to_numeric(df.get(f"{p}TPTNUM"), errors="coerce"),
        "VISIT": df.get("VISIT"), "VISITNUM": pd.to_numeric(df.get("VISITNUM"), errors="coerce"),
        "ANRLO": pd.to_numeric(df.get(f"{p}STNRLO"), errors="coerce"),
        "ANRHI": pd.to_numeric(df.get(f"{p}STNRHI"), errors="coerce"),
        "SRCDOM": domain, "SRCSEQ": pd.to_numeric(df[f"{p}SEQ"], errors="coerce"),
        "_NRIND": df.get(f"{p}NRIND"),
        "LOBXFL": df.get(f"{p}LOBXFL", df.get(f"{p}BLFL")),
    })
    out["PARAM"] = out["PARAMCD"].map(names)
    out["AVALU"] = out["PARAMCD"].map(units)
    return out


def derive_vars_dt_dy(bds: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """ADT, ADTM from the --DTC text and ADY against the subject's reference start (TRTSDT, or
    RANDDT if never dosed). Subjects without a reference start (screen failures) are dropped."""
    ref = adsl.set_index("USUBJID")
    out = bds.copy()
    out[["ADT", "ADTF"]] = derive_vars_dt_imputed(out["ADTC"], "first")[["DT", "DTF"]]
    out["ADTM"] = compute_dtm(out["ADTC"])
    ref = lookup(out["USUBJID"], ref[["REFSDT", "TRTSDTM"]])
    ref_dt = ref["REFSDT"]
    out["ADY"] = compute_study_day(out["ADT"], ref_dt)
    out["_PRE"] = compute_on_or_before(out["ADT"], out["ADTM"], ref_dt, ref["TRTSDTM"])
    return out[ref_dt.notna()].drop(columns="ADTC")


def derive_var_ablfl(bds: pd.DataFrame, by=("USUBJID", "PARAMCD")) -> pd.Series:
    """ABLFL = "Y" on the last non-missing record on or before the first dose, per subject/param."""
    has_value = bds["AVAL"].notna() | bds["AVALC"].notna()
    order = ["ADT", "ADTM", "SRCSEQ"]
    cand = bds.loc[bds["_PRE"] & has_value, [*by, *order]]
    last = pick_per_group(cand, list(by), order, na_position="first", last=True)
    return pd.Series(np.where(bds.index.isin(last), "Y", None), index=bds.index, dtype="string")


def derive_vars_avisit(bds: pd.DataFrame, visits: list[dict]) -> pd.DataFrame:
    """AVISIT/AVISITN: BASELINE for the baseline record; the nominal visit for time-point
    records (e.g. temperature 2 h after an infusion); the protocol window holding ADY for other
    post-dose records (nearest target if windows overlap); PRE-TREATMENT before the dose;
    UNSCHEDULED outside every window."""
    n = len(bds)
    name = np.full(n, "UNSCHEDULED", dtype=object)
    num = np.full(n, np.nan)
    ady = bds["ADY"].astype("float").to_numpy()
    pre = bds["_PRE"].to_numpy(dtype=bool)
    best = np.full(n, np.inf)
    for v in visits:
        if "window" not in v:
            continue
        dist = np.abs(ady - v["day"])
        inside = ~pre & (dist <= v["window"]) & (dist < best)
        name[inside], num[inside], best[inside] = v["name"], v["num"], dist[inside]
    timepoint = (bds["ATPTN"].notna() & bds["VISIT"].notna()).to_numpy()
    nominal = {v["name"]: v["num"] for v in visits}
    name[timepoint] = bds["VISIT"].to_numpy(dtype=object)[timepoint]
    num[timepoint] = [nominal.get(x, np.nan) for x in name[timepoint]]
    pre_only = pre & ~timepoint
    name[pre_only], num[pre_only] = "PRE-TREATMENT", -1
    base = next(v for v in visits if v["day"] == 1)
    is_base = (bds["ABLFL"] == "Y").fillna(False).to_numpy(dtype=bool)
    name[is_base], num[is_base] = base["name"], base["num"]
    num[name == "UNSCHEDULED"] = np.nan
    return pd.DataFrame({"AVISIT": pd.array(name, dtype="string"), "AVISITN": num}, index=bds.index)


def derive_var_anl01fl(bds: pd.DataFrame, visits: list[dict]) -> pd.Series:
    """ANL01FL = "Y" on the record analysed for each subject, parameter, visit (and time point):
    the baseline record; in a window the one nearest the target day, the later on ties."""
    target = {v["name"]: v["day"] for v in visits}
    has_value = bds["AVAL"].notna() | bds["AVALC"].notna()
    eligible = has_value & ~bds["AVISIT"].isin(["PRE-TREATMENT", "UNSCHEDULED"])
    cand = bds.loc[eligible, ["USUBJID", "PARAMCD", "AVISIT", "ATPTN", "ADY", "ADT", "ADTM", "SRCSEQ"]].copy()
    cand["_DIST"] = (cand["ADY"].astype(float) - per_distinct(cand["AVISIT"], lambda v: v.map(target))).abs()
    cand["_TP"] = cand["ATPTN"].fillna(-1)
    chosen = pick_per_group(cand, ["USUBJID", "PARAMCD", "AVISIT", "_TP"], ["_DIST", "ADT", "ADTM", "SRCSEQ"],
                            ascending=[True, False, False, False], na_position="last")
    return pd.Series(np.where(bds.index.isin(chosen), "Y", None), index=bds.index, dtype="string")


def derive_vars_base_chg(bds: pd.DataFrame) -> pd.DataFrame:
    """BASE (and BNRIND) from the baseline record; CHG and PCHG on post-baseline records."""
    base = bds[bds["ABLFL"] == "Y"].set_index(["USUBJID", "PARAMCD"])
    key = pd.MultiIndex.from_frame(bds[["USUBJID", "PARAMCD"]])
    out = pd.DataFrame(index=bds.index)
    out["BASE"] = base["AVAL"].reindex(key).to_numpy()
    out["BNRIND"] = base["ANRIND"].reindex(key).to_numpy() if "ANRIND" in base else pd.NA
    post = ~bds["_PRE"] & (bds["ABLFL"] != "Y").fillna(True)
    out["CHG"] = (bds["AVAL"] - out["BASE"]).where(post)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["PCHG"] = (100 * out["CHG"] / out["BASE"]).where(out["BASE"] != 0)
    return out


def derive_var_anrind(aval: pd.Series, lo: pd.Series, hi: pd.Series, nrind: pd.Series | None = None) -> pd.Series:
    """LOW / NORMAL / HIGH: the laboratory's own indicator (--NRIND: N/L/H or the words) where
    given, else against the reference range; blank without a value or range."""
    ind = pd.Series(pd.NA, index=aval.index, dtype="string")
    known = aval.notna() & (lo.notna() | hi.notna())
    ind[known] = "NORMAL"
    ind[known & lo.notna() & (aval < lo)] = "LOW"
    ind[known & hi.notna() & (aval > hi)] = "HIGH"
    if nrind is not None:
        given = nrind.astype("string").str.upper().map(NRIND)
        ind = ind.mask(given.notna() & aval.notna(), given)
    return ind


def derive_bds(records: pd.DataFrame, adsl: pd.DataFrame, visits: list[dict]) -> pd.DataFrame:
    """All BDS steps on a records frame (bds_from_findings shape); tidy columns, sorted."""
    bds = derive_vars_dt_dy(records, adsl).reset_index(drop=True)
    bds["ABLFL"] = derive_var_ablfl(bds)
    bds[["AVISIT", "AVISITN"]] = derive_vars_avisit(bds, visits)
    bds["ANL01FL"] = derive_var_anl01fl(bds, visits)
    bds["ANRIND"] = derive_var_anrind(bds["AVAL"], bds["ANRLO"], bds["ANRHI"], bds.get("_NRIND"))
    bds[["BASE", "BNRIND", "CHG", "PCHG"]] = derive_vars_base_chg(bds)[["BASE", "BNRIND", "CHG", "PCHG"]]
    order = sort_order(bds, ["USUBJID", "PARAMCD", "ADT", "ADTM", "ATPTN", "SRCSEQ"], na_position="first")
    return bds[[c for c in BDS_COLUMNS if c in bds]].take(order).reset_index(drop=True)

"""Eligibility: each protocol criterion evaluated on the screening data, against the IE record.

A criterion is either decided by a `rule` on collected data or `judged: investigator`. For every
screened subject and criterion the result says whether the subject FAILS it by the data (an
inclusion criterion not met, or an exclusion criterion met), and whether the investigator
recorded it as failed in IE; a difference is a disagreement to list.
Rule semantics: min/max bound the allowed range of an inclusion criterion; ge/gt/equals define
the condition that triggers an exclusion; with several tests an exclusion fires if any does.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import isin, join_text
from ..units import convert
from ..dates import compute_dt

ELIG_COLUMNS = ["USUBJID", "CRITID", "CATEGORY", "CRITERION", "METHOD", "VALUE", "DATA_FAIL",
                "INV_FAIL", "AGREE"]


def _screening(sdtm: dict, domain: str, visit: dict, tests=None) -> pd.DataFrame:
    """The domain's records of the screening visit (of the given --TESTCDs), the columns a rule reads."""
    df = sdtm.get(domain)
    if df is None:
        return pd.DataFrame(columns=["USUBJID"])
    wanted = pd.Series(True, index=df.index)
    if "VISITNUM" in df:
        wanted &= pd.to_numeric(df["VISITNUM"], errors="coerce") == visit["num"]
    if tests is not None:
        wanted &= isin(df[f"{domain}TESTCD"], tests)
    suffixes = ("TESTCD", "STRESN", "STRESC", "ORRES", "STNRHI")
    columns = [c for c in df if c == "USUBJID" or (c.startswith(domain) and c[len(domain):] in suffixes)]
    return df.loc[wanted, columns]


def _limit_fails(x: pd.Series, limit: dict, category: str) -> pd.Series:
    """Whether values fail the criterion under one limit set (NA where x is missing)."""
    if category == "INCLUSION":
        ok = pd.Series(True, index=x.index)
        if "min" in limit:
            ok &= x >= limit["min"]
        if "max" in limit:
            ok &= x <= limit["max"]
        fails = ~ok
    else:
        fails = pd.Series(False, index=x.index)
        if "ge" in limit:
            fails |= x >= limit["ge"]
        if "gt" in limit:
            fails |= x > limit["gt"]
    return fails.astype("boolean").mask(x.isna())


def _findings_rule(sdtm, protocol, rule, category, subjects, sex) -> tuple[pd.Series, pd.Series]:
    domain = rule["measure"]
    p = domain
    first = protocol["visits"][0]
    if domain in ("LB", "VS"):
        section = "labs" if domain == "LB" else "vitals"
        scr = _screening(sdtm, domain, first, rule["tests"]).copy()
        num = pd.to_numeric(scr[f"{p}STRESN"], errors="coerce")
        if rule.get("times_uln"):
            num = num / pd.to_numeric(scr[f"{p}STNRHI"], errors="coerce")
        elif "unit" in rule:
            num = pd.concat([convert(num[scr[f"{p}TESTCD"] == t], t, protocol[section][t]["unit"], rule["unit"],
                                     protocol[section][t].get("conversions"), protocol[section][t]["unit"])
                             for t in rule["tests"]]).reindex(scr.index)
        scr["_X"] = num
        scr["_TEXT"] = scr.get(f"{p}STRESC", scr.get(f"{p}ORRES"))
        scr["_KEY"] = scr[f"{p}TESTCD"]
    elif domain == "SU":
        scr = sdtm.get("SU", pd.DataFrame(columns=["USUBJID"]))
        scr = scr[scr["SUTRT"].isin(rule["tests"])].copy()
        scr["_X"] = pd.to_numeric(scr["SUDOSE"], errors="coerce")
        scr["_KEY"], scr["_TEXT"] = scr["SUDOSFRQ"], scr["SUDOSE"]
    else:  # QS
        scr = sdtm.get("QS", pd.DataFrame(columns=["USUBJID"]))
        scr = scr[scr["QSTESTCD"].isin(rule["tests"])].copy()
        scr["_X"] = pd.to_numeric(scr["QSSTRESN"], errors="coerce")
        scr["_KEY"], scr["_TEXT"] = scr["QSTESTCD"], scr["QSSTRESN"]
    if "equals" in rule:
        fails = (scr["_TEXT"] == rule["equals"]).astype("boolean").mask(scr["_TEXT"].isna())
    elif rule.get("by") == "sex":
        lim = scr["USUBJID"].map(sex).map(rule["limits"])
        fails = pd.Series([_limit_fails(pd.Series([x]), limits, category).iloc[0] if isinstance(limits, dict) else pd.NA
                           for x, limits in zip(scr["_X"], lim)], index=scr.index, dtype="boolean")
    elif rule.get("by") in ("test", "frequency"):
        fails = pd.Series(pd.NA, index=scr.index, dtype="boolean")
        for key, lim in rule["limits"].items():
            sel = scr["_KEY"] == key
            fails[sel] = _limit_fails(scr.loc[sel, "_X"], lim, category)
    else:
        fails = _limit_fails(scr["_X"], rule, category)
    scr["_FAIL"] = fails
    label = scr["_KEY"].astype(str) + "=" + np.where(scr["_X"].notna() & ("equals" not in rule),
                                                      scr["_X"].round(3).astype(str), scr["_TEXT"].astype(str))
    scr["_LABEL"] = label
    by = scr["USUBJID"]
    failed = fails.eq(True).fillna(False).astype(bool).groupby(by).any()
    known = fails.notna().groupby(by).any()
    fail = failed.astype("boolean").mask(~known)        # NA when no value could be judged
    value = join_text(scr["USUBJID"], label, "; ")
    return fail.reindex(subjects), value.reindex(subjects)


def _dated_rule(sdtm, rule, category, subjects, screen_dt) -> tuple[pd.Series, pd.Series]:
    """MH / PR events within N days before screening, MH duration, CM use within N days."""
    domain = rule["measure"]
    df = sdtm.get(domain)
    empty = pd.Series(False, index=subjects), pd.Series("none recorded", index=subjects)
    if df is None or len(df) == 0:
        return empty
    if domain == "CM":
        df = df[df["CMCLAS"].isin(rule["classes"])]
        start, end = compute_dt(df["CMSTDTC"]), compute_dt(df["CMENDTC"])
        scr = df["USUBJID"].map(screen_dt)
        window_start = scr - pd.Timedelta(days=rule["within_days"])
        hit = (start.isna() | (start <= scr)) & (end.isna() | (end >= window_start))
        label = df["CMTRT"] + " " + df["CMSTDTC"].fillna("?") + ".." + df["CMENDTC"].fillna("ongoing")
    else:
        term_col = "MHDECOD" if domain == "MH" else "PRCAT"
        terms = {t.lower() for t in rule["terms"]}
        df = df[df[term_col].str.lower().isin(terms)]
        start = compute_dt(df[f"{domain}STDTC"])
        scr = df["USUBJID"].map(screen_dt)
        if "duration_years_max" in rule:
            years = (scr - start).dt.days / 365.25
            out = (years > rule["duration_years_max"]).astype("boolean").mask(years.isna())
            fail = out.groupby(df["USUBJID"]).any().reindex(subjects)
            label = years.round(1).astype(str).radd("duration years=").groupby(df["USUBJID"]).first()
            return fail, label.reindex(subjects)
        hit = (start <= scr) & (start >= scr - pd.Timedelta(days=rule["within_days"]))
        label = df[term_col] + " " + df[f"{domain}STDTC"].fillna("?")
    hits = hit.groupby(df["USUBJID"]).any().reindex(subjects, fill_value=False)
    labels = label[hit].groupby(df.loc[hit, "USUBJID"]).agg("; ".join).reindex(subjects).fillna("none in window")
    fails = hits if category == "EXCLUSION" else ~hits
    return fails.astype("boolean"), labels


def _insulin_rule(sdtm, protocol, rule, category, subjects, screen_dt) -> tuple[pd.Series, pd.Series]:
    """Daily insulin dose in effect at screening per kg of screening weight."""
    cm = sdtm["CM"]
    ins = cm[cm["CMCAT"] == protocol["insulin"]["cmcat"]]
    scr = ins["USUBJID"].map(screen_dt)
    end = compute_dt(ins["CMENDTC"])
    active = (compute_dt(ins["CMSTDTC"]) <= scr) & (end.isna() | (end >= scr))
    dose = pd.to_numeric(ins.loc[active, "CMDOSE"]).groupby(ins.loc[active, "USUBJID"]).sum()
    vs = _screening(sdtm, "VS", protocol["visits"][0])
    weighed = vs["VSTESTCD"] == "WEIGHT"
    weight = pd.to_numeric(vs.loc[weighed, "VSSTRESN"]).groupby(vs.loc[weighed, "USUBJID"]).last()
    x = (dose / weight).reindex(subjects)
    return _limit_fails(x, rule, category), x.round(3).astype(str).radd("U/kg/day=").where(x.notna())


def derive_eligibility(sdtm: dict, protocol: dict) -> pd.DataFrame:
    """One row per screened subject and criterion (ELIG_COLUMNS)."""
    dm = sdtm["DM"]
    subjects = pd.Index(dm["USUBJID"], name="USUBJID")
    screen_dt = pd.Series(compute_dt(dm["RFICDTC"]).to_numpy(), index=subjects)
    sex = dict(zip(dm["USUBJID"], dm["SEX"]))
    ie = sdtm.get("IE", pd.DataFrame(columns=["USUBJID", "IETESTCD"]))
    recorded = set(zip(ie["USUBJID"], ie["IETESTCD"]))
    rows = []
    for crit in protocol.get("criteria", []):
        rule, cat = crit.get("rule"), crit["category"]
        if rule is None:
            fails, value = pd.Series(pd.NA, index=subjects, dtype="boolean"), pd.Series("", index=subjects)
            method = "investigator"
        else:
            method = "data"
            m = rule["measure"]
            if m == "DM.AGE":
                x = pd.Series(pd.to_numeric(dm["AGE"]).to_numpy(), index=subjects)
                fails, value = _limit_fails(x, rule, cat), x.astype(str).radd("AGE=")
            elif m in ("LB", "VS", "SU", "QS"):
                fails, value = _findings_rule(sdtm, protocol, rule, cat, subjects, sex)
            elif m == "INSULIN_U_KG_DAY":
                fails, value = _insulin_rule(sdtm, protocol, rule, cat, subjects, screen_dt)
            else:
                fails, value = _dated_rule(sdtm, rule, cat, subjects, screen_dt)
        if rule is not None and "sex" in rule:   # e.g. a pregnancy test: women only
            other = pd.Series([sex[u] != rule["sex"] for u in subjects], index=subjects)
            fails = fails.reindex(subjects).astype("boolean").mask(other, False)
            value = value.reindex(subjects).mask(other, f"not applicable (criterion for SEX={rule['sex']})")
        inv = pd.Series([(u, crit["id"]) in recorded for u in subjects], index=subjects)
        frame = pd.DataFrame({"USUBJID": subjects, "CRITID": crit["id"], "CATEGORY": cat,
                              "CRITERION": crit["text"], "METHOD": method,
                              "VALUE": value.reindex(subjects).fillna("not collected").to_numpy(),
                              "DATA_FAIL": fails.reindex(subjects).astype("boolean").to_numpy(),
                              "INV_FAIL": inv.to_numpy()})
        rows.append(frame)
    if not rows:            # a study without eligibility criteria (protocol.yaml criteria): no rows
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ELIG_COLUMNS})
    out = pd.concat(rows, ignore_index=True)
    decided = out["DATA_FAIL"].notna()
    out["AGREE"] = (out["DATA_FAIL"] == out["INV_FAIL"]).astype("boolean").where(decided)
    return out[ELIG_COLUMNS]


def filter_disagreements(elig: pd.DataFrame) -> pd.DataFrame:
    """Criteria where the data and the investigator's IE record disagree, or the data are missing
    for a data-decided criterion."""
    data = elig["METHOD"] == "data"
    return elig[data & ((elig["AGREE"] == False) | elig["DATA_FAIL"].isna())].reset_index(drop=True)  # noqa: E712


def derive_vars_eligibility(elig: pd.DataFrame) -> pd.DataFrame:
    """Per subject: ELIGFL (no data-decided criterion failed), IEFAILFL (IE records a failure)
    and the failed criteria by data and by the investigator (none without criteria: blank)."""
    if not len(elig):
        return pd.DataFrame(columns=["USUBJID", "ELIGFL", "IEFAILFL", "ELIGFAIL", "IEFAIL", "SFREAS"])
    g = elig.groupby("USUBJID", sort=False)
    failed = elig[elig["DATA_FAIL"] == True]  # noqa: E712
    inv = elig[elig["INV_FAIL"]]
    out = pd.DataFrame({"USUBJID": list(g.groups)}).set_index("USUBJID")
    out["ELIGFL"] = np.where(out.index.isin(failed["USUBJID"]), "N", "Y")
    out["IEFAILFL"] = np.where(out.index.isin(inv["USUBJID"]), "Y", "N")
    out["ELIGFAIL"] = failed.groupby("USUBJID")["CRITID"].agg(", ".join).reindex(out.index)
    out["IEFAIL"] = inv.groupby("USUBJID")["CRITID"].agg(", ".join).reindex(out.index)
    out["SFREAS"] = (inv["CRITID"] + " " + inv["CRITERION"]).groupby(inv["USUBJID"]).agg("; ".join).reindex(out.index)
    return out.reset_index()

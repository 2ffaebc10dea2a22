"""DMC safety displays: time to first event (Kaplan-Meier), exposure-adjusted incidence, AEs by
infusion number, and the listings a DMC reads (withdrawals, ALT/AST >= 3 x ULN) with human headers.

Inputs are the standardized frames of safety.py (ADSL with ARM_, treatment-emergent ADAE, lab
records of standardize_bds) plus ADEX (one record per infusion: USUBJID, ASTDT, INFNUM).
Time is counted in study days from the first dose (ADSL TRTSDT = day 1; no day 0), so an event on
the day of the first dose has one day at risk.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaincinv

from ..arms import arm_header, order_arms
from .ard import ard
from .format import fmt

DAYS_PER_YEAR = 365.25
KEY_WEEKS = (0, 4, 12, 24, 36, 48, 72, 96)
LIVER_RENAL = ("ALT", "AST", "BILI", "CREAT")
NOT_ATTRIBUTED = "TEAEs without an infusion on or before onset (no onset date)"


# --- time origin, end of observation, time to first event -------------------------------------------

def derive_end_of_observation(adsl: pd.DataFrame, dated: list[tuple[pd.DataFrame, str]]) -> pd.Series:
    """USUBJID -> end of observation: the end-of-study date (EOSDT) where the subject has one, else
    the last date of any record (`dated`: [(frame, date column)]), i.e. last known alive."""
    parts = [d[["USUBJID", col]].set_axis(["USUBJID", "DT"], axis=1) for d, col in dated if col in d]
    last = pd.concat(parts).dropna().groupby("USUBJID")["DT"].max() if parts else pd.Series(dtype="datetime64[ns]")
    ids = adsl["USUBJID"]
    eos = pd.to_datetime(adsl.set_index("USUBJID")["EOSDT"], errors="coerce") if "EOSDT" in adsl else \
        pd.Series(pd.NaT, index=ids)
    return eos.reindex(ids).fillna(last.reindex(ids)).rename("ENDDT")


def derive_time_to_first(adsl: pd.DataFrame, event_dates: pd.DataFrame, end: pd.Series) -> pd.DataFrame:
    """One row per safety subject: ARM_, TIME (study days from TRTSDT to the first event, else to
    the end of observation), EVENT (1/0). `event_dates`: USUBJID, DT (any number per subject)."""
    first = event_dates.dropna(subset=["DT"]).groupby("USUBJID")["DT"].min()
    s = adsl.set_index("USUBJID")
    start = pd.to_datetime(s["TRTSDT"])
    when = first.reindex(s.index)
    stop = when.fillna(end.reindex(s.index))
    stop = stop.where(stop >= start, start)                    # never before the first dose
    return pd.DataFrame({"USUBJID": s.index, "ARM_": s["ARM_"].to_numpy(),
                         "TIME": ((stop - start).dt.days + 1).to_numpy(dtype=float),
                         "EVENT": when.notna().to_numpy(dtype=int)}).reset_index(drop=True)


# --- Kaplan-Meier ------------------------------------------------------------------------------------

def key_weeks(times: pd.Series, weeks=KEY_WEEKS) -> list[int]:
    """The weeks of KEY_WEEKS within the longest follow-up (study day 7w + 1 reached)."""
    longest = float(times.max()) if len(times) else 0.0
    return [w for w in weeks if 7 * w + 1 <= longest]


def fit_km(tte: pd.DataFrame) -> pd.DataFrame:
    """Kaplan-Meier of one group by statsmodels (SurvfuncRight: product limit, Greenwood SE), as a
    step table indexed by time (0 and every observed time): at_risk, observed, censored, surv and
    its 95% CI on the log(-log) scale (1 and 0 where S is 1 or 0)."""
    from statsmodels.duration.survfunc import SurvfuncRight
    time, event = tte["TIME"].to_numpy(float), tte["EVENT"].to_numpy(int)
    fit = SurvfuncRight(time, event)
    grid = np.unique(np.r_[0.0, time])
    k = np.searchsorted(fit.surv_times, grid, side="right") - 1          # last event time <= t
    prob, prob_se = np.r_[1.0, fit.surv_prob], np.r_[0.0, fit.surv_prob_se]   # before the first event: 1
    surv, se = prob[k + 1], prob_se[k + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        loglog_se = se / (surv * np.abs(np.log(surv)))
        z = stats.norm.ppf(0.975)
        inside = (surv > 0) & (surv < 1)
        lower = np.where(inside, surv ** np.exp(z * loglog_se), surv)
        upper = np.where(inside, surv ** np.exp(-z * loglog_se), surv)
    return pd.DataFrame({"at_risk": [(time >= t).sum() for t in grid],
                         "observed": [((time == t) & (event == 1)).sum() for t in grid],
                         "censored": [((time == t) & (event == 0)).sum() for t in grid],
                         "surv": surv, "lower": lower, "upper": upper}, index=grid)


def _step_at(frame: pd.DataFrame, t: float) -> pd.Series:
    """The row of a step function (indexed by time) in force at time t."""
    return frame.loc[frame.index <= t].iloc[-1]


def ard_time_to_event(endpoints: dict[str, pd.DataFrame], arms: list[str], weeks: list[int]) -> pd.DataFrame:
    """Per endpoint and arm: N, events; at each week w (study day 7w + 1): number at risk and the
    KM event-free probability with 95% CI; log-rank p across arms where there are 2+."""
    from statsmodels.duration.survfunc import survdiff
    rows = []
    for name, tte in endpoints.items():
        for arm in arms:
            d = tte[tte["ARM_"] == arm]
            base = dict(group1="ARM", group1_level=arm, variable=name)
            rows += [dict(base, variable_level="overall", stat_name="N", stat=len(d)),
                     dict(base, variable_level="overall", stat_name="events", stat=int(d["EVENT"].sum()))]
            if d.empty:
                continue
            km = fit_km(d)
            for w in weeks:
                t = 7 * w + 1
                at = dict(base, group2="WEEK", group2_level=str(w), variable_level=f"week {w}")
                step = _step_at(km, t)
                rows += [dict(at, stat_name="n_risk", stat=int((d["TIME"] >= t).sum())),
                         dict(at, stat_name="surv", stat=float(step["surv"])),
                         dict(at, stat_name="lower", stat=float(step["lower"])),
                         dict(at, stat_name="upper", stat=float(step["upper"]))]
        present = tte[tte["ARM_"].isin(arms)]
        if present["ARM_"].nunique() > 1 and present["EVENT"].sum() > 0:
            _, p = survdiff(present["TIME"].to_numpy(float), present["EVENT"].to_numpy(int),
                            present["ARM_"].astype(str).to_numpy())
            rows.append(dict(group1="TEST", group1_level="log-rank", variable=name, variable_level="overall",
                             stat_name="p", stat=float(p)))
    return ard(rows)


def ard_km_curves(endpoints: dict[str, pd.DataFrame], arms: list[str]) -> pd.DataFrame:
    """The KM step functions for the figure: per endpoint, arm and distinct time, the event-free
    probability, its 95% CI, the number at risk and the events and censorings at that time."""
    rows = []
    for name, tte in endpoints.items():
        for arm in arms:
            d = tte[tte["ARM_"] == arm]
            if d.empty:
                continue
            for t, r in fit_km(d).iterrows():
                base = dict(group1="ARM", group1_level=arm, variable=name, variable_level=f"{t:g}")
                rows += [dict(base, stat_name=k, stat=float(r[c])) for k, c in
                         (("surv", "surv"), ("lower", "lower"), ("upper", "upper"), ("n_risk", "at_risk"),
                          ("events", "observed"), ("censored", "censored"))]
    return ard(rows)


def t_time_to_event(ard_: pd.DataFrame) -> pd.DataFrame:
    """Display: per endpoint, subjects with the event / N and the log-rank p, then per week the
    number at risk and the cumulative incidence (1 - KM) in % with 95% CI, one column pair per arm
    ("n": with the event on the endpoint's row, at risk on a week's row)."""
    if ard_.empty:
        return pd.DataFrame({"Endpoint": ["No subject with a first dose"]})
    arms = list(dict.fromkeys(ard_.loc[ard_["group1"] == "ARM", "group1_level"]))
    stat = ard_.set_index(["variable", "variable_level", "group1_level", "stat_name"])["stat"]
    rows = []
    for name in dict.fromkeys(ard_["variable"]):
        first = {"Endpoint": name, "Week": "With the event / N"}
        for a in arms:
            first[f"{arm_header(a, stat[(name, 'overall', a, 'N')])}: n"] = \
                f"{fmt(stat[(name, 'overall', a, 'events')], 'count')} / {fmt(stat[(name, 'overall', a, 'N')], 'count')}"
            first[f"{arm_header(a, stat[(name, 'overall', a, 'N')])}: % (95% CI)"] = ""
        p = stat.get((name, "overall", "log-rank", "p"))
        first["Log-rank p"] = fmt(p, "p") if p is not None else ""
        rows.append(first)
        levels = [v for v in dict.fromkeys(ard_.loc[ard_["variable"] == name, "variable_level"]) if v != "overall"]
        for level in levels:
            if level == "week 0":
                continue                    # everyone at risk: the N above
            row = {"Endpoint": "", "Week": level.capitalize()}
            for a in arms:
                head = arm_header(a, stat[(name, "overall", a, "N")])
                if (name, level, a, "surv") not in stat:
                    row[f"{head}: n"] = row[f"{head}: % (95% CI)"] = ""
                    continue
                inc = [100 * (1 - stat[(name, level, a, k)]) for k in ("surv", "upper", "lower")]
                row[f"{head}: n"] = fmt(stat[(name, level, a, "n_risk")], "count")
                row[f"{head}: % (95% CI)"] = f"{inc[0]:.1f} ({inc[1]:.1f}, {inc[2]:.1f})" if inc[0] > 0 else "0.0"
            row["Log-rank p"] = ""
            rows.append(row)
    table = pd.DataFrame(rows)
    return table.drop(columns="Log-rank p") if len(arms) < 2 else table     # one arm: no test


# --- exposure-adjusted incidence ---------------------------------------------------------------------

def compute_poisson_ci(events, exposure, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) confidence limits of a Poisson rate events / exposure: the gamma quantiles
    Gamma(x, 1) at alpha/2 and Gamma(x + 1, 1) at 1 - alpha/2 (lower 0 when x = 0)."""
    x = np.asarray(events, dtype=float)
    t = np.asarray(exposure, dtype=float)
    alpha = 1 - level
    lower = np.where(x > 0, gammaincinv(np.maximum(x, 1e-300), alpha / 2), 0.0)
    return lower / t, gammaincinv(x + 1, 1 - alpha / 2) / t


def _eair_rows(base: dict, tte: pd.DataFrame, arms: list[str]) -> list[dict]:
    rows = []
    for arm in arms:
        d = tte[tte["ARM_"] == arm]
        n, years = int(d["EVENT"].sum()), float(d["TIME"].sum()) / DAYS_PER_YEAR
        lower, upper = compute_poisson_ci(n, years) if years > 0 else (np.nan, np.nan)
        b = dict(base, group1="ARM", group1_level=arm)
        rows += [dict(b, stat_name=k, stat=v) for k, v in
                 (("n", n), ("N", len(d)), ("py", years), ("rate", 100 * n / years if years > 0 else np.nan),
                  ("lower", 100 * float(lower)), ("upper", 100 * float(upper)))]
    return rows


def ard_exposure_adjusted(adsl: pd.DataFrame, adae: pd.DataFrame, categories: list[tuple[str, pd.Series]],
                          end: pd.Series, arms: list[str], by_soc_pt: bool = True) -> pd.DataFrame:
    """Subjects with an event per 100 patient-years at risk (time at risk: first dose to the first
    event, else to the end of observation) with the exact Poisson 95% CI, by arm: the `categories`
    ([(label, mask of adae)]) then every SOC and PT."""
    def rows_of(sel: pd.DataFrame, base: dict) -> list[dict]:
        tte = derive_time_to_first(adsl, sel[["USUBJID", "ASTDT"]].rename(columns={"ASTDT": "DT"}), end)
        return _eair_rows(base, tte, arms)
    rows = []
    for label, mask in categories:
        rows += rows_of(adae[mask.fillna(False).astype(bool)], dict(group2="", variable="category", variable_level=label))
    if by_soc_pt:
        for soc in sorted(adae["AEBODSYS"].dropna().unique()):
            s = adae[adae["AEBODSYS"] == soc]
            rows += rows_of(s, dict(group2="SOC", group2_level=soc, variable="AEDECOD", variable_level="ANY"))
            for pt in sorted(s["AEDECOD"].dropna().unique()):
                rows += rows_of(s[s["AEDECOD"] == pt], dict(group2="SOC", group2_level=soc, variable="AEDECOD",
                                                               variable_level=pt))
    return ard(rows)


def t_exposure_adjusted(ard_: pd.DataFrame) -> pd.DataFrame:
    """Display: per category, SOC and PT (indented) and arm "n / PY: rate (95% CI)"."""
    if ard_.empty:
        return pd.DataFrame({"Category": ["No subject with a first dose"]})
    arms = list(dict.fromkeys(ard_["group1_level"]))
    stat = ard_.set_index(["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    rows = []
    for soc, level in dict.fromkeys(zip(ard_["group2_level"], ard_["variable_level"])):
        label = level if soc == "" else soc if level == "ANY" else "    " + level
        row = {"Category": label}
        for a in arms:
            g = {k: stat[(soc, level, a, k)] for k in ("n", "N", "py", "rate", "lower", "upper")}
            row[arm_header(a, g["N"])] = (f"{fmt(g['n'], 'count')} / {g['py']:.1f}: {g['rate']:.1f} "
                                          f"({g['lower']:.1f}, {g['upper']:.1f})")
        rows.append(row)
    return pd.DataFrame(rows)


# --- AEs by infusion number ----------------------------------------------------------------------------

def derive_infusion_of_onset(adae: pd.DataFrame, adex: pd.DataFrame) -> pd.DataFrame:
    """ADAE with INFNUM_ (the latest infusion on or before the onset date ASTDT) and DSLI_ (days
    since that infusion, 0 = the day of the infusion); blank before the first infusion or
    without an onset date. Row order kept."""
    ex = infusions(adex)[["USUBJID", "ASTDT", "INFNUM"]].rename(columns={"ASTDT": "EXDT"})
    ae = adae.assign(ROW_=np.arange(len(adae)), ASTDT_=_dates(adae["ASTDT"]), USUBJID=adae["USUBJID"].astype(object))
    dated = ae[ae["ASTDT_"].notna()].sort_values("ASTDT_", kind="mergesort")
    joined = pd.merge_asof(dated[["ROW_", "USUBJID", "ASTDT_"]], ex.sort_values("EXDT", kind="mergesort"),
                           left_on="ASTDT_", right_on="EXDT", by="USUBJID", direction="backward")
    joined = joined.set_index("ROW_").reindex(ae["ROW_"])
    out = adae.copy()
    out["INFNUM_"] = joined["INFNUM"].astype("Int64").to_numpy()
    out["DSLI_"] = (joined["ASTDT_"] - joined["EXDT"]).dt.days.astype("Int64").to_numpy()
    return out


def infusions(adex: pd.DataFrame) -> pd.DataFrame:
    """One record per infusion given (dated), numbered INFNUM (from the data, else by date)."""
    ex = adex[pd.to_datetime(adex["ASTDT"]).notna()].assign(ASTDT=lambda d: _dates(d["ASTDT"]),
                                                         USUBJID=lambda d: d["USUBJID"].astype(object))
    if "INFNUM" not in ex:
        ex = ex.assign(INFNUM=ex.groupby("USUBJID")["ASTDT"].rank(method="first").astype(int))
    return ex


def ard_ae_by_infusion(adsl: pd.DataFrame, adae: pd.DataFrame, adex: pd.DataFrame, arms: list[str],
                       top: int = 10) -> pd.DataFrame:
    """Per arm and infusion k: subjects with a TEAE attributed to infusion k (derive_infusion_of_onset)
    over the safety subjects who received infusion k, and events; any TEAE, then the `top` PTs
    (most subjects over all arms, then by name); TEAEs that no infusion precedes, a last row."""
    ex = infusions(adex).merge(adsl[["USUBJID", "ARM_"]], on="USUBJID")
    received = ex.groupby(["ARM_", "INFNUM"])["USUBJID"].nunique()
    ae = adae[adae["INFNUM_"].notna()]
    subjects = ae.groupby("AEDECOD")["USUBJID"].nunique()
    pts = sorted(subjects.index, key=lambda p: (-subjects[p], p))[:top]
    rows = []
    for label, sel in [("Any TEAE", ae)] + [(pt, ae[ae["AEDECOD"] == pt]) for pt in pts]:
        n = sel.groupby(["ARM_", "INFNUM_"])["USUBJID"].nunique()
        events = sel.groupby(["ARM_", "INFNUM_"]).size()
        for k in sorted(ex["INFNUM"].unique()):
            for arm in arms:
                big_n = int(received.get((arm, k), 0))
                b = dict(group1="ARM", group1_level=arm, group2="INFUSION", group2_level=str(int(k)),
                         variable="AEDECOD", variable_level=label)
                count = int(n.get((arm, k), 0))
                rows += [dict(b, stat_name="n", stat=count), dict(b, stat_name="N", stat=big_n),
                         dict(b, stat_name="pct", stat=100 * count / big_n if big_n else np.nan),
                         dict(b, stat_name="events", stat=int(events.get((arm, k), 0)))]
    undated = adae[adae["INFNUM_"].isna()]          # accounted for: no onset date or onset before any infusion
    if len(undated):
        for arm in arms:
            u = undated[undated["ARM_"] == arm]
            b = dict(group1="ARM", group1_level=arm, group2="INFUSION", group2_level="-", variable="AEDECOD",
                     variable_level=NOT_ATTRIBUTED)
            rows += [dict(b, stat_name="n", stat=u["USUBJID"].nunique()), dict(b, stat_name="events", stat=len(u))]
    return ard(rows)


def t_ae_by_infusion(ard_: pd.DataFrame) -> pd.DataFrame:
    """Display: per PT (any TEAE first) and infusion, per arm "n/N (%) [events]"; the arm's header
    N is the subjects who received infusion 1 (the safety set: at least one infusion)."""
    if ard_.empty:
        return pd.DataFrame({"Category": ["No infusion recorded"]})
    arms = list(dict.fromkeys(ard_["group1_level"]))
    stat = ard_.set_index(["variable_level", "group2_level", "group1_level", "stat_name"])["stat"]
    n_by_arm = ard_[ard_["stat_name"] == "N"].groupby("group1_level")["stat"].max()
    rows = []
    for level, k in dict.fromkeys(zip(ard_["variable_level"], ard_["group2_level"])):
        row = {"Category": level, "Infusion": k}
        if level == NOT_ATTRIBUTED:
            rows.append(row | {arm_header(a, n_by_arm.get(a, 0)): f"{fmt(stat[(level, k, a, 'n')], 'count')} subjects "
                               f"[{fmt(stat[(level, k, a, 'events')], 'count')}]" for a in arms})
            continue
        for a in arms:
            g = {s: stat[(level, k, a, s)] for s in ("n", "N", "pct", "events")}
            row[arm_header(a, n_by_arm.get(a, 0))] = (f"{fmt(g['n'], 'count')}/{fmt(g['N'], 'count')} "
                                                      f"({fmt(g['pct'], 'pct') or '-'}%) [{fmt(g['events'], 'count')}]")
        rows.append(row)
    out = pd.DataFrame(rows)
    out.loc[out["Category"].duplicated(), "Category"] = ""     # the PT once, above its infusions
    return out


def _dates(values: pd.Series) -> pd.Series:
    """Dates in one dtype (merge_asof needs equal key types)."""
    return pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")


# --- listings -------------------------------------------------------------------------------------------

def _title(values: pd.Series) -> pd.Series:
    """Upper-case codes as text ("NOT RELATED" -> "Not related"); blanks stay blank."""
    v = values.astype("string")
    return v.str.capitalize().fillna("")


def _yes_no(values: pd.Series) -> pd.Series:
    return values.astype("string").map({"Y": "Yes", "N": "No"}).fillna("")


def ae_listing(adae: pd.DataFrame, adsl: pd.DataFrame | None = None, extra: dict | None = None) -> pd.DataFrame:
    """Human-readable AE rows: arm, subject, age, sex, (`extra` columns: name -> values aligned
    with adae), SOC / PT / verbatim, onset (date, study day), days since the last infusion (where
    derive_infusion_of_onset ran), severity, serious, relationship (as collected), outcome, action
    taken (AEACN, and AEACNOTH where recorded); by arm, subject and onset."""
    d = adae.reset_index(drop=True)
    if adsl is not None and {"AGE", "SEX"} <= set(adsl):
        d = d.drop(columns=[c for c in ("AGE", "SEX") if c in d]).merge(adsl[["USUBJID", "AGE", "SEX"]],
                                                                           on="USUBJID", how="left")
    col = lambda c: d[c] if c in d else pd.Series(pd.NA, index=d.index, dtype="object")  # noqa: E731
    relation = col("AEREL") if "AEREL" in d else col("AREL")
    action = col("AEACN").astype("string").fillna("")
    other = col("AEACNOTH").astype("string").fillna("")
    action = action.str.capitalize().where(other == "", action.str.capitalize() + "; " + other.str.capitalize())
    out = pd.DataFrame({
        "Arm": col("ARM_").astype("string").fillna(""), "Subject": d["USUBJID"].astype("string"),
        "Age": pd.to_numeric(col("AGE"), errors="coerce").astype("Int64").astype("string").fillna(""),
        "Sex": col("SEX").astype("string").fillna(""),
        "System organ class": col("AEBODSYS").astype("string").fillna(""),
        "Preferred term": col("AEDECOD").astype("string").fillna(""),
        "Verbatim term": col("AETERM").astype("string").fillna(""),
        "Onset date": pd.to_datetime(col("ASTDT")).dt.strftime("%Y-%m-%d").fillna(""),
        "Onset day": pd.to_numeric(col("ASTDY"), errors="coerce").astype("Int64").astype("string").fillna(""),
        "Days since last infusion": pd.to_numeric(col("DSLI_"), errors="coerce").astype("Int64").astype("string")
        .fillna(""),
        "Severity": _title(col("AESEV")), "Serious": _yes_no(col("AESER")), "Relationship": _title(relation),
        "Outcome": _title(col("AEOUT")), "Action taken": action.fillna("")})
    if "DSLI_" not in d:
        out = out.drop(columns="Days since last infusion")
    for i, (name, values) in enumerate((extra or {}).items()):
        out.insert(4 + i, name, pd.Series(values).astype("string").fillna("").to_numpy())
    order = np.lexsort([out["Onset date"].to_numpy(str), out["Subject"].to_numpy(str), out["Arm"].to_numpy(str)])
    return out.iloc[order].reset_index(drop=True)


def withdrawal_mask(adae: pd.DataFrame, adsl: pd.DataFrame) -> tuple[pd.Series, str]:
    """TEAEs that led to withdrawal: action taken (AEACN, AEACNOTH) containing WITHDRAWN; for a
    subject who discontinued for an adverse event (ADSL DCSREAS) without such an action recorded,
    every TEAE of the subject (the AE behind the discontinuation is not identified)."""
    text = lambda c: adae[c].astype("string") if c in adae else pd.Series(pd.NA, index=adae.index, dtype="string")  # noqa: E731
    withdrawn = (text("AEACN").str.contains("WITHDRAWN", na=False)
                 | text("AEACNOTH").str.contains("WITHDRAWN", na=False)).astype(bool)
    if "DCSREAS" not in adsl:
        return withdrawn, "TEAE leading to withdrawal"
    stopped = set(adsl.loc[adsl["DCSREAS"].astype("string").str.upper().eq("ADVERSE EVENT").fillna(False).astype(bool),
                           "USUBJID"]) - set(adae.loc[withdrawn, "USUBJID"])
    label = ("TEAE leading to withdrawal" if text("AEACN").notna().any() or text("AEACNOTH").notna().any() else
             "TEAE and discontinued for an adverse event (ADSL DCSREAS; AEACN not recorded)")
    return withdrawn | adae["USUBJID"].isin(stopped).astype(bool), label


def listing_withdrawal(adae: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """AEs leading to withdrawal (withdrawal_mask), with the subject's end-of-study status and reason."""
    mask, _ = withdrawal_mask(adae, adsl)
    out = ae_listing(adae[mask], adsl)
    s = adsl.set_index("USUBJID")
    for head, c in (("Study status", "EOSSTT"), ("Discontinuation reason", "DCSREAS")):
        out[head] = _title(out["Subject"].map(s[c]) if c in s else pd.Series(pd.NA, index=out.index))
    return out


def listing_liver(lb: pd.DataFrame, adsl: pd.DataFrame, adex: pd.DataFrame | None = None,
                  threshold: float = 3.0) -> pd.DataFrame:
    """Subjects with a post-baseline ALT or AST >= `threshold` x ULN: every ALT, AST and bilirubin
    record of theirs over time (value, ULN, multiple of ULN, study day, days since last infusion)."""
    d = lb[lb["PARAMCD"].isin(["ALT", "AST", "BILI"])].copy()
    d["XULN"] = pd.to_numeric(d["AVAL"], errors="coerce") / pd.to_numeric(d["ANRHI"], errors="coerce")
    post = d["POSTFL_"].astype(bool) if "POSTFL_" in d else pd.Series(True, index=d.index)
    hit = set(d.loc[post & d["PARAMCD"].isin(["ALT", "AST"]) & (d["XULN"] >= threshold), "USUBJID"])
    d = d[d["USUBJID"].isin(hit)].copy()
    d["DT_"] = _dates(d["ADT"])
    d["USUBJID"] = d["USUBJID"].astype(object)
    if adex is not None and len(d):
        ex = infusions(adex)[["USUBJID", "ASTDT"]].rename(columns={"ASTDT": "EXDT"}).sort_values("EXDT")
        d = pd.merge_asof(d.sort_values("DT_", kind="mergesort"), ex, left_on="DT_", right_on="EXDT", by="USUBJID")
        d["DSLI"] = (d["DT_"] - d["EXDT"]).dt.days.astype("Int64")
    s = adsl.set_index("USUBJID")
    peak = d[d["PARAMCD"].isin(["ALT", "AST"])].groupby("USUBJID")["XULN"].max()
    out = pd.DataFrame({
        "Arm": d["ARM_"].astype("string").to_numpy(), "Subject": d["USUBJID"].astype("string").to_numpy(),
        "Age": d["USUBJID"].map(s["AGE"]).astype("Int64").astype("string").fillna("").to_numpy() if "AGE" in s else "",
        "Sex": d["USUBJID"].map(s["SEX"]).astype("string").fillna("").to_numpy() if "SEX" in s else "",
        "Peak ALT/AST (x ULN)": d["USUBJID"].map(peak).map(lambda v: f"{v:.2f}").to_numpy(),
        "Test": d["PARAM"].astype("string").to_numpy() if "PARAM" in d else d["PARAMCD"].to_numpy(),
        "Visit": d["AVISIT"].astype("string").fillna("").to_numpy(),
        "Date": d["DT_"].dt.strftime("%Y-%m-%d").fillna("").to_numpy(),
        "Study day": pd.to_numeric(d["ADY"], errors="coerce").astype("Int64").astype("string").fillna("").to_numpy(),
        "Days since last infusion": (d["DSLI"].astype("string").fillna("") if "DSLI" in d else
                                     pd.Series("", index=d.index)).to_numpy(),
        "Value": d["AVAL"].map(lambda v: f"{v:g}" if pd.notna(v) else "").to_numpy(),
        "ULN": d["ANRHI"].map(lambda v: f"{v:g}" if pd.notna(v) else "").to_numpy(),
        "x ULN": d["XULN"].map(lambda v: f"{v:.2f}" if pd.notna(v) else "").to_numpy(),
        f">= {threshold:g} x ULN": np.where(d["PARAMCD"].isin(["ALT", "AST"]) & (d["XULN"] >= threshold), "Yes", "").tolist()})
    order = np.lexsort([out["Date"].to_numpy(str), out["Test"].to_numpy(str), out["Subject"].to_numpy(str),
                        out["Arm"].to_numpy(str)])
    return out.iloc[order].reset_index(drop=True)


def lab_records(lb: pd.DataFrame, params=LIVER_RENAL) -> pd.DataFrame:
    """The records of the figures (box plots, ALT/AST profiles): arm, subject, test, visit, study
    day, value, ULN and multiple of ULN, baseline and post-baseline (POSTFL_)."""
    d = lb[lb["PARAMCD"].isin(list(params))]
    cols = [c for c in ("ARM_", "USUBJID", "PARAMCD", "PARAM", "AVISIT", "AVISITN", "ADY", "AVAL", "ANRHI", "ABLFL",
                        "POSTFL_") if c in d]
    d = d[cols].copy()
    d["XULN"] = pd.to_numeric(d["AVAL"], errors="coerce") / pd.to_numeric(d["ANRHI"], errors="coerce")
    return d.reset_index(drop=True)


def aesi_mask(adae: pd.DataFrame) -> pd.Series:
    """TEAEs that fall under any adverse event of special interest (a non-blank CQnnNAM)."""
    cq = [c for c in adae.columns if c.startswith("CQ") and c.endswith("NAM")]
    mask = pd.Series(False, index=adae.index)
    for c in cq:
        mask |= adae[c].astype("string").fillna("").str.strip().ne("").astype(bool)
    return mask


def dmc_displays(adsl: pd.DataFrame, adae: pd.DataFrame, lb: pd.DataFrame | None, advs: pd.DataFrame | None,
                 adex: pd.DataFrame, arms: list[str], categories: list[tuple[str, pd.Series]]) -> dict:
    """The DMC displays of one study as {id: frame}: KM table and curves (t/f_14_3_12), exposure-
    adjusted incidence (t_14_3_13), AEs by infusion (t_14_3_14), AEs leading to withdrawal
    (l_16_2_5), subjects with ALT or AST >= 3 x ULN (l_16_2_6) and the records of the lab figures
    (data_lab_records). `adae` carries INFNUM_ (derive_infusion_of_onset); `categories`: the
    overview's [(label, mask of adae)]."""
    dated = [(adae, "ASTDT"), (adae, "AENDT"), (adex, "ASTDT")] + [(d, "ADT") for d in (lb, advs) if d is not None]
    end = derive_end_of_observation(adsl, dated)
    events = lambda d, col="ASTDT": d[["USUBJID", col]].set_axis(["USUBJID", "DT"], axis=1)  # noqa: E731
    stopped = adsl[adsl["EOSSTT"].astype("string").eq("DISCONTINUED")] if "EOSSTT" in adsl else adsl.iloc[0:0]
    endpoints = {"First serious TEAE": derive_time_to_first(adsl, events(adae[adae["AESER"] == "Y"]), end),
                 "First AESI": derive_time_to_first(adsl, events(adae[aesi_mask(adae)]), end),
                 "Study discontinuation": derive_time_to_first(adsl, events(stopped, "EOSDT"), end)}
    weeks = key_weeks(pd.concat([e["TIME"] for e in endpoints.values()]))
    out = {"ard_t_14_3_12": ard_time_to_event(endpoints, arms, weeks),
           "ard_f_14_3_12": ard_km_curves(endpoints, arms),
           "ard_t_14_3_13": ard_exposure_adjusted(adsl, adae, categories, end, arms),
           "ard_t_14_3_14": ard_ae_by_infusion(adsl, adae, adex, arms),
           "l_16_2_5": listing_withdrawal(adae, adsl)}
    if lb is not None:
        out["l_16_2_6"] = listing_liver(lb, adsl, adex)
        out["data_lab_records"] = lab_records(lb)
    return out

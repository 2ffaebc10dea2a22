"""Safety ARDs on any ADaM that follows the ADaM IG (ours, a CRO's, the CDISC pilot), and
compute_safety: every safety ARD and listing of one study.

Inputs are the frames of adam.standardize (ADSL with ARM_, treatment-emergent ADAE, analysed BDS
records) plus ADEX (one record per infusion). Arms come from the data: any number, any labels, a
single arm too. Denominators are the safety population of each arm. A single arm gets
Clopper-Pearson 95% CIs and no between-arm tests; with several arms each is compared with the
control by Fisher's exact test.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..adam.adsl import is_dead
from ..adam.adtte import derive_end_of_observation, derive_param_tte
from ..adam.exposure import derive_infusion_of_onset, infusions
from ..adam.lab_window import DEFAULT_RANGE, RANGE_CATEGORIES, in_shift_window, range_category
from ..adam.liver import derive_hys_law_peaks
from ..adam.occds import DISCONTINUED_FOR_AE, aesi_columns, discontinued_for_ae, is_aesi, is_fatal, withdrawal_mask
from ..adam.standardize import arm_rank, is_baseline, is_post_baseline, standardize_adae, standardize_adsl, \
    standardize_bds, treatment_rank
from ..arms import order_arms
from ..columns import finite_or_inf
from ..listings.safety import (lab_parameters, lab_records, listing_aesi, listing_deaths,
                               listing_lab_panel, listing_liver, listing_serious, listing_teae, listing_withdrawal,
                               tabulated_panel)
from ..stats.binary import clopper_pearson_ci, cmh_general_association, diff_ci, fisher_exact
from ..vocabulary import is_planned_visit, visit_week
from .reactions import compute_reactions, in_window
from .shape import ard
from .time_to_event import ard_exposure_adjusted, ard_km_curves, ard_time_to_event, key_weeks

SEVERITY_ORDER = ["MILD", "MODERATE", "SEVERE"]
UNSCHEDULED = "Unscheduled"
NOT_ATTRIBUTED = "TEAEs without an infusion on or before onset (no onset date)"


def arms_and_n(adsl: pd.DataFrame, control: str | None) -> tuple[list[str], dict[str, int]]:
    """Arms in the one display order (trialstats.arms: by numeric code ARMN_ where known, then
    label, the control last) and the safety N of each."""
    arms = order_arms(adsl["ARM_"].unique(), control, arm_rank(adsl))
    return arms, {str(a): n for a, n in adsl.groupby("ARM_").size().items()}


def _incidence(base: dict, subjects: pd.Series, events: int | None, arms, n_by_arm, control) -> list[dict]:
    """n (%) per arm (subjects counted once), events, CP CI (one arm) or Fisher p vs control."""
    rows = []
    counts = {a: int(subjects.get(a, 0)) for a in arms}
    for a in arms:
        b = dict(base, group1="ARM", group1_level=str(a))
        n, big_n = counts[a], n_by_arm[a]
        rows += [dict(b, stat_name="n", stat=n), dict(b, stat_name="N", stat=big_n),
                 dict(b, stat_name="pct", stat=100 * n / big_n if big_n else np.nan)]
        if events is not None:
            rows.append(dict(b, stat_name="events", stat=int(events.get(a, 0))))
        if len(arms) == 1:
            ci = clopper_pearson_ci(n, big_n)
            rows += [dict(b, stat_name="cp_lower", stat=100 * ci.lower),
                     dict(b, stat_name="cp_upper", stat=100 * ci.upper)]
    if control is not None and len(arms) > 1:
        for a in arms:
            if a == control:
                continue
            b = dict(base, group1="CONTRAST", group1_level=f"{a} vs {control}")
            rows.append(dict(b, stat_name="p_fisher", stat=fisher_exact(counts[a], n_by_arm[a], counts[control],
                                                                        n_by_arm[control])))
    return rows


def overview_categories(adae: pd.DataFrame, adsl: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """The AE overview's categories as [(label, mask of adae)]."""
    withdrawn, withdrawal_label = withdrawal_mask(adae, adsl)
    fatal = is_fatal(adae)
    return [("Any TEAE", pd.Series(True, index=adae.index)), ("Related TEAE", adae["AREL"] == "RELATED"),
            ("Serious TEAE", adae["AESER"] == "Y"), ("Severe TEAE", adae["AESEV"] == "SEVERE"),
            (withdrawal_label, withdrawn), ("TEAE with fatal outcome", fatal)]


def aesi_categories(adae: pd.DataFrame, names: list[str] | None = None) -> list[tuple[str, pd.Series]]:
    """Any AESI, then each AESI (CQnnNAM; the protocol's `names` in order where given)."""
    wanted = ([(f"CQ{i:02d}NAM", n) for i, n in enumerate(names, 1)] if names is not None
              else [(c, n) for c in aesi_columns(adae) for n in sorted(adae[c].dropna().unique())])
    return [("Any AESI", is_aesi(adae))] + [
        (f"AESI: {n}", adae[c].eq(n) if c in adae else pd.Series(False, index=adae.index)) for c, n in wanted]


def ard_ae_overview(adsl: pd.DataFrame, adae: pd.DataFrame, control: str | None = None) -> pd.DataFrame:
    """Subjects with any TEAE, related, serious, severe, leading to withdrawal (or, where ADAE records
    no action, discontinued for an adverse event by ADSL), fatal; deaths (ADSL DTHFL)."""
    arms, n_by_arm = arms_and_n(adsl, control)
    rows = []
    cats = overview_categories(adae, adsl)
    for label, mask in cats:
        sel = adae[mask.fillna(False).astype(bool)]
        if label == DISCONTINUED_FOR_AE:      # subjects by their ADSL reason: no AE identified, so no event count
            who = adsl[discontinued_for_ae(adsl) | adsl["USUBJID"].isin(sel["USUBJID"])]
            rows += _incidence(dict(variable="overview", variable_level=label),
                               who.groupby("ARM_")["USUBJID"].nunique(), None, arms, n_by_arm, control)
            continue
        rows += _incidence(dict(variable="overview", variable_level=label), sel.groupby("ARM_")["USUBJID"].nunique(),
                           sel.groupby("ARM_").size(), arms, n_by_arm, control)
    deaths = adsl[is_dead(adsl)]
    rows += _incidence(dict(variable="overview", variable_level="Deaths"), deaths.groupby("ARM_")["USUBJID"].nunique(),
                       None, arms, n_by_arm, control)
    return ard(rows)


def ard_ae_soc_pt(adsl: pd.DataFrame, adae: pd.DataFrame, control: str | None = None) -> pd.DataFrame:
    """TEAEs by SOC (alphabetical) and PT (descending total frequency): subjects once per SOC
    and PT, events per record, percentages on each arm's safety N."""
    arms, n_by_arm = arms_and_n(adsl, control)
    rows = _incidence(dict(group2="SOC", group2_level="ANY", variable="AEDECOD", variable_level="ANY"),
                      adae.groupby("ARM_")["USUBJID"].nunique(), adae.groupby("ARM_").size(), arms, n_by_arm, control)
    for soc in sorted(adae["AEBODSYS"].dropna().unique()):
        s = adae[adae["AEBODSYS"] == soc]
        rows += _incidence(dict(group2="SOC", group2_level=soc, variable="AEDECOD", variable_level="ANY"),
                           s.groupby("ARM_")["USUBJID"].nunique(), s.groupby("ARM_").size(), arms, n_by_arm, control)
        order = s.groupby("AEDECOD")["USUBJID"].nunique().sort_values(ascending=False, kind="mergesort")
        for pt in sorted(order.index, key=lambda p: (-order[p], p)):
            p_ = s[s["AEDECOD"] == pt]
            rows += _incidence(dict(group2="SOC", group2_level=soc, variable="AEDECOD", variable_level=pt),
                               p_.groupby("ARM_")["USUBJID"].nunique(), p_.groupby("ARM_").size(), arms, n_by_arm,
                               control)
    return ard(rows)


def ard_ae_max_severity(adsl: pd.DataFrame, adae: pd.DataFrame, control: str | None = None) -> pd.DataFrame:
    """Subjects by the maximum severity of their TEAEs (overall and per PT)."""
    arms, n_by_arm = arms_and_n(adsl, control)
    rank = adae["AESEV"].map({s: i for i, s in enumerate(SEVERITY_ORDER)})
    worst = adae.assign(R=rank).sort_values("R").groupby("USUBJID").tail(1)
    rows = []
    for sev in SEVERITY_ORDER:
        sel = worst[worst["AESEV"] == sev]
        rows += _incidence(dict(variable="max_severity", variable_level=sev), sel.groupby("ARM_")["USUBJID"].nunique(),
                           None, arms, n_by_arm, None)
    return ard(rows)


def ard_aesi(adsl: pd.DataFrame, adae: pd.DataFrame, control: str | None = None,
             names: list[str] | None = None) -> pd.DataFrame:
    """Subjects with each adverse event of special interest (CQnnNAM) and hypoglycaemia by level.
    With the protocol's AESI `names` (CQ01NAM = the first), every AESI is shown, events or not."""
    arms, n_by_arm = arms_and_n(adsl, control)
    rows = []
    wanted = ([(f"CQ{i:02d}NAM", [n]) for i, n in enumerate(names, 1)] if names is not None
              else [(c, sorted(adae[c].dropna().unique())) for c in aesi_columns(adae)])
    for col, col_names in wanted:
        for name in col_names:
            sel = adae[adae[col] == name] if col in adae else adae.iloc[0:0]
            rows += _incidence(dict(variable="aesi", variable_level=name), sel.groupby("ARM_")["USUBJID"].nunique(),
                               sel.groupby("ARM_").size(), arms, n_by_arm, control)
    if "HYPOLVL" in adae:
        for level in ("LEVEL 1", "LEVEL 2", "SEVERE", "UNKNOWN"):
            sel = adae[adae["HYPOLVL"] == level]
            if level == "UNKNOWN" and sel.empty:
                continue
            rows += _incidence(dict(variable="hypoglycaemia", variable_level=f"Hypoglycaemia {level.lower()}"),
                               sel.groupby("ARM_")["USUBJID"].nunique(), sel.groupby("ARM_").size(), arms,
                               n_by_arm, control)
    return ard(rows)


def ard_bds_summary(bds: pd.DataFrame, params: list[str] | None = None, control: str | None = None) -> pd.DataFrame:
    """n, mean, SD, median, min, max of AVAL and CHG by parameter, visit (and time point), arm;
    visits and time points in their numeric order (AVISITN, ATPTN) where the data have it, arms
    in the one display order (control last)."""
    d = bds if params is None else bds[bds["PARAMCD"].isin(params)]
    keys = ["PARAMCD", "AVISIT", "ARM_"] + (["ATPT"] if "ATPT" in d and d["ATPT"].notna().any() else [])
    rank = {col: d.groupby(col)[num].min().to_dict() if num in d else {}
            for col, num in (("AVISIT", "AVISITN"), ("ATPT", "ATPTN")) if col in keys}
    rank["ARM_"] = {a: i for i, a in enumerate(order_arms(d["ARM_"].dropna().unique(), control, arm_rank(d)))}
    if params is not None:                      # parameters in the order asked for
        rank["PARAMCD"] = {p: i for i, p in enumerate(params)}

    def order(item):
        key = dict(zip(keys, item[0]))
        return [(finite_or_inf(rank.get(k, {}).get(str(v) if k == "ARM_" else v)), str(v)) for k, v in key.items()]

    rows = []
    for key, g in sorted(d.groupby(keys, sort=True, dropna=False), key=order):
        key = dict(zip(keys, key))
        for var in ("AVAL", "CHG"):
            v = pd.to_numeric(g[var], errors="coerce").dropna() if var in g else pd.Series(dtype=float)
            if v.empty:
                continue
            base = dict(group1="ARM", group1_level=str(key["ARM_"]), group2="AVISIT",
                        group2_level=str(key["AVISIT"]) + (f" {key['ATPT']}" if pd.notna(key.get("ATPT")) else ""),
                        variable=str(key["PARAMCD"]), variable_level=var)
            stats_ = {"n": len(v), "mean": v.mean(), "sd": v.std(ddof=1) if len(v) > 1 else np.nan,
                      "median": v.median(), "min": v.min(), "max": v.max()}
            rows += [dict(base, stat_name=k, stat=s) for k, s in stats_.items()]
    return ard(rows)


SHIFT_DIRECTIONS = {"WORST LOW": "min", "WORST HIGH": "max"}


def ard_lab_over_time(bds: pd.DataFrame, params: list[str], control: str | None = None) -> pd.DataFrame:
    """The points of the lab figures: n, mean and SD of AVAL by parameter, visit and arm, with the
    visit's position on a time axis in weeks (stat "week") and whether it is a planned visit (stat
    "planned", 1 or 0). A planned visit (vocabulary.is_planned_visit) sits at the week of its name;
    any other visit (End of Treatment, a visit without a week) and the unscheduled records on or after
    the first dose (no AVISIT; visit "Unscheduled") at the median analysis week (ADY - 1) / 7 of its
    records, missing without ADY. Planned visits first, in week order; arms in the display order."""
    d = bds[bds["PARAMCD"].isin(params)]
    d = d[d["AVISIT"].notna() | is_post_baseline(d)]
    visit = d["AVISIT"].astype("object").where(d["AVISIT"].notna(), UNSCHEDULED)
    named = {v: visit_week(v) for v in visit.unique()}
    planned = {v: v != UNSCHEDULED and is_planned_visit(v) for v in named}
    day = pd.to_numeric(d["ADY"], errors="coerce") if "ADY" in d else pd.Series(np.nan, index=d.index)
    d = d.assign(VISIT_=visit, WEEK_=(day - 1) / 7, AVAL_=pd.to_numeric(d["AVAL"], errors="coerce"))
    at = d.groupby(["PARAMCD", "VISIT_"])["WEEK_"].median()
    week = {key: named[key[1]] if planned[key[1]] else w for key, w in at.items()}
    arms = order_arms(d["ARM_"].dropna().unique(), control, arm_rank(d))
    rows = []
    stats = d.groupby(["PARAMCD", "VISIT_", "ARM_"])["AVAL_"].agg(["count", "mean", "std"])
    order = sorted(stats.index, key=lambda k: (params.index(k[0]), not planned[k[1]],
                                               finite_or_inf(week[k[:2]]), str(k[1]), arms.index(k[2])))
    for param, v, a in order:
        s = stats.loc[(param, v, a)]
        base = dict(group1="ARM", group1_level=str(a), group2="AVISIT", group2_level=str(v), variable=param,
                    variable_level="AVAL")
        rows += [dict(base, stat_name=k, stat=x) for k, x in
                 (("n", int(s["count"])), ("mean", s["mean"]), ("sd", s["std"]), ("week", week[(param, v)]),
                  ("planned", int(planned[v])))]
    return ard(rows)


def ard_shift(bds: pd.DataFrame, params: list[str], control: str | None = None, window: dict | None = None,
              range_source: str = DEFAULT_RANGE) -> pd.DataFrame:
    """Baseline range category (LOW, NORMAL, HIGH) vs the worst post-baseline category in each
    direction, by arm: WORST LOW the lowest category of the subject's records in `window`
    (adam.lab_window.in_shift_window), WORST HIGH the highest (a subject high throughout is "worst
    low: HIGH"); categories from `range_source` (lab_window.range_category). variable_level is
    "<direction>: <category>". Per direction, the CMH general association p across arms stratified
    by baseline. Subjects with a baseline category and at least one post-baseline category."""
    rows = []
    rank = {c: i for i, c in enumerate(RANGE_CATEGORIES)}
    category = range_category(bds, range_source)
    post_mask = in_shift_window(bds, window)
    position = {a: i for i, a in enumerate(order_arms(bds["ARM_"].dropna().unique(), control, arm_rank(bds)))}
    for param in params:
        at = bds["PARAMCD"] == param
        d = bds[at]
        grade = category[at].map(rank)
        base = d[is_baseline(d) & grade.notna()].assign(R=grade).groupby("USUBJID")["R"].last()
        post = d[post_mask[at] & grade.notna()].assign(R=grade).groupby("USUBJID")["R"].agg(["min", "max"])
        arm = d.groupby("USUBJID")["ARM_"].first()
        for direction, how in SHIFT_DIRECTIONS.items():
            both = pd.DataFrame({"ARM_": arm, "BASE": base, "POST": post[how]}).dropna()
            both = both.assign(BASE=both["BASE"].astype(int).map(dict(enumerate(RANGE_CATEGORIES))),
                               POST=both["POST"].astype(int).map(dict(enumerate(RANGE_CATEGORIES))))
            counts = both.groupby(["ARM_", "BASE", "POST"]).size()
            counts = counts.iloc[sorted(range(len(counts)), key=lambda i: position[str(counts.index[i][0])])]
            for (a, b, p), n in counts.items():
                rows.append(dict(group1="ARM", group1_level=str(a), group2="BASELINE", group2_level=b,
                                 variable=param, variable_level=f"{direction}: {p}", stat_name="n", stat=int(n)))
            arms = sorted(both["ARM_"].unique())
            if len(arms) > 1:
                tables = [pd.crosstab(g["ARM_"], g["POST"]).reindex(index=arms, columns=list(RANGE_CATEGORIES),
                                                                    fill_value=0).to_numpy()
                          for _, g in both.groupby("BASE")]
                tables = [t for t in tables if t.sum() > 1 and (t.sum(axis=1) > 0).sum() > 1]   # informative strata
                seen = sum(tables).sum(axis=0) > 0 if tables else np.zeros(0, bool)   # categories of any of them
                if seen.sum() > 1:
                    tables = [t[:, seen] for t in tables]
                    q, df, p = cmh_general_association(tables)
                    rows.append(dict(group1="TEST", group1_level="CMH general association", variable=param,
                                     variable_level=f"{direction}: df={df}", stat_name="p", stat=p))
    return ard(rows)


def ard_hys_law(peak: pd.DataFrame, adsl: pd.DataFrame, control: str | None = None) -> pd.DataFrame:
    """The Hy's-law screen by arm (derive_hys_law_peaks); the cholestatic row only where ALP was measured
    after the first dose (without ALP it cannot be assessed: the screen is potential Hy's law by definition)."""
    arms, n_by_arm = arms_and_n(adsl, control)
    rows = []
    screen = [("ALT or AST >= 3 x ULN", peak["TRANSAMINASE_3X"]), ("Bilirubin >= 2 x ULN", peak["BILI_XULN"] >= 2),
              ("Potential Hy's law (both)", peak["HYS_LAW"].astype(bool))]      # report.summary reads it
    if peak["ALP_XULN"].notna().any():
        screen.append(("Cholestatic pattern (both, and ALP >= 2 x ULN): not potential Hy's law",
                       peak["CHOLESTATIC"].astype(bool)))
    for label, mask in screen:
        sel = peak[mask]
        rows += _incidence(dict(variable="hys_law", variable_level=label), sel.groupby("ARM_")["USUBJID"].nunique(),
                           None, arms, n_by_arm, control)
    return ard(rows)


def _summary_rows(per: pd.DataFrame, arms: list, column: str, variable: str, level: str,
                  dropna: bool = True) -> list[dict]:
    """Per arm n, mean, median, min and max of one column of per-subject values."""
    rows = []
    for a in arms:
        v = per.loc[per["ARM_"] == a, column]
        v = v.dropna() if dropna else v
        base = dict(group1="ARM", group1_level=str(a), variable=variable, variable_level=level)
        rows += [dict(base, stat_name=k, stat=s) for k, s in
                 (("n", len(v)), ("mean", v.mean()), ("median", v.median()), ("min", v.min()), ("max", v.max()))]
    return rows


def ard_exposure_daily(adsl: pd.DataFrame, adex: pd.DataFrame, dose_col: str, dose_unit: str | None = None,
                       planned: dict | float | None = None) -> pd.DataFrame:
    """Continuous daily dosing (ADEX: one record per period, ASTDT..AENDT, ADURN days): per arm the
    duration of exposure (days, first to last day dosed), the cumulative dose (dose x days summed over
    the periods), the average daily dose (cumulative / duration) and, where the planned daily dose is
    known (`planned`: ARMCD -> dose, or one dose for all), the dose intensity (average / planned, %;
    subjects with a planned dose above 0)."""
    arms, _ = arms_and_n(adsl, None)
    ex = adex.merge(adsl[["USUBJID", "ARM_"] + (["ARMCD"] if "ARMCD" in adsl else [])], on="USUBJID")
    ex = ex.assign(TOTAL_=pd.to_numeric(ex[dose_col], errors="coerce") * ex["ADURN"],
                   END_=pd.to_datetime(ex["AENDT"]).fillna(pd.to_datetime(ex["ASTDT"])))
    per = ex.groupby(["USUBJID", "ARM_"]).agg(START=("ASTDT", "min"), END=("END_", "max"),
                                              CUM=("TOTAL_", lambda v: v.sum(min_count=1))).reset_index()
    per["DUR"] = (pd.to_datetime(per["END"]) - pd.to_datetime(per["START"])).dt.days + 1
    per["AVG"] = per["CUM"] / per["DUR"]
    unit = dose_unit or dose_col
    rows = _summary_rows(per, arms, "DUR", "duration", "days")
    rows += _summary_rows(per, arms, "CUM", "cumulative_dose", unit)
    rows += _summary_rows(per, arms, "AVG", "average_daily_dose", f"{unit}/day")
    if planned is not None:
        if isinstance(planned, dict):
            armcd = adsl.set_index("USUBJID")["ARMCD"] if "ARMCD" in adsl else pd.Series(dtype="object")
            target = per["USUBJID"].map(armcd).map(planned)
        else:
            target = pd.Series(float(planned), index=per.index)
        per["INT"] = (100 * per["AVG"] / target).where(target > 0)
        rows += _summary_rows(per, arms, "INT", "dose_intensity", "%")
    return ard(rows)


def ard_exposure(adsl: pd.DataFrame, adex: pd.DataFrame, dose_col: str, dose_unit: str | None = None) -> pd.DataFrame:
    """Subjects by number of infusions received, and the cumulative dose per arm (its level: the
    protocol's dose unit where given, else the dose column)."""
    arms, n_by_arm = arms_and_n(adsl, None)
    ex = adex.merge(adsl[["USUBJID", "ARM_"]], on="USUBJID")
    per = ex.groupby(["USUBJID", "ARM_"]).agg(N=("USUBJID", "size"), DOSE=(dose_col, "sum")).reset_index()
    rows = []
    for k in sorted(per["N"].unique()):
        sel = per[per["N"] == k]
        rows += _incidence(dict(variable="infusions", variable_level=str(int(k))),
                           sel.groupby("ARM_")["USUBJID"].nunique(), None, arms, n_by_arm, None)
    return ard(rows + _summary_rows(per, arms, "DOSE", "cumulative_dose", dose_unit or dose_col, dropna=False))


def ard_risk_differences(soc_pt: pd.DataFrame, arms: list[str], control: str) -> pd.DataFrame:
    """For the AE dot plot: PT incidence per arm and the difference vs control with a MN 95% CI."""
    pts = soc_pt[(soc_pt["variable_level"] != "ANY") & (soc_pt["group1"] == "ARM")]
    wide = pts.pivot_table(index=["group2_level", "variable_level", "group1_level"], columns="stat_name",
                           values="stat").reset_index()
    rows = []
    for (soc, pt), g in wide.groupby(["group2_level", "variable_level"]):
        g = g.set_index("group1_level")
        if control not in g.index:
            continue
        for a in arms:
            if a == control or a not in g.index:
                continue
            ci = diff_ci(int(g.loc[a, "n"]), int(g.loc[a, "N"]), int(g.loc[control, "n"]), int(g.loc[control, "N"]),
                         "mn")
            base = dict(group1="CONTRAST", group1_level=f"{a} - {control}", group2="SOC", group2_level=soc,
                        variable="AEDECOD", variable_level=pt)
            rows += [dict(base, stat_name=k, stat=100 * v) for k, v in
                     (("estimate", ci.estimate), ("lower", ci.lower), ("upper", ci.upper))]
    return ard(rows)


def ard_ae_by_infusion(adsl: pd.DataFrame, adae: pd.DataFrame, adex: pd.DataFrame, arms: list[str],
                       top: int = 10, window: tuple[int, int] | None = None) -> pd.DataFrame:
    """Per arm and infusion k: subjects with a TEAE attributed to infusion k (derive_infusion_of_onset)
    over the safety subjects who received infusion k, and events; any TEAE, then the `top` PTs
    (most subjects over all arms, then by name); TEAEs that no infusion precedes, a last row. With a
    `window` [first, last] (days since the infusion, 0 = its day): only TEAEs with an onset in it, the
    same length of time for every infusion; those later, a row of their own."""
    ex = infusions(adex).merge(adsl[["USUBJID", "ARM_"]], on="USUBJID")
    received = ex.groupby(["ARM_", "INFNUM"])["USUBJID"].nunique()
    ae = adae[adae["INFNUM_"].notna()]
    later = ae.iloc[0:0]
    if window is not None:
        inside = in_window(ae["DSLI_"], window)
        ae, later = ae[inside], ae[~inside]
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
    for label, rest in ((NOT_ATTRIBUTED, undated), (outside_label(window), later)):
        if not len(rest):
            continue
        for arm in arms:
            u = rest[rest["ARM_"] == arm]
            b = dict(group1="ARM", group1_level=arm, group2="INFUSION", group2_level="-", variable="AEDECOD",
                     variable_level=label)
            rows += [dict(b, stat_name="n", stat=u["USUBJID"].nunique()), dict(b, stat_name="events", stat=len(u))]
    return ard(rows)


def outside_label(window: tuple[int, int] | None) -> str:
    """The row of TEAEs after an infusion but outside the fixed window of ard_ae_by_infusion."""
    return f"TEAEs with an onset after day {window[1]} of the latest infusion" if window else ""


def compute_safety(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame | None, advs: pd.DataFrame | None,
                   adex: pd.DataFrame | None, arm: str, control: str | None, dose_col: str | None = None,
                   aesi_names: list[str] | None = None, lab_panel: list[str] | dict[str, list[str]] | None = None,
                   flag: str | None = "ANL01FL", arm_order: str | None = None, by_visit: bool = False,
                   dose_unit: str | None = None, regimen: str = "infusion",
                   planned: dict | float | None = None, shift_window: dict | None = None,
                   lab_range: str = DEFAULT_RANGE, ae_window: tuple[int, int] | None = None,
                   reactions: dict | None = None, adcm: pd.DataFrame | None = None) -> dict:
    """Every safety output as {id: frame}: ARDs (ard_*) and listings (l_*).

    lab_panel: the laboratory tests tabulated (the protocol's safety_labs, category -> tests, or a
    list); None: every analyte of the data (lab_parameters). flag: the BDS analysis flag (None:
    every record). arm_order: the ADSL column of the arms' numeric code. by_visit: summaries of
    records with an analysis visit only, post-baseline = on or after the first dose (ADY >= 1), as
    an ADaM made elsewhere (e.g. the CDISC pilot) is usually laid out. regimen: "infusion" (AEs by
    infusion, days since the last infusion) or "daily" (exposure by duration, cumulative and average
    daily dose, dose intensity against `planned`: ARMCD -> dose, or one dose). shift_window and
    lab_range: the shift table's window and range source (adam.lab_window; default every record on
    or after the first dose, the data's ANRIND). ae_window: the fixed window of the AEs by infusion
    (None: to the next infusion). reactions: the protocol's reaction composite (protocol.reaction_spec;
    an infusion regimen), its tables from ADAE, ADVS and `adcm`."""
    adsl = standardize_adsl(adsl, arm, arm_order)
    adae = standardize_adae(adae, adsl)
    dmc = adex is not None and "TRTSDT" in adsl and "ASTDT" in adex    # the DMC displays need dosing dates
    if dmc and regimen == "infusion":
        adae = derive_infusion_of_onset(adae, adex)
    arms, _ = arms_and_n(adsl, control)
    control = control if control in arms else None
    out = {"ard_t_14_3_1": ard_ae_overview(adsl, adae, control),
           "ard_t_14_3_2": ard_ae_soc_pt(adsl, adae, control),
           "ard_t_14_3_3": ard_ae_max_severity(adsl, adae, control),
           "ard_t_14_3_4": ard_ae_soc_pt(adsl, adae[adae["AREL"] == "RELATED"], control),
           "ard_t_14_3_5": ard_ae_soc_pt(adsl, adae[adae["AESER"] == "Y"], control),
           "ard_t_14_3_6": ard_aesi(adsl, adae, control, aesi_names),
           "l_16_2_1": listing_serious(adae, adsl, arms), "l_16_2_2": listing_deaths(adsl, adae, arms),
           "l_16_2_3": listing_aesi(adae, adsl, arms), "l_teae": listing_teae(adae, adsl, arms)}
    if control is not None:
        out["ard_f_14_3_7"] = ard_risk_differences(out["ard_t_14_3_2"], arms, control)
    if adlb is not None:
        lb = standardize_bds(adlb, adsl, flag, post_by_day=by_visit)
        parameters = lab_parameters(lb, lab_panel)
        panel = tabulated_panel(parameters) if lab_panel is None else \
            lab_panel if isinstance(lab_panel, dict) else {"Laboratory": list(lab_panel)}
        params = [p for ps in tabulated_panel(parameters).values() for p in ps]
        out["l_lab_panel"] = listing_lab_panel(panel, lb)
        visits = lb[lb["AVISIT"].notna()] if by_visit else lb
        out["ard_t_14_3_8"] = ard_bds_summary(visits, params, control)
        # every record (no analysis flag): the declared window picks the post-baseline ones (by default all
        # on or after the first dose: a visit outside its window or a retest is still a value the subject had)
        out["ard_t_14_3_9"] = ard_shift(standardize_bds(adlb, adsl, None, post_by_day=True), params, control,
                                        shift_window, lab_range)
        if by_visit:
            out["ard_f_14_3_8"] = ard_lab_over_time(lb, params, control)
        peak = derive_hys_law_peaks(lb)
        out["ard_t_14_3_10"] = ard_hys_law(peak, adsl, control) if len(peak) else ard([])
        out["l_hys_law_peaks"] = peak.rename(columns={"ARM_": "Arm"})
        out["l_lab_parameters"] = parameters
    if advs is not None:
        vs = standardize_bds(advs, adsl, flag, post_by_day=by_visit)
        out["ard_t_14_3_11"] = ard_bds_summary(vs[vs["AVISIT"].notna()] if by_visit else vs, control=control)
    if adex is not None and dose_col is not None:
        out["ard_t_14_1_5"] = ard_exposure_daily(adsl, adex, dose_col, dose_unit, planned) if regimen == "daily" \
            else ard_exposure(adsl, adex, dose_col, dose_unit)
    if dmc:
        lb_ = standardize_bds(adlb, adsl, flag, post_by_day=by_visit) if adlb is not None else None
        vs_ = standardize_bds(advs, adsl, flag, post_by_day=by_visit) if advs is not None else None
        dmc_arms = order_arms(arms, control, treatment_rank(adsl))
        out.update(compute_dmc_safety(adsl, adae, lb_, vs_, adex, dmc_arms,
                                      overview_categories(adae, adsl) + aesi_categories(adae, aesi_names), ae_window))
        if reactions is not None and "INFNUM_" in adae:
            out.update(compute_reactions(adsl, adae, advs, adcm, adex, dmc_arms, reactions))
    return out


def compute_dmc_safety(adsl: pd.DataFrame, adae: pd.DataFrame, lb: pd.DataFrame | None,
                       advs: pd.DataFrame | None, adex: pd.DataFrame, arms: list[str],
                       categories: list[tuple[str, pd.Series]], ae_window: tuple[int, int] | None = None) -> dict:
    """The DMC displays of one study as {id: frame}: KM table and curves (t/f_14_3_12), exposure-
    adjusted incidence (t_14_3_13), AEs by infusion (t_14_3_14), AEs leading to withdrawal
    (l_16_2_5), subjects with ALT or AST >= 3 x ULN (l_16_2_6) and the records of the lab figures
    (data_lab_records). `adae` carries INFNUM_ (derive_infusion_of_onset); `categories`: the
    overview's [(label, mask of adae)]; `ae_window` the AEs by infusion's fixed window."""
    dated = [(adae, "ASTDT"), (adae, "AENDT"), (adex, "ASTDT")] + [(d, "ADT") for d in (lb, advs) if d is not None]
    end = derive_end_of_observation(adsl, dated)
    events = lambda d, col="ASTDT": d[["USUBJID", col]].set_axis(["USUBJID", "DT"], axis=1)  # noqa: E731
    stopped = adsl[adsl["EOSSTT"].astype("string").eq("DISCONTINUED")] if "EOSSTT" in adsl else adsl.iloc[0:0]
    endpoints = {"First serious TEAE": derive_param_tte(adsl, events(adae[adae["AESER"] == "Y"]), end, "TTSAE"),
                 "First AESI": derive_param_tte(adsl, events(adae[is_aesi(adae)]), end, "TTAESI"),
                 "Study discontinuation": derive_param_tte(adsl, events(stopped, "EOSDT"), end, "TTDISC")}
    weeks = key_weeks(pd.concat([e["AVAL"] for e in endpoints.values()]))
    out = {"ard_t_14_3_12": ard_time_to_event(endpoints, arms, weeks),
           "ard_f_14_3_12": ard_km_curves(endpoints, arms),
           "ard_t_14_3_13": ard_exposure_adjusted(adsl, adae, categories, end, arms),
           "l_16_2_5": listing_withdrawal(adae, adsl)}
    if "INFNUM_" in adae:                     # infusion studies only (derive_infusion_of_onset)
        out["ard_t_14_3_14"] = ard_ae_by_infusion(adsl, adae, adex, arms, window=ae_window)
    if lb is not None:
        out["l_16_2_6"] = listing_liver(lb, adsl, adex if "INFNUM_" in adae else None)   # infusions only
        out["data_lab_records"] = lab_records(lb, adsl=adsl)
    return out

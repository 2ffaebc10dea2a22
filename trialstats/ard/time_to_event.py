"""ARDs of time to first event: Kaplan-Meier at key weeks and its curves, exposure-adjusted incidence
(subjects with an event per 100 patient-years at risk), time being ADTTE's AVAL in study days from the
first dose; and one time-to-event analysis of any number of arms (ard_tte_analysis: KM, median, RMST,
log-rank and Cox of each arm vs the control; ard_km_steps: its curves)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.distributions import norm_ppf, norm_sf
from ..adam.adtte import derive_param_tte
from ..stats.rates import compute_exposure_adjusted_rate
from ..stats.survival import compute_logrank, compute_logrank_p, fit_cox, fit_km, km_quantile, rmst, step_at
from .shape import ard

KEY_WEEKS = (0, 4, 12, 24, 36, 48, 72, 96)


def key_weeks(times: pd.Series, weeks=KEY_WEEKS) -> list[int]:
    """The weeks of KEY_WEEKS within the longest follow-up (`times`: AVAL, study day 7w + 1 reached)."""
    longest = float(times.max()) if len(times) else 0.0
    return [w for w in weeks if 7 * w + 1 <= longest]


def ard_time_to_event(endpoints: dict[str, pd.DataFrame], arms: list[str], weeks: list[int]) -> pd.DataFrame:
    """Per endpoint (name -> ADTTE records of derive_param_tte) and arm: N, events; at each week w
    (study day 7w + 1): number at risk and the KM event-free probability with 95% CI; log-rank p
    across arms where there are 2+."""
    rows = []
    for name, tte in endpoints.items():
        for arm in arms:
            d = tte[tte["ARM_"] == arm]
            base = dict(group1="ARM", group1_level=arm, variable=name)
            rows += [dict(base, variable_level="overall", stat_name="N", stat=len(d)),
                     dict(base, variable_level="overall", stat_name="events", stat=int((d["CNSR"] == 0).sum()))]
            if d.empty:
                continue
            km = fit_km(d["AVAL"], 1 - d["CNSR"])
            for w in weeks:
                t = 7 * w + 1
                at = dict(base, group2="WEEK", group2_level=str(w), variable_level=f"week {w}")
                step = step_at(km, t)
                rows += [dict(at, stat_name="n_risk", stat=int((d["AVAL"] >= t).sum())),
                         dict(at, stat_name="surv", stat=float(step["surv"])),
                         dict(at, stat_name="lower", stat=float(step["lower"])),
                         dict(at, stat_name="upper", stat=float(step["upper"]))]
        present = tte[tte["ARM_"].isin(arms)]
        if present["ARM_"].nunique() > 1 and (present["CNSR"] == 0).any():
            p = compute_logrank_p(present["AVAL"], 1 - present["CNSR"], present["ARM_"].astype(str))
            rows.append(dict(group1="TEST", group1_level="log-rank", variable=name, variable_level="overall",
                             stat_name="p", stat=float(p)))
    return ard(rows)


def ard_km_curves(endpoints: dict[str, pd.DataFrame], arms: list[str]) -> pd.DataFrame:
    """The KM step functions for the figure: per endpoint, arm and distinct time, the event-free
    probability, its 95% CI, the number at risk and the events and censorings at that time."""
    return ard(pd.concat([ard_km_steps(tte, "ARM_", arms, name) for name, tte in endpoints.items()],
                         ignore_index=True) if endpoints else [])


def _eair_rows(base: dict, tte: pd.DataFrame, arms: list[str]) -> list[dict]:
    rows = []
    for arm in arms:
        d = tte[tte["ARM_"] == arm]
        n = int((d["CNSR"] == 0).sum())
        rate = compute_exposure_adjusted_rate(n, d["AVAL"].sum())
        b = dict(base, group1="ARM", group1_level=arm)
        rows += [dict(b, stat_name=k, stat=v) for k, v in (("n", n), ("N", len(d)), *rate.items())]
    return rows


def ard_exposure_adjusted(adsl: pd.DataFrame, adae: pd.DataFrame, categories: list[tuple[str, pd.Series]],
                          end: pd.Series, arms: list[str], by_soc_pt: bool = True) -> pd.DataFrame:
    """Subjects with an event per 100 patient-years at risk (time at risk: first dose to the first
    event, else to the end of observation) with the exact Poisson 95% CI, by arm: the `categories`
    ([(label, mask of adae)]) then every SOC and PT."""
    def rows_of(sel: pd.DataFrame, base: dict) -> list[dict]:
        tte = derive_param_tte(adsl, sel[["USUBJID", "ASTDT"]].rename(columns={"ASTDT": "DT"}), end)
        return _eair_rows(base, tte, arms)
    rows = []
    for label, mask in categories:
        rows += rows_of(adae[mask.fillna(False).astype(bool)],
                        dict(group2="", variable="category", variable_level=label))
    if by_soc_pt:
        for soc in sorted(adae["AEBODSYS"].dropna().unique()):
            s = adae[adae["AEBODSYS"] == soc]
            rows += rows_of(s, dict(group2="SOC", group2_level=soc, variable="AEDECOD", variable_level="ANY"))
            for pt in sorted(s["AEDECOD"].dropna().unique()):
                rows += rows_of(s[s["AEDECOD"] == pt], dict(group2="SOC", group2_level=soc, variable="AEDECOD",
                                                               variable_level=pt))
    return ard(rows)


# --- One time-to-event analysis (a primary or a configured ADTTE parameter), any number of arms ---

TTE_COLUMNS = ("USUBJID", "AVAL", "CNSR")
LOGRANK, COX, RMST_DIFF = "log-rank", "Cox", "RMST difference"


def check_tte_frame(tte: pd.DataFrame, arm: str, arms: list[str], control: str, strata: str | None = None,
                    source: str = "the time-to-event data") -> pd.DataFrame:
    """The records of `arms`, checked: the columns present, one record per subject, AVAL >= 0, CNSR 0/1,
    the strata set; a ValueError naming the source, column and rows otherwise."""
    missing = [c for c in (*TTE_COLUMNS, arm, *([strata] if strata else [])) if c not in tte]
    if missing:
        raise ValueError(f"{source}: columns {missing} are missing (it has {list(tte.columns)})")
    if control not in arms:
        raise ValueError(f"{source}: the control arm {control!r} is not one of the arms {arms}")
    d = tte[tte[arm].astype(str).isin(arms)].copy()
    d[arm] = d[arm].astype(str)

    def fail(mask, expected):
        rows = d.index[mask].tolist()
        raise ValueError(f"{source}: {expected}; {len(rows)} rows fail (rows {rows[:10]}, "
                         f"USUBJID {d.loc[mask, 'USUBJID'].head(10).tolist()})")
    if d["USUBJID"].duplicated().any():
        fail(d["USUBJID"].duplicated(keep=False), "USUBJID must have one record per subject")
    aval = pd.to_numeric(d["AVAL"], errors="coerce")
    if (aval.isna() | (aval < 0)).any():
        fail(aval.isna() | (aval < 0), "AVAL must be a time >= 0")
    cnsr = pd.to_numeric(d["CNSR"], errors="coerce")
    if (~cnsr.isin([0, 1])).any():
        fail(~cnsr.isin([0, 1]), "CNSR must be 0 (event) or 1 (censored)")
    if strata and d[strata].isna().any():
        fail(d[strata].isna(), f"the stratum {strata} must be set")
    return d.assign(AVAL=aval.astype(float), CNSR=cnsr.astype(int))


def default_tau(tte: pd.DataFrame, arm: str, arms: list[str]) -> float:
    """The largest time at which every arm still has subjects at risk: the smallest of the arms'
    longest times (event or censoring)."""
    longest = tte.groupby(arm)["AVAL"].max().reindex(arms)
    return float(longest.min())


def landmark_times(tau: float, most: int = 4) -> list[float]:
    """A few round times up to tau (multiples of the smallest step 1, 2 or 5 x 10^k giving at most
    `most` of them)."""
    if not tau > 0:
        return []
    step = next(s * 10.0 ** k for k in range(-3, 10) for s in (1, 2, 5) if tau / (s * 10.0 ** k) < most + 1)
    return [step * i for i in range(1, most + 1) if step * i <= tau]


def _note(rows: list, endpoint: str, where: str, item: str, reason: str) -> None:
    rows.append(dict(group1="NOTE", group1_level=where, group2="STAT", group2_level=item, variable=endpoint,
                     variable_level=reason, stat_name="not_estimable", stat=1))


def _arm_rows(d: pd.DataFrame, arm_label: str, endpoint: str, tau: float, landmarks: list[float], unit: str,
              level: float) -> list[dict]:
    time, event = d["AVAL"].to_numpy(), 1 - d["CNSR"].to_numpy()
    base = dict(group1="ARM", group1_level=arm_label, variable=endpoint)
    rows = [dict(base, variable_level="overall", stat_name=k, stat=v)
            for k, v in (("N", len(d)), ("events", int(event.sum())), ("censored", int(len(d) - event.sum())))]
    if d.empty:
        _note(rows, endpoint, arm_label, "all", "no subject in the arm")
        return rows
    km = fit_km(time, event)
    median = km_quantile(time, event, 0.5, level)
    lowest = float(km["surv"].min())
    for k in ("estimate", "lower", "upper"):
        if np.isfinite(median[k]):
            rows.append(dict(base, variable_level="median", stat_name=k, stat=median[k]))
    if not np.isfinite(median["estimate"]):
        _note(rows, endpoint, arm_label, "median",
              f"the Kaplan-Meier curve stays above 50% (lowest {100 * lowest:.1f}%)")
    elif not np.isfinite(median["upper"]):
        _note(rows, endpoint, arm_label, "median upper", "the upper confidence limit of S(t) stays above 50%")
    if not np.isfinite(median["lower"]) and np.isfinite(median["estimate"]):
        _note(rows, endpoint, arm_label, "median lower", "the lower confidence limit is not reached")
    longest, falls_to_zero = float(time.max()), lowest == 0
    for t in landmarks:
        at = dict(base, group2="TIME", group2_level=f"{t:g}", variable_level="landmark")
        rows.append(dict(at, stat_name="n_risk", stat=int((time >= t).sum())))
        if t > longest and not falls_to_zero:
            _note(rows, endpoint, arm_label, f"landmark {t:g}", f"no subject followed to {t:g} {unit}")
            continue
        step = step_at(km, t)
        rows.append(dict(at, stat_name="surv", stat=float(step["surv"])))
        if 0 < step["surv"] < 1:
            rows += [dict(at, stat_name=k, stat=float(step[k])) for k in ("lower", "upper")]
        else:
            _note(rows, endpoint, arm_label, f"landmark {t:g} CI", f"the estimate is {step['surv']:.0%}: the "
                  "log(-log) confidence interval is not defined")
    if tau > longest and not falls_to_zero:
        _note(rows, endpoint, arm_label, "rmst", f"tau {tau:g} {unit} is beyond the arm's follow-up "
              f"(the longest {longest:g})")
    else:
        r = rmst(time, event, tau, level)
        rows += [dict(base, variable_level="rmst", stat_name=k, stat=r[k])
                 for k in ("estimate", "se", "lower", "upper")]
    return rows


def _contrast_rows(d: pd.DataFrame, arm: str, active: str, control: str, endpoint: str, strata: str | None,
                   ties: str, level: float, rmst_by_arm: dict) -> list[dict]:
    label = f"{active} vs {control}"
    pair = d[d[arm].isin([active, control])]
    time, event, treated = pair["AVAL"], 1 - pair["CNSR"], (pair[arm] == active).astype(int)
    groups = pair[strata] if strata else None
    base = dict(group1="CONTRAST", group1_level=label, group2="STRATA", group2_level=strata or "", variable=endpoint)
    rows = []
    events = {a: int((1 - pair.loc[pair[arm] == a, "CNSR"]).sum()) for a in (active, control)}
    if sum(events.values()) == 0:
        _note(rows, endpoint, label, LOGRANK, "no event in either arm")
    else:
        test = compute_logrank(time, event, pair[arm], groups)
        if np.isfinite(test["p"]):
            rows += [dict(base, variable_level=LOGRANK, stat_name=k, stat=v) for k, v in test.items()]
        else:
            _note(rows, endpoint, label, LOGRANK, "no stratum has both arms at risk at an event time")
    without = [a for a, n in events.items() if n == 0]
    if without:
        _note(rows, endpoint, label, COX, f"no event in {' and '.join(without)} (the partial likelihood has no "
              "maximum)")
    else:
        cox = fit_cox(time, event, treated, groups, ties=ties, level=level)
        if not cox["converged"]:
            _note(rows, endpoint, label, COX, "the partial likelihood maximisation did not converge")
        elif np.isfinite([cox["hr"], cox["lower"], cox["upper"]]).all():
            rows += [dict(base, variable_level=COX, group2_level=strata or "", stat_name=k, stat=cox[k])
                     for k in ("hr", "lower", "upper", "p", "log_hr", "se")]
        else:
            _note(rows, endpoint, label, COX, "the partial likelihood has no finite maximum")
    if active in rmst_by_arm and control in rmst_by_arm:
        (ea, sa), (ec, sc) = rmst_by_arm[active], rmst_by_arm[control]
        diff, se = ea - ec, float(np.hypot(sa, sc))
        z = norm_ppf(0.5 + level / 2)
        rows += [dict(base, group2="", group2_level="", variable_level=RMST_DIFF, stat_name=k, stat=v)
                 for k, v in (("estimate", diff), ("se", se), ("lower", diff - z * se), ("upper", diff + z * se),
                              ("p", float(2 * norm_sf(abs(diff / se))) if se > 0 else np.nan))
                 if np.isfinite(v)]
    else:
        _note(rows, endpoint, label, RMST_DIFF, "the RMST of an arm is not estimable")
    return rows


def ard_tte_analysis(tte: pd.DataFrame, arm: str, arms: list[str], control: str, strata: str | None = None,
                     tau: float | None = None, unit: str = "days", endpoint: str = "TTE",
                     landmarks: list[float] | None = None, ties: str = "efron", level: float = 0.95,
                     source: str = "the time-to-event data") -> pd.DataFrame:
    """One time-to-event analysis as an ARD. `tte`: one record per subject, USUBJID, `arm`, AVAL
    (time in `unit`), CNSR (1 censored, 0 event), the `strata` column if given; the subjects of `arms`.

    Per arm (group1 ARM): N, events, censored (variable_level overall); median with its
    Brookmeyer-Crowley CI (median); at each landmark time (group2 TIME) n_risk and the KM estimate
    with its log(-log) CI (landmark); RMST up to tau with CI (rmst). Per active arm vs the control
    (group1 CONTRAST "<arm> vs <control>", group2 STRATA = the strata column or blank): log-rank
    chi2/df/p, Cox (ties `ties`) hr/lower/upper/p on the pair's subjects, RMST difference with its
    normal CI. With 3+ arms the log-rank test across all (group1 TEST). The analysis (group1
    ANALYSIS, group2 UNIT): tau and tau_given (1 given, 0 the default rule: the largest time at which
    every arm has subjects at risk), ties (1 Efron, 0 Breslow), level. What cannot be estimated has
    no row but a NOTE row (group2_level the statistic, variable_level the reason)."""
    d = check_tte_frame(tte, arm, arms, control, strata, source)
    present = [a for a in arms if (d[arm] == a).any()]
    tau_given = tau is not None
    tau = float(tau) if tau_given else (default_tau(d, arm, present) if present else 0.0)
    landmarks = landmark_times(tau) if landmarks is None else [float(t) for t in landmarks]
    analysis = dict(group1="ANALYSIS", group2="UNIT", group2_level=unit, variable=endpoint, variable_level="settings")
    rows = [dict(analysis, stat_name=k, stat=v) for k, v in (("tau", tau), ("tau_given", int(tau_given)),
                                                             ("ties_efron", int(ties == "efron")), ("level", level))]
    rows += [dict(analysis, stat_name="landmark", stat=t) for t in landmarks]
    rmst_by_arm = {}
    for a in arms:
        arm_rows = _arm_rows(d[d[arm] == a], a, endpoint, tau, landmarks, unit, level)
        rmst_row = {r["stat_name"]: r["stat"] for r in arm_rows if r.get("variable_level") == "rmst"}
        if rmst_row:
            rmst_by_arm[a] = (rmst_row["estimate"], rmst_row["se"])
        rows += arm_rows
    for active in [a for a in arms if a != control]:
        rows += _contrast_rows(d, arm, active, control, endpoint, strata, ties, level, rmst_by_arm)
    if len(present) > 2 and (d["CNSR"] == 0).any():
        test = compute_logrank(d["AVAL"], 1 - d["CNSR"], d[arm], d[strata] if strata else None)
        rows += [dict(group1="TEST", group1_level="all arms", group2="STRATA", group2_level=strata or "",
                      variable=endpoint, variable_level=LOGRANK, stat_name=k, stat=v) for k, v in test.items()]
    return ard(rows)


def ard_km_steps(tte: pd.DataFrame, arm: str, arms: list[str], endpoint: str = "TTE") -> pd.DataFrame:
    """The Kaplan-Meier step table by arm for the figure and its at-risk table: per arm (group1 ARM)
    and distinct time (variable_level, 0 first) surv, lower, upper, n_risk (subjects with AVAL >= t),
    events and censored at t."""
    rows = []
    for a in arms:
        d = tte[tte[arm].astype(str) == a]
        if d.empty:
            continue
        for t, r in fit_km(d["AVAL"], 1 - d["CNSR"]).iterrows():
            base = dict(group1="ARM", group1_level=a, variable=endpoint, variable_level=f"{t:g}")
            rows += [dict(base, stat_name=k, stat=float(r[c])) for k, c in
                     (("surv", "surv"), ("lower", "lower"), ("upper", "upper"), ("n_risk", "at_risk"),
                      ("events", "observed"), ("censored", "censored"))]
    return ard(rows)

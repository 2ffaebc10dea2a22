"""ARDs of time to first event: Kaplan-Meier at key weeks and its curves, exposure-adjusted incidence
(subjects with an event per 100 patient-years at risk). Time is ADTTE's AVAL: study days from the first dose."""
from __future__ import annotations

import pandas as pd

from ..adam.adtte import derive_param_tte
from ..stats.rates import compute_exposure_adjusted_rate
from ..stats.survival import compute_logrank_p, fit_km, step_at
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
    rows = []
    for name, tte in endpoints.items():
        for arm in arms:
            d = tte[tte["ARM_"] == arm]
            if d.empty:
                continue
            for t, r in fit_km(d["AVAL"], 1 - d["CNSR"]).iterrows():
                base = dict(group1="ARM", group1_level=arm, variable=name, variable_level=f"{t:g}")
                rows += [dict(base, stat_name=k, stat=float(r[c])) for k, c in
                         (("surv", "surv"), ("lower", "lower"), ("upper", "upper"), ("n_risk", "at_risk"),
                          ("events", "observed"), ("censored", "censored"))]
    return ard(rows)


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

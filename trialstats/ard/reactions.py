"""Infusion and dosing reactions (tables 14.3.17-20): the protocol's reaction composite in fixed windows
after each dose, its re-challenge outcome, temperature in categories by post-dose time point, and
concomitant medications with those started shortly after a dose.

One attribution rule for every record dated after dosing (adam.exposure.derive_infusion_of_onset): a
TEAE or a medication belongs to the latest dose on or before its start date, and counts in a window
[first, last] when its days since that dose (0 = the day of the dose) lie in it. A window is a fixed
number of days, the same for every dose, so the last dose's row does not collect the rest of follow-up.
Denominators: the subjects of the arm who received dose k (the safety set for "Any dose").
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..adam.exposure import derive_infusion_of_onset, infusions
from ..stats.binary import clopper_pearson_ci
from .conmeds import UNCODED, by_class_and_name, class_column
from .shape import ard

ANY_DOSE = "Any"


def window_label(window: tuple[int, int]) -> str:
    return f"Days {window[0]}-{window[1]}"


def is_reaction(adae: pd.DataFrame, terms: list[str], socs: list[str]) -> pd.Series:
    """TEAEs of the composite: preferred term (AEDECOD) among `terms` or SOC (AEBODSYS) among `socs`."""
    return adae["AEDECOD"].isin(terms) | adae["AEBODSYS"].isin(socs)


def in_window(days: pd.Series, window: tuple[int, int]) -> pd.Series:
    """Days since the latest dose within [first, last] (blank days: outside)."""
    d = pd.to_numeric(days, errors="coerce")
    return ((d >= window[0]) & (d <= window[1])).fillna(False).astype(bool)


def _received(adsl: pd.DataFrame, adex: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    ex = infusions(adex).merge(adsl[["USUBJID", "ARM_"]], on="USUBJID")
    return ex, sorted(int(k) for k in ex["INFNUM"].unique())


def _count_rows(base: dict, sel: pd.DataFrame, arms: list[str], big_n: dict) -> list[dict]:
    n, events = sel.groupby("ARM_")["USUBJID"].nunique(), sel.groupby("ARM_").size()
    rows = []
    for a in arms:
        b, k, m = dict(base, group1="ARM", group1_level=a), int(n.get(a, 0)), int(big_n.get(a, 0))
        rows += [dict(b, stat_name="n", stat=k), dict(b, stat_name="N", stat=m),
                 dict(b, stat_name="pct", stat=100 * k / m if m else np.nan),
                 dict(b, stat_name="events", stat=int(events.get(a, 0)))]
        if len(arms) == 1 and m:                   # a single arm: Clopper-Pearson 95% CI, as its other tables
            ci = clopper_pearson_ci(k, m)
            rows += [dict(b, stat_name="cp_lower", stat=100 * ci.lower),
                     dict(b, stat_name="cp_upper", stat=100 * ci.upper)]
    return rows


def ard_reactions(adsl: pd.DataFrame, adae: pd.DataFrame, adex: pd.DataFrame, arms: list[str],
                  spec: dict) -> pd.DataFrame:
    """Per window, dose k (then any dose) and arm: subjects with a TEAE of the composite within the
    window after dose k over the subjects who received dose k, and events; the composite first, then
    each of its preferred terms with a reaction (most subjects first, then by name). `adae` carries
    INFNUM_ and DSLI_ (derive_infusion_of_onset); `spec` is protocol.reaction_spec."""
    ex, doses = _received(adsl, adex)
    received = ex.groupby(["INFNUM", "ARM_"])["USUBJID"].nunique()
    safety_n = ex.groupby("ARM_")["USUBJID"].nunique().to_dict()
    reactions = adae[is_reaction(adae, spec["terms"], spec["socs"]) & adae["INFNUM_"].notna()]
    rows = []
    for window in spec["windows"]:
        hit = reactions[in_window(reactions["DSLI_"], window)]
        subjects = hit.groupby("AEDECOD")["USUBJID"].nunique()
        terms = sorted(subjects.index, key=lambda t: (-subjects[t], t))
        for label, sel in [(f"Any {spec['name'].lower()}", hit)] + [(t, hit[hit["AEDECOD"] == t]) for t in terms]:
            for k in doses:
                rows += _count_rows(dict(group2="DOSE", group2_level=str(k), variable=window_label(window),
                                         variable_level=label), sel[sel["INFNUM_"] == k], arms,
                                    {a: received.get((k, a), 0) for a in arms})
            rows += _count_rows(dict(group2="DOSE", group2_level=ANY_DOSE, variable=window_label(window),
                                     variable_level=label), sel, arms, safety_n)
    return ard(rows)


RECHALLENGE = ("With a reaction after dose k", "Received dose k+1", "Reaction again after dose k+1",
               "No reaction after dose k+1", "Did not receive dose k+1")


def ard_rechallenge(adsl: pd.DataFrame, adae: pd.DataFrame, adex: pd.DataFrame, arms: list[str],
                    spec: dict) -> pd.DataFrame:
    """The re-challenge outcome in the widest window of the composite: per dose k with a next dose and
    arm, the subjects with a reaction after dose k, of them those who received dose k+1, had a reaction
    again after it or none, and those who did not receive it; % of the subjects with a reaction after
    dose k (the recurrence also as % of those re-challenged: stat pct_rechallenged)."""
    ex, doses = _received(adsl, adex)
    window = max(spec["windows"], key=lambda w: (w[1] - w[0], w[1]))
    reactions = adae[is_reaction(adae, spec["terms"], spec["socs"]) & in_window(adae["DSLI_"], window)]
    by_dose = {k: set(reactions.loc[reactions["INFNUM_"] == k, "USUBJID"]) for k in doses}
    got = {k: set(ex.loc[ex["INFNUM"] == k, "USUBJID"]) for k in doses}
    arm_of = adsl.set_index("USUBJID")["ARM_"]
    rows = []
    for k in doses[:-1]:
        for a in arms:
            first = {s for s in by_dose[k] if arm_of.get(s) == a}
            again = first & got[k + 1]
            counts = dict(zip(RECHALLENGE, (first, again, again & by_dose[k + 1], again - by_dose[k + 1],
                                            first - got[k + 1])))
            for level, subjects in counts.items():
                b = dict(group1="ARM", group1_level=a, group2="DOSE", group2_level=str(k),
                         variable=window_label(window), variable_level=level)
                rows += [dict(b, stat_name="n", stat=len(subjects)),
                         dict(b, stat_name="pct", stat=100 * len(subjects) / len(first) if first else np.nan)]
                if level == RECHALLENGE[2]:
                    rows.append(dict(b, stat_name="pct_rechallenged",
                                     stat=100 * len(subjects) / len(again) if again else np.nan))
    return ard(rows)


def ard_temperature(adsl: pd.DataFrame, advs: pd.DataFrame, adex: pd.DataFrame, arms: list[str],
                    spec: dict) -> pd.DataFrame:
    """Per dose k (the dose given at the record's visit: ADEX AVISIT), time point (ATPT, in ATPTN order)
    and arm: the subjects measured (n) and those at or above each threshold (n_ge, pct of n; a subject's
    highest value at the time point); then each dose's "Any post-dose time point" (ATPTN > 0)."""
    ex, _ = _received(adsl, adex)
    vs = advs[(advs["PARAMCD"] == spec["temperature"]) & advs["ATPT"].notna()] if "ATPT" in advs else advs.iloc[0:0]
    vs = vs.drop(columns="ARM_", errors="ignore").merge(
        ex[["USUBJID", "AVISIT", "INFNUM"]].drop_duplicates(["USUBJID", "AVISIT"]), on=["USUBJID", "AVISIT"]).merge(
        adsl[["USUBJID", "ARM_"]], on="USUBJID")
    vs = vs.assign(AVAL=pd.to_numeric(vs["AVAL"], errors="coerce")).dropna(subset=["AVAL"])
    points = vs.groupby("ATPT")["ATPTN"].min().sort_values(kind="mergesort")
    rows = []
    for k in sorted(vs["INFNUM"].unique()):
        at_dose = vs[vs["INFNUM"] == k]
        parts = [(p, at_dose[at_dose["ATPT"] == p]) for p in points.index] + [
            ("Any post-dose time point", at_dose[at_dose["ATPTN"] > 0])]
        for point, sel in parts:
            peak = sel.groupby(["USUBJID", "ARM_"])["AVAL"].max().reset_index()
            for a in arms:
                v = peak.loc[peak["ARM_"] == a, "AVAL"]
                b = dict(group1="ARM", group1_level=a, group2="DOSE", group2_level=str(int(k)), variable=point)
                rows.append(dict(b, variable_level="measured", stat_name="n", stat=len(v)))
                for t in spec["thresholds"]:
                    m = int((v >= t).sum())
                    rows += [dict(b, variable_level=f">= {t:.1f}", stat_name="n", stat=m),
                             dict(b, variable_level=f">= {t:.1f}", stat_name="pct",
                                  stat=100 * m / len(v) if len(v) else np.nan)]
    return ard(rows)


def ard_medications_after_dose(adsl: pd.DataFrame, adcm: pd.DataFrame, adex: pd.DataFrame, arms: list[str],
                               spec: dict) -> pd.DataFrame:
    """Medications on study (not ended before the first dose, or no end date, up to the end of the study:
    the follow-up after the last dose included) by class (alphabetical) and CMDECOD (most subjects first):
    per arm the subjects taking one (n, pct of the safety N) and those who started one within the window after a dose
    (n_after_dose, pct_after_dose), records of the CM categories `spec["medication_exclude"]` left out."""
    ex, _ = _received(adsl, adex)
    safety_n = ex.groupby("ARM_")["USUBJID"].nunique().to_dict()
    cm = adcm[adcm["USUBJID"].isin(ex["USUBJID"])]
    if "CMCAT" in cm:
        cm = cm[~cm["CMCAT"].isin(spec["medication_exclude"])]
    cm = cm.reset_index(drop=True)
    cm = derive_infusion_of_onset(cm, adex)
    after = in_window(cm["DSLI_"], spec["medication_window"])
    # on study: not ended before the first dose (or no end), whenever it started: a medication of the
    # follow-up after the last dose counts too (prohibited ones are what the primary's non-responders rest on)
    first = cm["USUBJID"].map(adsl.set_index("USUBJID")["TRTSDT"])
    on_study = ~(pd.to_datetime(cm["AENDT"]) < pd.to_datetime(first)).fillna(False) if "AENDT" in cm else True
    cm = cm[np.asarray(on_study, bool) | after.to_numpy(bool)].assign(AFTER=after)
    col = class_column(cm)
    cm = cm.assign(ARM_=cm["USUBJID"].map(adsl.set_index("USUBJID")["ARM_"]),
                   CLASS=cm[col].fillna(UNCODED) if col else UNCODED)

    def rows_of(sel: pd.DataFrame, cls: str, name: str) -> list[dict]:
        n, after = sel.groupby("ARM_")["USUBJID"].nunique(), sel[sel["AFTER"]].groupby("ARM_")["USUBJID"].nunique()
        out = []
        for a in arms:
            b, big_n = dict(group1="ARM", group1_level=a, group2="CLASS", group2_level=cls, variable="CMDECOD",
                            variable_level=name), int(safety_n.get(a, 0))
            for stat_name, count in (("n", n), ("n_after_dose", after)):
                k = int(count.get(a, 0))
                out += [dict(b, stat_name=stat_name, stat=k),
                        dict(b, stat_name=stat_name.replace("n", "pct", 1), stat=100 * k / big_n if big_n else np.nan)]
            out.append(dict(b, stat_name="N", stat=big_n))
        return out

    return ard(by_class_and_name(cm, "CMDECOD", rows_of, "Any medication on study"))


def compute_reactions(adsl: pd.DataFrame, adae: pd.DataFrame, advs: pd.DataFrame | None, adcm: pd.DataFrame | None,
                      adex: pd.DataFrame, arms: list[str], spec: dict) -> dict:
    """The reaction displays as {ARD id: frame}; `adae` with INFNUM_ and DSLI_; temperature and
    medications only where ADVS and ADCM are given."""
    out = {"ard_t_14_3_17": ard_reactions(adsl, adae, adex, arms, spec),
           "ard_t_14_3_18": ard_rechallenge(adsl, adae, adex, arms, spec)}
    if advs is not None:
        out["ard_t_14_3_19"] = ard_temperature(adsl, advs, adex, arms, spec)
    if adcm is not None:
        out["ard_t_14_3_20"] = ard_medications_after_dose(adsl, adcm, adex, arms, spec)
    return out

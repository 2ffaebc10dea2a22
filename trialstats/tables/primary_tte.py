"""The primary endpoint as a time to event (protocol `time_to_event`): the ADTTE parameter of the
closed ADaM on the protocol's analysis set (the full analysis set by default), each active arm
against the control by log-rank and Cox (stratified by the protocol's strata), Kaplan-Meier median,
landmark estimates and RMST (ard.time_to_event.ard_tte_analysis)."""
from __future__ import annotations

import pandas as pd

from ..ard.time_to_event import ard_km_steps, ard_tte_analysis

def strata_name(spec: dict) -> str | None:
    """The stratum column's name: the strata joined by " x " (their combinations), None without strata."""
    return " x ".join(spec["strata"]) if spec.get("strata") else None


def tte_analysis_frame(adsl: pd.DataFrame, adtte: pd.DataFrame, spec: dict, arm: str) -> pd.DataFrame:
    """USUBJID, ARM, AVAL, CNSR and the stratum of each subject of the analysis set; a subject of it
    without an ADTTE record of the parameter, or a stratification column missing, stops with a
    clear error."""
    population = spec.get("population", "FASFL")
    strata = list(spec.get("strata", []))
    missing = [c for c in strata if c not in adsl]
    if missing:
        raise ValueError(f"protocol.yaml time_to_event.strata: {missing} are not ADSL columns "
                         f"(ADSL has {sorted(adsl.columns)})")
    subjects = adsl.loc[adsl[population] == "Y", ["USUBJID", arm, *strata]].rename(columns={arm: "ARM"})
    records = adtte.loc[adtte["PARAMCD"] == spec["paramcd"], ["USUBJID", "AVAL", "CNSR"]]
    d = subjects.merge(records, on="USUBJID", how="left", validate="one_to_one")
    lost = d.loc[d["AVAL"].isna(), "USUBJID"]
    if len(lost):
        raise ValueError(f"closed ADaM ADTTE: {len(lost)} subject(s) of {population} = Y have no "
                         f"{spec['paramcd']} record ({', '.join(lost.head(10))}); expected one per subject "
                         "with a start date")
    if strata:
        d[strata_name(spec)] = d[strata].astype("string").fillna("(missing)").agg(", ".join, axis=1)
    return d.assign(ARM=d["ARM"].astype(str))


def ard_primary_tte(adsl: pd.DataFrame, adtte: pd.DataFrame, spec: dict, arm: str,
                    labels: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the analysis ARD, the KM step ARD) of the primary; `labels`: (*active arms, control)."""
    d = tte_analysis_frame(adsl, adtte, spec, arm)
    ard_ = ard_tte_analysis(d, "ARM", list(labels), labels[-1], strata=strata_name(spec), tau=spec.get("tau"),
                            unit="days", endpoint=spec["paramcd"], landmarks=spec.get("landmarks"),
                            ties=spec.get("ties", "efron"), source="closed ADaM ADTTE")
    return ard_, ard_km_steps(d, "ARM", list(labels), spec["paramcd"])

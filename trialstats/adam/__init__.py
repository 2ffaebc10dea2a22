"""ADaM derivations (blinded): ADSL, ADLB, ADVS, ADEFF, ADAE, ADEX, ADCM (where CM is given), the
eligibility table and, for a time_to_event primary, ADTTE."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from ..protocol import assert_aesi_timing, parameter_names, regimen
from ..sdtm.queries import not_administered
from .adtte import check_tte_events, derive_end_of_observation, derive_primary_tte
from .adsl import derive_adsl_core, finish_adsl
from .bds import bds_from_findings, comparator_rule, derive_bds, resolve_comparators
from .efficacy import assert_protocol_parameters, derive_param_responder, efficacy_records
from .eligibility import derive_eligibility, derive_vars_eligibility
from .exposure import compute_open_period_end
from .occds import derive_adae, derive_adcm, derive_adex

TREATMENT_VARIABLES = ("ARM", "ARMCD", "ACTARM", "ACTARMCD", "TRT01P", "TRT01PN", "TRT01A", "TRT01AN",
                       "TRTP", "TRTPN", "TRTA", "TRTAN", "TRTCODE")


def derive_adam(sdtm: dict[str, pd.DataFrame], protocol: dict, cut: str) -> dict[str, pd.DataFrame]:
    """All blinded analysis datasets of one study and cut, from its cut SDTM. ADLB and ADVS need
    only the subjects' reference start (ADSL core), so they are derived in a second thread while
    ADEFF and the rest of ADSL are (pandas and Arrow release the GIL for much of the work)."""
    assert_protocol_parameters(protocol)
    assert_aesi_timing(protocol)
    if "time_to_event" in protocol:
        check_tte_events(protocol)
    ex = sdtm["EX"]
    sdtm = {**sdtm, "EX": ex[~not_administered(ex, "randomization" in protocol).to_numpy()]}   # data queries
    opened = None
    if regimen(protocol) == "daily" and "EXENDTC" in sdtm["EX"]:     # an open last period ends at RFENDTC
        end = compute_open_period_end(sdtm["EX"], sdtm["DM"], cut)
        opened = sdtm["EX"].loc[end.ne(sdtm["EX"]["EXENDTC"].astype("string").fillna("")).to_numpy(bool)]
        sdtm = {**sdtm, "EX": sdtm["EX"].assign(EXENDTC=end)}
    elig = derive_eligibility(sdtm, protocol)
    core = derive_adsl_core(sdtm, derive_vars_eligibility(elig), protocol, cut)
    visits = protocol["visits"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        rule = comparator_rule(protocol)
        adlb = pool.submit(derive_findings, sdtm["LB"], "LB", protocol.get("labs", {}), core, visits, rule)
        advs = pool.submit(derive_findings, sdtm["VS"], "VS", protocol.get("vitals", {}), core, visits, rule)
        adeff = derive_bds(efficacy_records(sdtm, protocol), core, visits)
        adsl = finish_adsl(core, adeff, protocol)
        if "responder" in protocol:
            resp = derive_param_responder(adeff, adsl, protocol["responder"], visits)
            adeff = pd.concat([adeff, resp], ignore_index=True).sort_values(
                ["USUBJID", "PARAMCD", "AVISITN"], kind="mergesort").reset_index(drop=True)
        adae = derive_adae(sdtm["AE"], adsl, sdtm["EX"], sdtm["LB"], protocol, cut)
        adex = derive_adex(sdtm["EX"], adsl, regimen(protocol))
        if opened is not None:                # listed in record_notes.csv
            ended = pd.MultiIndex.from_arrays([opened["USUBJID"].astype(str), pd.to_numeric(opened["EXSEQ"])])
            at = pd.MultiIndex.from_arrays([adex["USUBJID"].astype(str), adex["EXSEQ"]]).isin(ended)
            adex["AENDTSRC"] = pd.Series(at, index=adex.index).map({True: "DM.RFENDTC", False: ""})
        adam = {"adsl": adsl, "adeff": adeff, "adlb": adlb.result(), "advs": advs.result(), "adae": adae,
                "adex": adex, "eligibility": elig}
        if "CM" in sdtm:
            adam["adcm"] = derive_adcm(sdtm["CM"], adsl)
    if "time_to_event" in protocol:
        adam["adtte"] = derive_adtte(adam, sdtm.get("DS"), protocol, cut)
    return adam


def derive_adtte(adam: dict[str, pd.DataFrame], ds: pd.DataFrame | None, protocol: dict, cut: str) -> pd.DataFrame:
    """ADTTE of the time_to_event primary; the end of observation from every dated record."""
    dated = [(adam["adae"], "ASTDT"), (adam["adae"], "AENDT"), (adam["adex"], "ASTDT")] + \
        [(adam[name], "ADT") for name in ("adlb", "advs", "adeff")]
    end = derive_end_of_observation(adam["adsl"], dated)
    return derive_primary_tte(adam["adsl"], adam["adlb"], adam["adae"], ds, end, protocol["time_to_event"], cut,
                              parameter_names(protocol), [a["id"] for a in protocol.get("aesi", [])])


def derive_findings(records: pd.DataFrame, domain: str, params: dict, adsl: pd.DataFrame,
                    visits: list[dict], rule: str = "exclude") -> pd.DataFrame:
    """ADLB or ADVS from SDTM LB or VS: the records with a result (resolve_comparators)."""
    records = resolve_comparators(records, domain, params, rule)
    bds = bds_from_findings(records, domain, params).assign(ADTC=records[f"{domain}DTC"].to_numpy())
    return derive_bds(bds, adsl, visits)

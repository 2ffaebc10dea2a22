"""ADaM derivations (blinded): ADSL, ADLB, ADVS, ADEFF, ADAE, ADEX and the eligibility table."""
from __future__ import annotations

import pandas as pd

from .adsl import derive_adsl_core, finish_adsl
from .bds import bds_from_findings, derive_bds
from .efficacy import derive_param_responder, efficacy_records
from .eligibility import derive_eligibility, derive_vars_eligibility
from .occds import derive_adae, derive_adex

TREATMENT_VARIABLES = ("ARM", "ARMCD", "ACTARM", "ACTARMCD", "TRT01P", "TRT01PN", "TRT01A", "TRT01AN",
                       "TRTP", "TRTPN", "TRTA", "TRTAN", "TRTCODE")


def derive_adam(sdtm: dict[str, pd.DataFrame], protocol: dict, cut: str) -> dict[str, pd.DataFrame]:
    """All blinded analysis datasets of one study and cut, from its cut SDTM."""
    elig = derive_eligibility(sdtm, protocol)
    core = derive_adsl_core(sdtm, derive_vars_eligibility(elig), protocol, cut)
    visits = protocol["visits"]
    adeff = derive_bds(efficacy_records(sdtm, protocol), core, visits)
    adsl = finish_adsl(core, adeff, protocol)
    if "responder" in protocol:
        resp = derive_param_responder(adeff, adsl, protocol["responder"], visits)
        adeff = pd.concat([adeff, resp], ignore_index=True).sort_values(
            ["USUBJID", "PARAMCD", "AVISITN"], kind="mergesort").reset_index(drop=True)
    lb, vs = sdtm["LB"], sdtm["VS"]
    adlb = derive_bds(bds_from_findings(lb, "LB", protocol["labs"]).assign(ADTC=lb["LBDTC"].to_numpy()),
                      adsl, visits)
    advs = derive_bds(bds_from_findings(vs, "VS", protocol["vitals"]).assign(ADTC=vs["VSDTC"].to_numpy()),
                      adsl, visits)
    return {"adsl": adsl, "adeff": adeff, "adlb": adlb, "advs": advs,
            "adae": derive_adae(sdtm["AE"], adsl, sdtm["EX"], lb, protocol),
            "adex": derive_adex(sdtm["EX"], adsl), "eligibility": elig}

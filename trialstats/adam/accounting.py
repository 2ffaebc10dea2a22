"""Record accounting: every SDTM record from the input file to the analysis datasets.

Per domain: records in the file = removed at the data cut + used + excluded. A findings or event
record is used when an analysis dataset carries it (BDS: SRCDOM and SRCSEQ; ADAE, ADEX: the
sequence number); a record of a subject-level domain (DM, DS, CM, MH, IE) is used by the
derivations named. Every excluded record is listed with its reason.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import isin, lookup, positions
from ..sdtm.queries import not_administered
from ..sdtm.suppqual import is_supp, parent_of, supp_orphans
from .bds import COMPARATOR, comparator_rule, without_number

NO_NUMBER = "no number to analyse"       # a result such as "<0.1" (by the protocol's rule) or a text
FINDINGS = {"LB": "labs", "VS": "vitals"}
RECORD_LEVEL = {"LB": ("adlb", "adeff"), "VS": ("advs", "adeff"), "AE": ("adae",), "EX": ("adex",)}
DERIVATIONS = {"DM": "ADSL (one row per subject)",
               "DS": "ADSL disposition, enrolment and population flags",
               "CM": "ADCM; ADSL prohibited medication, eligibility, dose parameters of ADEFF",
               "MH": "eligibility (medical-history criteria)",
               "PR": "eligibility (procedure criteria)", "QS": "eligibility (questionnaire criteria)",
               "SU": "eligibility (substance-use criteria)",
               "IE": "eligibility (investigator's judgement, compared with the data)"}
SUMMARY_COLUMNS = ["DOMAIN", "RECORDS_IN", "REMOVED_AT_CUT", "AFTER_CUT", "USED", "EXCLUDED", "END_UNKNOWN_AT_CUT",
                   "USED_IN"]
EXCLUDED_COLUMNS = ["DOMAIN", "USUBJID", "SEQ", "TESTCD", "REASON"]


def _carried(adam: dict[str, pd.DataFrame], domain: str) -> pd.DataFrame:
    """USUBJID and sequence number (_SEQ) of the records of `domain` the analysis datasets carry."""
    keys = []
    for name in RECORD_LEVEL[domain]:
        d = adam.get(name)
        if d is None:
            continue
        if "SRCDOM" in d:
            d = d[d["SRCDOM"] == domain].rename(columns={"SRCSEQ": "_SEQ"})
        else:
            d = d.rename(columns={f"{domain}SEQ": "_SEQ"})
        keys.append(d[["USUBJID", "_SEQ"]].astype({"_SEQ": float}))
    both = pd.concat(keys, ignore_index=True) if keys else pd.DataFrame(columns=["USUBJID", "_SEQ"])
    return both.dropna()


def _record_codes(usubjid: pd.Series, seq: pd.Series, subjects: pd.Index) -> np.ndarray | None:
    """One int64 per (subject, sequence number) record key, or None when a sequence number is
    not a whole number below 2**31; unknown subjects and missing numbers get distinct negatives."""
    seq = seq.to_numpy(dtype=float)
    whole = np.isfinite(seq) & (seq == np.floor(seq)) & (seq >= 0) & (seq < 2**31)
    if not whole[~np.isnan(seq)].all():
        return None
    subject = positions(usubjid, subjects)
    code = (subject.astype(np.int64) << 32) | np.where(whole, seq, 0).astype(np.int64)
    return np.where(whole & (subject >= 0), code, -1 - np.arange(len(seq)))


def _is_carried(df: pd.DataFrame, domain: str, carried: pd.DataFrame) -> np.ndarray:
    """Whether each SDTM record of df is among the carried (USUBJID, _SEQ) keys."""
    subjects = pd.Index(df["USUBJID"].dropna().unique())
    mine = _record_codes(df["USUBJID"], df[f"{domain}SEQ"], subjects)
    theirs = _record_codes(carried["USUBJID"], carried["_SEQ"], subjects)
    if mine is None or theirs is None:                 # fractional sequence numbers: match as pairs
        key = pd.MultiIndex.from_arrays([df["USUBJID"].astype(object), df[f"{domain}SEQ"].astype(float)])
        return key.isin(pd.MultiIndex.from_frame(carried.astype({"USUBJID": object})))
    return pd.Series(mine).isin(theirs[theirs >= 0]).to_numpy()


def _reasons(domain: str, rows: pd.DataFrame, adsl: pd.DataFrame, analysed_tests: set, params: dict | None = None,
             rule: str = "exclude", randomized: bool = True) -> pd.Series:
    s = adsl.set_index("USUBJID")
    reason = pd.Series("not carried by an analysis dataset (no rule applies)", index=rows.index, dtype=object)
    testcd = rows.get(f"{domain}TESTCD")
    if testcd is not None and analysed_tests:
        reason[~testcd.isin(analysed_tests)] = f"{domain}TESTCD not an analysis parameter of protocol.yaml"
    stat = rows.get(f"{domain}STAT")
    if stat is not None:
        why = rows.get(f"{domain}REASND", pd.Series(pd.NA, index=rows.index)).astype("string").fillna("no reason given")
        not_done = (stat.astype("string").str.upper() == "NOT DONE").fillna(False)
        reason[not_done] = (f"{domain}STAT = NOT DONE (no result), {domain}REASND: " + why[not_done]).astype(object)
    if params and f"{domain}STRESN" in rows:
        none = without_number(rows, domain, params) & ~reason.astype(str).str.contains("NOT DONE")
        text = rows.get(f"{domain}STRESC", pd.Series(pd.NA, index=rows.index)).astype("string").fillna("(blank)")
        reason[none] = (f"{NO_NUMBER}: {domain}STRESN blank, {domain}STRESC '" + text[none] + "' (protocol.yaml "
                        f"sdtm.comparator_results: {rule})").astype(object)
    if domain == "EX":
        reason[not_administered(rows, randomized).to_numpy()] = ("a dose not administered (EXOCCUR N or EXDOSE 0): "
                                                                 "data query")
    no_start = lookup(rows["USUBJID"], s["REFSDT"]).isna()
    reason[no_start.to_numpy()] = ("subject never enrolled or never dosed (no reference start date): no study "
                                   "day; screening values serve the eligibility table only")
    reason[~isin(rows["USUBJID"], s.index).to_numpy()] = "subject not in ADSL"
    return reason


def record_accounting(sdtm: dict[str, pd.DataFrame], adam: dict[str, pd.DataFrame], cut_reconciliation: pd.DataFrame,
                      analysed_tests: dict[str, set] | None = None,
                      protocol: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(summary per domain, excluded records with reasons). `sdtm` is the cut SDTM keyed by
    domain, `cut_reconciliation` the cut's per-domain counts (RECORDS_IN, RECORDS_REMOVED,
    RECORDS_CHANGED: kept with the end unknown at the cut)."""
    recon = cut_reconciliation.set_index("DOMAIN")
    randomized = protocol is None or "randomization" in protocol    # without a protocol: no EXDOSE 0 rule
    summary, excluded = [], []
    for domain in sorted(sdtm):
        df = sdtm[domain]
        if domain in RECORD_LEVEL:
            used = _is_carried(df, domain, _carried(adam, domain))
            where = ", ".join(n.upper() for n in RECORD_LEVEL[domain] if n in adam)
        elif is_supp(domain):
            used = ~supp_orphans(sdtm.get(parent_of(domain)), df).to_numpy()
            where = f"{parent_of(domain)} (QNAM as a column)"
        elif domain == "DM":
            used = isin(df["USUBJID"], adam["adsl"]["USUBJID"]).to_numpy()
            where = DERIVATIONS[domain]
        else:
            used = pd.Series(True, index=df.index).to_numpy()
            where = DERIVATIONS.get(domain, "ADSL derivations")
        out = df.loc[~used]
        if len(out):
            seq = out[f"{domain}SEQ"] if f"{domain}SEQ" in out else pd.Series("", index=out.index)
            excluded.append(pd.DataFrame({
                "DOMAIN": domain, "USUBJID": out["USUBJID"], "SEQ": seq,
                "TESTCD": out.get(f"{domain}TESTCD", pd.Series("", index=out.index)),
                "REASON": (f"orphan: no {parent_of(domain)} record of the subject with this IDVAR = IDVARVAL"
                           if is_supp(domain) else
                           _reasons(domain, out, adam["adsl"], (analysed_tests or {}).get(domain, set()),
                                    (protocol or {}).get(FINDINGS.get(domain, ""), {}),
                                    comparator_rule(protocol or {}), randomized))}))
        cut = recon.loc[domain] if domain in recon.index else pd.Series(
            {"RECORDS_IN": len(df), "RECORDS_REMOVED": 0, "RECORDS_CHANGED": 0})
        summary.append(dict(DOMAIN=domain, RECORDS_IN=int(cut["RECORDS_IN"]),
                            REMOVED_AT_CUT=int(cut["RECORDS_REMOVED"]), AFTER_CUT=len(df), USED=int(used.sum()),
                            EXCLUDED=int((~used).sum()), END_UNKNOWN_AT_CUT=int(cut["RECORDS_CHANGED"]), USED_IN=where))
    listing = (pd.concat(excluded, ignore_index=True) if excluded else pd.DataFrame(columns=EXCLUDED_COLUMNS))
    return pd.DataFrame(summary, columns=SUMMARY_COLUMNS), listing[EXCLUDED_COLUMNS]


NOTE_COLUMNS = ["DOMAIN", "USUBJID", "SEQ", "TESTCD", "NOTE", "DETAIL"]


def _notes(domain: str, frame: pd.DataFrame, mask, note: str, detail: pd.Series, seq: str, testcd: str | None):
    rows = frame[mask]
    return pd.DataFrame({"DOMAIN": domain, "USUBJID": rows["USUBJID"], "SEQ": rows[seq],
                         "TESTCD": rows[testcd] if testcd else "", "NOTE": note, "DETAIL": detail[mask]})


def _day(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d").fillna("(none)")


def record_notes(adam: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Records used with something to know, one row each (DOMAIN, USUBJID, SEQ, TESTCD, NOTE,
    DETAIL): dates imputed (ASTDTF/AENDTF/ADTF), dates that cannot be placed (kept, in no
    window), unscheduled visits windowed by study day, retests not analysed (the record nearest
    the target day is, the later on ties), and --LOBXFL that disagrees with our baseline (ABLFL)."""
    out = []
    adae = adam.get("adae")
    if adae is not None and len(adae):
        for var, src, when in (("ASTDTF", "AESTDTC", "ASTDT"), ("AENDTF", "AEENDTC", "AENDT")):
            if var in adae:
                imputed = adae[var].notna().to_numpy()
                detail = (src + " " + adae[src].astype("string").fillna("(blank)") + " -> " + when + " " +
                          _day(adae[when]) + " (" + var + " = " + adae[var].astype("string").fillna("") + ")")
                out.append(_notes("AE", adae, imputed, f"{src} partial or missing: date imputed", detail, "AESEQ",
                                  None))
        if "ASTDT" in adae:
            lost = adae["ASTDT"].isna().to_numpy()
            out.append(_notes("AE", adae, lost, "AESTDTC cannot be placed (no first dose to impute to): kept, "
                               "not treatment-emergent", pd.Series("", index=adae.index), "AESEQ", None))
    adex = adam.get("adex")
    if adex is not None and "AENDTSRC" in adex:
        ended = adex["AENDTSRC"].eq("DM.RFENDTC").to_numpy(bool)
        out.append(_notes("EX", adex, ended, "EXENDTC blank on the last dosing period: ended at DM.RFENDTC",
                          "AENDT " + _day(pd.to_datetime(adex["AENDT"])), "EXSEQ", None))
    for name in ("adlb", "advs"):
        bds = adam.get(name)
        needed = {"SRCDOM", "SRCSEQ", "PARAMCD", "ADT", "ADY", "VISIT", "VISITNUM", "AVISIT", "ANL01FL", "ABLFL",
                  "AVAL", "AVALC"}
        if bds is None or not len(bds) or not needed <= set(bds):
            continue
        domain = str(bds["SRCDOM"].iloc[0])
        if "ADTF" in bds:
            imputed = bds["ADTF"].notna().to_numpy()
            out.append(_notes(domain, bds, imputed, f"{domain}DTC partial: date imputed to the first day",
                              "ADT " + _day(bds["ADT"]) + " (ADTF = " + bds["ADTF"].astype("string").fillna("") + ")",
                              "SRCSEQ", "PARAMCD"))
        out.append(_notes(domain, bds, bds["ADT"].isna().to_numpy(), f"{domain}DTC missing: cannot be placed in "
                          "a visit window; kept, not analysed", pd.Series("", index=bds.index), "SRCSEQ", "PARAMCD"))
        visit = bds["VISIT"].astype("string")
        num = pd.to_numeric(bds["VISITNUM"], errors="coerce")
        unsched = (visit.str.upper().str.startswith("UNSCHEDULED").fillna(False) |
                   (num.notna() & (num != num.round()))).to_numpy()
        out.append(_notes(domain, bds, unsched, "unscheduled visit: windowed by study day",
                          visit.fillna("") + " (day " + bds["ADY"].astype("string").fillna("?") + ") -> " +
                          bds["AVISIT"].astype("string").fillna(""), "SRCSEQ", "PARAMCD"))
        windowed = ~bds["AVISIT"].isin(["PRE-TREATMENT", "UNSCHEDULED", "BASELINE"]) & bds["AVISIT"].notna()
        group = ["USUBJID", "PARAMCD", "AVISIT"] + (["ATPTN"] if "ATPTN" in bds else [])
        keyed = bds.assign(_TP=bds["ATPTN"].fillna(-1) if "ATPTN" in bds else -1)
        group = [g if g != "ATPTN" else "_TP" for g in group]
        several = keyed[windowed].groupby(group, dropna=False)["SRCSEQ"].transform("size").reindex(
            bds.index, fill_value=0) > 1
        has_value = bds["AVAL"].notna() | bds["AVALC"].notna()
        retest = (several & (bds["ANL01FL"] != "Y").fillna(True) & has_value).to_numpy()
        out.append(_notes(domain, bds, retest, "repeat or retest in the window: not analysed (the record nearest "
                          "the target day is, the later on ties)", bds["AVISIT"].astype("string").fillna("") +
                          " day " + bds["ADY"].astype("string").fillna("?"), "SRCSEQ", "PARAMCD"))
        comparator = (bds["AVALC"].astype("string").str.match(COMPARATOR).fillna(False)
                      & bds["AVAL"].notna()).to_numpy()
        out.append(_notes(domain, bds, comparator, "result with a comparator: analysed by protocol.yaml "
                          "sdtm.comparator_results", bds["AVALC"].astype("string").fillna("") + " -> AVAL " +
                          bds["AVAL"].astype("string").fillna(""), "SRCSEQ", "PARAMCD"))
        if "LOBXFL" in bds and bds["LOBXFL"].notna().any():
            src = (bds["LOBXFL"] == "Y").fillna(False)
            ours = (bds["ABLFL"] == "Y").fillna(False)
            tested = bds["LOBXFL"].notna().groupby([bds["USUBJID"], bds["PARAMCD"]]).transform("any")
            differ = ((src != ours) & tested).to_numpy()
            out.append(_notes(domain, bds, differ, f"{domain}LOBXFL disagrees with the derived baseline (ABLFL)",
                              f"{domain}LOBXFL " + bds["LOBXFL"].astype("string").fillna("(blank)") + ", ABLFL " +
                              bds["ABLFL"].astype("string").fillna("(blank)"), "SRCSEQ", "PARAMCD"))
    out = [o for o in out if len(o)]
    return (pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=NOTE_COLUMNS))[NOTE_COLUMNS]


def add_note_counts(summary: pd.DataFrame, notes: pd.DataFrame, excluded: pd.DataFrame) -> pd.DataFrame:
    """The accounting summary with, per domain, records whose date was imputed, records of
    unscheduled visits, and records excluded as NOT DONE (all with their reasons in the listings)."""
    def count(frame, mask):
        return frame[mask].groupby("DOMAIN").size().reindex(summary["DOMAIN"], fill_value=0).to_numpy()
    out = summary.copy()
    out["DATES_IMPUTED"] = count(notes, notes["NOTE"].str.contains("imputed"))
    out["UNSCHEDULED"] = count(notes, notes["NOTE"].str.startswith("unscheduled"))
    out["NOT_DONE"] = count(excluded, excluded["REASON"].astype(str).str.contains("NOT DONE"))
    out["NO_NUMBER"] = count(excluded, excluded["REASON"].astype(str).str.startswith(NO_NUMBER))
    return out

"""Safety tabulations on any ADaM that follows the ADaM IG (ours, a CRO's, the CDISC pilot).

Inputs: ADSL (USUBJID, SAFFL, the arm column), ADAE (USUBJID, TRTEMFL, AEBODSYS, AEDECOD, AESEV,
AESER, AREL or AEREL, AEACN, AEOUT, AESDTH ...), ADLB / ADVS (PARAMCD, AVAL, BASE, AVISIT,
ANRIND, BNRIND, ANRHI or A1HI ...). `standardize_*` maps the common variants to one form.
Arms come from the data: any number, any labels, a single arm too. Denominators are the safety
population of each arm. A single arm gets Clopper-Pearson 95% CIs and no between-arm tests;
with several arms each is compared with the control by Fisher's exact test.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import isin, lookup, per_distinct
from ..stats.binary import clopper_pearson_ci, cmh_general_association, diff_ci, fisher_exact
from ..arms import arm_header, arm_sizes, order_arms
from .ard import ard
from .dmc_safety import (ae_listing, derive_infusion_of_onset, dmc_displays, t_ae_by_infusion, t_exposure_adjusted,
                         t_time_to_event, withdrawal_mask)
from .format import collected_decimals, visit_label  # noqa: F401 (collected_decimals: the ADaM route)

RELATED = {"RELATED", "POSSIBLY RELATED", "PROBABLY RELATED", "DEFINITELY RELATED", "POSSIBLE", "PROBABLE",
           "DEFINITE", "Y"}
RANGE_CODES = {"N": "NORMAL", "H": "HIGH", "L": "LOW", "NORMAL": "NORMAL", "HIGH": "HIGH", "LOW": "LOW"}
SEVERITY_ORDER = ["MILD", "MODERATE", "SEVERE"]


# --- inputs --------------------------------------------------------------------------------------

def standardize_adsl(adsl: pd.DataFrame, arm: str, order: str | None = None) -> pd.DataFrame:
    """Safety subjects with their arm as ARM_; with `order` (the arm's numeric code, e.g.
    TRT01AN) the arms are shown in the order of that code (ARMN_) instead of control first."""
    out = adsl.copy()
    if arm not in out:
        raise KeyError(f"ADSL has no arm column {arm!r}; columns: {', '.join(out.columns)}")
    out["ARM_"] = out[arm].astype("object")
    if order is not None and order in out:
        out["ARMN_"] = pd.to_numeric(out[order], errors="coerce")
    return out[(out["SAFFL"] == "Y") & out["ARM_"].notna()]


def arm_rank(adsl: pd.DataFrame) -> dict:
    """Arm -> its numeric code (ARMN_, the smallest if several), empty without codes."""
    if "ARMN_" not in adsl:
        return {}
    return adsl.groupby("ARM_")["ARMN_"].min().to_dict()


def standardize_adae(adae: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """Treatment-emergent AEs of safety subjects with the arm of ADSL; AREL from AEREL if needed."""
    out = adae.merge(adsl[["USUBJID", "ARM_"]], on="USUBJID", how="inner")
    out = out[out["TRTEMFL"].fillna("N") == "Y"].copy()
    relation = out["AREL"] if "AREL" in out else out["AEREL"]
    out["AREL"] = np.where(relation.astype("string").str.upper().isin(RELATED), "RELATED", "NOT RELATED")
    for col in ("AEACN", "AEACNOTH", "AEOUT", "AESDTH", "AESEV", "AESER"):
        if col not in out:
            out[col] = pd.NA
    return out


def standardize_bds(bds: pd.DataFrame, adsl: pd.DataFrame, flag: str | None = "ANL01FL",
                    post_by_day: bool = False) -> pd.DataFrame:
    """Analysed records of safety subjects (with `flag` = Y, or baseline, where the data have
    the flag; every record with flag=None); ANRIND/BNRIND spelled out; ULN as ANRHI (A1HI),
    LLN as ANRLO (A1LO); a visit of "." (a common spelling of "no analysis visit") is blank.
    With post_by_day, post-baseline records are those on or after the first dose (ADY >= 1):
    POSTFL_ marks them (otherwise every non-baseline record)."""
    keep = isin(bds["USUBJID"], adsl["USUBJID"])
    if flag is not None and flag in bds:
        keep &= bds[flag].astype("object").eq("Y") | is_baseline(bds)
    out = bds[keep].reset_index(drop=True)
    out["ARM_"] = lookup(out["USUBJID"], adsl.set_index("USUBJID")["ARM_"])
    if "ARMN_" in adsl:
        out["ARMN_"] = lookup(out["USUBJID"], adsl.set_index("USUBJID")["ARMN_"])
    out["AVISIT"] = per_distinct(out["AVISIT"].astype("string"), lambda v: v.str.strip().replace(".", pd.NA))
    post = ~is_baseline(out)
    if post_by_day and "ADY" in out:
        post &= (pd.to_numeric(out["ADY"], errors="coerce") >= 1).fillna(False).astype(bool)
    out["POSTFL_"] = post
    for col in ("ANRIND", "BNRIND"):
        if col in out:
            out[col] = per_distinct(out[col].astype("string"), _range_code)
    if "ANRHI" not in out and "A1HI" in out:
        out["ANRHI"] = out["A1HI"]
    if "ANRLO" not in out and "A1LO" in out:
        out["ANRLO"] = out["A1LO"]
    return out


def is_post_baseline(d: pd.DataFrame) -> pd.Series:
    """POSTFL_ of standardize_bds, or every non-baseline record of a frame without it."""
    return d["POSTFL_"].astype(bool) if "POSTFL_" in d else ~is_baseline(d)


def _range_code(values: pd.Series) -> pd.Series:
    return values.str.strip().str.upper().map(RANGE_CODES)


def is_baseline(d: pd.DataFrame) -> pd.Series:
    """ABLFL == "Y" as a plain boolean (a blank or NA flag is False, never NA)."""
    if "ABLFL" not in d:
        return pd.Series(False, index=d.index)
    return d["ABLFL"].astype("object").eq("Y").astype(bool)


def treatment_rank(adsl: pd.DataFrame) -> dict:
    """Arm -> its numeric code: ARMN_ (arm_rank), else the actual or planned treatment code of ADSL."""
    codes = [c for c in ("TRT01AN", "TRT01PN") if c in adsl]
    return arm_rank(adsl) or (adsl.groupby("ARM_")[codes[0]].min().to_dict() if codes else {})


def arms_and_n(adsl: pd.DataFrame, control: str | None) -> tuple[list[str], dict[str, int]]:
    """Arms in the one display order (trialstats.arms: by numeric code ARMN_ where known, then
    label, the control last) and the safety N of each."""
    arms = order_arms(adsl["ARM_"].unique(), control, arm_rank(adsl))
    return arms, {str(a): n for a, n in adsl.groupby("ARM_").size().items()}


# --- incidence rows ------------------------------------------------------------------------------

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
            rows += [dict(b, stat_name="cp_lower", stat=100 * ci.lower), dict(b, stat_name="cp_upper", stat=100 * ci.upper)]
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
    fatal = (adae["AEOUT"] == "FATAL") | (adae["AESDTH"] == "Y")
    return [("Any TEAE", pd.Series(True, index=adae.index)), ("Related TEAE", adae["AREL"] == "RELATED"),
            ("Serious TEAE", adae["AESER"] == "Y"), ("Severe TEAE", adae["AESEV"] == "SEVERE"),
            (withdrawal_label, withdrawn), ("TEAE with fatal outcome", fatal)]


def ard_ae_overview(adsl: pd.DataFrame, adae: pd.DataFrame, control: str | None = None,
                    dead: pd.Series | None = None) -> pd.DataFrame:
    """Subjects with any TEAE, related, serious, severe, leading to withdrawal, fatal; deaths."""
    arms, n_by_arm = arms_and_n(adsl, control)
    rows = []
    cats = overview_categories(adae, adsl)
    for label, mask in cats:
        sel = adae[mask.fillna(False).astype(bool)]
        rows += _incidence(dict(variable="overview", variable_level=label),
                           sel.groupby("ARM_")["USUBJID"].nunique(), sel.groupby("ARM_").size(), arms, n_by_arm, control)
    deaths = adsl[adsl["USUBJID"].isin(set(dead) if dead is not None else set())]
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
    columns = sorted(c for c in adae.columns if c.startswith("CQ") and c.endswith("NAM"))
    wanted = ([(f"CQ{i:02d}NAM", [n]) for i, n in enumerate(names, 1)] if names is not None
              else [(c, sorted(adae[c].dropna().unique())) for c in columns])
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


# --- laboratory and vital signs ------------------------------------------------------------------

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
        return [(_finite_or_inf(rank.get(k, {}).get(str(v) if k == "ARM_" else v)), str(v)) for k, v in key.items()]

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


def _finite_or_inf(x) -> float:
    return float(x) if x is not None and pd.notna(x) else np.inf


def ard_shift(bds: pd.DataFrame, params: list[str], control: str | None = None) -> pd.DataFrame:
    """Baseline range category vs worst post-baseline category (HIGH if any high, else LOW if
    any low, else NORMAL), by arm; CMH general association p across arms stratified by baseline."""
    rows = []
    cats = ["LOW", "NORMAL", "HIGH"]
    for param in params:
        d = bds[bds["PARAMCD"] == param]
        base = d[is_baseline(d)].groupby("USUBJID")["ANRIND"].last()
        post = d[is_post_baseline(d) & d["ANRIND"].notna()]
        flags = pd.DataFrame({"USUBJID": post["USUBJID"], "HIGH": post["ANRIND"].eq("HIGH").to_numpy(bool),
                              "LOW": post["ANRIND"].eq("LOW").to_numpy(bool)}).groupby("USUBJID").any()
        worst = pd.Series(np.where(flags["HIGH"], "HIGH", np.where(flags["LOW"], "LOW", "NORMAL")),
                          index=flags.index, dtype=object)
        arm = d.groupby("USUBJID")["ARM_"].first()
        both = pd.DataFrame({"ARM_": arm, "BASE": base, "POST": worst}).dropna()
        counts = both.groupby(["ARM_", "BASE", "POST"]).size()
        position = {a: i for i, a in enumerate(order_arms(d["ARM_"].dropna().unique(), control, arm_rank(d)))}
        counts = counts.iloc[sorted(range(len(counts)), key=lambda i: position[str(counts.index[i][0])])]
        for (a, b, p), n in counts.items():
            rows.append(dict(group1="ARM", group1_level=str(a), group2="BASELINE", group2_level=b, variable=param,
                             variable_level=p, stat_name="n", stat=int(n)))
        arms = sorted(both["ARM_"].unique())
        if len(arms) > 1:
            tables = [pd.crosstab(g["ARM_"], g["POST"]).reindex(index=arms, columns=cats, fill_value=0).to_numpy()
                      for _, g in both.groupby("BASE")]
            tables = [t[:, t.sum(axis=0) > 0] for t in tables]
            tables = [t for t in tables if t.shape[1] > 1 and t.sum() > 1]
            if tables and len({t.shape for t in tables}) == 1:
                q, df, p = cmh_general_association(tables)
                rows.append(dict(group1="TEST", group1_level="CMH general association", variable=param,
                                 variable_level=f"df={df}", stat_name="p", stat=p))
    return ard(rows)


def hys_law(adlb: pd.DataFrame, alt="ALT", ast="AST", bili="BILI") -> pd.DataFrame:
    """Per subject: peak post-baseline ALT, AST and bilirubin as multiples of ULN, and the screen
    (ALT or AST >= 3 x ULN and bilirubin >= 2 x ULN)."""
    d = adlb[adlb["PARAMCD"].isin([alt, ast, bili]) & is_post_baseline(adlb)].copy()
    if d.empty:
        return pd.DataFrame(columns=["USUBJID", "ARM_", "ALT_XULN", "AST_XULN", "BILI_XULN", "TRANSAMINASE_3X",
                                     "HYS_LAW"])
    d["XULN"] = pd.to_numeric(d["AVAL"], errors="coerce") / pd.to_numeric(d["ANRHI"], errors="coerce")
    peak = d.pivot_table(index=["USUBJID", "ARM_"], columns="PARAMCD", values="XULN", aggfunc="max").reset_index()
    for col in (alt, ast, bili):
        if col not in peak:
            peak[col] = np.nan
    peak = peak.rename(columns={alt: "ALT_XULN", ast: "AST_XULN", bili: "BILI_XULN"})
    peak["TRANSAMINASE_3X"] = (peak[["ALT_XULN", "AST_XULN"]].max(axis=1) >= 3)
    peak["HYS_LAW"] = peak["TRANSAMINASE_3X"] & (peak["BILI_XULN"] >= 2)
    return peak


def ard_hys_law(peak: pd.DataFrame, adsl: pd.DataFrame, control: str | None = None) -> pd.DataFrame:
    arms, n_by_arm = arms_and_n(adsl, control)
    rows = []
    for label, mask in (("ALT or AST >= 3 x ULN", peak["TRANSAMINASE_3X"]),
                        ("Bilirubin >= 2 x ULN", peak["BILI_XULN"] >= 2),
                        ("Potential Hy's law (both)", peak["HYS_LAW"])):
        sel = peak[mask]
        rows += _incidence(dict(variable="hys_law", variable_level=label), sel.groupby("ARM_")["USUBJID"].nunique(),
                           None, arms, n_by_arm, control)
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
        rows += _incidence(dict(variable="infusions", variable_level=str(int(k))), sel.groupby("ARM_")["USUBJID"].nunique(),
                           None, arms, n_by_arm, None)
    for a in arms:
        v = per.loc[per["ARM_"] == a, "DOSE"]
        base = dict(group1="ARM", group1_level=str(a), variable="cumulative_dose", variable_level=dose_unit or dose_col)
        rows += [dict(base, stat_name=k, stat=s) for k, s in
                 (("n", len(v)), ("mean", v.mean()), ("median", v.median()), ("min", v.min()), ("max", v.max()))]
    return ard(rows)


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
            ci = diff_ci(int(g.loc[a, "n"]), int(g.loc[a, "N"]), int(g.loc[control, "n"]), int(g.loc[control, "N"]), "mn")
            base = dict(group1="CONTRAST", group1_level=f"{a} - {control}", group2="SOC", group2_level=soc,
                        variable="AEDECOD", variable_level=pt)
            rows += [dict(base, stat_name=k, stat=100 * v) for k, v in
                     (("estimate", ci.estimate), ("lower", ci.lower), ("upper", ci.upper))]
    return ard(rows)


# --- all safety outputs of one study ---------------------------------------------------------------

def listing_lab_panel(panel: dict[str, list[str]], bds: pd.DataFrame) -> pd.DataFrame:
    """The safety laboratory panel (category -> tests) against the records: one row per test with
    its record count, so that a test or a whole category with no record says so."""
    counts = bds["PARAMCD"].value_counts()
    names = bds.drop_duplicates("PARAMCD").set_index("PARAMCD")["PARAM"].to_dict() if "PARAM" in bds else {}
    rows = [{"Category": cat, "Test": t, "Name": names.get(t, ""), "Records": int(counts.get(t, 0)),
             "Status": "tabulated" if counts.get(t, 0) else "no records at this data cut"}
            for cat, tests in panel.items() for t in tests]
    rows += [{"Category": cat, "Test": "(none)", "Name": "", "Records": 0, "Status": "no test in this category"}
             for cat, tests in panel.items() if not tests]
    return pd.DataFrame(rows, columns=["Category", "Test", "Name", "Records", "Status"])


def listing_serious(adae: pd.DataFrame, adsl: pd.DataFrame | None = None) -> pd.DataFrame:
    """Serious TEAEs (ae_listing: human headers, age and sex from `adsl`)."""
    return ae_listing(adae[adae["AESER"] == "Y"], adsl)


def listing_teae(adae: pd.DataFrame, adsl: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every treatment-emergent adverse event record, by arm, subject and onset (ae_listing; imputed
    dates are listed in the record notes)."""
    return ae_listing(adae, adsl)


def listing_aesi(adae: pd.DataFrame, adsl: pd.DataFrame | None = None) -> pd.DataFrame:
    """Treatment-emergent adverse events of special interest, with the AESI they fall under (for
    hypoglycaemia with its level); the columns of ae_listing without SOC, onset date and action
    taken, so that the listing fits a landscape page."""
    cq = sorted(c for c in adae.columns if c.startswith("CQ") and c.endswith("NAM"))
    names = pd.Series([""] * len(adae), index=adae.index, dtype=object)
    for col in cq:                       # "; "-joined names of the AESI each record falls under
        v = adae[col].astype("string").fillna("").str.strip()
        names = names.where(v == "", names.where(names == "", names + "; ") + v.astype(object))
    d = adae[names != ""]
    aesi = names[names != ""]
    if "HYPOLVL" in d:                   # "Hypoglycaemia (level 1)"
        level = d["HYPOLVL"].astype("string").str.lower().fillna("")
        aesi = aesi.where(level == "", aesi + " (" + level.astype(object) + ")")
    out = ae_listing(d, adsl, {"AESI": aesi})
    return out.drop(columns=["System organ class", "Onset date", "Action taken"])   # the AESI names the class


def listing_deaths(adsl: pd.DataFrame, adae: pd.DataFrame, dead: set) -> pd.DataFrame:
    """Subjects who died or had a fatal TEAE, with the fatal TEAE where there is one."""
    fatal = adae[(adae["AEOUT"] == "FATAL") | (adae["AESDTH"] == "Y")]
    subjects = adsl[adsl["USUBJID"].isin(dead | set(fatal["USUBJID"]))]
    cols = [c for c in ("USUBJID", "AEDECOD", "ASTDT", "ASTDY") if c in fatal]
    out = subjects[[c for c in ("ARM_", "USUBJID", "AGE", "SEX") if c in subjects]].merge(fatal[cols], on="USUBJID",
                                                                                            how="left")
    if "ASTDT" in out:
        out["ASTDT"] = pd.to_datetime(out["ASTDT"]).dt.strftime("%Y-%m-%d")
    return out.rename(columns={"ARM_": "Arm", "USUBJID": "Subject", "AGE": "Age", "SEX": "Sex",
                               "AEDECOD": "Fatal TEAE (preferred term)", "ASTDT": "Onset date", "ASTDY": "Onset day"})


def lab_parameters(lb: pd.DataFrame, panel: list[str] | dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per parameter of laboratory records (standardize_bds): its category (PARCAT1,
    "Laboratory" where the data have none), PARAMCD, PARAM, records, subjects, the decimals of
    its values (collected_decimals), whether it is tabulated and, if not, why. Without a `panel`
    every analyte is tabulated: a parameter with a numeric value and a reference range (ANRLO or
    ANRHI) on at least one record, in the order of PARAMN. A panel (a list, or
    {category: [PARAMCD]}) names them, in its order; a panel parameter without records is listed
    as such."""
    cat = lb["PARCAT1"].astype("string").fillna("Laboratory") if "PARCAT1" in lb else \
        pd.Series("Laboratory", index=lb.index, dtype="string")
    ranges = [pd.to_numeric(lb[c], errors="coerce").notna() for c in ("ANRLO", "ANRHI") if c in lb]
    d = pd.DataFrame({"CATEGORY": cat, "PARAMCD": lb["PARAMCD"].astype("string"),
                      "PARAM": lb["PARAM"].astype("string") if "PARAM" in lb else lb["PARAMCD"].astype("string"),
                      "PARAMN": pd.to_numeric(lb["PARAMN"], errors="coerce") if "PARAMN" in lb else np.nan,
                      "USUBJID": lb["USUBJID"], "VALUE": pd.to_numeric(lb["AVAL"], errors="coerce").notna(),
                      "RANGE": pd.concat(ranges, axis=1).any(axis=1) if ranges else False})
    g = d.groupby("PARAMCD", sort=False)
    out = pd.DataFrame({"CATEGORY": g["CATEGORY"].first(), "PARAM": g["PARAM"].first(), "PARAMN": g["PARAMN"].min(),
                        "RECORDS": g.size(), "SUBJECTS": g["USUBJID"].nunique(), "VALUE": g["VALUE"].any(),
                        "RANGE": g["RANGE"].any(),
                        "DECIMALS": lb.groupby(d["PARAMCD"], sort=False)["AVAL"].agg(collected_decimals)}).reset_index()
    if panel is None:
        out["REASON"] = np.where(~out["VALUE"], "no numeric value (AVAL)",
                                 np.where(~out["RANGE"], "no reference range (ANRLO/ANRHI or A1LO/A1HI): not an "
                                          "analyte measured against normal limits", ""))
        position = {}
    else:
        wanted = panel if isinstance(panel, dict) else {None: list(panel)}
        listed = {p: c for c, ps in wanted.items() for p in ps}
        position = {p: i for i, p in enumerate(listed)}
        out["REASON"] = np.where(~out["PARAMCD"].isin(list(listed)), "not in the laboratory panel",
                                 np.where(~out["VALUE"], "no numeric value (AVAL)", ""))
        out["CATEGORY"] = [listed.get(p) or c for p, c in zip(out["PARAMCD"], out["CATEGORY"])]
        absent = [dict(CATEGORY=c or "Laboratory", PARAMCD=p, PARAM=p, PARAMN=np.nan, RECORDS=0, SUBJECTS=0,
                       DECIMALS=0, REASON="in the panel, no records")
                  for p, c in listed.items() if p not in set(out["PARAMCD"])]
        if absent:
            out = pd.concat([out, pd.DataFrame(absent)], ignore_index=True)
    first = {c: i for i, c in enumerate(dict.fromkeys(
        list(out.sort_values("PARAMCD", key=lambda v: v.map(position).fillna(np.inf), kind="mergesort")["CATEGORY"])))}
    order = sorted(range(len(out)), key=lambda i: (first[out["CATEGORY"].iloc[i]],
                                                   _finite_or_inf(position.get(out["PARAMCD"].iloc[i])),
                                                   _finite_or_inf(out["PARAMN"].iloc[i]), str(out["PARAMCD"].iloc[i])))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(5, "TABULATED", np.where(out["REASON"] == "", "yes", "no"))
    return out[["CATEGORY", "PARAMCD", "PARAM", "RECORDS", "SUBJECTS", "DECIMALS", "TABULATED", "REASON"]]


def tabulated_panel(parameters: pd.DataFrame) -> dict[str, list[str]]:
    """{category: [PARAMCD]} of the tabulated parameters of lab_parameters, in its order."""
    tab = parameters[parameters["TABULATED"] == "yes"]
    return {c: list(g["PARAMCD"]) for c, g in tab.groupby("CATEGORY", sort=False)}


NO_RECORDS = "No laboratory records of safety subjects"


def lab_categories(parameters: pd.DataFrame) -> list[str]:
    """The categories of lab_parameters in its order: output k of the laboratory tables is the k-th."""
    return list(dict.fromkeys(parameters["CATEGORY"]))


def lab_tables(results: dict, parameters: pd.DataFrame, n_by_arm: dict | None = None) -> dict[str, pd.DataFrame]:
    """Display tables of the laboratory summaries (t_14_3_8_k) and shifts (t_14_3_9_k), one per
    category k = 1, 2, ... of lab_parameters, parameters named by PARAM. A
    category without an analyte to tabulate gets tables that say so and why; no laboratory record
    at all, one t_14_3_8 that says so."""
    labels = dict(zip(parameters["PARAMCD"], parameters["PARAM"]))
    decimals = dict(zip(parameters["PARAMCD"], parameters["DECIMALS"])) if "DECIMALS" in parameters else None
    if parameters.empty:
        return {"t_14_3_8": pd.DataFrame({"Parameter": [NO_RECORDS]})}
    panel = tabulated_panel(parameters)
    out = {}
    summary, shift = results["ard_t_14_3_8"], results["ard_t_14_3_9"]
    for k, category in enumerate(lab_categories(parameters), 1):
        params = panel.get(category, [])
        if not params:
            why = "; ".join(sorted(set(parameters.loc[parameters["CATEGORY"] == category, "REASON"])))
            note = pd.DataFrame({"Parameter": [f"No analyte to tabulate in {category} ({why}); the parameters are "
                                               "listed in the appendix"]})
            out[f"t_14_3_8_{k}"] = out[f"t_14_3_9_{k}"] = note
            continue
        values = t_summary(summary[summary["variable"].isin(params)], labels, decimals, n_by_arm)
        shifts = t_shift(shift[shift["variable"].isin(params)], labels, n_by_arm)
        out[f"t_14_3_8_{k}"], out[f"t_14_3_9_{k}"] = values, shifts     # every row names its keys (page breaks)
    return out


def run_safety(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame | None, advs: pd.DataFrame | None,
               adex: pd.DataFrame | None, arm: str, control: str | None, dose_col: str | None = None,
               aesi_names: list[str] | None = None, lab_panel: list[str] | dict[str, list[str]] | None = None,
               flag: str | None = "ANL01FL", arm_order: str | None = None, by_visit: bool = False,
               dose_unit: str | None = None) -> dict:
    """Every safety output as {id: frame}: ARDs (ard_*) and listings (l_*).

    lab_panel: the laboratory tests tabulated (the protocol's safety_labs, category -> tests, or a
    list); None: every analyte of the data (lab_parameters). flag: the BDS analysis flag (None:
    every record). arm_order: the ADSL column of the arms' numeric code. by_visit: summaries of
    records with an analysis visit only, post-baseline = on or after the first dose (ADY >= 1), as
    an ADaM made elsewhere (e.g. the CDISC pilot) is usually laid out."""
    adsl = standardize_adsl(adsl, arm, arm_order)
    adae = standardize_adae(adae, adsl)
    dmc = adex is not None and "TRTSDT" in adsl and "ASTDT" in adex    # the DMC displays need dosing dates
    if dmc:
        adae = derive_infusion_of_onset(adae, adex)
    dead = set(adsl.loc[adsl.get("DTHFL", pd.Series(index=adsl.index, dtype="object")) == "Y", "USUBJID"])
    arms, _ = arms_and_n(adsl, control)
    control = control if control in arms else None
    out = {"ard_t_14_3_1": ard_ae_overview(adsl, adae, control, pd.Series(sorted(dead), dtype="object")),
           "ard_t_14_3_2": ard_ae_soc_pt(adsl, adae, control),
           "ard_t_14_3_3": ard_ae_max_severity(adsl, adae, control),
           "ard_t_14_3_4": ard_ae_soc_pt(adsl, adae[adae["AREL"] == "RELATED"], control),
           "ard_t_14_3_5": ard_ae_soc_pt(adsl, adae[adae["AESER"] == "Y"], control),
           "ard_t_14_3_6": ard_aesi(adsl, adae, control, aesi_names),
           "l_16_2_1": listing_serious(adae, adsl), "l_16_2_2": listing_deaths(adsl, adae, dead),
           "l_16_2_3": listing_aesi(adae, adsl), "l_teae": listing_teae(adae, adsl)}
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
        out["ard_t_14_3_9"] = ard_shift(lb, params, control)
        peak = hys_law(lb)
        out["ard_t_14_3_10"] = ard_hys_law(peak, adsl, control) if len(peak) else ard([])
        out["l_hys_law_peaks"] = peak.rename(columns={"ARM_": "Arm"})
        out["l_lab_parameters"] = parameters
    if advs is not None:
        vs = standardize_bds(advs, adsl, flag, post_by_day=by_visit)
        out["ard_t_14_3_11"] = ard_bds_summary(vs[vs["AVISIT"].notna()] if by_visit else vs, control=control)
    if adex is not None and dose_col is not None:
        out["ard_t_14_1_5"] = ard_exposure(adsl, adex, dose_col, dose_unit)
    if dmc:
        lb_ = standardize_bds(adlb, adsl, flag, post_by_day=by_visit) if adlb is not None else None
        vs_ = standardize_bds(advs, adsl, flag, post_by_day=by_visit) if advs is not None else None
        out.update(dmc_displays(adsl, adae, lb_, vs_, adex, order_arms(arms, control, treatment_rank(adsl)),
                                overview_categories(adae, adsl) + aesi_categories(adae, aesi_names)))
    return out


def aesi_categories(adae: pd.DataFrame, names: list[str] | None = None) -> list[tuple[str, pd.Series]]:
    """Any AESI, then each AESI (CQnnNAM; the protocol's `names` in order where given)."""
    from .dmc_safety import aesi_mask
    columns = sorted(c for c in adae.columns if c.startswith("CQ") and c.endswith("NAM"))
    wanted = ([(f"CQ{i:02d}NAM", n) for i, n in enumerate(names, 1)] if names is not None
              else [(c, n) for c in columns for n in sorted(adae[c].dropna().unique())])
    return [("Any AESI", aesi_mask(adae))] + [
        (f"AESI: {n}", adae[c].eq(n) if c in adae else pd.Series(False, index=adae.index)) for c, n in wanted]


def t_incidence(ard_: pd.DataFrame, empty: str = "No events in this category") -> pd.DataFrame:
    """Display of an incidence ARD: one row per SOC (then its PTs, indented) or category, per arm "n (%) [events]"
    (with the Clopper-Pearson 95% CI for a single arm), Fisher p per comparison; `empty` says why
    an empty ARD has no rows."""
    from .format import fmt
    if ard_.empty:
        return pd.DataFrame({"Category": [empty]})
    keys = list(dict.fromkeys(zip(ard_["group2_level"], ard_["variable_level"])))
    arms = list(dict.fromkeys(ard_.loc[ard_["group1"] == "ARM", "group1_level"]))
    contrasts = list(dict.fromkeys(ard_.loc[ard_["group1"] == "CONTRAST", "group1_level"]))
    stat = ard_.set_index(["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    rows = []
    for soc, level in keys:
        label = "Any TEAE" if soc == "ANY" else level if soc == "" or level != "ANY" else soc
        label = label.capitalize() if label in SEVERITY_ORDER else label     # MILD -> Mild
        row = {"Category": ("    " + level) if soc not in ("", "ANY") and level != "ANY" else label}
        for a in arms:
            n, pct = stat.get((soc, level, a, "n")), stat.get((soc, level, a, "pct"))
            cell = f"{fmt(n, 'count')} ({fmt(pct, 'pct')}%)" if n is not None else ""
            if (soc, level, a, "events") in stat:
                cell += f" [{fmt(stat[(soc, level, a, 'events')], 'count')}]"
            if (soc, level, a, "cp_lower") in stat:
                cell += f" CI {fmt(stat[(soc, level, a, 'cp_lower')], 'pct')}-{fmt(stat[(soc, level, a, 'cp_upper')], 'pct')}"
            row[f"{a} (N={fmt(stat.get((soc, level, a, 'N')), 'count')})"] = cell
        for c in contrasts:
            p = stat.get((soc, level, c, "p_fisher"))
            row[f"p {c}"] = fmt(p, "p") if p is not None else ""
        rows.append(row)
    return pd.DataFrame(rows)


def _arm_cell(arm, n_by_arm: dict | None) -> str:
    """An arm as a table names it: "A (N=45)" where its N is known."""
    n = (n_by_arm or {}).get(str(arm))
    return arm_header(arm, n) if n is not None else str(arm)


def t_summary(ard_: pd.DataFrame, labels: dict | None = None, decimals: dict | None = None,
              n_by_arm: dict | None = None) -> pd.DataFrame:
    """Display of ard_bds_summary: parameter (with its unit), visit, arm (with its N), n, mean
    (SD), median, min and max, for the value and the change from baseline. `labels` (PARAMCD ->
    PARAM) names the parameters; `decimals` (PARAMCD -> decimals of the collected values) shows
    min and max at the data's precision and mean, SD and median at one more (else 1 decimal for
    min and max)."""
    from .format import fmt, fmt_fixed
    if ard_.empty:
        return pd.DataFrame({"Parameter": ["No data"]})
    labels, decimals = labels or {}, decimals or {}
    wide = ard_.pivot_table(index=["variable", "group2_level", "group1_level", "variable_level"],
                            columns="stat_name", values="stat", sort=False).reset_index()
    rows = []
    for r in wide.itertuples(index=False):
        d = int(decimals.get(r.variable, 1))
        rows.append({"Parameter": labels.get(r.variable, r.variable), "Visit": visit_label(r.group2_level),
                     "Arm": _arm_cell(r.group1_level, n_by_arm),
                     "Statistic": "Value" if r.variable_level == "AVAL" else "Change from baseline",
                     "n": fmt(r.n, "count"), "Mean (SD)": f"{fmt_fixed(r.mean, d + 1)} ({fmt_fixed(r.sd, d + 1)})",
                     "Median": fmt_fixed(r.median, d + 1), "Min, max": f"{fmt_fixed(r.min, d)}, {fmt_fixed(r.max, d)}"})
    return pd.DataFrame(rows)


RANGE_LABELS = {"LOW": "Low", "NORMAL": "Normal", "HIGH": "High"}


def t_shift(ard_: pd.DataFrame, labels: dict | None = None, n_by_arm: dict | None = None) -> pd.DataFrame:
    """Display of ard_shift: by parameter, arm (both in the ARD's order) and baseline category,
    the subjects (n) and, per worst post-baseline category (low, normal, high), n (%) of them;
    CMH p. `labels` (PARAMCD -> PARAM) names the parameters."""
    cells = ard_[ard_["group1"] == "ARM"]
    if cells.empty:
        return pd.DataFrame({"Parameter": ["No data"]})
    order = {col: {v: i for i, v in enumerate(dict.fromkeys(cells[col]))} for col in ("variable", "group1_level")}
    cats = {c: i for i, c in enumerate(["LOW", "NORMAL", "HIGH"])}
    table = cells.pivot_table(index=["variable", "group1_level", "group2_level"], columns="variable_level",
                              values="stat", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=sorted(set(table.columns) | set(cats), key=lambda c: (cats.get(c, 9), c)),
                          fill_value=0).astype(int)
    table = table.iloc[sorted(range(len(table)), key=lambda i: (
        order["variable"][table.index[i][0]], order["group1_level"][table.index[i][1]],
        cats.get(table.index[i][2], 9), table.index[i][2]))]
    from .format import fmt
    tests = ard_[ard_["group1"] == "TEST"].set_index("variable")["stat"]
    rows = []
    for (param, arm, base), counts in table.iterrows():
        total = int(counts.sum())
        row = {"Parameter": (labels or {}).get(param, param), "Arm": _arm_cell(arm, n_by_arm),
               "Baseline": RANGE_LABELS.get(base, base), "n": str(total)}
        for cat, k in counts.items():
            row[f"Worst post-baseline: {RANGE_LABELS.get(cat, cat).lower()}"] = \
                f"{k} ({fmt(100 * k / total, 'pct')}%)" if total else "0"
        if len(tests):           # one arm: no test across arms, no column
            row["CMH p"] = fmt(tests.get(param), "p") if param in tests else ""
        rows.append(row)
    return pd.DataFrame(rows)


def t_exposure(ard_: pd.DataFrame, dose_label: str | None = None, n_by_arm: dict | None = None) -> pd.DataFrame:
    """Subjects by infusions received, n (%), and the cumulative dose (mean, median, range) per
    arm; `dose_label` names the dose row with its unit; without it the dose row is left out (the
    dose would tell a coded arm's identity)."""
    from .format import fmt
    rows = []
    for (var, level), g in ard_.groupby(["variable", "variable_level"], sort=False):
        if var != "infusions" and dose_label is None:
            continue
        row = {"Exposure": f"Infusions received: {level}" if var == "infusions" else f"Cumulative dose ({dose_label})"}
        for arm, h in g.groupby("group1_level", sort=False):
            s = h.set_index("stat_name")["stat"]
            row[_arm_cell(arm, n_by_arm)] = (
                f"{fmt(s['n'], 'count')} ({fmt(s['pct'], 'pct')}%)" if var == "infusions" else
                f"mean {fmt(s['mean'], 'ratio')}, median {fmt(s['median'], 'ratio')}, "
                f"range {fmt(s['min'], 'ratio')}-{fmt(s['max'], 'ratio')}")
        rows.append(row)
    return pd.DataFrame(rows)


def exposure_note(dose_label: str | None) -> str:
    """The footnote of the exposure table: the dose unit, or why the dose is not shown."""
    if dose_label is None:
        return ("Infusions received by each subject of the safety set. The cumulative dose is not shown while "
                "arms are coded: a zero dose would identify a placebo arm.")
    return f"Infusions received; cumulative dose in {dose_label} (mean, median, range)."


def display_context(adsl: pd.DataFrame, arm: str, bds: list[pd.DataFrame | None] = (),
                    dose_label: str | None = None) -> dict:
    """What the displays need beyond an ARD: the safety N per arm, parameter names with units
    (PARAM) and the decimals of the collected values of each parameter (ADLB, ADVS), the dose unit."""
    labels, decimals = {}, {}
    for d in bds:
        if d is None or d.empty:
            continue
        labels.update({str(k): str(v) for k, v in d.drop_duplicates("PARAMCD").set_index("PARAMCD")["PARAM"].items()}
                      if "PARAM" in d else {})
        decimals.update({str(k): collected_decimals(g["AVAL"]) for k, g in d.groupby("PARAMCD")})
    return dict(n_by_arm=arm_sizes(adsl, arm), labels=labels, decimals=decimals, dose_label=dose_label)


def display_of(output_id: str, n_by_arm: dict | None = None, labels: dict | None = None,
               decimals: dict | None = None, dose_label: str | None = None):
    """The display function of a safety ARD (None: a figure's ARD, not shown as a table), with
    the context of display_context."""
    return {"t_14_3_8": lambda a: t_summary(a, labels, decimals, n_by_arm),
            "t_14_3_9": lambda a: t_shift(a, labels, n_by_arm),
            "t_14_3_11": lambda a: t_summary(a, labels, decimals, n_by_arm),
            "t_14_1_5": lambda a: t_exposure(a, dose_label, n_by_arm),
            "f_14_3_7": None, "t_14_3_12": t_time_to_event, "f_14_3_12": None,
            "t_14_3_13": t_exposure_adjusted, "t_14_3_14": t_ae_by_infusion}.get(output_id, t_incidence)


def safety_files(results: dict, context: dict, single_arm: bool) -> dict[str, pd.DataFrame]:
    """The files of the safety rule from run_safety's results, by path under its folder: every ARD
    (ard/), its display (tables/, with display_of and `context`) and the listings (listings/,
    visits in words). A single arm's tables and listings drop the Arm column (the same name on
    every row); l_hys_law_peaks keeps it (the executive summary reads it by arm)."""
    out = {}
    for name, frame in results.items():
        if name.startswith("data_"):          # the records behind a figure, not an output
            continue
        if name.startswith("ard_"):
            out[f"ard/{name[4:]}.csv"] = frame
            display = display_of(name[4:], **context)
            if display is not None:
                table = display(frame)
                out[f"tables/{name[4:]}.csv"] = table.drop(columns="Arm", errors="ignore") if single_arm else table
            continue
        if "Visit" in frame:                  # WEEK 4 -> Week 4
            frame = frame.assign(Visit=frame["Visit"].map(visit_label))
        keep = not single_arm or name == "l_hys_law_peaks"
        out[f"listings/{name}.csv"] = frame if keep else frame.drop(columns="Arm", errors="ignore")
    return out

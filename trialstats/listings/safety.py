"""Safety listings with human headers: AEs (serious, AESI, leading to withdrawal, every TEAE), deaths,
subjects with ALT or AST >= 3 x ULN, the laboratory parameters and panel, and the records of the lab figures.

Inputs are the frames of adam.standardize (ADSL with ARM_, treatment-emergent ADAE, lab records).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..adam.adsl import is_dead
from ..adam.exposure import compute_dt_ns, infusions
from ..adam.liver import compute_xuln
from ..adam.occds import aesi_columns, is_fatal, withdrawal_mask
from ..columns import finite_or_inf, reported_decimals
from ..numbers import decimal_text
from ..vocabulary import level_label, parameter_labels

LIVER_RENAL = ("ALT", "AST", "BILI", "CREAT")


def _title(values: pd.Series) -> pd.Series:
    """Upper-case codes as text ("NOT RELATED" -> "Not related"); blanks stay blank."""
    v = values.astype("string")
    return v.str.capitalize().fillna("")


def _yes_no(values: pd.Series) -> pd.Series:
    return values.astype("string").map({"Y": "Yes", "N": "No"}).fillna("")


def _sex(values: pd.Series) -> pd.Series:
    """SEX decoded (F -> Female, M -> Male, U -> Unknown); blanks stay blank."""
    return values.astype("string").fillna("").astype(object).map(lambda v: level_label(v) if v else "")


def ae_listing(adae: pd.DataFrame, adsl: pd.DataFrame | None = None, extra: dict | None = None,
               arms: list | None = None) -> pd.DataFrame:
    """Human-readable AE rows: arm, subject, age, sex, (`extra` columns: name -> values aligned
    with adae), SOC / PT / verbatim, onset (date, study day), days since the last infusion (where
    derive_infusion_of_onset ran), severity, serious, relationship (as collected), outcome, action
    taken (AEACN, and AEACNOTH where recorded); by arm (in the order of `arms` where given, the
    tables' order; else by label), subject and onset."""
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
        "Sex": _sex(col("SEX")),
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
    if "SERCRIT_" in d:
        out.insert(out.columns.get_loc("Outcome") + 1, "Seriousness criteria", d["SERCRIT_"].astype("string")
                   .fillna("").to_numpy())
    for i, (name, values) in enumerate((extra or {}).items()):
        out.insert(4 + i, name, pd.Series(values).astype("string").fillna("").to_numpy())
    order = np.lexsort([out["Onset date"].to_numpy(str), out["Subject"].to_numpy(str), arm_key(out["Arm"], arms)])
    return out.iloc[order].reset_index(drop=True)


def arm_key(labels: pd.Series, arms: list | None) -> np.ndarray:
    """A sort key of arm labels: their position in `arms` (the tables' order), else the label."""
    if arms is None:
        return labels.to_numpy(str)
    position = {str(a): i for i, a in enumerate(arms)}
    return labels.astype(str).map(lambda a: position.get(a, len(position))).to_numpy()


SERIOUSNESS = {"AESDTH": "Death", "AESLIFE": "Life-threatening", "AESHOSP": "Hospitalization",
               "AESDISAB": "Disability", "AESCONG": "Congenital anomaly", "AESMIE": "Other medically important"}


def compute_seriousness(adae: pd.DataFrame) -> pd.Series:
    """The seriousness criteria of each AE in words ("Death; Hospitalization"), from the SDTM flags
    AESDTH, AESLIFE, AESHOSP, AESDISAB, AESCONG and AESMIE that are Y; "Not recorded" for a serious AE
    without one (or where the data carry no such flag), blank for an AE that is not serious."""
    words = pd.Series("", index=adae.index, dtype="object")
    for col, word in SERIOUSNESS.items():
        if col in adae:
            hit = adae[col].astype("string").str.strip().str.upper().eq("Y").fillna(False).to_numpy(bool)
            words = words.where(~hit, words.where(words == "", words + "; ") + word)
    if "AESER" in adae:
        serious = adae["AESER"].astype("string").str.strip().str.upper().eq("Y").fillna(False).to_numpy(bool)
        words = words.where(~(serious & (words == "").to_numpy(bool)), "Not recorded")
    return words


def listing_serious(adae: pd.DataFrame, adsl: pd.DataFrame | None = None, arms: list | None = None) -> pd.DataFrame:
    """Serious TEAEs (ae_listing: human headers, age and sex from `adsl`, arms in the order of
    `arms`), with the seriousness criteria in words (compute_seriousness) after the outcome where
    the data record any of them."""
    serious = adae[adae["AESER"] == "Y"]
    if any(c in adae for c in SERIOUSNESS):       # a transfer without the criteria gets no empty column
        serious = serious.assign(SERCRIT_=compute_seriousness(serious))
    return ae_listing(serious, adsl, arms=arms)


def listing_teae(adae: pd.DataFrame, adsl: pd.DataFrame | None = None, arms: list | None = None) -> pd.DataFrame:
    """Every treatment-emergent adverse event record, by arm (in the order of `arms` where given),
    subject and onset (ae_listing; imputed dates are listed in the record notes)."""
    return ae_listing(adae, adsl, arms=arms)


def listing_aesi(adae: pd.DataFrame, adsl: pd.DataFrame | None = None, arms: list | None = None) -> pd.DataFrame:
    """Treatment-emergent adverse events of special interest, with the AESI they fall under (for
    hypoglycaemia with its level); the columns of ae_listing without SOC, onset date and action
    taken, so that the listing fits a landscape page."""
    names = pd.Series([""] * len(adae), index=adae.index, dtype=object)
    for col in aesi_columns(adae):       # "; "-joined names of the AESI each record falls under
        v = adae[col].astype("string").fillna("").str.strip()
        names = names.where(v == "", names.where(names == "", names + "; ") + v.astype(object))
    d = adae[names != ""]
    aesi = names[names != ""]
    if "HYPOLVL" in d:                   # "Hypoglycaemia (level 1)"
        level = d["HYPOLVL"].astype("string").str.lower().fillna("")
        aesi = aesi.where(level == "", aesi + " (" + level.astype(object) + ")")
    out = ae_listing(d, adsl, {"AESI": aesi}, arms=arms)
    return out.drop(columns=["System organ class", "Onset date", "Action taken"])   # the AESI names the class


def listing_deaths(adsl: pd.DataFrame, adae: pd.DataFrame, arms: list | None = None,
                   comment: str | None = None, fill_from_ae: bool = False) -> pd.DataFrame:
    """One row per subject who died (ADSL DTHFL = Y), in ADSL order (by arm first, in the order of
    `arms`, where given): subject, arm, age, sex, date, cause and source of death (DTHDT, DTHCAUS,
    DTHSRC; blank where ADSL has none) and the first fatal TEAE (its PT, onset date and study day) if
    there is one; with `comment`, a Comment column gives it where that fatal TEAE is not flagged
    serious (AESER not Y). With `fill_from_ae`, a date or cause ADSL lacks is the fatal TEAE's end
    (else onset) date and its preferred term, Source "ADAE (fatal adverse event)"; "not recorded"
    where neither has it."""
    dead = adsl[is_dead(adsl)]
    if arms is not None:
        dead = dead.iloc[np.argsort(arm_key(dead["ARM_"], arms), kind="stable")]
    col = lambda c: dead[c] if c in dead else pd.Series(pd.NA, index=dead.index, dtype="object")  # noqa: E731
    fatal = adae[is_fatal(adae)]
    fatal = fatal.assign(DT_=pd.to_datetime(fatal["ASTDT"]) if "ASTDT" in fatal else pd.NaT)
    first = fatal.sort_values("DT_", kind="mergesort").drop_duplicates("USUBJID").set_index("USUBJID")
    ae = lambda c: pd.Series(first[c].reindex(dead["USUBJID"]).to_numpy() if c in first else pd.NA,  # noqa: E731
                             index=dead.index, dtype="object")
    day = lambda values: pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("")  # noqa: E731
    date, cause = day(col("DTHDT")), col("DTHCAUS").astype("string").str.strip().fillna("")
    source = col("DTHSRC").astype("string").fillna("")
    if fill_from_ae:
        from_adsl = date.ne("") | cause.ne("")
        ae_date = day(ae("AENDT")).where(lambda d: d.ne(""), day(ae("ASTDT")))
        ae_cause = ae("AEDECOD").astype("string").fillna("")
        from_ae = (date.eq("") & ae_date.ne("")) | (cause.eq("") & ae_cause.ne(""))
        date, cause = date.where(date.ne(""), ae_date), cause.where(cause.ne(""), ae_cause)
        source = pd.Series([("; ".join(filter(None, [src or ("ADSL" if a else ""),
                                                    "ADAE (fatal adverse event)" if e else ""])) or "not recorded")
                            for src, a, e in zip(source, from_adsl, from_ae)], index=dead.index)
        date, cause = date.replace("", "not recorded"), cause.replace("", "not recorded")
    out = pd.DataFrame({
        "Subject": dead["USUBJID"].astype("string"), "Arm": col("ARM_").astype("string").fillna(""),
        "Age": pd.to_numeric(col("AGE"), errors="coerce").astype("Int64").astype("string").fillna(""),
        "Sex": _sex(col("SEX")), "Date of death": date, "Cause of death": cause, "Source": source,
        "Fatal TEAE (preferred term)": ae("AEDECOD").astype("string").fillna(""),
        "Onset date": day(ae("ASTDT")),
        "Onset day": pd.to_numeric(ae("ASTDY"), errors="coerce").astype("Int64").astype("string").fillna("")
    }).reset_index(drop=True)
    if comment is not None:
        serious = ae("AESER").astype("string").str.strip().str.upper().eq("Y").fillna(False).to_numpy(bool)
        out["Comment"] = np.where(out["Fatal TEAE (preferred term)"].ne("") & ~serious, comment, "")
    return out


def listing_withdrawal(adae: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """AEs leading to withdrawal (withdrawal_mask), with the subject's end-of-study status and reason."""
    mask, _ = withdrawal_mask(adae, adsl)
    out = ae_listing(adae[mask], adsl)
    s = adsl.set_index("USUBJID")
    for head, c in (("Study status", "EOSSTT"), ("Discontinuation reason", "DCSREAS")):
        out[head] = _title(out["Subject"].map(s[c]) if c in s else pd.Series(pd.NA, index=out.index))
    return out


def listing_liver(lb: pd.DataFrame, adsl: pd.DataFrame, adex: pd.DataFrame | None = None,
                  threshold: float = 3.0, subjects: set | None = None, tests=("ALT", "AST", "BILI"),
                  after_dose: bool = False, arms: list | None = None, baseline: bool = False,
                  assessment: dict | None = None) -> pd.DataFrame:
    """Subjects with a post-baseline ALT or AST >= `threshold` x ULN (or the given `subjects`): every
    record of theirs of the liver `tests` over time (value, ULN, multiple of ULN, study day, days since
    last infusion where `adex` gives the infusions); with `after_dose`, the post-baseline records
    (POSTFL_) only, and with `baseline` their baseline records too (ABLFL Y, else before the first
    dose: ADY < 1), marked in a Period column; peaks (post-baseline) of ALT/AST and, where ALP is
    listed, of ALP; `assessment`: subject -> a text column (e.g. the Hy's-law screen's outcome);
    arms in the order of `arms` where given."""
    d = lb[lb["PARAMCD"].isin(list(tests))].copy()
    d["AVAL"], d["ANRHI"] = (pd.to_numeric(d[c], errors="coerce") for c in ("AVAL", "ANRHI"))
    d["XULN"] = compute_xuln(d)
    post = d["POSTFL_"].astype(bool) if "POSTFL_" in d else pd.Series(True, index=d.index)
    before_dose = pd.to_numeric(d["ADY"], errors="coerce").lt(1).fillna(False) if "ADY" in d else ~post
    base = (d["ABLFL"].astype("object").eq("Y") if "ABLFL" in d else before_dose) | (before_dose & ~post)
    hit = subjects if subjects is not None else \
        set(d.loc[post & d["PARAMCD"].isin(["ALT", "AST"]) & (d["XULN"] >= threshold), "USUBJID"])
    peaks = d[post].groupby(["USUBJID", d["PARAMCD"].where(d["PARAMCD"] != "AST", "ALT")])["XULN"].max()
    shown = (post | (base if baseline else False)) if after_dose else True
    d = d[d["USUBJID"].isin(hit) & shown].copy()
    d["BASE_"] = base.reindex(d.index).astype(bool) & ~post.reindex(d.index)
    d["DT_"] = compute_dt_ns(d["ADT"]) if "ADT" in d else pd.Series(pd.NaT, index=d.index, dtype="datetime64[ns]")
    d["USUBJID"] = d["USUBJID"].astype(object)
    if adex is not None and len(d):
        ex = infusions(adex)[["USUBJID", "ASTDT"]].rename(columns={"ASTDT": "EXDT"}).sort_values("EXDT")
        d = pd.merge_asof(d.sort_values("DT_", kind="mergesort"), ex, left_on="DT_", right_on="EXDT", by="USUBJID")
        d["DSLI"] = (d["DT_"] - d["EXDT"]).dt.days.astype("Int64")
    s = adsl.set_index("USUBJID")
    peak_of = lambda test: d["USUBJID"].map(peaks.xs(test, level=1) if test in peaks.index.get_level_values(1)  # noqa: E731
                                            else {}).map(lambda v: decimal_text(v, 2) if pd.notna(v) else "").to_numpy()
    out = pd.DataFrame({
        "Arm": d["ARM_"].astype("string").to_numpy(), "Subject": d["USUBJID"].astype("string").to_numpy(),
        "Age": pd.to_numeric(d["USUBJID"].map(s["AGE"]), errors="coerce").astype("Int64").astype("string")
        .fillna("").to_numpy() if "AGE" in s else "",
        "Sex": _sex(d["USUBJID"].map(s["SEX"])).to_numpy() if "SEX" in s else "",
        "Peak ALT/AST (x ULN)": peak_of("ALT"),
        **({"Peak ALP (x ULN)": peak_of("ALP")} if "ALP" in tests else {}),
        **({"Assessment": d["USUBJID"].map(assessment).fillna("").to_numpy()} if assessment is not None else {}),
        "Test": d["PARAM"].astype("string").to_numpy() if "PARAM" in d else d["PARAMCD"].to_numpy(),
        **({"Period": np.where(d["BASE_"], "Baseline", "After first dose")} if baseline else {}),
        "Visit": d["AVISIT"].astype("string").fillna("").to_numpy(),
        "Date": d["DT_"].dt.strftime("%Y-%m-%d").fillna("").to_numpy(),
        "Study day": pd.to_numeric(d["ADY"], errors="coerce").astype("Int64").astype("string").fillna("").to_numpy(),
        "Days since last infusion": (d["DSLI"].astype("string").fillna("") if "DSLI" in d else
                                     pd.Series("", index=d.index)).to_numpy(),
        "Value": d["AVAL"].map(lambda v: f"{v:g}" if pd.notna(v) else "").to_numpy(),
        "ULN": d["ANRHI"].map(lambda v: f"{v:g}" if pd.notna(v) else "").to_numpy(),
        "x ULN": d["XULN"].map(lambda v: decimal_text(v, 2) if pd.notna(v) else "").to_numpy(),
        f">= {threshold:g} x ULN": np.where(d["PARAMCD"].isin(["ALT", "AST"]) & (d["XULN"] >= threshold)
                                            & ~d["BASE_"], "Yes", "").tolist()})
    order = np.lexsort([out["Date"].to_numpy(str), (~d["BASE_"]).to_numpy(int), out["Test"].to_numpy(str),
                        out["Subject"].to_numpy(str), arm_key(out["Arm"], arms)])
    if adex is None:           # no infusions (a daily regimen): no days since the last one
        out = out.drop(columns="Days since last infusion")
    return out.iloc[order].reset_index(drop=True)


def lab_records(lb: pd.DataFrame, params=LIVER_RENAL, adsl: pd.DataFrame | None = None) -> pd.DataFrame:
    """The records of the figures (box plots, ALT/AST profiles): arm, subject, sex (from `adsl`, for
    reference limits that differ by sex), test, visit, study day, value, ULN and multiple of ULN,
    baseline and post-baseline (POSTFL_)."""
    d = lb[lb["PARAMCD"].isin(list(params))]
    if adsl is not None and "SEX" in adsl and "SEX" not in d:
        d = d.merge(adsl[["USUBJID", "SEX"]], on="USUBJID", how="left")
    cols = [c for c in ("ARM_", "USUBJID", "SEX", "PARAMCD", "PARAM", "AVISIT", "AVISITN", "ADY", "AVAL", "ANRHI",
                        "ABLFL", "POSTFL_") if c in d]
    d = d[cols].copy()
    d["XULN"] = compute_xuln(d)
    return d.reset_index(drop=True)


def listing_lab_panel(panel: dict[str, list[str]], bds: pd.DataFrame) -> pd.DataFrame:
    """The safety laboratory panel (category -> tests) against the records: one row per test with
    its record count, so that a test or a whole category with no record says so."""
    counts = bds["PARAMCD"].value_counts()
    names = parameter_labels(bds)
    rows = [{"Category": cat, "Test": t, "Name": names.get(t, ""), "Records": int(counts.get(t, 0)),
             "Status": "tabulated" if counts.get(t, 0) else "no records at this data cut"}
            for cat, tests in panel.items() for t in tests]
    rows += [{"Category": cat, "Test": "(none)", "Name": "", "Records": 0, "Status": "no test in this category"}
             for cat, tests in panel.items() if not tests]
    return pd.DataFrame(rows, columns=["Category", "Test", "Name", "Records", "Status"])


def _decimals(lb: pd.DataFrame, paramcd: pd.Series) -> pd.Series:
    """PARAMCD -> the decimals its values are reported at (columns.reported_decimals: converted units
    at the decimals of their reference limits ANRLO/ANRHI)."""
    limits = [c for c in ("ANRLO", "ANRHI") if c in lb]
    return pd.Series({code: reported_decimals(g["AVAL"], pd.concat([g[c] for c in limits]) if limits else None)
                      for code, g in lb.groupby(paramcd, sort=False)}, dtype=int).rename_axis("PARAMCD")


def lab_parameters(lb: pd.DataFrame, panel: list[str] | dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per parameter of laboratory records (standardize_bds): its category (PARCAT1,
    "Laboratory" where the data have none), PARAMCD, PARAM, records, subjects, the decimals of
    its values (reported_decimals), whether it is tabulated and, if not, why. Without a `panel`
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
                        "DECIMALS": _decimals(lb, d["PARAMCD"])}).reset_index()
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
                                                   finite_or_inf(position.get(out["PARAMCD"].iloc[i])),
                                                   finite_or_inf(out["PARAMN"].iloc[i]), str(out["PARAMCD"].iloc[i])))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(5, "TABULATED", np.where(out["REASON"] == "", "yes", "no"))
    return out[["CATEGORY", "PARAMCD", "PARAM", "RECORDS", "SUBJECTS", "DECIMALS", "TABULATED", "REASON"]]


def tabulated_panel(parameters: pd.DataFrame) -> dict[str, list[str]]:
    """{category: [PARAMCD]} of the tabulated parameters of lab_parameters, in its order."""
    tab = parameters[parameters["TABULATED"] == "yes"]
    return {c: list(g["PARAMCD"]) for c, g in tab.groupby("CATEGORY", sort=False)}


PANELS_PER_FIGURE = 8


def lab_figure_parts(params: list[str], most: int = PANELS_PER_FIGURE) -> list[list[str]]:
    """The analytes of one category split into figures of at most `most` panels, parts of equal size
    (18 analytes: 3 figures of 6); none without analytes."""
    parts = -(-len(params) // most)
    size = -(-len(params) // parts) if parts else 0
    return [params[i:i + size] for i in range(0, len(params), size)] if parts else []


def part_suffix(j: int, parts: int) -> str:
    """The suffix of part j (0, 1, ...) of a figure in several parts in its id and number: a, b, ...; none alone."""
    return "abcdefghijklmnopqrstuvwxyz"[j] if parts > 1 else ""


def part_title(j: int, parts: int) -> str:
    return f", part {j + 1} of {parts}" if parts > 1 else ""


def lab_categories(parameters: pd.DataFrame) -> list[str]:
    """The categories of lab_parameters in its order: output k of the laboratory tables is the k-th."""
    return list(dict.fromkeys(parameters["CATEGORY"]))

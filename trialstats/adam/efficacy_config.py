"""Efficacy analyses of a study given as an ADaM folder (config `adam_studies.<name>.efficacy`), the
way a SAP states them: each item names a dataset of the folder (a BDS or ADTTE file stem), a
parameter, a method and its options. Here: the defaults filled in, the config checked against
the data (every problem named by config key and what exists), and the records each analysis uses.
"""
from __future__ import annotations

import pandas as pd

METHODS = ("ancova", "mmrm", "cmh", "responder", "time_to_event")
ONLY_FOR = {"scores": ("cmh",), "criterion": ("responder",), "ddf": ("mmrm",), "tau": ("time_to_event",),
            "unit": ("time_to_event",), "visits": ("ancova", "mmrm", "cmh", "responder"),
            "covariates": ("ancova", "mmrm"), "variable": ("ancova", "mmrm", "cmh", "responder"),
            "imputed": ("ancova", "cmh", "responder")}
OPS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}


def efficacy_stems(cfg: dict) -> list[str]:
    """The file stems the efficacy analyses read (lower case, in config order)."""
    return list(dict.fromkeys(str(s["dataset"]).lower() for s in cfg.get("efficacy", [])))


def resolve(spec: dict, cfg: dict, population: str) -> dict:
    """One efficacy item with its defaults: treatment TRTP (ordered by TRTPN where present), the
    study's control, the demographics `population`, AVAL, no covariates, strata or record flag;
    cmh scores row_mean; mmrm unstructured with Kenward-Roger df; imputed records (DTYPE non-blank,
    e.g. LOCF) included in the per-visit analyses, never in the MMRM (observed records only)."""
    out = dict(treatment="TRTP", control=cfg.get("control"), population=population, covariates=[], strata=None,
               flag=None, visits=None, variable="AVAL", scores="row_mean", ddf="kenward-roger", criterion=None,
               tau=None, imputed="include")
    out.update({k: v for k, v in spec.items() if v is not None})
    out["dataset"] = str(out["dataset"]).lower()
    out["covariates"] = list(out["covariates"])
    if out["method"] == "time_to_event":
        out["variable"] = "AVAL"
    if out["method"] == "mmrm":
        out["imputed"] = "exclude"
    return out


def imputed_mask(data: pd.DataFrame) -> pd.Series:
    """True where a record is an imputed value (DTYPE non-blank, e.g. LOCF); all False without DTYPE."""
    if "DTYPE" not in data:
        return pd.Series(False, index=data.index)
    return data["DTYPE"].astype("string").str.strip().fillna("").ne("")


def _columns_needed(spec: dict) -> list[str]:
    crit = spec.get("criterion") or {}
    extra = [crit["variable"]] if isinstance(crit, dict) and "variable" in crit else []
    if isinstance(crit, str):
        extra = [crit]
    return [c for c in dict.fromkeys([spec["treatment"], spec["population"], spec["variable"], *spec["covariates"],
                                      *([spec["strata"]] if spec["strata"] else []), *extra]) if c]


def efficacy_problems(datasets: dict[str, pd.DataFrame], cfg: dict, population: str, where: str) -> list[str]:
    """One line per problem of the efficacy config against the data: a dataset, parameter, visit,
    column (treatment, population, variable, covariate, stratum, criterion, flag) or control that
    is not there, named by its config key with what exists."""
    adsl, out = datasets["adsl"], []
    ids = [str(s.get("id")) for s in cfg.get("efficacy", [])]
    out += [f"{where} efficacy: id {i!r} more than once; expected one id per analysis"
            for i in sorted({i for i in ids if ids.count(i) > 1})]
    for i, raw in enumerate(cfg.get("efficacy", [])):
        spec, key = resolve(raw, cfg, population), f"{where} efficacy[{i}] ({raw.get('id', '?')})"
        out += [f"{key} {k}: not an option of method {spec['method']} (only of {', '.join(ONLY_FOR[k])})"
                for k in raw if spec["method"] not in ONLY_FOR.get(k, METHODS)]
        data = datasets.get(spec["dataset"])
        if data is None:
            out.append(f"{key} dataset: no file {spec['dataset']} in the ADaM folder")
            continue
        codes = sorted(data["PARAMCD"].dropna().astype(str).unique()) if "PARAMCD" in data else []
        if spec["param"] not in codes:
            out.append(f"{key} param: {spec['param']!r} is not a PARAMCD of {spec['dataset'].upper()}; expected one "
                       f"of {', '.join(codes) or '(none)'}")
            continue
        for col in _columns_needed(spec):
            if col not in data and col not in adsl:
                out.append(f"{key}: column {col} is in neither {spec['dataset'].upper()} nor ADSL")
        if spec["flag"] and spec["flag"] not in data:
            out.append(f"{key} flag: {spec['dataset'].upper()} has no column {spec['flag']}")
        if spec["method"] == "time_to_event":
            if "CNSR" not in data:
                out.append(f"{key}: {spec['dataset'].upper()} has no CNSR column; expected an ADTTE dataset")
        elif spec["visits"]:
            present = list(dict.fromkeys(data.loc[data["PARAMCD"] == spec["param"], "AVISIT"].dropna().astype(str)))
            absent = [v for v in spec["visits"] if v not in present]
            if absent:
                out.append(f"{key} visits: {', '.join(map(repr, absent))} not an AVISIT of {spec['param']}; expected "
                           f"some of {', '.join(map(repr, present))}")
        treatment = spec["treatment"]
        source = data if treatment in data else adsl if treatment in adsl else None
        if source is not None:
            arms = sorted(source[treatment].dropna().astype(str).unique())
            if spec["control"] is None:
                out.append(f"{key} control: no control arm (set control here or for the study)")
            elif spec["control"] not in arms:
                out.append(f"{key} control: {spec['control']!r} is not a value of {treatment}; expected one of "
                           f"{', '.join(map(repr, arms))}")
        if spec["method"] == "responder" and not spec["criterion"]:
            out.append(f"{key} criterion: a responder analysis needs a criterion ({{variable, op, value}} or a Y/N "
                       "flag column)")
    return out


def treatment_codes(data: pd.DataFrame, treatment: str) -> dict:
    """Arm -> its numeric code (<treatment>N, e.g. TRTPN; the smallest if several), which orders the
    arms (arms.order_arms); empty without the column."""
    if f"{treatment}N" not in data:
        return {}
    codes = pd.to_numeric(data[f"{treatment}N"], errors="coerce")
    return codes.groupby(data[treatment].astype(str)).min().dropna().to_dict()


def responder_flag(data: pd.DataFrame, criterion) -> pd.Series:
    """1 / 0 responder (NaN where the value is missing): a Y/N flag column, or {variable, op, value}."""
    if isinstance(criterion, str):
        flag = data[criterion].astype("string")
        return flag.map({"Y": 1.0, "N": 0.0}).astype(float)
    values = pd.to_numeric(data[criterion["variable"]], errors="coerce")
    hit = getattr(values, OPS[criterion["op"]])(float(criterion["value"])).astype(float)
    return hit.where(values.notna())


def analysis_records(datasets: dict[str, pd.DataFrame], spec: dict,
                     file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The records of one analysis (spec from `resolve`): the parameter, the record flag, the
    population, the configured visits (in config order, else AVISITN order), ADSL columns the
    dataset lacks added by USUBJID, a TRT column with the treatment; an error naming the file and
    rows where a subject has more than one record per visit (by-visit methods and MMRM) or per
    parameter (time-to-event). With the accounting: records in = used + excluded, by reason."""
    d = datasets[spec["dataset"]]
    steps = [("records in", len(d))]

    def keep(frame: pd.DataFrame, mask: pd.Series, reason: str) -> pd.DataFrame:
        mask = mask.fillna(False).astype(bool)
        if (~mask).any():
            steps.append((f"excluded: {reason}", int((~mask).sum())))
        return frame.loc[mask]
    d = keep(d, d["PARAMCD"].astype(str) == spec["param"], f"another parameter than {spec['param']}")
    if spec["flag"]:
        d = keep(d, d[spec["flag"]].astype("string").eq("Y"), f"{spec['flag']} not Y")
    adsl = datasets["adsl"]
    wanted = _columns_needed(spec) + [f"{spec['treatment']}N"]
    missing = [c for c in dict.fromkeys(wanted) if c not in d and c in adsl and c != "USUBJID"]
    if missing:   # a left join on ADSL's unique subjects keeps the rows and their order: keep the file's row index
        d = d.merge(adsl[["USUBJID", *missing]], on="USUBJID", how="left").set_axis(d.index)
    d = keep(d, d[spec["population"]].astype("string").eq("Y"), f"subject not in the population ({spec['population']} "
             "not Y)")
    d = keep(d, d[spec["treatment"]].notna(), f"no treatment ({spec['treatment']} blank)").copy()
    d["TRT"] = d[spec["treatment"]].astype(str)
    keys = ["USUBJID"]
    if spec["method"] != "time_to_event":
        d = keep(d, d["AVISIT"].notna(), "no analysis visit (AVISIT blank)")
        order = pd.to_numeric(d["AVISITN"], errors="coerce") if "AVISITN" in d else d["AVISIT"].astype(str)
        visits = spec["visits"] or list(dict.fromkeys(d["AVISIT"].astype(str)[order.sort_values(kind="stable").index]))
        d = keep(d, d["AVISIT"].astype(str).isin(visits), "a visit not analysed").copy()
        d["AVISIT"] = pd.Categorical(d["AVISIT"].astype(str), categories=visits)
        keys.append("AVISIT")
    dup = d.duplicated(keys, keep=False)
    if dup.any():
        rows = ", ".join(str(i + 2) for i in d.index[dup][:10])
        raise ValueError(f"{file}, rows {rows}{' ...' if dup.sum() > 10 else ''}: {spec['param']} more than once per "
                         f"{' and '.join(keys)} in efficacy {spec['id']}; expected one record (name a record flag, "
                         "e.g. flag: ANL01FL)")
    numeric = [spec["variable"], *spec["covariates"], *(["CNSR"] if spec["method"] == "time_to_event" else [])]
    for col in dict.fromkeys(numeric):
        values = pd.to_numeric(d[col], errors="coerce")
        text = d[col].astype("string").str.strip()
        bad = values.isna() & text.notna() & ~text.isin(["", "."])
        if bad.any():
            rows = ", ".join(str(i + 2) for i in d.index[bad][:10])
            raise ValueError(f"{file}, column {col}, rows {rows}: values {', '.join(sorted(set(text[bad]))[:5])}; "
                             f"expected numbers (efficacy {spec['id']})")
        d[col] = values.astype(float)
    d = keep(d, d[spec["variable"]].notna(), f"no value of {spec['variable']}")
    if spec["imputed"] == "exclude" and spec["method"] != "time_to_event":
        d = keep(d, ~imputed_mask(d), "imputed value (DTYPE non-blank): observed records only")
    if spec["method"] == "responder":
        d = d.assign(RESPONSE=responder_flag(d, spec["criterion"]))
    steps.append(("used", len(d)))
    accounting = pd.DataFrame([{"Analysis": spec["id"], "Dataset": spec["dataset"].upper(), "Reason": r,
                                "Records": n} for r, n in steps])
    return d.reset_index(drop=True), accounting

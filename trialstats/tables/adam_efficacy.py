"""The efficacy analyses of a study given as an ADaM folder (config `efficacy`): per analysis its
ARD (ard/e_<id>), display (tables/e_<id>), the footnote stating the method as run (notes/e_<id>),
for time to event the Kaplan-Meier steps (ard/e_<id>_km); and the list of analyses the report
plans from (listings/efficacy_analyses) with their records in = used + excluded by reason
(listings/efficacy_accounting).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..adam.efficacy_config import analysis_records, imputed_mask, resolve, treatment_codes
from ..adam.inputs import demographics_population
from ..ard.adam_efficacy import ARD_METHODS, ard_subjects
from ..ard.time_to_event import ard_km_steps, ard_tte_analysis
from ..arms import arm_header, order_arms
from .format import fmt
from .time_to_event import t_tte_analysis, tte_footnote

DDF_NAMES = {"kenward-roger": "Kenward-Roger", "satterthwaite": "Satterthwaite"}


@dataclass(frozen=True)
class EfficacyResults:
    """The files of the efficacy analyses: frames by "ard/<id>" | "tables/<id>" | "listings/<id>",
    footnotes by id, and per time-to-event analysis figure id -> (KM steps, arms, control, codes, unit,
    title)."""
    frames: dict
    notes: dict
    km: dict


def _fixed(value, decimals: int) -> str:
    """A number at fixed decimals, never a negative zero; blank where absent."""
    if value is None or pd.isna(value):
        return ""
    text = f"{float(value):.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def data_decimals(values: pd.Series, most: int = 2) -> int:
    """The decimals the data are recorded at (at most `most`)."""
    v = values.dropna().astype(float)
    for d in range(most + 1):
        if ((v * 10 ** d).round(9) % 1 == 0).all():
            return d
    return most


class _Look:
    def __init__(self, ard_: pd.DataFrame):
        self.stat = ard_.set_index(["group1", "group1_level", "group2_level", "variable_level", "stat_name"])["stat"]
        notes = ard_[ard_["group1"] == "NOTE"]
        self.notes = [f"{v}: {s}" if v else s for v, s in zip(notes["group2_level"], notes["stat"])]

    def __call__(self, group1, level, visit, variable_level, name):
        value = self.stat.get((group1, level, visit, variable_level, name))
        return None if value is None else float(value)


def _headers(ard_: pd.DataFrame, arms: list[str]) -> dict:
    look = _Look(ard_)
    return {a: arm_header(a, look("ARM", a, "", "subjects", "N") or 0) for a in arms}


def _describe_rows(look: _Look, visit: str, arms: list[str], heads: dict, d: int) -> list[dict]:
    cell = lambda a, s, k=d: _fixed(look("ARM", a, visit, "", s), k)  # noqa: E731
    rows = [{"Statistic": "n", **{heads[a]: fmt(look("ARM", a, visit, "", "n") or 0, "count") for a in arms}},
            {"Statistic": "Mean (SD)", **{heads[a]: f"{cell(a, 'mean', d + 1)} ({cell(a, 'sd', d + 1)})"
                                          if look("ARM", a, visit, "", "sd") is not None else cell(a, "mean", d + 1)
                                          for a in arms}},
            {"Statistic": "Median", **{heads[a]: cell(a, "median", d + 1) for a in arms}},
            {"Statistic": "Min, max", **{heads[a]: f"{cell(a, 'min')}, {cell(a, 'max')}"
                                         if look("ARM", a, visit, "", "min") is not None else "" for a in arms}}]
    return rows


def _ci(look: _Look, group1, level, visit, variable_level, d: int, names=("estimate", "lower", "upper")) -> str:
    est, low, up = (look(group1, level, visit, variable_level, n) for n in names)
    return "" if est is None else f"{_fixed(est, d)} ({_fixed(low, d)}, {_fixed(up, d)})"


def _visits(ard_: pd.DataFrame, visits: list[str]) -> list[str]:
    present = set(ard_.loc[ard_["group2"] == "AVISIT", "group2_level"])
    return [v for v in visits if v in present]


def t_cmh(ard_: pd.DataFrame, spec: dict, arms: list[str], visits: list[str], d: int) -> pd.DataFrame:
    """Per visit: n, n (%) per response value, mean (SD), median, range by arm; the CMH p of each
    arm vs the control (in its column) and across all arms."""
    look, heads, control, rows = _Look(ard_), _headers(ard_, arms), spec["control"], []
    values = sorted({float(v) for v in ard_.loc[ard_["stat_name"] == "count", "variable_level"]})
    tests = [t for t in ("row_mean_scores", "general_association") if (ard_["variable_level"] == t).any()]
    names = {"row_mean_scores": "Row mean scores", "general_association": "General association"}
    for visit in _visits(ard_, visits):
        block = _describe_rows(look, visit, arms, heads, d)
        for value in values:
            def count(a, value=value):
                n, pct = look("ARM", a, visit, f"{value:g}", "count"), look("ARM", a, visit, f"{value:g}", "pct")
                return "" if n is None else f"{fmt(n, 'count')} ({_fixed(pct or 0, 1)}%)"
            block.insert(1 + values.index(value), {"Statistic": f"{value:g}, n (%)", **{heads[a]: count(a)
                                                                                       for a in arms}})
        for test in tests:
            pair = {heads[a]: "" if a == control else fmt(look("COMPARISON", f"{a} vs {control}", visit, test, "p"),
                                                         "p") for a in arms}
            block.append({"Statistic": f"{names[test]} vs {control}, p", **pair})
            p = look("COMPARISON", "all arms", visit, test, "p")
            if p is not None:
                chi2, df = look("COMPARISON", "all arms", visit, test, "chi2"), look("COMPARISON", "all arms", visit,
                                                                                     test, "df")
                block.append({"Statistic": f"{names[test]} across all arms: chi-square {chi2:.2f}, {df:.0f} df, "
                              f"p {fmt(p, 'p')}", **{heads[a]: "" for a in arms}})
        rows += [{"Visit": visit if i == 0 else "", **r} for i, r in enumerate(block)]
    return pd.DataFrame(rows)


def _model_rows(look: _Look, visit: str, arms: list[str], heads: dict, control: str, d: int) -> list[dict]:
    versus = lambda a, f: "" if a == control else f(f"{a} vs {control}")  # noqa: E731
    return [{"Statistic": "LS mean (95% CI)", **{heads[a]: _ci(look, "ARM", a, visit, "lsmean", d) for a in arms}},
            {"Statistic": "LS mean (SE)", **{heads[a]: f"{_fixed(look('ARM', a, visit, 'lsmean', 'estimate'), d)} "
                                             f"({_fixed(look('ARM', a, visit, 'lsmean', 'se'), d)})"
                                             if look("ARM", a, visit, "lsmean", "estimate") is not None else ""
                                             for a in arms}},
            {"Statistic": f"Difference vs {control} (95% CI)",
             **{heads[a]: versus(a, lambda c: _ci(look, "COMPARISON", c, visit, "difference", d)) for a in arms}},
            {"Statistic": "p", **{heads[a]: versus(a, lambda c: fmt(look("COMPARISON", c, visit, "difference", "p"),
                                                                      "p")) for a in arms}}]


def t_model(ard_: pd.DataFrame, spec: dict, arms: list[str], visits: list[str], d: int) -> pd.DataFrame:
    """ANCOVA or MMRM: per visit n, mean (SD), median, range by arm, LS means (95% CI and SE), each
    arm - control (95% CI) and p; model estimates at two decimals more than the data."""
    look, heads, rows = _Look(ard_), _headers(ard_, arms), []
    for visit in _visits(ard_, visits):
        block = _describe_rows(look, visit, arms, heads, d) + _model_rows(look, visit, arms, heads, spec["control"],
                                                                         d + 2)
        rows += [{"Visit": visit if i == 0 else "", **r} for i, r in enumerate(block)]
    return pd.DataFrame(rows)


def t_responder(ard_: pd.DataFrame, spec: dict, arms: list[str], visits: list[str], d: int) -> pd.DataFrame:
    """Per visit: responders n/N (%) by arm; each arm - control in percentage points (95% CI) and p."""
    look, heads, control, rows = _Look(ard_), _headers(ard_, arms), spec["control"], []
    for visit in _visits(ard_, visits):
        def share(a):
            n, big_n = look("ARM", a, visit, "responder", "n"), look("ARM", a, visit, "responder", "N")
            pct = look("ARM", a, visit, "responder", "pct")
            return f"{fmt(n, 'count')}/{fmt(big_n, 'count')}" + (f" ({_fixed(pct, 1)}%)" if pct is not None else "")
        block = [{"Statistic": "Responders, n/N (%)", **{heads[a]: share(a) for a in arms}},
                 {"Statistic": f"Difference vs {control}, percentage points (95% CI)",
                  **{heads[a]: "" if a == control else _ci(look, "COMPARISON", f"{a} vs {control}", visit,
                                                           "difference", 1) for a in arms}},
                 {"Statistic": "p", **{heads[a]: "" if a == control else fmt(
                     look("COMPARISON", f"{a} vs {control}", visit, "difference", "p"), "p") for a in arms}}]
        rows += [{"Visit": visit if i == 0 else "", **r} for i, r in enumerate(block)]
    return pd.DataFrame(rows)


def _criterion_text(criterion) -> str:
    if isinstance(criterion, str):
        return f"{criterion} = Y"
    return f"{criterion['variable']} {criterion['op']} {criterion['value']:g}" if isinstance(
        criterion["value"], (int, float)) else f"{criterion['variable']} {criterion['op']} {criterion['value']}"


def imputed_text(data: pd.DataFrame, spec: dict, arms: list[str]) -> str:
    """The imputed values (DTYPE non-blank) among the records used, per visit and arm, and the rule;
    for the MMRM and `imputed: exclude` the statement that only observed records are used."""
    if "DTYPE" not in data:
        return "Every record is an observed value (the dataset has no DTYPE)."
    if spec["imputed"] == "exclude":
        why = "the MMRM models observed values only" if spec["method"] == "mmrm" else "imputed: exclude"
        return f"Observed records only (DTYPE blank; {why}): imputed values are excluded (see the record accounting)."
    hit = data.loc[imputed_mask(data)]
    if hit.empty:
        return "No imputed value (DTYPE non-blank) among the records used."
    rules = " or ".join(f"DTYPE = {t}" for t in sorted(hit["DTYPE"].astype(str).str.strip().unique()))
    kind = "values carried forward" if rules == "DTYPE = LOCF" else "imputed values"
    per = []
    for visit in data["AVISIT"].cat.categories:
        at = hit[hit["AVISIT"] == visit]
        if len(at):
            per.append(f"{visit} includes " + ", ".join(f"{int((at['TRT'] == a).sum())} ({a})" for a in arms))
    return (f"Imputed values included (imputed: include): {'; '.join(per)} {kind} ({rules}); the other visits "
            "have observed values only.")


def efficacy_footnote(spec: dict, arms: list[str], values: list[float], notes: list[str], imputed: str = "") -> str:
    """The method as run: model terms, df method, strata, scores, CI method, the records used and
    the imputed values among them; the ARD's notes (a statistic not estimable, a fit not converged)
    with their visit."""
    control, var, strata = spec["control"], spec["variable"], spec["strata"]
    records = (f"Records: PARAMCD {spec['param']}" + (f" with {spec['flag']} = Y" if spec["flag"] else "")
               + f", subjects with {spec['population']} = Y; arm: {spec['treatment']}. N: subjects with a record.")
    by = f", stratified by {strata}" if strata else ""
    method = spec["method"]
    if method == "cmh":
        tests = []
        if spec["scores"] in ("row_mean", "both"):
            tests.append(f"row mean scores (table scores: the {var} values {', '.join(f'{v:g}' for v in values)}; "
                         f"1 df for each arm vs {control}, {len(arms) - 1} df across all arms)")
        if spec["scores"] in ("general", "both"):
            tests.append("general association ((rows - 1) x (values - 1) df)")
        text = (f"Cochran-Mantel-Haenszel tests at each visit{by}: {' and '.join(tests)}; a stratum with one subject "
                f"carries no information. n (%): of the arm's subjects with a value at the visit. Min and max at the "
                "decimals of the data; mean, SD and median at one more.")
    elif method == "ancova":
        terms = ["arm", *spec["covariates"], *([f"{strata} (class)"] if strata else [])]
        text = (f"ANCOVA (ordinary least squares) at each visit: {var} ~ {' + '.join(terms)}. LS means at the "
                f"covariates' means over the records used" + (f" and with equal weights over the levels of {strata}"
                                                              if strata else "")
                + f"; each arm - {control} with its 95% CI (t, residual df) and p.")
    elif method == "mmrm":
        terms = ["arm", "visit", "arm x visit", *(t for c in spec["covariates"] for t in (c, f"{c} x visit")),
                 *([f"{strata} (class)"] if strata else [])]
        text = (f"MMRM of {var}: {', '.join(terms)}; unstructured covariance over the visits; REML; "
                f"{DDF_NAMES[spec['ddf']]} df. LS means by visit and arm (equal weights over the "
                f"levels of other class effects, covariates at their means); each arm - {control} with its 95% CI "
                "and p. Missing data: each subject contributes the visits it has observed values at; the "
                "likelihood-based estimates are valid if the missing values are missing at random (MAR), an "
                "assumption the data cannot confirm.")
    elif method == "responder":
        test = (f"stratified by {strata} with Cochran-Mantel-Haenszel weights; p: CMH chi-square without continuity "
                "correction" if strata else "p: Fisher's exact test")
        text = (f"Responder: {_criterion_text(spec['criterion'])}; n/N: responders / subjects with a value at the "
                f"visit. Difference in proportions (arm - {control}) with the Miettinen-Nurminen 95% CI, {test}.")
    else:
        text = ""
    if notes:
        text += " Note: " + "; ".join(notes) + "."
    return f"{text} {records} {imputed}".strip()


def _display(ard_: pd.DataFrame, spec: dict, arms: list[str], visits: list[str], d: int) -> pd.DataFrame:
    make = {"cmh": t_cmh, "ancova": t_model, "mmrm": t_model, "responder": t_responder}[spec["method"]]
    return make(ard_, spec, arms, visits, d)


def run_efficacy(datasets: dict[str, pd.DataFrame], cfg: dict, files: dict[str, str]) -> EfficacyResults:
    """Every configured efficacy analysis (config `efficacy`, checked by adam.inputs.check_study_config)."""
    frames, notes, km, listed, accounting = {}, {}, {}, [], []
    population = demographics_population(datasets["adsl"], cfg)
    for k, raw in enumerate(cfg.get("efficacy", []), 1):
        spec = resolve(raw, cfg, population)
        eid, file = f"e_{spec['id']}", files[spec["dataset"]]
        data, counts = analysis_records(datasets, spec, file)
        accounting.append(counts)
        arms = order_arms(data["TRT"].unique(), spec["control"], treatment_codes(data, spec["treatment"]))
        source = spec["dataset"].upper() + ("" if all(c in datasets[spec["dataset"]] for c in (
            spec["treatment"], spec["population"])) else ", ADSL")
        if spec["method"] == "time_to_event":
            unit = raw.get("unit", "days")
            ard_ = ard_tte_analysis(data, "TRT", arms, spec["control"], spec["strata"], spec["tau"], unit,
                                    endpoint=spec["param"], source=file)
            frames[f"ard/{eid}_km"] = ard_km_steps(data, "TRT", arms, endpoint=spec["param"])
            frames[f"tables/{eid}"] = t_tte_analysis(ard_, spec["control"], unit)
            notes[eid] = tte_footnote(ard_, spec["control"], unit) + (
                f" Records: PARAMCD {spec['param']}" + (f" with {spec['flag']} = Y" if spec["flag"] else "")
                + f", subjects with {spec['population']} = Y; arm: {spec['treatment']}; time AVAL ({unit}), "
                "CNSR 1 = censored.")
            km[f"f_{eid}"] = (frames[f"ard/{eid}_km"], arms, spec["control"], treatment_codes(data, spec["treatment"]),
                              unit, f"Figure 14.2.{k} {spec['title']}: Kaplan-Meier estimate by arm")
        else:
            ard_ = pd.concat([ard_subjects(data, spec, arms), ARD_METHODS[spec["method"]](data, spec, arms)],
                             ignore_index=True)
            visits = list(data["AVISIT"].cat.categories)
            d = data_decimals(data[spec["variable"]])
            frames[f"tables/{eid}"] = _display(ard_, spec, arms, visits, d)
            values = sorted(data[spec["variable"]].dropna().unique()) if spec["method"] == "cmh" else []
            notes[eid] = efficacy_footnote(spec, arms, values, _Look(ard_).notes, imputed_text(data, spec, arms))
        frames[f"ard/{eid}"] = ard_
        listed.append(dict(K=k, ID=eid, TITLE=spec["title"], POPULATION=f"Subjects with {spec['population']} = Y",
                           SOURCE=source, METHOD=spec["method"],
                           FIGURE="yes" if spec["method"] == "time_to_event" else "no"))
    if listed:
        frames["listings/efficacy_analyses"] = pd.DataFrame(listed)
        frames["listings/efficacy_accounting"] = pd.concat(accounting, ignore_index=True)
    return EfficacyResults(frames, notes, km)

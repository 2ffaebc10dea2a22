"""The executive summary at the front of a DMC report, written from the ARDs of the cut (no number
typed by hand): disposition, baseline imbalances, the primary result with each of its components and
the range of its sensitivity analyses, every secondary endpoint's contrast, TEAEs and related TEAEs,
deaths, serious events, withdrawals for adverse events, events of special interest with their
time-to-event contrast, notable imbalances at SOC and PT level, laboratory alerts and the stopping
guidelines crossed; the single-arm review adds when the commonest events occurred (by infusion), the
open report the conduct findings (deviations, eligibility disagreements), pooled. Every flag follows
a rule the summary states (the `*_RULE` texts below).

Each row: the topic, the finding in words, and the ARD (or listing) it comes from.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..protocol import parameter_names
from ..tables.format import available_cell
from ..vocabulary import visit_label

# flagging rule for a system organ class or preferred term: the incidence in an arm differs from the
# control's by at least FLAG_DIFFERENCE_PP percentage points with at least FLAG_MIN_SUBJECTS subjects in
# one of the two arms, or the Fisher exact p of the two arms is below FLAG_P
FLAG_DIFFERENCE_PP = 10.0
FLAG_MIN_SUBJECTS = 3
FLAG_P = 0.10
IMBALANCE_RULE = (f"Flagging rule (SOC and PT): the incidence differs between two arms by at least "
                  f"{FLAG_DIFFERENCE_PP:g} percentage points with at least {FLAG_MIN_SUBJECTS} subjects in one arm, "
                  f"or Fisher's exact p < {FLAG_P:g}.")
# baseline imbalance: absolute standardized difference (Austin 2009) of a mean or a category's proportion
SMD_FLAG = 0.2
BASELINE_RULE = (f"Rule: absolute standardized difference > {SMD_FLAG:g} (means: difference / sqrt of the mean "
                 "of the two variances; categories: the same on each proportion).")
OPEN = "open/tables"
SENSITIVITY = {"per_protocol": "per protocol", "observed_cases": "observed cases",
               "mi_mar": "multiple imputation under MAR"}


def _read(root: Path, path: str) -> pd.DataFrame | None:
    file = root / path
    return pd.read_csv(file, keep_default_na=False) if file.exists() else None


def _stat(ard: pd.DataFrame, **match) -> float:
    """The first ARD row's stat where every column equals its value (nan without one)."""
    rows = np.ones(len(ard), dtype=bool)
    for col, value in match.items():          # numpy masks: the summary asks some hundred of these
        rows &= ard[col].to_numpy() == value
    hit = np.flatnonzero(rows)
    return float(pd.to_numeric(ard["stat"].iloc[hit[0]], errors="coerce")) if len(hit) else float("nan")


def _n_pct(n: float, big_n: float) -> str:
    return f"{int(n)}/{int(big_n)} ({100 * n / big_n:.1f}%)" if big_n else f"{int(n)}/0"


def _who(arm: str, arms: list[str]) -> str:
    """The arm's name before a count, none when there is one arm (a single-arm study)."""
    return f"{arm} " if len(arms) > 1 else ""


def disposition_row(consort: pd.DataFrame, arms: list[str], source: str = "o_consort") -> dict:
    screened = _stat(consort, variable="SCREENED", stat_name="n")
    failures = _stat(consort, variable="SCREEN FAILURE", variable_level="", stat_name="n")
    parts = [f"{int(screened)} screened, {int(failures)} screen failures"]
    for arm in arms or [""]:                   # "": pooled (a single-arm study)
        sel = consort[consort["group1_level"] == arm]
        get = lambda what: _stat(sel, variable=what, variable_level="", stat_name="n")  # noqa: E731
        ae = _stat(sel, variable="DISCONTINUED", variable_level="ADVERSE EVENT", stat_name="n")
        parts.append(f"{arm + ': ' if arm else ''}{int(get('ENROLLED'))} enrolled, {int(get('COMPLETED'))} completed, "
                     f"{int(get('ONGOING'))} ongoing, {int(get('DISCONTINUED'))} discontinued"
                     + (f" ({int(ae)} for an adverse event)" if ae == ae and ae > 0 else ""))
    return {"Topic": "Disposition", "Finding": "; ".join(parts) + ".", "Source": f"ARD {source}"}


def primary_row(primary: pd.DataFrame, arms: list[str], tipping: str = "",
                look: pd.DataFrame | None = None) -> dict:
    """The primary endpoint: with group-sequential monitoring (`look`, the monitoring efficacy ARD)
    the charter's test and its decision at this look first, then the SAP's reported analysis; at an
    interim look the tipping point (significance of the SAP's Fisher test) is referred to, not stated."""
    active, control = arms[0], arms[-1]
    main = primary[primary["variable"] == "primary"]
    counts = [_n_pct(_stat(main, group1_level=a, stat_name="n"), _stat(main, group1_level=a, stat_name="N"))
              for a in (active, control)]
    contrast = f"{active} - {control}"
    mn = main[(main["group1_level"] == contrast) & (main["variable_level"] == "mn")]
    est = [100 * _stat(mn, stat_name=s) for s in ("estimate", "lower", "upper")]
    p = _stat(mn, stat_name="p")
    sens = primary[(primary["group1_level"] == contrast) & (primary["stat_name"] == "estimate")
                   & (primary["variable"] != "primary") & (primary["variable"] != "adjusted_or")
                   & ~primary["variable"].str.startswith("component")]
    text = (f"Responders {active} {counts[0]} vs {control} {counts[1]}; difference {est[0]:.1f} percentage points "
            f"(Miettinen-Nurminen 95% CI {est[1]:.1f} to {est[2]:.1f}), Fisher's exact p = {p:.4f}."
            if all(v == v for v in (*est, p)) else f"Responders {active} {counts[0]} vs {control} {counts[1]}; "
            "difference not estimable at this cut.")
    values = 100 * pd.to_numeric(sens["stat"], errors="coerce").dropna()    # blank: not estimable at this cut
    if len(values):
        names = [SENSITIVITY.get(v, v.replace("_", " ")) for v in dict.fromkeys(sens["variable"])]
        text += (f" Sensitivity analyses ({', '.join(names)}): differences from "
                 f"{values.min():.1f} to {values.max():.1f} percentage points.")
    if look is not None and len(look):
        from ..tables.monitoring import decision_row   # scipy: imported by the closed report only
        decision = decision_row(look)
        final = look.loc[(look["group1"] == "ANALYSIS") & (look["stat_name"] == "final"), "stat"]
        interim = float(final.iloc[0]) == 0
        text = (f"{decision['Statistic']}: {decision['Estimate (95% CI)']}. SAP's reported analysis: " + text
                + (" Tipping point of the SAP's Fisher test: Table 14.2.4 (not an interim decision)." if interim
                   else f" Tipping point of the SAP's Fisher test: {tipping}" if tipping else ""))
        return {"Topic": "Primary endpoint", "Finding": text, "Source": "t_guidelines, ARD t_14_2_1, t_14_2_4"}
    if tipping:
        text += " " + tipping
    return {"Topic": "Primary endpoint", "Finding": text, "Source": "ARD t_14_2_1, t_14_2_4"}


def change_row(primary: pd.DataFrame, arms: list[str], spec: dict) -> dict:
    """The continuous primary endpoint (rule primary_change): each arm minus the control at the
    protocol's visit, LS-mean difference with its 95% CI and p (MMRM), and the range of the
    sensitivity analyses' differences."""
    visit, control = spec["visit"].upper(), arms[-1]
    at = primary[(primary["group2_level"] == visit) & (primary["variable_level"] == "difference")]
    parts = []
    for arm in arms[:-1]:
        sel = at[(at["variable"] == "primary") & (at["group1_level"] == f"{arm} - {control}")]
        est, low, up, p = (_stat(sel, stat_name=s) for s in ("estimate", "lower", "upper", "p"))
        p_text = "p < 0.0001" if p < 0.0001 else f"p = {p:.4f}"
        parts.append(f"{arm} - {control} {est:.2f} (95% CI {low:.2f} to {up:.2f}), {p_text}" if est == est
                     else f"{arm} - {control} not estimable at this cut")
    text = f"{spec['name']}, LS-mean difference (MMRM): " + "; ".join(parts) + "."
    sens = at[(at["variable"] != "primary") & (at["stat_name"] == "estimate")]
    values = pd.to_numeric(sens["stat"], errors="coerce").dropna()
    if len(values):
        names = [SENSITIVITY.get(v, v.replace("_", " ")) for v in dict.fromkeys(sens["variable"])]
        text += (f" Sensitivity analyses ({', '.join(names)}): differences from {values.min():.2f} to "
                 f"{values.max():.2f}.")
    return {"Topic": "Primary endpoint", "Finding": text, "Source": "ARD t_14_2_1"}


def tte_row(ard: pd.DataFrame, spec: dict) -> dict:
    """The time-to-event primary endpoint (rule primary_tte): per arm subjects with the event and the
    median, then each arm vs the control: hazard ratio with its 95% CI and the log-rank p; NE where
    not estimable (the table's footnote says why)."""
    from ..tables.time_to_event import tte_arms   # scipy: imported by the closed report only
    arms = tte_arms(ard)
    num = lambda v, d=0: "NE" if v != v else f"{v:.{d}f}"  # noqa: E731
    count = lambda a, k: _stat(ard, group1="ARM", group1_level=a, variable_level="overall", stat_name=k)  # noqa: E731
    events = [f"{a} {_n_pct(count(a, 'events'), count(a, 'N'))}" for a in arms]
    medians = []
    for a in arms:
        m = [_stat(ard, group1="ARM", group1_level=a, variable_level="median", stat_name=k)
             for k in ("estimate", "lower", "upper")]
        medians.append(f"{a} {num(m[0])}" + (f" (95% CI {num(m[1])} to {num(m[2])})" if m[0] == m[0] else ""))
    contrasts = ard[ard["group1"] == "CONTRAST"]
    parts = []
    for label in dict.fromkeys(contrasts["group1_level"]):
        c = contrasts[contrasts["group1_level"] == label]
        hr, low, up = (_stat(c, variable_level="Cox", stat_name=k) for k in ("hr", "lower", "upper"))
        p = _stat(c, variable_level="log-rank", stat_name="p")
        strata = next((s for s in c["group2_level"] if s), "")
        p_text = "NE" if p != p else "< 0.0001" if p < 0.0001 else f"= {p:.4f}"
        parts.append(f"{label} {num(hr, 2)}" + (f" (95% CI {low:.2f} to {up:.2f})" if hr == hr else "")
                     + f", {'stratified ' if strata else ''}log-rank p {p_text}")
    text = (f"{spec['name']}: with the event {', '.join(events)}; median days {', '.join(medians)}; "
            f"hazard ratio (Cox) {'; '.join(parts)}.")
    return {"Topic": "Primary endpoint", "Finding": text, "Source": "ARD t_14_2_1"}


def overview_rows(overview: pd.DataFrame, arms: list[str], source: str = "ARD t_14_3_1") -> list[dict]:
    rows = []
    for category, topic in (("Deaths", "Deaths"), ("Serious TEAE", "Serious adverse events"),
                            ("TEAE leading to withdrawal", "Withdrawals for an adverse event")):
        sel = overview[overview["variable_level"] == category]
        if sel.empty:
            continue
        parts = [f"{_who(arm, arms)}"
                 f"{_n_pct(_stat(sel, group1_level=arm, stat_name='n'), _stat(sel, group1_level=arm, stat_name='N'))}"
                 for arm in arms]
        rows.append({"Topic": topic, "Finding": "; ".join(parts) + " subjects.", "Source": source})
    return rows


def aesi_row(aesi: pd.DataFrame, arms: list[str]) -> dict:
    parts = []
    for name in dict.fromkeys(aesi.loc[aesi["variable"] == "aesi", "variable_level"]):
        sel = aesi[(aesi["variable"] == "aesi") & (aesi["variable_level"] == name)]
        counts = {arm: _stat(sel, group1_level=arm, stat_name="n") for arm in arms}
        if any(v > 0 for v in counts.values()):
            parts.append(f"{name}: " + ", ".join(f"{_who(arm, arms)}{int(v)}" for arm, v in counts.items()))
    defined = (aesi["variable"] == "aesi").any()
    finding = ("; ".join(parts) + " subjects." if parts else "No adverse event of special interest."
               if defined else "None defined for this study.")
    return {"Topic": "Adverse events of special interest", "Finding": finding, "Source": "ARD t_14_3_6"}


def flagged(sel: pd.DataFrame, arm: str, control: str) -> bool:
    """The stated rule (IMBALANCE_RULE) on one SOC or PT's rows of the SOC/PT ARD."""
    n, pct = _stat(sel, group1_level=arm, stat_name="n"), _stat(sel, group1_level=arm, stat_name="pct")
    c_n, ref = _stat(sel, group1_level=control, stat_name="n"), _stat(sel, group1_level=control, stat_name="pct")
    p = _stat(sel, group1_level=f"{arm} vs {control}", stat_name="p_fisher")
    return (abs(pct - ref) >= FLAG_DIFFERENCE_PP and max(n, c_n) >= FLAG_MIN_SUBJECTS) or p < FLAG_P


def imbalance_items(soc_pt: pd.DataFrame, arms: list[str]) -> list[tuple[str, str, str]]:
    """(level "SOC" or "PT", its name, the arm) of every SOC and PT the rule flags, each arm against
    the control (the last arm)."""
    control = arms[-1]
    out = []
    rows = soc_pt[soc_pt["group2_level"] != "ANY"]
    for (soc, term), sel in rows.groupby(["group2_level", "variable_level"], sort=False):
        for arm in arms[:-1]:
            if flagged(sel, arm, control):
                out.append(("SOC", soc, arm) if term == "ANY" else ("PT", term, arm))
    return out


def imbalance_row(soc_pt: pd.DataFrame, arms: list[str], source: str = "ARD t_14_3_2") -> dict:
    """System organ classes and preferred terms flagged by the stated rule (IMBALANCE_RULE)."""
    control = arms[-1]
    parts = []
    for level, name, arm in imbalance_items(soc_pt, arms):
        column = "group2_level" if level == "SOC" else "variable_level"
        sel = soc_pt[(soc_pt[column] == name) & ((soc_pt["variable_level"] == "ANY") if level == "SOC" else True)]
        count = lambda a: _n_pct(_stat(sel, group1_level=a, stat_name="n"), _stat(sel, group1_level=a, stat_name="N"))  # noqa: E731
        p = _stat(sel, group1_level=f"{arm} vs {control}", stat_name="p_fisher")
        parts.append(f"{level} {name}: {arm} {count(arm)} vs {control} {count(control)}, p = {p:.4f}")
    finding = ("; ".join(parts) + ". " if parts else "None. ") + IMBALANCE_RULE
    return {"Topic": "Notable imbalances", "Finding": finding, "Source": source}


def related_row(overview: pd.DataFrame, arms: list[str], source: str = "ARD t_14_3_1") -> dict | None:
    """Subjects with any TEAE and with a related TEAE per arm, with the Fisher p of each arm against
    the control (several arms)."""
    parts = []
    for category in ("Any TEAE", "Related TEAE"):
        sel = overview[overview["variable_level"] == category]
        if sel.empty:
            continue
        counts = [_who(a, arms) + _n_pct(_stat(sel, group1_level=a, stat_name="n"),
                                         _stat(sel, group1_level=a, stat_name="N")) for a in arms]
        low, up = (_stat(sel, group1_level=arms[0], stat_name=k) for k in ("cp_lower", "cp_upper"))
        if len(arms) == 1 and low == low:         # a single arm: the Clopper-Pearson 95% CI
            counts[0] += f" (95% CI {low:.1f} to {up:.1f}%)"
        ps = [f"p = {p:.4f} ({a} vs {arms[-1]})" for a in arms[:-1]
              if (p := _stat(sel, group1_level=f"{a} vs {arms[-1]}", stat_name="p_fisher")) == p]
        parts.append(f"{category}: " + ", ".join(counts) + (f", Fisher's exact {', '.join(ps)}" if ps else ""))
    return {"Topic": "TEAEs and related TEAEs", "Finding": "Subjects with " + "; ".join(parts) + ".",
            "Source": source} \
        if parts else None


def _p_text(p: float) -> str:
    return "p not estimable" if p != p else "p < 0.0001" if p < 0.0001 else f"p = {p:.4f}"


def components_row(primary: pd.DataFrame, arms: list[str], protocol: dict) -> dict | None:
    """Each criterion of the responder composite alone (the primary's non-responder rules): counts
    per arm, MN difference with its 95% CI and Fisher's p."""
    criteria = protocol.get("responder", {}).get("criteria", [])
    names = parameter_names(protocol)
    control, parts = arms[-1], []
    for k, crit in enumerate(criteria, 1):
        sel = primary[primary["variable"] == f"component_{k}"]
        if sel.empty:
            continue
        name = names.get(crit["paramcd"], crit["paramcd"])
        test = (f"< {crit['aval_lt']:g}" if "aval_lt" in crit else f"change <= {crit['pchg_le']:g}%"
                if "pchg_le" in crit else "met")
        for arm in arms[:-1]:
            mn = sel[(sel["group1_level"] == f"{arm} - {control}") & (sel["variable_level"] == "mn")]
            est, low, up, p = (_stat(mn, stat_name=s) for s in ("estimate", "lower", "upper", "p"))
            counts = [_n_pct(_stat(sel, group1_level=a, stat_name="n"), _stat(sel, group1_level=a, stat_name="N"))
                      for a in (arm, control)]
            parts.append(f"{name} {test}: {arm} {counts[0]} vs {control} {counts[1]}, difference "
                         f"{100 * est:.1f} pp (95% CI {100 * low:.1f} to {100 * up:.1f}), {_p_text(p)}")
    return {"Topic": "Components of the primary", "Finding": "; ".join(parts) + ".", "Source": "t_14_2_3"} \
        if parts else None


SECONDARY_SOURCES = ("t_14_2_5", "t_14_2_6", "t_14_2_7", "t_14_2_8", "t_14_2_9", "t_14_2_10")


def secondary_contrasts(ards: dict[str, pd.DataFrame], key_visit: str) -> list[dict]:
    """Every secondary endpoint's contrast at the key visit (or without a visit): its table, the
    parameter, the kind (difference, ratio, a proportion below a threshold) and the statistics."""
    out = []
    for source in SECONDARY_SOURCES:
        ard = ards.get(source)
        if ard is None:
            continue
        sel = ard[(ard["group1"] == "CONTRAST") & ard["group2_level"].isin([key_visit, ""])]
        for (label, param, kind), rows in sel.groupby(["group1_level", "variable", "variable_level"], sort=False):
            out.append(dict(source=source, contrast=label, param=param, kind=kind,
                            **{k: _stat(rows, stat_name=k) for k in ("estimate", "lower", "upper", "p")}))
    return out


def secondary_row(ards: dict[str, pd.DataFrame], protocol: dict) -> dict | None:
    """The secondary endpoints at the key visit, each with its contrast, 95% CI and p."""
    key_visit = protocol.get("secondary", {}).get("key_visit", "")
    names = parameter_names(protocol)
    parts, sources = [], []
    for c in secondary_contrasts(ards, key_visit):
        name = names.get(c["param"], c["param"])
        model = "(MMRM)" if c["source"] in SECONDARY_SOURCES[:3] else "(ANCOVA)"
        scale, what, d = ((100, f"{name} {c['kind'].replace('AVAL ', '')}, difference (pp)", 1)
                          if c["kind"].startswith("AVAL") else (1, f"{name}, geometric mean ratio", 2)
                          if c["kind"] == "ratio" else (1, f"{name}, change {model}", 2))
        parts.append(f"{what} {c['contrast']} {scale * c['estimate']:.{d}f} (95% CI {scale * c['lower']:.{d}f} to "
                     f"{scale * c['upper']:.{d}f}), {_p_text(c['p'])}")
        sources.append(c["source"])
    if not parts:
        return None
    return {"Topic": f"Secondary endpoints at {visit_label(key_visit)}", "Finding": "; ".join(parts) + ".",
            "Source": "ARD " + ", ".join(dict.fromkeys(sources))}


def standardized_differences(baseline: pd.DataFrame, arm: str, control: str) -> list[tuple[str, str, float]]:
    """(variable, category or "", standardized difference of arm vs control) of each baseline
    characteristic of the baseline ARD: means with their SDs, and each category's proportion."""
    out = []
    for variable, sel in baseline.groupby("variable", sort=False):
        if variable == "N":
            continue
        if (sel["stat_name"] == "mean").any():
            (m1, s1), (m0, s0) = ([_stat(sel, group1_level=a, stat_name=k) for k in ("mean", "sd")]
                                  for a in (arm, control))
            pooled = ((s1 ** 2 + s0 ** 2) / 2) ** 0.5
            out.append((variable, "", (m1 - m0) / pooled if pooled else float("nan")))
            continue
        levels = list(sel[sel["stat_name"] == "pct"].groupby("variable_level", sort=False))
        for level, rows in levels[:1] if len(levels) == 2 else levels:    # two categories: one says it all
            p1, p0 = (_stat(rows, group1_level=a) / 100 for a in (arm, control))
            pooled = ((p1 * (1 - p1) + p0 * (1 - p0)) / 2) ** 0.5
            out.append((variable, level, (p1 - p0) / pooled if pooled else float("nan")))
    return out


def baseline_row(baseline: pd.DataFrame, arms: list[str], labels: dict[str, str]) -> dict:
    """Baseline characteristics whose standardized difference exceeds the stated rule (BASELINE_RULE)."""
    parts = []
    for arm in arms[:-1]:
        for variable, level, d in standardized_differences(baseline, arm, arms[-1]):
            if abs(d) > SMD_FLAG:
                name = labels.get(variable, variable) + (f" {level}" if level else "")
                parts.append(f"{name} (standardized difference {arm} vs {arms[-1]} {d:.3f})")
    finding = ("Imbalanced: " + "; ".join(parts) + ". " if parts else "None imbalanced. ") + BASELINE_RULE
    return {"Topic": "Baseline imbalances", "Finding": finding, "Source": "t_14_1_4"}


def aesi_time_row(tte: pd.DataFrame, eair: pd.DataFrame | None, arms: list[str]) -> dict | None:
    """Time to the first AESI: subjects with it, exposure-adjusted rate per 100 patient-years per arm
    and the log-rank p (ARDs t_14_3_12, t_14_3_13)."""
    sel = tte[tte["variable"] == "First AESI"]
    if sel.empty:
        return None
    parts = []
    for a in arms:
        count = _n_pct(_stat(sel, group1_level=a, variable_level="overall", stat_name="events"),
                       _stat(sel, group1_level=a, variable_level="overall", stat_name="N"))
        rate = (_stat(eair, group1_level=a, variable_level="Any AESI", stat_name="rate") if eair is not None
                else float("nan"))
        parts.append(f"{_who(a, arms)}{count}" + (f", {rate:.1f} per 100 patient-years" if rate == rate else ""))
    p = _stat(sel, group1="TEST", group1_level="log-rank", stat_name="p")
    text = "First AESI: " + "; ".join(parts) + (f"; log-rank {_p_text(p)}" if len(arms) > 1 else "") + "."
    return {"Topic": "AESI, time to first", "Finding": text, "Source": "ARD t_14_3_12, t_14_3_13"}


def timing_row(by_infusion: pd.DataFrame, top: int = 3) -> dict | None:
    """When the commonest preferred terms occurred (single arm): subjects per infusion whose window (Table
    14.3.14: the days after each infusion) holds the onset, e.g. "Pyrexia: 5 in the window after infusion 2 (3)
    or 3 (2), none after infusion 1"; then the TEAEs with an onset after every window, as the table counts them."""
    by_infusion = by_infusion.astype({"group2_level": str})      # infusion numbers read as integers
    counts = by_infusion[by_infusion["stat_name"] == "n"].assign(n=lambda d: pd.to_numeric(d["stat"]))
    numbered = counts["group2_level"].str.fullmatch(r"\d+")
    later = counts[~numbered & (counts["variable_level"] != "Any TEAE")]       # the onsets after every window
    pts = counts[numbered & (counts["variable_level"] != "Any TEAE")]
    if pts.empty:
        return None
    total = pts.groupby("variable_level", sort=False)["n"].sum()
    commonest = sorted(total[total > 0].index, key=lambda t: (-total[t], t))[:top]
    infusions = list(dict.fromkeys(pts["group2_level"]))
    parts = []
    for term in commonest:
        per = pts[(pts["variable_level"] == term) & (pts["n"] > 0)]
        where = " or ".join(f"{k} ({int(n)})" for k, n in zip(per["group2_level"], per["n"]))
        none = [k for k in infusions if k not in set(per["group2_level"])]
        parts.append(f"{term}: {int(total[term])} in the window after infusion {where}"
                     + (f", none after infusion {' or '.join(none)}" if none else ""))
    text = "; ".join(parts)
    for row in later.itertuples(index=False):
        text += f"; {row.variable_level}: {int(row.n)} subject{'s' if row.n != 1 else ''}"
    return {"Topic": "Timing of the commonest TEAEs", "Finding": text + " (subjects, by the infusion whose window "
            "holds the onset).", "Source": "ARD t_14_3_14"}


def conduct_row(deviations: pd.DataFrame | None, disagreements: pd.DataFrame | None) -> dict | None:
    """The conduct findings, pooled: each protocol deviation with subjects, and the subjects whose
    eligibility the data and the investigator judged differently."""
    parts = []
    if deviations is not None:
        found = deviations[~deviations["Subjects"].str.startswith("0 ")]
        parts.append("Deviations: " + ("; ".join(f"{d} {n}" for d, n in zip(found["Deviation"], found["Subjects"]))
                                       if len(found) else "none"))
    if disagreements is not None:
        rows = [f"{r['Subject']} {r['Criterion']} ({r['Text']}: {r['Value']}; fails by the data: "
                f"{r['Fails by the data']}, by the investigator: {r['Fails by the investigator']})"
                for _, r in disagreements.iterrows()]
        parts.append("Eligibility, data vs investigator: " + ("; ".join(rows) if rows else "no disagreement"))
    return {"Topic": "Trial conduct", "Finding": ". ".join(parts) + ".", "Source": "o_deviations, o_disagreements"} \
        if parts else None


def lab_row(hys_law: pd.DataFrame, arms: list[str]) -> dict:
    """Subjects with ALT or AST >= 3 x ULN and meeting the Hy's-law screen per arm (ARD t_14_3_10)."""
    parts = []
    for arm in arms:
        high, hys = (_stat(hys_law, group1_level=arm, variable_level=level, stat_name="n")
                     for level in ("ALT or AST >= 3 x ULN", "Potential Hy's law (both)"))
        who = f"{arm}: " if len(arms) > 1 else ""
        parts.append(f"{who}{int(high)} with ALT or AST >= 3 x ULN, {int(hys)} meeting the Hy's-law screen")
    return {"Topic": "Laboratory alerts", "Finding": "; ".join(parts) + ".", "Source": "ARD t_14_3_10"}


def guidelines_row(guidelines: pd.DataFrame, number: str = "Table G.1") -> dict:
    """The guidelines crossed, of the rows that are guidelines (a final analysis's row is a decision)."""
    rules = guidelines[guidelines["Crossed"].isin(["YES", "no"])]
    crossed = rules[rules["Crossed"] == "YES"]["Guideline"].tolist()
    decisions = guidelines[~guidelines["Crossed"].isin(["YES", "no"])]      # the final analysis: its decision
    finding = (f"{len(crossed)} of the {len(rules)} monitoring guidelines crossed: " + "; ".join(crossed) + "."
               if crossed else f"None of the {len(rules)} monitoring guidelines crossed.")
    finding += "".join(f" {g.split(':')[0]}: {c}." for g, c in zip(decisions["Guideline"], decisions["Crossed"]))
    finding += f" See {number}."
    return {"Topic": "Stopping guidelines", "Finding": finding, "Source": "t_guidelines"}


def report_arms(root: Path, side: str, arm_column: str | None = None) -> list[str]:
    """The arms as the report labels them, active arms by code and the control last: on the closed side
    from the unblinding rule's arm coding (closed/adam/arms.json; names when `arm_column` is TRT01P),
    a single-arm study's one arm from its safety ARD."""
    if side == "closed":
        coding = json.loads((root / "closed/adam/arms.json").read_text())
        label = "arm" if arm_column == "TRT01P" else "code"
        return [a[label] for a in sorted(coding, key=lambda a: (a["control"], a["code"]))]
    overview = _read(root, f"{side}/safety/ard/t_14_3_1.csv")
    return [] if overview is None else list(dict.fromkeys(overview.loc[overview["group1"] == "ARM", "group1_level"]))


def since_last_row(previous_cut: str) -> dict:
    return {"Topic": "Since the last data cut",
            "Finding": f"Changes since {previous_cut}: see the section on changes since the last data cut."
            if previous_cut else "First data cut: no earlier cut to compare with.",
            "Source": "Changes since the last data cut (section)" if previous_cut else "-"}


def accrual_row(accrual: pd.DataFrame) -> dict:
    """Enrolled of screened at the cut, and the month of the last enrolment (ARD o_accrual_table)."""
    wide = accrual.pivot(index="group1_level", columns="stat_name", values="stat").reindex(
        list(dict.fromkeys(accrual["group1_level"])))
    enrolled = wide[pd.to_numeric(wide["enrolled"]) > 0]
    last = enrolled.index[-1] if len(enrolled) else "none"
    return {"Topic": "Accrual", "Finding": f"{int(wide['cumulative_enrolled'].iloc[-1])} enrolled of "
            f"{int(wide['cumulative_screened'].iloc[-1])} screened; last enrolment in {last}.",
            "Source": "o_accrual_table"}


def completeness_row(completeness: pd.DataFrame, names: dict[str, str]) -> dict:
    """Expected and available assessments at the last visit (ARD o_completeness)."""
    visit = completeness["group1_level"].iloc[-1]
    stat = completeness[completeness["group1_level"] == visit].set_index(["variable", "stat_name"])["stat"]
    expected = int(stat[("", "expected")])
    parts = [f"{names.get(p, p)} " + available_cell(int(stat[(p, "available")]), expected, bool(stat[(p, "collected")]))
             for p in dict.fromkeys(v for v, _ in stat.index if v)]
    available = (f"available: {', '.join(parts)}." if parts
                 else "no efficacy parameter is declared, so no assessment is counted.")
    return {"Topic": "Data completeness", "Finding": f"{visit_label(visit)}: {expected} expected; {available}",
            "Source": "o_completeness"}


def open_summary(root: Path, previous_cut: str = "", protocol: dict | None = None) -> pd.DataFrame:
    """The pooled summary of the open report: disposition, accrual, data completeness at the last
    visit, pooled adverse events; read from open/ only (no arm)."""
    rows = []
    consort = _read(root, "open/ard/consort.csv")
    if consort is not None:
        rows.append(disposition_row(consort, []))
    accrual = _read(root, "open/tables/accrual_ard.csv")
    if accrual is not None and len(accrual):
        rows.append(accrual_row(accrual))
    completeness = _read(root, "open/tables/completeness_ard.csv")
    if completeness is not None and len(completeness):
        rows.append(completeness_row(completeness, parameter_names(protocol or {})))
    overview = _read(root, "open/tables/ae_overview_ard.csv")
    if overview is not None:
        pooled = list(dict.fromkeys(overview.loc[overview["group1"] == "ARM", "group1_level"]))
        any_ae = overview[overview["variable_level"] == "Any TEAE"]
        rows.append({"Topic": "Adverse events, pooled", "Finding": "Any TEAE: " + "; ".join(
            _n_pct(_stat(any_ae, group1_level=a, stat_name="n"), _stat(any_ae, group1_level=a, stat_name="N"))
            for a in pooled) + " subjects.", "Source": "ARD o_ae_overview"})
        rows += overview_rows(overview, pooled, "ARD o_ae_overview")
    conduct = conduct_row(_read(root, f"{OPEN}/deviations.csv"),
                          _read(root, "open/listings/eligibility_disagreements.csv"))
    if conduct is not None:
        rows.append(conduct)
    rows.append(since_last_row(previous_cut))
    return pd.DataFrame(rows, columns=["Topic", "Finding", "Source"])


def executive_summary(root: Path, side: str, previous_cut: str = "", guidelines_number: str = "Table G.1",
                      protocol: dict | None = None, arm_column: str | None = None) -> pd.DataFrame:
    """The summary rows of a closed report (`side` "closed", by arm), a single-arm review report
    ("review") or the open report ("open", pooled); from the files under results/<study>/<cut>/.
    guidelines_number: the report's number of the stopping-guidelines table."""
    if side == "open":
        return open_summary(root, previous_cut, protocol)
    safety = f"{side}/safety"
    arms = report_arms(root, side, arm_column)
    rows = []
    consort = _read(root, "closed/ard/consort.csv" if side == "closed" else "open/ard/consort.csv")
    if consort is not None:
        rows.append(disposition_row(consort, arms, "f_14_1_3") if side == "closed" else disposition_row(consort, []))
    primary = _read(root, "closed/ard/t_14_2_1_primary.csv") if side == "closed" else None
    if primary is not None:
        tipping = root / "closed/tables/t_14_2_4_tipping_point.txt"
        rows.append(primary_row(primary, arms, tipping.read_text().strip() if tipping.exists() else "",
                                _read(root, "closed/monitoring/efficacy_look_ard.csv")))
        if (components := components_row(primary, arms, protocol or {})) is not None:
            rows.append(components)
    change = _read(root, "closed/primary_change/ard/t_14_2_1_primary.csv") if side == "closed" else None
    if change is not None and protocol and "continuous_primary" in protocol:
        rows.append(change_row(change, arms, protocol["continuous_primary"]))
    tte = _read(root, "closed/primary_tte/ard/t_14_2_1.csv") if side == "closed" else None
    if tte is not None and protocol and "time_to_event" in protocol:
        rows.append(tte_row(tte, protocol["time_to_event"]))
    if side == "closed" and protocol and protocol.get("secondary"):
        ards = {k: a for k in SECONDARY_SOURCES if (a := _read(root, f"closed/secondary/ard/{k}.csv")) is not None}
        if (secondary := secondary_row(ards, protocol)) is not None:
            rows.append(secondary)
    baseline = _read(root, "closed/flow/baseline_ard.csv") if side == "closed" else None
    if baseline is not None and len(arms) > 1:
        labels = {b["variable"]: b["label"] for b in (protocol or {}).get("baseline", [])}
        rows.append(baseline_row(baseline, arms, labels))
    overview = _read(root, f"{safety}/ard/t_14_3_1.csv")
    if overview is not None:
        if (related := related_row(overview, arms)) is not None:
            rows.append(related)
        rows += overview_rows(overview, arms)
    aesi = _read(root, f"{safety}/ard/t_14_3_6.csv")
    if aesi is not None:
        rows.append(aesi_row(aesi, arms))
    tte = _read(root, f"{safety}/ard/t_14_3_12.csv")
    if tte is not None and (aesi_time := aesi_time_row(tte, _read(root, f"{safety}/ard/t_14_3_13.csv"), arms)):
        rows.append(aesi_time)
    soc_pt = _read(root, f"{safety}/ard/t_14_3_2.csv")
    if soc_pt is not None and len(arms) > 1:
        rows.append(imbalance_row(soc_pt, arms))
    by_infusion = _read(root, f"{safety}/ard/t_14_3_14.csv")
    if by_infusion is not None and len(arms) == 1 and (timing := timing_row(by_infusion)) is not None:
        rows.append(timing)
    hys_law = _read(root, f"{safety}/ard/t_14_3_10.csv")
    if hys_law is not None and len(hys_law):        # none without laboratory data (no LB)
        rows.append(lab_row(hys_law, arms))
    guidelines = _read(root, f"{side}/monitoring/stopping_guidelines.csv")
    if guidelines is not None:
        rows.append(guidelines_row(guidelines, guidelines_number))
    rows.append(since_last_row(previous_cut))
    return pd.DataFrame(rows, columns=["Topic", "Finding", "Source"])


def cite_sources(summary: pd.DataFrame, numbers: dict[str, str]) -> pd.DataFrame:
    """Sources by the numbers the reader sees: "ARD t_14_3_1" -> "Table 14.3.1 (ARD)", "t_14_2_4" ->
    "Table 14.2.4" (`numbers`: output id -> its number in this report, outputs.plan)."""
    cite = lambda m: numbers[m[2]] + (" (ARD)" if m[1] else "") if m[2] in numbers else m[0]  # noqa: E731
    return summary.assign(Source=summary["Source"].str.replace(r"(?:(ARD) )?\b([a-z][a-z0-9_]*)\b", cite, regex=True))

"""Safety displays: each safety ARD (trialstats.ard.safety) as the table people read, the display of
each output id (display_of) and the files of the safety rule (safety_files)."""
from __future__ import annotations

import pandas as pd

from ..numbers import decimal_text
from ..ard.safety import NOT_ATTRIBUTED, SEVERITY_ORDER
from ..arms import arm_header, arm_sizes
from ..listings.safety import lab_categories, tabulated_panel
from ..vocabulary import parameter_labels, visit_label
from ..columns import collected_decimals
from .format import fmt, fmt_fixed
from .reactions import t_medications_after_dose, t_reactions, t_rechallenge, t_temperature


def t_incidence(ard_: pd.DataFrame, empty: str = "No events in this category", any_label: str = "Any TEAE"
                ) -> pd.DataFrame:
    """Display of an incidence ARD: one row per SOC (then its PTs, indented) or category, per arm "n (%) [events]"
    (with the Clopper-Pearson 95% CI for a single arm), Fisher p per comparison; `empty` says why
    an empty ARD has no rows; `any_label` names the first row of a SOC/PT table (its TEAEs of any SOC)."""
    if ard_.empty:
        return pd.DataFrame({"Category": [empty]})
    keys = list(dict.fromkeys(zip(ard_["group2_level"], ard_["variable_level"])))
    arms = list(dict.fromkeys(ard_.loc[ard_["group1"] == "ARM", "group1_level"]))
    contrasts = list(dict.fromkeys(ard_.loc[ard_["group1"] == "CONTRAST", "group1_level"]))
    stat = ard_.set_index(["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    rows = []
    for soc, level in keys:
        label = any_label if soc == "ANY" else level if soc == "" or level != "ANY" else soc
        label = label.capitalize() if label in SEVERITY_ORDER else label     # MILD -> Mild
        row = {"Category": ("    " + level) if soc not in ("", "ANY") and level != "ANY" else label}
        for a in arms:
            n, pct = stat.get((soc, level, a, "n")), stat.get((soc, level, a, "pct"))
            cell = f"{fmt(n, 'count')} ({fmt(pct, 'pct')}%)" if n is not None else ""
            if (soc, level, a, "events") in stat:
                cell += f" [{fmt(stat[(soc, level, a, 'events')], 'count')}]"
            if (soc, level, a, "cp_lower") in stat:
                lower, upper = stat[(soc, level, a, "cp_lower")], stat[(soc, level, a, "cp_upper")]
                cell += f" CI {fmt(lower, 'pct')}-{fmt(upper, 'pct')}"
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
    PARAM) names the parameters; `decimals` (PARAMCD -> decimals of the reported values) shows
    min and max at the data's precision, mean and median at one more and SD at two more (else 1
    decimal for min and max); the SD of a single value is NE (not estimable)."""
    if ard_.empty:
        return pd.DataFrame({"Parameter": ["No data"]})
    labels, decimals = labels or {}, decimals or {}
    keys = ["variable", "group2_level", "group1_level", "variable_level"]
    wide = (ard_.pivot_table(index=keys, columns="stat_name", values="stat", sort=False).reset_index()
            .reindex(columns=[*keys, "n", "mean", "sd", "median", "min", "max"]))   # an SD no group has (n = 1)
    first = {k: i for i, k in enumerate(dict.fromkeys(zip(*(ard_[c] for c in keys))))}   # the ARD's row order:
    wide = wide.iloc[sorted(range(len(wide)), key=lambda i: first[tuple(wide.loc[i, keys])])]  # arms by visit
    rows = []
    for r in wide.itertuples(index=False):
        d = int(decimals.get(r.variable, 1))
        rows.append({"Parameter": labels.get(r.variable, r.variable), "Visit": visit_label(r.group2_level),
                     "Arm": _arm_cell(r.group1_level, n_by_arm),
                     "Statistic": "Value" if r.variable_level == "AVAL" else "Change from baseline",
                     "n": fmt(r.n, "count"),
                     "Mean (SD)": f"{fmt_fixed(r.mean, d + 1)} ({fmt_fixed(r.sd, d + 2) or 'NE'})",   # NE: n = 1
                     "Median": fmt_fixed(r.median, d + 1), "Min, max": f"{fmt_fixed(r.min, d)}, {fmt_fixed(r.max, d)}"})
    return pd.DataFrame(rows)


RANGE_LABELS = {"LOW": "Low", "NORMAL": "Normal", "HIGH": "High"}
SHIFT_COLUMNS = {"WORST LOW": "Lowest post-baseline", "WORST HIGH": "Highest post-baseline"}


def t_shift(ard_: pd.DataFrame, labels: dict | None = None, n_by_arm: dict | None = None) -> pd.DataFrame:
    """Display of ard_shift: by parameter, arm (both in the ARD's order) and baseline category
    (low, normal, high: every one, n 0 included, a full 3 x 3 per direction), the subjects (n) and
    n (%) of them by their lowest and by their highest post-baseline category (low and high
    directions apart); CMH p of each direction. `labels` (PARAMCD -> PARAM) names the parameters."""
    cells = ard_[ard_["group1"] == "ARM"]
    if cells.empty:
        return pd.DataFrame({"Parameter": ["No data"]})
    order = {col: {v: i for i, v in enumerate(dict.fromkeys(cells[col]))} for col in ("variable", "group1_level")}
    cats = {c: i for i, c in enumerate(RANGE_LABELS)}
    columns = [f"{d}: {c}" for d in SHIFT_COLUMNS for c in RANGE_LABELS]
    table = cells.pivot_table(index=["variable", "group1_level", "group2_level"], columns="variable_level",
                              values="stat", aggfunc="sum", fill_value=0).reindex(columns=columns, fill_value=0)
    full = pd.MultiIndex.from_product([list(order["variable"]), list(order["group1_level"]), list(RANGE_LABELS)])
    table = table.reindex(full.append(table.index.difference(full)), fill_value=0)     # and any other category
    table = table.fillna(0).astype(int)
    table = table.iloc[sorted(range(len(table)), key=lambda i: (
        order["variable"][table.index[i][0]], order["group1_level"][table.index[i][1]],
        cats.get(table.index[i][2], 9), table.index[i][2]))]
    tests = ard_[ard_["group1"] == "TEST"]
    p_of = {(r.variable, r.variable_level.split(":")[0]): r.stat for r in tests.itertuples()}
    rows = []
    for (param, arm, base), counts in table.iterrows():
        total = int(counts[columns[:3]].sum())          # each subject once per direction
        row = {"Parameter": (labels or {}).get(param, param), "Arm": _arm_cell(arm, n_by_arm),
               "Baseline": RANGE_LABELS.get(base, base), "n": str(total)}
        for col, k in counts.items():
            direction, cat = col.split(": ")
            row[f"{SHIFT_COLUMNS[direction]}: {RANGE_LABELS[cat].lower()}"] = \
                f"{k} ({fmt(100 * k / total, 'pct')}%)" if total else "0"
        if len(tests):           # one arm: no test across arms, no column
            for direction, name in SHIFT_COLUMNS.items():
                p = p_of.get((param, direction))
                row[f"CMH p, {name.split()[0].lower()}"] = fmt(p, "p") if p is not None else ""
        rows.append(row)
    return pd.DataFrame(rows)


EXPOSURE_ROWS = {"duration": "Duration of exposure (days)", "cumulative_dose": "Cumulative dose ({unit})",
                 "average_daily_dose": "Average daily dose ({unit}/day)",
                 "dose_intensity": "Dose intensity (% of planned)"}


def t_exposure(ard_: pd.DataFrame, dose_label: str | None = None, n_by_arm: dict | None = None) -> pd.DataFrame:
    """Subjects by infusions received, n (%), and the cumulative dose (mean, median, range) per
    arm (a daily regimen: duration, cumulative and average daily dose, dose intensity, EXPOSURE_ROWS);
    `dose_label` names the dose rows with its unit; without it the dose rows are left out (the
    dose would tell a coded arm's identity)."""
    rows = []
    for (var, level), g in ard_.groupby(["variable", "variable_level"], sort=False):
        if var not in ("infusions", "duration") and dose_label is None:
            continue
        row = {"Exposure": f"Infusions received: {level}" if var == "infusions" else
               EXPOSURE_ROWS.get(var, "Cumulative dose ({unit})").format(unit=dose_label)}
        for arm, h in g.groupby("group1_level", sort=False):
            s = h.set_index("stat_name")["stat"]
            days = var == "duration"            # whole days: a range of integers, the mean to one decimal
            mean, value = ("pct", "count") if days else ("ratio", "ratio")
            row[_arm_cell(arm, n_by_arm)] = (
                f"{fmt(s['n'], 'count')} ({fmt(s['pct'], 'pct')}%)" if var == "infusions" else
                f"mean {fmt(s['mean'], mean)}, median {fmt(s['median'], value)}, "
                f"range {fmt(s['min'], value)}-{fmt(s['max'], value)}")
        rows.append(row)
    return pd.DataFrame(rows)


def exposure_note(dose_label: str | None, regimen: str = "infusion") -> str:
    """The footnote of the exposure table: the dose unit, or why the dose is not shown."""
    if regimen == "daily":
        hidden = (" Doses are not shown while arms are coded: they would tell the coded arms apart."
                  if dose_label is None else "")
        return ("Daily dosing over the recorded periods. Duration: first to last day dosed, in days; cumulative "
                "dose: dose x days summed over the periods; average daily dose: cumulative dose / duration; dose "
                "intensity: average daily dose / planned daily dose (mean, median, range)." + hidden)
    if dose_label is None:
        return ("Infusions received by each subject of the safety set. The cumulative dose is not shown while "
                "arms are coded: it would tell the coded arms apart.")
    return f"Infusions received; cumulative dose in {dose_label} (mean, median, range)."


def t_time_to_event(ard_: pd.DataFrame) -> pd.DataFrame:
    """Display: per endpoint, subjects with the event / N and the log-rank p, then per week the
    number at risk and the cumulative incidence (1 - KM) in % with 95% CI, one column pair per arm
    ("n": with the event on the endpoint's row, at risk on a week's row)."""
    if ard_.empty:
        return pd.DataFrame({"Endpoint": ["No subject with a first dose"]})
    arms = list(dict.fromkeys(ard_.loc[ard_["group1"] == "ARM", "group1_level"]))
    stat = ard_.set_index(["variable", "variable_level", "group1_level", "stat_name"])["stat"]
    rows = []
    for name in dict.fromkeys(ard_["variable"]):
        first = {"Endpoint": name, "Week": "With the event / N"}
        for a in arms:
            big_n = stat[(name, "overall", a, "N")]
            events = stat[(name, "overall", a, "events")]
            first[f"{arm_header(a, big_n)}: n"] = f"{fmt(events, 'count')} / {fmt(big_n, 'count')}"
            first[f"{arm_header(a, big_n)}: % (95% CI)"] = ""
        p = stat.get((name, "overall", "log-rank", "p"))
        first["Log-rank p"] = fmt(p, "p") if p is not None else ""
        rows.append(first)
        levels = [v for v in dict.fromkeys(ard_.loc[ard_["variable"] == name, "variable_level"]) if v != "overall"]
        for level in levels:
            if level == "week 0":
                continue                    # everyone at risk: the N above
            row = {"Endpoint": "", "Week": level.capitalize()}
            for a in arms:
                head = arm_header(a, stat[(name, "overall", a, "N")])
                if (name, level, a, "surv") not in stat:
                    row[f"{head}: n"] = row[f"{head}: % (95% CI)"] = ""
                    continue
                inc = [100 * (1 - stat[(name, level, a, k)]) for k in ("surv", "upper", "lower")]
                row[f"{head}: n"] = fmt(stat[(name, level, a, "n_risk")], "count")
                pct = [decimal_text(v, 1) for v in inc]
                row[f"{head}: % (95% CI)"] = f"{pct[0]} ({pct[1]}, {pct[2]})" if inc[0] > 0 else "0.0"
            row["Log-rank p"] = ""
            rows.append(row)
    table = pd.DataFrame(rows)
    return table.drop(columns="Log-rank p") if len(arms) < 2 else table     # one arm: no test


def t_exposure_adjusted(ard_: pd.DataFrame) -> pd.DataFrame:
    """Display: per category, SOC and PT (indented) and arm "n / PY: rate (95% CI)"."""
    if ard_.empty:
        return pd.DataFrame({"Category": ["No subject with a first dose"]})
    arms = list(dict.fromkeys(ard_["group1_level"]))
    stat = ard_.set_index(["group2_level", "variable_level", "group1_level", "stat_name"])["stat"]
    rows = []
    for soc, level in dict.fromkeys(zip(ard_["group2_level"], ard_["variable_level"])):
        label = level if soc == "" else soc if level == "ANY" else "    " + level
        row = {"Category": label}
        for a in arms:
            g = {k: stat[(soc, level, a, k)] for k in ("n", "N", "py", "rate", "lower", "upper")}
            one = {k: decimal_text(g[k], 1) for k in ("py", "rate", "lower", "upper")}
            row[arm_header(a, g["N"])] = (f"{fmt(g['n'], 'count')} / {one['py']}: {one['rate']} "
                                          f"({one['lower']}, {one['upper']})")
        rows.append(row)
    return pd.DataFrame(rows)


def t_ae_by_infusion(ard_: pd.DataFrame) -> pd.DataFrame:
    """Display: per PT (any TEAE first) and infusion, per arm "n/N (%) [events]"; the arm's header
    N is the subjects who received infusion 1 (the safety set: at least one infusion)."""
    if ard_.empty:
        return pd.DataFrame({"Category": ["No infusion recorded"]})
    arms = list(dict.fromkeys(ard_["group1_level"]))
    stat = ard_.set_index(["variable_level", "group2_level", "group1_level", "stat_name"])["stat"]
    n_by_arm = ard_[ard_["stat_name"] == "N"].groupby("group1_level")["stat"].max()
    rows = []
    for level, k in dict.fromkeys(zip(ard_["variable_level"], ard_["group2_level"])):
        row = {"Category": level, "Infusion": k}
        if level == NOT_ATTRIBUTED or k == "-":
            rows.append(row | {arm_header(a, n_by_arm.get(a, 0)): f"{fmt(stat[(level, k, a, 'n')], 'count')} subjects "
                               f"[{fmt(stat[(level, k, a, 'events')], 'count')}]" for a in arms})
            continue
        for a in arms:
            g = {s: stat[(level, k, a, s)] for s in ("n", "N", "pct", "events")}
            row[arm_header(a, n_by_arm.get(a, 0))] = (f"{fmt(g['n'], 'count')}/{fmt(g['N'], 'count')} "
                                                      f"({fmt(g['pct'], 'pct') or '-'}%) [{fmt(g['events'], 'count')}]")
        rows.append(row)
    out = pd.DataFrame(rows)
    out.loc[out["Category"].duplicated(), "Category"] = ""     # the PT once, above its infusions
    return out


def display_context(adsl: pd.DataFrame, arm: str, bds: list[pd.DataFrame | None] = (),
                    dose_label: str | None = None) -> dict:
    """What the displays need beyond an ARD: the safety N per arm, parameter names with units
    (PARAM) and the decimals of the collected values of each parameter (ADLB, ADVS), the dose unit."""
    labels, decimals = parameter_labels(*bds), {}
    for d in bds:
        if d is None or d.empty:
            continue
        decimals.update({str(k): collected_decimals(g["AVAL"]) for k, g in d.groupby("PARAMCD")})
    return dict(n_by_arm=arm_sizes(adsl, arm), labels=labels, decimals=decimals, dose_label=dose_label)


NO_AESI = "No adverse event of special interest is defined for this study"


def display_of(output_id: str, n_by_arm: dict | None = None, labels: dict | None = None,
               decimals: dict | None = None, dose_label: str | None = None):
    """The display function of a safety ARD (None: a figure's ARD, not shown as a table), with
    the context of display_context."""
    return {"t_14_3_8": lambda a: t_summary(a, labels, decimals, n_by_arm),
            "t_14_3_9": lambda a: t_shift(a, labels, n_by_arm),
            "t_14_3_11": lambda a: t_summary(a, labels, decimals, n_by_arm),
            "t_14_1_5": lambda a: t_exposure(a, dose_label, n_by_arm),
            "f_14_3_7": None, "f_14_3_8": None, "t_14_3_12": t_time_to_event, "f_14_3_12": None,
            "t_14_3_13": t_exposure_adjusted, "t_14_3_14": t_ae_by_infusion,
            "t_14_3_4": lambda a: t_incidence(a, any_label="Any treatment-related TEAE"),
            "t_14_3_5": lambda a: t_incidence(a, any_label="Any serious TEAE"),
            "t_14_3_6": lambda a: t_incidence(a, NO_AESI),
            "t_14_3_17": lambda a: t_reactions(a, n_by_arm), "t_14_3_18": lambda a: t_rechallenge(a, n_by_arm),
            "t_14_3_19": lambda a: t_temperature(a, n_by_arm),
            "t_14_3_20": lambda a: t_medications_after_dose(a, n_by_arm)}.get(output_id, t_incidence)


def safety_files(results: dict, context: dict, single_arm: bool) -> dict[str, pd.DataFrame]:
    """The files of the safety rule from compute_safety's results, by path under its folder: every ARD
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


NO_RECORDS = "No laboratory records of safety subjects"


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

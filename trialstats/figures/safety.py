"""Safety figures: AE dot plot with risk differences, eDISH, lab values over visits by arm."""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, NullLocator

from ..arms import arm_colours, order_arms
from ..listings.safety import lab_figure_parts, part_suffix, part_title
from ..vocabulary import parameter_labels
from .common import PRINT_HEIGHT_IN, PRINT_WIDTH_IN, STYLE, arm_markers, visit_weeks
from .secondary import dodge, week_ticks

EDISH_TICKS = [0.05, 0.1, 0.2, 0.5, 1, 2, 3, 5, 10, 20, 50, 100]



def _says(title: str, text: str) -> plt.Figure:
    """A small figure that says why there is nothing to draw (call inside the STYLE context)."""
    fig, ax = plt.subplots(figsize=(7, 2))
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center")
    return fig

def g_ae_dotplot(soc_pt: pd.DataFrame, risk: pd.DataFrame, title: str, top: int = 20,
                 control: str | None = None, rank: dict | None = None) -> plt.Figure:
    """Left: incidence (%) of each PT by arm (one marker shape per arm, slightly offset, so equal
    incidences both show); right: difference of each arm vs control with 95% MN CI."""
    pts = soc_pt[(soc_pt["variable_level"] != "ANY") & (soc_pt["group1"] == "ARM") & (soc_pt["stat_name"] == "pct")]
    total = pts.groupby("variable_level")["stat"].sum().sort_values(ascending=False)
    keep = list(total.index[:top])[::-1]
    arms = order_arms(pts["group1_level"], control, rank)
    colours, markers = arm_colours(arms, control, rank), arm_markers(arms, control)
    height = min(PRINT_HEIGHT_IN, 0.24 * len(keep) + 1.5)
    with plt.rc_context(STYLE):
        if risk.empty:        # single arm (or no comparison): the incidence panel alone
            fig, a1 = plt.subplots(figsize=(7.5, height))
            a2 = None
        else:
            fig, (a1, a2) = plt.subplots(1, 2, figsize=(PRINT_WIDTH_IN, height), sharey=True,
                                         gridspec_kw={"width_ratios": [1.2, 1]})
        y = np.arange(len(keep))
        offset = {arm: (i - (len(arms) - 1) / 2) * 0.18 for i, arm in enumerate(arms)}   # equal values both show
        for arm in arms:
            v = pts[pts["group1_level"] == arm].groupby("variable_level")["stat"].max().reindex(keep)
            a1.plot(v.to_numpy(), y + offset[arm], markers[arm], color=colours[arm],
                    mfc="none" if arm == control else colours[arm], mew=1.3, label=str(arm), ms=5, ls="none")
        a1.set_yticks(y, keep)
        a1.set_ylim(-0.7, len(keep) - 0.3)
        a1.set_xlim(-0.03 * max(float(pts["stat"].max()), 1.0), None)   # markers at 0 stay whole
        a1.set_xlabel("Incidence (% of subjects)")
        if a2 is not None:
            for contrast, g in risk.groupby("group1_level", sort=False):
                active = str(contrast).split(" - ")[0]
                s = g.pivot_table(index="variable_level", columns="stat_name", values="stat").reindex(keep)
                a2.errorbar(s["estimate"], y + offset.get(active, 0),
                            xerr=[s["estimate"] - s["lower"], s["upper"] - s["estimate"]],
                            fmt=markers.get(active, "s"), ms=4, capsize=2, lw=1, color=colours.get(active, "black"),
                            label=str(contrast))
            a2.axvline(0, color="#777777", lw=0.8, ls="--")
            a2.set_xlabel(f"Risk difference vs {control} (percentage points, 95% CI)" if control else
                          "Risk difference (percentage points, 95% CI)")
        fig.legend(*a1.get_legend_handles_labels(), loc="upper right", ncol=len(arms), frameon=False, fontsize=8)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / height))
    return fig


def _uln_axis(axis, values) -> tuple[float, float]:
    """A log axis in plain multiples of ULN (0.1, 0.2, 0.5, 1, 2, 3, 5, 10); returns its limits."""
    values = pd.Series(values, dtype=float).dropna()
    low = min(0.1, 0.8 * values.min()) if len(values) else 0.1
    high = max(10.0, 1.5 * values.max()) if len(values) else 10.0
    ticks = [t for t in EDISH_TICKS if low <= t <= high]
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(lambda v, _: f"{v:g}")
    return low, high


def g_edish(peak: pd.DataFrame, title: str, arms: list | None = None, control: str | None = None,
            rank: dict | None = None) -> plt.Figure:
    """Peak ALT or AST, whichever is higher (the screen's transaminase), vs peak bilirubin (x ULN) on
    log axes in plain numbers, Hy's-law reference lines at 3 x ULN and bilirubin 2 x ULN, subjects at
    ALT or AST >= 3 x ULN labelled by USUBJID (with "ALP >= 2 x ULN" where their peak ALP is: a
    cholestatic pattern); arms in the study order and colours, one marker shape each."""
    column = "ARM_" if "ARM_" in peak else "Arm"
    groups = dict(list(peak.groupby(column)))
    arms = order_arms(list(arms or []) + sorted(set(groups) - set(arms or [])), control, rank)
    colours, markers = arm_colours(arms, control, rank), arm_markers(arms, control)
    transaminase = peak[[c for c in ("ALT_XULN", "AST_XULN") if c in peak]].max(axis=1)
    alt, bili = transaminase.clip(lower=0.05), peak["BILI_XULN"].clip(lower=0.05)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, PRINT_HEIGHT_IN))
        for arm in (a for a in arms if a in groups):
            g = groups[arm]
            ax.scatter(alt[g.index], bili[g.index], s=22, marker=markers[arm], color=colours[arm],
                       fc="none" if arm == control else colours[arm], alpha=0.8, lw=1.1, label=f"{arm} (n={len(g)})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(*_uln_axis(ax.xaxis, alt))
        ax.set_ylim(*_uln_axis(ax.yaxis, bili))
        ax.axvline(3, color="#555555", lw=0.9, ls="--")
        ax.axhline(2, color="#555555", lw=0.9, ls="--")
        ax.annotate("ALT or AST 3 x ULN", (3, 0.5), xycoords=ax.get_xaxis_transform(), xytext=(-3, 0),
                    textcoords="offset points", ha="right", va="center", rotation=90, fontsize=8, color="#333333")
        ax.annotate("Bilirubin 2 x ULN", (0, 2), xycoords=ax.get_yaxis_transform(), xytext=(3, 3),
                    textcoords="offset points", ha="left", va="bottom", fontsize=8, color="#333333")
        corner = dict(xycoords="axes fraction", fontsize=8, color="#555555", style="italic")
        ax.annotate("Potential Hy's law", (0.98, 0.98), ha="right", va="top", **corner)
        ax.annotate("Temple's corollary", (0.98, 0.02), ha="right", va="bottom", **corner)
        cholestatic = peak["ALP_XULN"] >= 2 if "ALP_XULN" in peak else pd.Series(False, index=peak.index)
        for k, i in enumerate(peak.index[transaminase >= 3]):
            label = str(peak.at[i, "USUBJID"]) + (" (ALP >= 2 x ULN)" if cholestatic[i] else "")
            ax.annotate(label, (transaminase[i], max(peak.at[i, "BILI_XULN"], 0.05)), xytext=(5, 4 - 9 * (k % 2)),
                        textcoords="offset points", fontsize=7.5, va="center")
        ax.set_xlabel("Peak ALT or AST, whichever is higher (x ULN)")
        ax.set_ylabel("Peak total bilirubin (x ULN)")
        ax.legend(frameon=False, fontsize=8, loc="upper left")
        fig.tight_layout()
    return fig


SHORT_VISITS = {"END OF TREATMENT": "EoT", "UNSCHEDULED": "Unsch.", "END OF STUDY": "EoS",
                "EARLY TERMINATION": "ET"}


def _positions(s: pd.DataFrame) -> tuple[list, dict, dict]:
    """Visits of one parameter's summary rows in their order, visit -> week on the time axis and
    visit -> planned: the ARD's "week" and "planned" stats (ard_lab_over_time), else weeks from
    the visit names (visit_weeks), every visit planned."""
    visits = list(dict.fromkeys(s["group2_level"]))
    if "week" in set(s["stat_name"]):
        first = s.drop_duplicates(["group2_level", "stat_name"]).pivot(index="group2_level", columns="stat_name",
                                                                       values="stat")
        return visits, first["week"].astype(float).to_dict(), first["planned"].astype(bool).to_dict()
    return visits, dict(zip(visits, visit_weeks(visits) if visits else [])), {v: True for v in visits}


def _scale(frames: list[pd.DataFrame]) -> tuple[float, float]:
    """The lowest mean - SD and highest mean + SD of the planned visits (a mean without SD: itself)."""
    ends = [(f["mean"] - f["sd"].fillna(0), f["mean"] + f["sd"].fillna(0)) if "sd" in f else (f["mean"], f["mean"])
            for f in frames if len(f)]
    low = min((float(lo.min()) for lo, _ in ends), default=np.nan)
    high = max((float(hi.max()) for _, hi in ends), default=np.nan)
    return (low, high) if high > low else (low - 1, high + 1)


def g_lab_over_visits(summary: pd.DataFrame, params: list[str], title: str, labels: dict | None = None,
                      per_row: int = 4, control: str | None = None, rank: dict | None = None) -> plt.Figure:
    """Mean (SD) of each lab parameter by visit and arm on a time axis in weeks (baseline 0), arms
    dodged, one panel per parameter (rows of at most `per_row` panels); planned visits joined by a
    line, others (End of Treatment, unscheduled: ard_lab_over_time's "planned" 0) as open markers at
    their own week, labelled; a visit without a week is not drawn. `labels` (PARAMCD -> PARAM) titles
    the panels. No parameter: a figure that says so."""
    labels = labels or {}
    with plt.rc_context(STYLE):
        if not params:
            return _says(title, "No laboratory parameter with values to plot")
        arms = order_arms(summary["group1_level"], control, rank)     # one order, one colour per arm
        colours, markers = arm_colours(arms, control, rank), arm_markers(arms, control)
        cols = min(len(params), per_row)
        rows = -(-len(params) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(min(PRINT_WIDTH_IN, 2.7 * cols + 0.6),
                                                      min(PRINT_HEIGHT_IN, 2.3 * rows + 0.9)), squeeze=False)
        for ax in axes.flat[len(params):]:
            ax.axis("off")
        for ax, param in zip(axes.flat, params):
            s = summary[(summary["variable"] == param) & (summary["variable_level"] == "AVAL")]
            visits, week, planned = _positions(s)
            shown = [v for v in visits if pd.notna(week.get(v))]
            line = sorted((v for v in shown if planned[v]), key=lambda v: week[v])
            other = [v for v in shown if not planned[v]]
            weeks = np.array([week[v] for v in shown])
            span = float(np.ptp(weeks)) if len(weeks) else 1.0
            present = [a for a in arms if a in set(s["group1_level"])]
            wide = {a: s[s["group1_level"] == a].pivot_table(index="group2_level", columns="stat_name", values="stat")
                    for a in present}
            low, high = _scale([wide[a].reindex(line) for a in present])
            for i, arm in enumerate(present):
                shift = dodge(i, len(present), span or 1.0, 0.025)
                if line:
                    v = wide[arm].reindex(line)
                    ax.errorbar(np.array([week[k] for k in line]) + shift, v["mean"], yerr=v.get("sd"),
                                marker=markers[arm], ms=3.5, lw=1, capsize=2, color=colours[arm], label=str(arm))
                for k in other:                  # open, unjoined; a mean beyond the planned visits' scale at its edge
                    mean, sd = wide[arm]["mean"].get(k, np.nan), wide[arm].get("sd", pd.Series()).get(k, np.nan)
                    if pd.isna(mean):
                        continue
                    y = min(max(mean, low), high)
                    ax.errorbar([week[k] + shift], [y], yerr=None if y != mean else [sd], marker=markers[arm],
                                mfc="white", ms=3.5, lw=1, capsize=2, color=colours[arm], ls="none")
                    if y != mean:
                        ax.annotate(f"{mean:.3g}", (week[k] + shift, y), xytext=(3, 0), textcoords="offset points",
                                    fontsize=6.5, va="center", color=colours[arm])
            week_ticks(ax, [week[v] for v in line] or [0.0], 0.1)
            if np.isfinite([low, high]).all():
                ax.set_ylim(low - 0.05 * (high - low), high + 0.25 * (high - low))   # room for the labels on top
            for v in other:
                ax.annotate(SHORT_VISITS.get(v.upper(), v), (week[v], 1), xycoords=ax.get_xaxis_transform(),
                            xytext=(0, -2), textcoords="offset points", ha="center", va="top", fontsize=7,
                            color="#444444")
            ax.tick_params(labelsize=7.5)
            ax.set_title(textwrap.fill(labels.get(param, param), 40), fontsize=8)
        for k, ax in enumerate(axes.flat[:len(params)]):
            if k + cols >= len(params):         # the lowest panel of its column
                ax.set_xlabel("Week (0 = baseline)", fontsize=8)
        handles, names = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, names, title="Mean \u00b1 SD. Open: EoT (end of treatment), Unsch. (unscheduled) at "
                   "their median week; beyond the scale: at its edge, with the mean",
                   loc="upper left", bbox_to_anchor=(0.01, 0.955), ncol=len(names), frameon=False, fontsize=8,
                   title_fontsize=7.5, alignment="left")
        fig.tight_layout(rect=(0, 0, 1, 0.88))
    return fig


def safety_figures(results: dict[str, pd.DataFrame], control: str | None = None, rank: dict | None = None) -> dict:
    """The safety figures an ADaM-route study's outputs allow, as {id: make()}: the AE dot plot,
    eDISH (when any subject has ALT/AST/bilirubin peaks) and one lab-by-visit figure per category
    k of listings/l_lab_parameters (f_14_3_8_k). `results` is keyed as run_adam_study's; `control`
    is the control arm (last, grey), `rank` the arms' numeric codes (their order, as in the tables). The
    images carry no output number: the report numbers its outputs in reading order (outputs.plan)."""
    soc_pt = results["ard/t_14_3_2"]
    risk = results.get("ard/f_14_3_7", soc_pt.iloc[0:0])
    out = {"f_14_3_7": lambda: g_ae_dotplot(soc_pt, risk, "TEAE incidence and risk difference (safety "
                                            "population)", control=control, rank=rank)}
    peaks = results.get("listings/l_hys_law_peaks")
    if peaks is not None and len(peaks):
        arms = list(dict.fromkeys(soc_pt.loc[soc_pt["group1"] == "ARM", "group1_level"]))
        out["f_14_3_10"] = lambda: g_edish(peaks, "eDISH: peak ALT or AST and bilirubin", arms, control, rank)
    parameters = results.get("listings/l_lab_parameters")
    if parameters is not None:
        labels = dict(zip(parameters["PARAMCD"], parameters["PARAM"]))
        points = results.get("ard/f_14_3_8", results["ard/t_14_3_8"])
        for k, category in enumerate(dict.fromkeys(parameters["CATEGORY"]), 1):
            params = list(parameters.loc[(parameters["CATEGORY"] == category) & (parameters["TABULATED"] == "yes"),
                                         "PARAMCD"])
            parts = lab_figure_parts(params)     # a category without analytes: its tables say so
            for j, part in enumerate(parts):
                suffix, of = part_suffix(j, len(parts)), part_title(j, len(parts))
                out[f"f_14_3_8_{k}{suffix}"] = (lambda part=part, k=k, suffix=suffix, category=category, of=of:
                                                g_lab_over_visits(points, part, f"Laboratory values over time: "
                                                                  f"{category}{of}, mean (SD)",
                                                                  labels, per_row=-(-len(part) // 2) if len(part) > 3
                                                                  else len(part), control=control, rank=rank))
    return out


def g_time_to_event(curves: pd.DataFrame, table: pd.DataFrame, colours: dict, title: str) -> plt.Figure:
    """Kaplan-Meier cumulative incidence (1 - KM, %) of each endpoint by arm, one panel per
    endpoint, censorings ticked (the CIs are in the table); under each panel the number at risk
    at the table's weeks (every 12 weeks from 36 weeks of follow-up on).
    `curves`: ard_km_curves; `table`: ard_time_to_event; `colours`: arm -> colour (arms.arm_colours)."""
    endpoints = list(dict.fromkeys(curves["variable"])) or ["(no subject dosed)"]
    arms = [a for a in colours if a in set(curves["group1_level"])]
    risk = table[table["stat_name"] == "n_risk"]
    if len(risk) and risk["group2_level"].astype(int).max() >= 36:  # long follow-up: every 12 weeks, readable
        risk = risk[risk["group2_level"].astype(int) % 12 == 0]
    weeks = sorted({int(w) for w in risk["group2_level"]})
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, len(endpoints), figsize=(min(PRINT_WIDTH_IN, 4.2 * len(endpoints) + 0.6), 4.6),
                                 squeeze=False,
                                 gridspec_kw={"height_ratios": [4, 0.35 + 0.28 * len(arms)], "hspace": 0.08})
        for j, name in enumerate(endpoints):
            ax, low = axes[0][j], axes[1][j]
            c = curves[curves["variable"] == name]
            top = longest = 0.0
            for arm in arms:
                w = c[c["group1_level"] == arm].pivot_table(index="variable_level", columns="stat_name", values="stat")
                w = w.set_index(w.index.astype(float)).sort_index()
                weeks_x = w.index / 7
                inc = 100 * (1 - w["surv"])
                ax.step(weeks_x, inc, where="post", color=colours[arm], lw=1.4, label=str(arm))
                cens = w[w["censored"] > 0]
                ax.plot(cens.index / 7, 100 * (1 - cens["surv"]), "|", color=colours[arm], ms=5, mew=0.8)
                top, longest = max(top, float(inc.max())), max(longest, float(weeks_x.max()))
            p = table[(table["variable"] == name) & (table["group1"] == "TEST")]
            events = table[(table["variable"] == name) & (table["stat_name"] == "events")]["stat"].sum()
            p_text = lambda v: "< 0.001" if v < 0.001 else f"= {v:.3f}"  # noqa: E731
            label = name + (f"\nlog-rank p {p_text(p['stat'].iloc[0])}" if len(p) else "" if events else "\nno events")
            ax.set_title(label, fontsize=9, loc="left")
            ax.set_ylim(0, min(100, max(10.0, top * 1.15)))
            ax.set_xlim(0, longest * 1.02 or 1)
            ax.set_xticks(weeks)
            ax.tick_params(labelbottom=False)
            if j == 0:
                ax.set_ylabel("Subjects with the event (%)")
                ax.legend(frameon=False, fontsize=7, loc="upper left")
            low.set_xlim(ax.get_xlim())
            low.set_ylim(-0.5, len(arms) - 0.5)
            low.set_xticks(weeks)
            names = ["At risk"] if len(arms) == 1 else [str(a) for a in arms]
            low.set_yticks(range(len(arms)), names[::-1] if j == 0 else [""] * len(arms), fontsize=7)
            for spine in ("left", "top", "right"):
                low.spines[spine].set_visible(False)
            low.tick_params(left=False)
            for i, arm in enumerate(arms):
                r = risk[(risk["variable"] == name) & (risk["group1_level"] == arm)]
                for w_, n in zip(r["group2_level"].astype(int), r["stat"]):
                    low.text(w_, len(arms) - 1 - i, f"{n:.0f}", ha="center", va="center", fontsize=7,
                             color=colours[arm])
            low.set_xlabel("Weeks since first dose (number at risk below)", fontsize=8)
        label_len = max([len(str(a)) for a in arms] + [7]) if len(arms) > 1 else 7
        fig.subplots_adjust(left=min(0.3, 0.03 + 0.006 * label_len), right=0.98, top=0.82, bottom=0.12, wspace=0.18)
    return fig


def _visits(records: pd.DataFrame) -> list[str]:
    """Scheduled visits (those with AVISITN) in visit order."""
    d = records[records["AVISIT"].notna()]
    if "AVISITN" in d:
        d = d[d["AVISITN"].notna()]
        return list(d.groupby("AVISIT")["AVISITN"].min().sort_values(kind="mergesort").index)
    return sorted(d["AVISIT"].unique())


SEX_WORDS = {"M": "men", "F": "women"}


def upper_limits(records: pd.DataFrame) -> list[tuple[float, str, str]]:
    """The ULN lines of one test as (value, label, line style): one per sex where the limits differ by sex
    (creatinine), else one; the median ANRHI of the records of each."""
    uln = pd.to_numeric(records["ANRHI"], errors="coerce")
    if "SEX" in records:
        by_sex = uln.groupby(records["SEX"].astype("string")).median().dropna()
        if by_sex.nunique() > 1:
            return [(v, f" ULN {SEX_WORDS.get(sex, sex)}", ("--", ":")[k % 2])
                    for k, (sex, v) in enumerate(by_sex.sort_index(ascending=False).items())]
    return [(uln.median(), " ULN", "--")] if uln.notna().any() else []


def g_lab_boxplots(records: pd.DataFrame, colours: dict, title: str, labels: dict | None = None) -> plt.Figure:
    """Box plots of each test's values by scheduled visit, one box per arm side by side (median,
    quartiles, whiskers at 1.5 IQR, outliers as dots); the ULN dashed, one line per sex where the limits
    differ by sex (upper_limits). `records`: lab_records."""
    params = [p for p in ("ALT", "AST", "BILI", "CREAT") if p in set(records["PARAMCD"])]
    labels = labels or {}
    arms = [a for a in colours if a in set(records["ARM_"])]
    with plt.rc_context(STYLE):
        if not params:
            return _says(title, "No ALT, AST, bilirubin or creatinine records")
        cols = 2 if len(params) > 1 else 1
        rows = -(-len(params) // cols)
        size = (min(PRINT_WIDTH_IN, 5.2 * cols), min(PRINT_HEIGHT_IN, 2.5 * rows + 0.7))
        fig, axes = plt.subplots(rows, cols, figsize=size, squeeze=False)       # at print size: text >= 7 pt
        for ax in axes.flat[len(params):]:
            ax.axis("off")
        width = 0.8 / max(len(arms), 1)
        for ax, param in zip(axes.flat, params):
            d = records[records["PARAMCD"] == param]
            visits = _visits(d)
            for i, arm in enumerate(arms):
                values = [d.loc[(d["AVISIT"] == v) & (d["ARM_"] == arm), "AVAL"].dropna().to_numpy() for v in visits]
                pos = np.arange(len(visits)) + (i - (len(arms) - 1) / 2) * width
                keep = [k for k, v in enumerate(values) if len(v)]
                if not keep:
                    continue
                box = ax.boxplot([values[k] for k in keep], positions=pos[keep], widths=width * 0.85, patch_artist=True,
                                 manage_ticks=False, flierprops=dict(marker=".", ms=3, mec=colours[arm]),
                                 medianprops=dict(color="black", lw=1))
                for patch in box["boxes"]:
                    patch.set(facecolor=colours[arm], alpha=0.55, edgecolor=colours[arm])
                ax.plot([], [], "s", color=colours[arm], alpha=0.55, label=str(arm))
            for uln, label, style in upper_limits(d):
                ax.axhline(uln, color="#c00000", lw=0.8, ls=style)
                ax.text(len(visits) - 0.5, uln, label, color="#c00000", fontsize=7, va="bottom", ha="right")
            ax.set_xticks(range(len(visits)), [v.title() for v in visits], rotation=30, ha="right", fontsize=7)
            ax.set_title(labels.get(param, param), fontsize=9, loc="left")
        handles, names = axes[0][0].get_legend_handles_labels()
        fig.tight_layout(rect=(0, 0, 1, 0.97))
        fig.legend(handles, names, loc="upper right", ncol=len(arms), frameon=False, fontsize=8)  # clear of the data
    return fig


def g_liver_profiles(records: pd.DataFrame, colours: dict, title: str, threshold: float = 3.0) -> plt.Figure:
    """ALT and AST of every subject as multiples of the ULN over study day, one thin line per
    subject in the arm's colour; subjects whose ALT or AST reaches `threshold` x ULN after the first
    dose drawn bold in both panels and labelled at their peak; reference lines at 1 and `threshold` x ULN."""
    arms = [a for a in colours if a in set(records["ARM_"])]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(PRINT_WIDTH_IN, 4.8), sharey=True)
        liver = records[records["PARAMCD"].isin(["ALT", "AST"])]
        post = liver["POSTFL_"].astype(bool) if "POSTFL_" in liver else pd.Series(True, index=liver.index)
        high = set(liver.loc[post & (liver["XULN"] >= threshold), "USUBJID"])    # ALT or AST: bold in both panels
        for ax, param in zip(axes, ("ALT", "AST")):
            d = records[(records["PARAMCD"] == param) & records["XULN"].notna() & records["ADY"].notna()]
            d = d.assign(ADY=pd.to_numeric(d["ADY"]).astype(float)).sort_values(["USUBJID", "ADY"], kind="mergesort")
            post = d["POSTFL_"].astype(bool) if "POSTFL_" in d else pd.Series(True, index=d.index)
            n_high = d.loc[post & (d["XULN"] >= threshold), "USUBJID"].nunique()
            for (arm, subject), g in d.groupby(["ARM_", "USUBJID"], sort=True):
                if subject in high:
                    continue
                ax.plot(g["ADY"], g["XULN"], color=colours.get(arm, "#999999"), lw=0.5, alpha=0.35)
            for (arm, subject), g in d[d["USUBJID"].isin(high)].groupby(["ARM_", "USUBJID"], sort=True):
                ax.plot(g["ADY"], g["XULN"], color=colours.get(arm, "#000000"), lw=1.8, marker="o", ms=3)
                peak = g.loc[g["XULN"].idxmax()]
                ax.annotate(f"{subject} ({arm}): {peak['XULN']:.1f} x ULN", (peak["ADY"], peak["XULN"]),
                            xytext=(6, 4), textcoords="offset points", fontsize=7, color=colours.get(arm, "#000000"))
            ax.axhline(threshold, color="#c00000", lw=0.9, ls="--")
            ax.text(ax.get_xlim()[0], threshold, f" {threshold:g} x ULN", color="#c00000", fontsize=7, va="bottom")
            ax.axhline(1, color="#777777", lw=0.6, ls=":")
            ax.set_title(f"{param}: {n_high} subject{'' if n_high == 1 else 's'} with {param} >= {threshold:g} x ULN "
                         "after the first dose", fontsize=9, loc="left")
            ax.set_xlabel("Study day")
        top = max(float(liver["XULN"].max()) if liver["XULN"].notna().any() else 0.0, threshold)
        axes[0].set_ylim(0, top * 1.25)       # the threshold line clear of the legend
        axes[0].set_ylabel("Value / upper limit of normal")
        for arm in arms:
            axes[0].plot([], [], color=colours[arm], lw=1.2, label=str(arm))
        axes[0].legend(frameon=False, fontsize=7, loc="upper right")
        fig.tight_layout()
    return fig


def safety_rule_figures(results: dict, lab_names: dict, control: str | None, numbers: dict[str, str]) -> dict:
    """The figures of the safety rule as {figure id: function drawing it}, from compute_safety's
    results: those of `numbers` (figure id -> the number its title carries, "" for none: the
    registry's figures of the rule in its report). `lab_names` PARAMCD -> PARAM titles the lab panels."""
    number = lambda fid: f"{numbers[fid]} " if numbers[fid] else ""  # noqa: E731
    empty = results["ard_t_14_3_1"].iloc[0:0]
    figures = {"f_14_3_7": lambda: g_ae_dotplot(
        results["ard_t_14_3_2"], results.get("ard_f_14_3_7", empty), number("f_14_3_7") + "TEAE incidence"
        + (" and risk difference" if control else "") + " (safety population)", control=control)}
    if "l_hys_law_peaks" in results:
        figures["f_14_3_10"] = lambda: g_edish(results["l_hys_law_peaks"], number("f_14_3_10") + "eDISH: peak ALT or "
                                               "AST and bilirubin", control=control)
    if "ard_t_14_3_12" in results:            # the DMC displays (dosing dates known)
        arms = list(dict.fromkeys(results["ard_t_14_3_12"].query("group1 == 'ARM'")["group1_level"]))
        colours = arm_colours(arms, control, {a: i for i, a in enumerate(arms)})
        figures["f_14_3_12"] = lambda: g_time_to_event(
            results["ard_f_14_3_12"], results["ard_t_14_3_12"], colours,
            number("f_14_3_12") + "Time to first serious TEAE, first AESI and study discontinuation (Kaplan-Meier)")
        if "data_lab_records" in results:
            records = results["data_lab_records"]
            labels = parameter_labels(records)
            figures["f_14_3_15"] = lambda: g_lab_boxplots(records, colours, number("f_14_3_15")
                                                          + "Liver and renal tests by visit", labels)
            figures["f_14_3_16"] = lambda: g_liver_profiles(
                records, colours, number("f_14_3_16") + "ALT and AST over time, multiples of the upper limit of normal")
    figures = {fid: make for fid, make in figures.items() if fid in numbers}
    return figures

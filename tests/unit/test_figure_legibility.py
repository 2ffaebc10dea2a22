"""Every figure of the closed and review reports, built from small inputs shaped like the real
ARDs: legible at the size the PDF prints it (>= 7 pt), arms in one colour everywhere (arms.py),
colour-blind safe maps, plain eDISH axes, "Favours" labels on the right sides of the forests."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer
from matplotlib.image import AxesImage
from matplotlib.text import Text

from trialstats.arms import POOLED_COLOUR, arm_colours
from trialstats.figures.common import PRINT_HEIGHT_IN, PRINT_WIDTH_IN, visit_weeks
from trialstats.figures.consort import g_consort
from trialstats.figures.monitoring import g_gs_boundaries, g_safety_boundaries
from trialstats.figures.primary import g_change_forest, g_difference_forest, g_tipping_heatmap, p_text
from trialstats.figures.safety import (g_ae_dotplot, g_edish, g_lab_boxplots, g_lab_over_visits, g_liver_profiles,
                                       g_time_to_event)
from trialstats.ard.time_to_event import ard_km_curves, ard_km_steps, ard_time_to_event
from trialstats.figures.survival import km_figure
from trialstats.figures.secondary import g_lsmeans_over_visits, g_subgroup_forest
from trialstats.protocol import better_direction
from trialstats.vocabulary import CHANGE_ANALYSES, analysis_names

MIN_PRINT_PT = 7.0     # text is legible at >= 7 pt where the PDF prints a figure


def print_scale(fig) -> float:
    """How much the report scales this figure: min(13.2 cm / height, 26.7 cm / width)."""
    width, height = fig.get_size_inches()
    return min(PRINT_HEIGHT_IN / height, PRINT_WIDTH_IN / width)


VISITS = ["WEEK 4", "WEEK 8", "WEEK 12", "WEEK 24", "WEEK 48"]
SPEC = {"criteria": [{"paramcd": "HBA1C", "aval_lt": 7.0}, {"paramcd": "INSDOSE", "pchg_le": -50.0}],
        "covariates": []}
PTS = [f"Preferred term {k}" for k in range(20)]
SINGLE = "MSC-derived extracellular vesicles"


def row(stat_name, stat, **kw):
    return dict(dict(group1="", group1_level="", group2="", group2_level="", variable="", variable_level=""),
                **kw, stat_name=stat_name, stat=stat)


def ci(estimate, half, **kw):
    return [row("estimate", estimate, **kw), row("lower", estimate - half, **kw), row("upper", estimate + half, **kw)]


def primary_ard(active="A", control="B"):
    rows = []
    for k, analysis in enumerate(analysis_names(SPEC)):
        rows += ci(0.15 + 0.01 * k, 0.14, group1="CONTRAST", group1_level=f"{active} - {control}",
                   variable=analysis, variable_level="mn")
    return pd.DataFrame(rows)


def tipping_grid():
    return pd.DataFrame([row("p", 0.0496 * (1 + ka) ** -1.5 * (1 + kc) ** 1.6, group1_level=str(ka),
                             group2_level=str(kc)) for ka in range(6) for kc in range(5)])


def mmrm_ard(arms):
    return pd.DataFrame([r for i, arm in enumerate(arms) for k, v in enumerate(VISITS)
                         for r in ci(-0.2 * (k + 1) * (1 + i), 0.12, group1="ARM", group1_level=arm, group2="AVISIT",
                                     group2_level=v, variable="HBA1C", variable_level="lsmean_chg")])


def change_ard(arms):
    control = arms[-1]
    return pd.DataFrame([r for analysis in CHANGE_ANALYSES for arm in arms[:-1]
                         for r in ci(-0.5, 0.3, group1="CONTRAST", group1_level=f"{arm} - {control}", group2="AVISIT",
                                     group2_level="WEEK 12", variable=analysis, variable_level="difference")])


def subgroup_ard(arms=("A", "B")):
    rows = []
    for name, levels in (("Age (years)", ["< 50", ">= 50"]), ("Sex", ["F", "M"]), ("BMI (kg/m2)", ["< 28", ">= 28"]),
                         ("Baseline HbA1c (%)", ["< 9", ">= 9"]), ("Diabetes duration (years)", ["< 10", ">= 10"]),
                         ("Baseline C-peptide (ng/mL)", ["< 2", ">= 2"])):
        for level in levels:
            base = dict(group1="SUBGROUP", group1_level=name, group2="LEVEL", group2_level=level)
            for n, arm in enumerate(arms):
                rows += [row("n", 5, variable="responder", variable_level=arm, **base),
                         row("N", 20 + n, variable="responder", variable_level=arm, **base)]
            rows += ci(0.15, 0.2, variable="responder", variable_level="difference", **base)
            rows += ci(-0.7, 0.5, variable="key_visit_chg", variable_level="difference", **base)
        for var in ("responder", "key_visit_chg"):
            rows.append(row("p", 0.5, group1="SUBGROUP", group1_level=name, variable=var, variable_level="interaction"))
    return pd.DataFrame(rows)


def ae_inputs(arms):
    soc_pt = pd.DataFrame([row("pct", float(5 * (k % 4) if k % 3 else 10), group1="ARM", group1_level=arm,
                               variable="AEDECOD", variable_level=pt) for arm in arms for k, pt in enumerate(PTS)])
    risk = pd.DataFrame([r for arm in arms[:-1] for pt in PTS
                         for r in ci(0.0, 8.0, group1="CONTRAST", group1_level=f"{arm} - {arms[-1]}",
                                     variable="AEDECOD", variable_level=pt)]) if len(arms) > 1 else soc_pt.iloc[0:0]
    return soc_pt, risk


def peaks(arms):
    rng = np.random.default_rng(1)
    n = 12 * len(arms)
    frame = pd.DataFrame({"USUBJID": [f"STUDY-01-{k:03d}" for k in range(n)], "Arm": np.repeat(arms, 12),
                          "ALT_XULN": rng.lognormal(-0.3, 0.4, n), "BILI_XULN": rng.lognormal(-0.5, 0.3, n)})
    frame["AST_XULN"], frame["ALP_XULN"] = frame["ALT_XULN"] * 0.9, 1.0
    frame.loc[0, ["ALT_XULN", "BILI_XULN"]] = [4.2, 2.5]        # a potential Hy's law case
    frame.loc[2, ["AST_XULN", "ALP_XULN"]] = [3.5, 2.5]        # AST the higher, with ALP >= 2 x ULN: cholestatic
    return frame


def lab_summary(arms, params=("ALT", "AST", "BILI", "CREAT")):
    return pd.DataFrame([row(s, v, group1="ARM", group1_level=arm, group2="AVISIT", group2_level=visit, variable=p,
                             variable_level="AVAL")
                         for arm in arms for p in params for visit in ["BASELINE", *VISITS]
                         for s, v in (("n", 20), ("mean", 25.0), ("sd", 8.0))])


def consort_ard(arms):
    reasons = [f"IN0{k} A criterion with a long text of the kind protocols have" for k in range(1, 10)]
    rows = [row("n", 103, variable="SCREENED"), row("n", 12, variable="SCREEN FAILURE")]
    rows += [row("n", 1, variable="SCREEN FAILURE", variable_level=r) for r in reasons]
    for arm in arms:
        g = dict(group1="ARM" if arm else "", group1_level=arm)
        rows += [row("n", 45, variable=v, **g) for v in ("ENROLLED", "DOSED", "NOT DOSED", "COMPLETED", "ONGOING",
                                                          "DISCONTINUED", "FAS", "PP", "SAFETY")]
        rows += [row("n", 1, variable="DISCONTINUED", variable_level=r, **g)
                 for r in ("ADVERSE EVENT", "LOST TO FOLLOW-UP", "WITHDRAWAL BY SUBJECT", "LACK OF EFFICACY")]
        rows += [row("n", 1, variable="EXCLUDED FROM PP", variable_level=r, **g)
                 for r in ("fewer than 3 infusions", "no Week 48 haemoglobin A1c value",
                           "prohibited medication on study")]
    return pd.DataFrame(rows)


def boundary_paths(groups, events=("FEVER48", "SERIOUS")):
    return pd.DataFrame([dict(event=e, group=g, enrolled=k, cumulative_events=k // 4,
                              boundary=3 + k // 5 if k >= 10 else np.nan)
                         for e in events for g in groups for k in range(1, 46)])


def km_inputs(arms):
    """Three time-to-event endpoints, 40 subjects per arm over 48 weeks."""
    rng = np.random.default_rng(5)
    endpoints = {name: pd.DataFrame({"ARM_": np.repeat(arms, 40), "AVAL": rng.integers(5, 340, 40 * len(arms)),
                                     "CNSR": rng.integers(0, 2, 40 * len(arms))})
                 for name in ("First serious TEAE", "First AESI", "Study discontinuation")}
    return ard_km_curves(endpoints, arms), ard_time_to_event(endpoints, arms, [0, 4, 12, 24, 36, 48])


def lab_records(arms):
    """ALT, AST, bilirubin and creatinine of 10 subjects per arm at 6 visits (one ALT at 3.6 x ULN)."""
    visits = ["BASELINE", *VISITS]
    rows = [dict(ARM_=a, USUBJID=f"{a}-{i}", PARAMCD=p, AVISIT=v, ADY=7 * k * 4 + 1, AVAL=20.0 + i + k, ANRHI=40.0,
                 POSTFL_=k > 0) for a in arms for i in range(10) for p in ("ALT", "AST", "BILI", "CREAT")
            for k, v in enumerate(visits)]
    d = pd.DataFrame(rows)
    d.loc[0, "AVAL"] = 144.0
    return d.assign(XULN=d["AVAL"] / d["ANRHI"])


def gs_look_ard():
    """The efficacy look ARD of a final look after one interim (the unit test's study-1 counts)."""
    from tests.unit.test_monitoring import PLAN, responders
    from trialstats.tables.monitoring import ard_efficacy_monitoring
    history = pd.DataFrame([{"cut": "2017-09-30", "information_fraction": 33 / 91, "z": 2.63, "evaluable": 33,
                             "se": 0.13, "final": 0}])
    status = responders({("A", "ACT"): (9, 45), ("B", "PBO"): (2, 44)})
    return ard_efficacy_monitoring(status, ("A", "B"), PLAN, {"A": 46, "B": 45}, history, final=True)


def closed_figures():
    """(name, figure, arms, control) of every figure of a two-arm closed report (B the control)."""
    arms = ["A", "B"]
    soc_pt, risk = ae_inputs(arms)
    return [("f_14_2_3", g_difference_forest(primary_ard(), ("A", "B"), "Figure 14.2.3", SPEC), arms, "B"),
            ("f_14_2_4", g_tipping_heatmap(tipping_grid(), ("A", "B"), "Figure 14.2.4", 0.05), arms, "B"),
            ("f_14_2_5", g_lsmeans_over_visits(mmrm_ard(arms), ("A", "B"), VISITS, "Change in HbA1c", "Figure 14.2.5",
                                               control="B"), arms, "B"),
            ("f_14_2_11", g_subgroup_forest(subgroup_ard(), ("A", "B"), "Figure 14.2.11",
                                            "Difference in WEEK 48 change in Haemoglobin A1c (%)", "lower"), arms, "B"),
            ("f_14_3_7", g_ae_dotplot(soc_pt, risk, "Figure 14.3.7", control="B"), arms, "B"),
            ("f_14_3_10", g_edish(peaks(arms), "Figure 14.3.10", control="B"), arms, "B"),
            ("f_14_3_8", g_lab_over_visits(lab_summary(arms), ["ALT", "AST", "BILI", "CREAT"], "Figure 14.3.8",
                                           control="B"), arms, "B"),
            ("consort", g_consort(consort_ard(arms), "Subject flow by arm", "Randomized", control="B"), arms, "B"),
            ("boundaries", g_safety_boundaries(boundary_paths(["A", "All subjects", "B"]), {}, "All subjects", "B"),
             arms, "B"),
            ("f_gs_design", g_gs_boundaries(gs_look_ard()), [], None),
            ("f_14_3_12", g_time_to_event(*km_inputs(arms), arm_colours(arms, "B"), "Figure 14.3.12"), arms, "B"),
            ("f_14_3_15", g_lab_boxplots(lab_records(arms), arm_colours(arms, "B"), "Figure 14.3.15"), arms, "B"),
            ("f_14_3_16", g_liver_profiles(lab_records(arms), arm_colours(arms, "B"), "Figure 14.3.16"), arms, "B")]


def three_arm_figures():
    """The continuous-primary figures and the Kaplan-Meier figure of a time-to-event primary of a three-arm
    study (two doses and placebo)."""
    arms = ["High dose", "Low dose", "Placebo"]
    return [("f_14_2_1", g_lsmeans_over_visits(mmrm_ard(arms), arms, VISITS, "Change in LDL", "Figure 14.2.1",
                                               control="Placebo"), arms, "Placebo"),
            ("f_14_2_3c", g_change_forest(change_ard(arms), arms, "WEEK 12", "Difference in change in LDL",
                                          "Figure 14.2.3", "lower"), arms, "Placebo"),
            ("f_14_2_1 km", km_figure(ard_km_steps(tte_frame(arms), "ARM", arms), arms, arm_colours(arms, "Placebo"),
                                      "days", "Figure 14.2.1 Kaplan-Meier estimate: time to the event"),
             arms, "Placebo")]


def tte_frame(arms):
    """A time-to-event primary: 40 subjects per arm over 180 days."""
    rng = np.random.default_rng(7)
    n = 40 * len(arms)
    return pd.DataFrame({"USUBJID": [f"S{i}" for i in range(n)], "ARM": np.repeat(arms, 40),
                         "AVAL": rng.integers(1, 180, n).astype(float), "CNSR": rng.integers(0, 2, n)})


def review_figures():
    """The figures of a single-arm review report: one arm, no control."""
    soc_pt, risk = ae_inputs([SINGLE])
    return [("review f_14_3_7", g_ae_dotplot(soc_pt, risk, "Figure 14.3.7"), [SINGLE], None),
            ("review f_14_3_10", g_edish(peaks([SINGLE]), "Figure 14.3.10"), [SINGLE], None),
            ("review f_14_3_8", g_lab_over_visits(lab_summary([SINGLE]), ["ALT", "AST", "BILI", "CREAT"],
                                                  "Figure 14.3.8"), [SINGLE], None),
            ("review consort", g_consort(consort_ard([""]), "Subject flow"), [], None),
            ("review boundaries",
             g_safety_boundaries(boundary_paths(["All subjects"], ("FEVER48", "INFUSION", "SERIOUS")), {},
                                 "All subjects"), [], None)]


@pytest.fixture(scope="module")
def figures():
    built = closed_figures() + three_arm_figures() + review_figures()
    for _, fig, _, _ in built:
        fig.canvas.draw()          # tick labels and arrow clipping exist only once drawn
    yield built
    plt.close("all")


def texts(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def colour_of(handle):
    if isinstance(handle, ErrorbarContainer):
        handle = handle[0]
    if hasattr(handle, "get_markeredgecolor"):
        return to_hex(handle.get_markeredgecolor() if handle.get_linestyle() == "None" else handle.get_color())
    return to_hex(handle.get_edgecolor()[0])


def legend_colours(fig) -> dict:
    out = {}
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            out.setdefault(label.split(" (n=")[0], set()).add(colour_of(handle))
    return out


def test_every_text_is_at_least_7_pt_at_print_size(figures):
    small = [(name, t.get_text()[:30], round(t.get_fontsize() * print_scale(fig), 1))
             for name, fig, _, _ in figures for t in texts(fig)
             if t.get_fontsize() * print_scale(fig) < MIN_PRINT_PT]
    assert small == []


def test_figures_fit_the_report_page_without_shrinking_below_legibility(figures):
    assert all(print_scale(fig) >= 0.8 for _, fig, _, _ in figures)


def test_arm_colours_are_those_of_arms_py_in_every_figure(figures):
    checked = 0
    for name, fig, arms, control in figures:
        expected = arm_colours(arms, control)
        for label, colours in legend_colours(fig).items():
            if label in expected:
                assert colours == {expected[label].lower()}, (name, label)
                checked += 1
    assert checked >= 10


def test_forest_estimates_in_the_active_arms_colour(figures):
    for name, fig, arms, control in figures:
        if name in ("f_14_2_3", "f_14_2_11", "f_14_2_3c"):
            actives = {c.lower() for a, c in arm_colours(arms, control).items() if a != control}
            drawn = {to_hex(line.get_color()) for ax in fig.axes for line in ax.lines if len(line.get_xdata()) <= 2
                     and line.get_linestyle() != "--"}
            assert drawn and drawn <= actives, name


def test_pooled_group_black_in_the_stopping_boundaries(figures):
    fig = {n: f for n, f, _, _ in figures}["boundaries"]
    colours = {ax.get_title(loc="left").split(": ")[-1]: to_hex(ax.lines[1].get_color()) for ax in fig.axes if ax.lines}
    assert colours == {"A": arm_colours(["A", "B"], "B")["A"].lower(), "B": arm_colours(["A", "B"], "B")["B"].lower(),
                       "All subjects": POOLED_COLOUR}


def test_no_red_green_colour_map_and_the_tipping_map_is_perceptually_uniform(figures):
    images = [(name, im.get_cmap().name) for name, fig, _, _ in figures for ax in fig.axes for im in ax.get_images()
              if isinstance(im, AxesImage)]
    assert images and all(not any(bad in cmap for bad in ("RdYlGn", "RdGn", "PiYG", "PRGn")) for _, cmap in images)
    assert dict(images)["f_14_2_4"] in {"cividis", "viridis", "magma", "inferno", "plasma"}


def test_tipping_map_bold_means_p_below_alpha_and_says_so(figures):
    fig = dict((n, f) for n, f, _, _ in figures)["f_14_2_4"]
    ax = fig.axes[0]
    cells = [t for t in ax.texts if t.get_text()[:1] in "0123456789"]
    assert len(cells) == 30
    grid = tipping_grid().assign(ka=lambda d: d.group1_level.astype(int), kc=lambda d: d.group2_level.astype(int))
    for t in cells:
        j, i = t.get_position()
        p = grid.loc[(grid.ka == i) & (grid.kc == j), "stat"].item()
        assert (t.get_fontweight() == "bold") == (p < 0.05), (t.get_text(), p)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "bold: p < 0.05" in legend and any("boundary p = 0.05" in x for x in legend)
    assert any("observed" in x for x in legend) and len(ax.patches) >= 1
    assert len(ax.collections) >= 1              # the p = alpha boundary


def test_p_text_never_rounds_onto_alpha():
    assert p_text(0.04956, 0.05) == "0.0496" and p_text(0.0503, 0.05) == "0.050" and p_text(0.012, 0.05) == "0.012"


def test_tipping_cell_text_contrasts_with_its_cell(figures):
    fig = dict((n, f) for n, f, _, _ in figures)["f_14_2_4"]
    ax = fig.axes[0]
    image = ax.get_images()[0]
    for t in (t for t in ax.texts if t.get_text()[:1] in "0123456789"):
        j, i = (int(round(v)) for v in t.get_position())
        r, g, b, _ = image.to_rgba(image.get_array()[i, j])
        luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
        assert to_hex(t.get_color()) == ("#ffffff" if luminance < 0.5 else "#000000")


def test_edish_axes_in_plain_multiples_of_uln_with_labelled_cases(figures):
    for name, fig, _, _ in figures:
        if not name.endswith("f_14_3_10"):
            continue
        ax = fig.axes[0]
        ticks = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        assert ticks and not any("10^" in x or "$" in x or "times" in x for x in ticks)
        assert {"0.1", "0.5", "1", "3", "10"} <= set(ticks)
        assert ax.get_xlabel() == "Peak ALT or AST, whichever is higher (x ULN)" and "(x ULN)" in ax.get_ylabel()
        words = [t.get_text() for t in ax.texts]
        assert "ALT or AST 3 x ULN" in words and "Bilirubin 2 x ULN" in words
        assert "STUDY-01-000" in words and "STUDY-01-001" not in words
        assert "STUDY-01-002 (ALP >= 2 x ULN)" in words                  # plotted at its AST, 3.5 x ULN
        x = {round(float(v), 6) for c in ax.collections for v in c.get_offsets()[:, 0]}
        assert 3.5 in x


def favours(fig):
    """{arm: "left"|"right"}: which side of the null line each "Favours" label is on."""
    return {t.get_text().strip("\u2190\u2192 ").removeprefix("Favours "): "left" if t.get_ha() == "right" else "right"
            for t in texts(fig) if "Favours" in t.get_text()}


def test_forests_say_which_side_favours_which_arm(figures):
    by_name = {n: f for n, f, _, _ in figures}
    assert favours(by_name["f_14_2_3"]) == {"A": "right", "B": "left"}             # response: higher is better
    assert favours(by_name["f_14_2_3c"]) == {"active": "left", "Placebo": "right"}  # LDL change: lower is better
    sides = [t for t in texts(by_name["f_14_2_11"]) if "Favours" in t.get_text()]
    assert len(sides) == 4                                                          # both panels
    responder, change = (sorted((t.get_text(), t.get_ha()) for t in sides if t.axes is ax)
                         for ax in by_name["f_14_2_11"].axes[1:])
    assert ("Favours A \u2192", "left") in responder and ("\u2190 Favours A", "right") in change


def test_subgroup_forest_shows_n_per_arm(figures):
    fig = {n: f for n, f, _, _ in figures}["f_14_2_11"]
    table = fig.axes[0]
    assert [t.get_text() for t in table.get_xticklabels()] == ["N A", "N B"]
    assert sorted({t.get_text() for t in table.texts}) == ["20", "21"]


def test_review_figures_have_one_arm_and_no_comparison(figures):
    for name, fig, _, _ in figures[-5:]:
        words = " ".join(t.get_text() for t in texts(fig))
        assert "Favours" not in words and "Risk difference" not in words, name
    ae = figures[-5][1]
    assert len(ae.axes) == 1


def test_lsmeans_on_a_time_axis_from_baseline_with_dodged_arms(figures):
    fig = {n: f for n, f, _, _ in figures}["f_14_2_5"]
    ax = fig.axes[0]
    lines = [h[0] for h in ax.get_legend_handles_labels()[0]]
    xs = [np.asarray(line.get_xdata()) for line in lines]
    assert [float(np.round(x[0])) for x in xs] == [0.0, 0.0]
    assert [y[0] for y in (line.get_ydata() for line in lines)] == [0, 0]
    assert np.allclose(xs[0].round(), [0, 4, 8, 12, 24, 48]) and (xs[0] != xs[1]).all()
    assert "95% CI" in ax.get_legend().get_title().get_text()


def test_equal_ae_incidences_both_visible(figures):
    fig = {n: f for n, f, _, _ in figures}["f_14_3_7"]
    a, b = fig.axes[0].lines[:2]
    assert a.get_marker() != b.get_marker() and (np.asarray(a.get_ydata()) != np.asarray(b.get_ydata())).all()


def test_visit_weeks_and_better_direction():
    assert visit_weeks(["BASELINE", "WEEK 4", "DAY 15", "MONTH 6"]) == [0, 4, 2, 26]
    assert visit_weeks(["BASELINE", "UNSCHEDULED", "FOLLOW-UP"]) == [0, 1, 2]
    assert better_direction({"continuous_primary": {"paramcd": "LDL", "better": "lower"}}, "LDL") == "lower"
    assert better_direction({"secondary": {"threshold": {"paramcd": "HBA1C", "below": 7}}}, "HBA1C") == "lower"
    assert better_direction({"responder": {"criteria": [{"paramcd": "GIR", "aval_ge": 5}]}}, "GIR") == "higher"
    assert better_direction({}, "X") is None


def test_large_tipping_grid_draws_the_boundary_without_cell_texts():
    grid = pd.DataFrame([row("p", 0.01 * (1 + kc) / (1 + ka) ** 0.5, group1_level=str(ka), group2_level=str(kc))
                         for ka in range(20) for kc in range(20)])
    fig = g_tipping_heatmap(grid, ("A", "B"), "Figure 14.2.4", 0.05)
    ax = fig.axes[0]
    assert len(ax.texts) == 0 and len(ax.collections[0].get_segments()) > 0
    assert not any("bold" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)


def test_nothing_runs_off_the_figure(figures):
    outside = []
    for name, fig, _, _ in figures:
        box = fig.get_tightbbox(fig.canvas.get_renderer())       # inches; drawn artists only
        width, height = fig.get_size_inches()
        if box.x0 < -0.01 or box.y0 < -0.01 or box.x1 > width + 0.01 or box.y1 > height + 0.01:
            outside.append((name, box.bounds))
    assert outside == []


def test_numeric_arm_codes_order_and_colour_the_arms_as_in_the_tables():
    arms, rank = ["High", "Low", "Placebo"], {"Low": 54, "High": 81, "Placebo": 0}
    soc_pt, risk = ae_inputs(arms)
    fig = g_ae_dotplot(soc_pt, risk, "Figure 14.3.7", control="Placebo", rank=rank)
    handles, labels = fig.legends[0].legend_handles, [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["Low", "High", "Placebo"]
    expected = arm_colours(arms, "Placebo", rank)
    assert [to_hex(h.get_color()) for h in handles] == [expected[a].lower() for a in labels]
    plt.close(fig)

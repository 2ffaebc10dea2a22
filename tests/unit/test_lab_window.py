"""Laboratory shift windows and range sources declared in the configuration, the time axis of the lab
figures, and the precision of reported values: each on a small frame counted by hand."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from trialstats.adam.inputs import AdamInputError, check_study_config
from trialstats.adam.lab_window import in_shift_window, limit_columns, range_category, range_text, window_text
from trialstats.adam.standardize import standardize_adsl, standardize_bds
from trialstats.ard.safety import ard_lab_over_time, ard_shift
from trialstats.columns import reported_decimals
from trialstats.figures.safety import g_lab_over_visits
from trialstats.listings.safety import lab_figure_parts
from trialstats.tables.safety import t_shift
from trialstats.vocabulary import is_planned_visit, visit_week


def adsl():
    return pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "TRT01A": ["A", "A", "P"], "SAFFL": "Y"})


def lab():
    """ALT (limits 10-40) of three subjects: baseline, weeks 2 and 24, week 26, end of treatment and an
    unscheduled record; ANRIND as an ADaM that flags only far-off values would set it (never L)."""
    rows = []
    values = {"S1": [20, 30, 35, 50, 5, 45], "S2": [8, 9, 20, 20, 20, 20], "S3": [20, 45, 20, 20, 20, 8]}
    visits = [("Baseline", 0, -1, "Y"), ("Week 2", 2, 15, None), ("Week 24", 24, 169, None),
              ("Week 26", 26, 183, None), ("End of Treatment", 99, 176, None), (".", None, 60, None)]
    for u, vals in values.items():
        for (visit, n, day, abl), v in zip(visits, vals):
            rows.append(dict(USUBJID=u, PARAMCD="ALT", PARAM="ALT (U/L)", AVISIT=visit, AVISITN=n, ADY=day, AVAL=v,
                             A1LO=10, A1HI=40, ABLFL=abl, ANRIND="H" if v > 44 else "N",
                             ANL01FL="Y" if visit in ("Week 2", "Week 24") else None))
    return pd.DataFrame(rows)


def bds():
    return standardize_bds(lab(), standardize_adsl(adsl(), "TRT01A"), None, post_by_day=True)


def test_visit_weeks_and_planned_visits():
    assert [visit_week(v) for v in ("Baseline", "Week 24", "WEEK 4", "Day 15", "Month 6", "End of Treatment")] == \
        [0, 24, 4, 2, 26, None]
    assert [is_planned_visit(v) for v in ("Week 2", "End of Treatment", "Unscheduled 1.1", "Follow-up")] == \
        [True, False, False, False]


def test_each_window_picks_its_records():
    d = bds()
    visits = lambda w: sorted(set(d.loc[in_shift_window(d, w), "AVISIT"].fillna(".")))  # noqa: E731
    assert visits({"all": True}) == [".", "End of Treatment", "Week 2", "Week 24", "Week 26"]
    assert visits(None) == visits({"all": True})                      # the default
    assert visits({"flag": "ANL01FL"}) == ["Week 2", "Week 24"]
    assert visits({"visits": "planned", "up_to_week": 24}) == ["Week 2", "Week 24"]
    assert visits({"visits": "planned"}) == ["Week 2", "Week 24", "Week 26"]
    with pytest.raises(ValueError, match="is not a window"):
        in_shift_window(d, {"visits": "all"})
    assert window_text({"visits": "planned", "up_to_week": 24}).startswith("planned visits after week 0 up to week 24")
    assert "ANL01FL = Y" in window_text({"flag": "ANL01FL"})
    assert limit_columns(d) == "ANRLO-ANRHI" and limit_columns(lab()) == "A1LO-A1HI"     # standardize_bds: A1LO
    assert range_text("limits", "A1LO-A1HI").startswith("the reference limits A1LO-A1HI")


def test_limits_find_lows_the_indicator_never_flags():
    d = bds()
    assert range_category(d, "indicator").value_counts().to_dict() == {"NORMAL": 15, "HIGH": 3}
    by_limits = range_category(d, "limits")
    assert by_limits.value_counts().to_dict() == {"NORMAL": 11, "LOW": 4, "HIGH": 3}   # 8, 9, 5, 8 below 10
    assert range_category(d.assign(AVAL=np.nan), "limits").isna().all()            # no value, no category


def test_shift_low_and_high_apart_in_the_declared_window():
    d = bds()
    window = {"visits": "planned", "up_to_week": 24}
    cells = ard_shift(d, ["ALT"], "P", window, "limits")
    got = {(r.group1_level, r.group2_level, r.variable_level): r.stat for r in cells.itertuples() if r.group1 == "ARM"}
    # by hand, weeks 2 and 24 only: S1 N -> 30, 35 (N, N); S2 L -> 9, 20 (L, N); S3 N -> 45, 20 (N, H)
    assert got == {("A", "NORMAL", "WORST LOW: NORMAL"): 1, ("A", "NORMAL", "WORST HIGH: NORMAL"): 1,
                   ("A", "LOW", "WORST LOW: LOW"): 1, ("A", "LOW", "WORST HIGH: NORMAL"): 1,
                   ("P", "NORMAL", "WORST LOW: NORMAL"): 1, ("P", "NORMAL", "WORST HIGH: HIGH"): 1}
    every = ard_shift(d, ["ALT"], "P", None, "limits")     # all post-dose records: S1's 5 at end of treatment
    low = every[(every.group1_level == "A") & (every.group2_level == "NORMAL") & (every.variable_level ==
                                                                                   "WORST LOW: LOW")]
    assert low.stat.tolist() == [1]
    table = t_shift(cells, {"ALT": "ALT (U/L)"})
    assert table.columns.tolist()[4:] == [f"{d} post-baseline: {c}" for d in ("Lowest", "Highest")
                                          for c in ("low", "normal", "high")] + ["CMH p, lowest", "CMH p, highest"]
    s2 = table[(table.Arm == "A") & (table.Baseline == "Low")].iloc[0]
    assert s2["n"] == "1" and s2["Lowest post-baseline: low"] == "1 (100.0%)"


def test_lab_figure_points_at_the_weeks_unscheduled_and_eot_at_their_median_week():
    d = bds()
    points = ard_lab_over_time(d[d.AVISIT.notna() | d.POSTFL_], ["ALT"], "P")
    at = points[points.stat_name.isin(["week", "planned"])].pivot_table(
        index="group2_level", columns="stat_name", values="stat", aggfunc="first")
    assert at["week"].to_dict() == {"Baseline": 0, "Week 2": 2, "Week 24": 24, "Week 26": 26,
                                    "End of Treatment": 25, "Unscheduled": pytest.approx(59 / 7)}
    assert at.loc[["End of Treatment", "Unscheduled"], "planned"].tolist() == [0, 0]
    mean = points[(points.stat_name == "mean") & (points.group1_level == "A")].set_index("group2_level")["stat"]
    assert mean["End of Treatment"] == 12.5 and mean["Unscheduled"] == 32.5          # (5 + 20) / 2, (45 + 20) / 2
    fig = g_lab_over_visits(points, ["ALT"], "t")
    ax = fig.axes[0]
    lines = {c.get_label(): np.asarray(c.lines[0].get_xdata(), float) for c in ax.containers
             if not c.get_label().startswith("_")}
    for x in lines.values():
        assert np.ptp(x - [0, 2, 24, 26]) == pytest.approx(0)                         # the weeks, dodged
    assert {t.get_text() for t in ax.texts} == {"EoT", "Unsch."}
    plt.close("all")


def test_reported_decimals_of_converted_units():
    assert reported_decimals(pd.Series([140.0, 135.0]), pd.Series([135.0, 145.0])) == 0
    urate = pd.Series([4.5, 4.9, 5.06]) * 59.48                                     # mg/dL -> umol/L: 291.452
    assert reported_decimals(urate, pd.Series([149.0, 446.0])) == 0                 # the limits' precision
    creat = pd.Series([0.9, 1.0, 1.1]) * 88.4                                       # 79.55999999999999
    assert reported_decimals(creat, pd.Series([62.0, 124.0])) == 0
    assert reported_decimals(urate) == 2                                            # no limits: collected
    baso = pd.Series([0.05, 0.03, 0.04]) * 1.0000000000000002                      # noise, limit 0.2
    assert reported_decimals(baso, pd.Series([0.2])) == 2                           # two significant digits
    assert reported_decimals(pd.Series([0.05, 0.03]), pd.Series([0.2])) == 2        # exact: as collected


def test_figures_of_at_most_eight_panels():
    assert [len(p) for p in lab_figure_parts([f"P{i}" for i in range(18)])] == [6, 6, 6]
    assert [len(p) for p in lab_figure_parts([f"P{i}" for i in range(8)])] == [8]
    assert [len(p) for p in lab_figure_parts([f"P{i}" for i in range(9)])] == [5, 4]
    assert lab_figure_parts([]) == []


def test_a_window_flag_or_limits_the_data_lack_is_a_clear_error():
    data = {"adsl": adsl(), "adae": pd.DataFrame({"USUBJID": []}), "adlb": lab().drop(columns=["A1LO", "A1HI"])}
    with pytest.raises(AdamInputError) as err:
        check_study_config(data, {"arm": "TRT01A", "labs": {"shift_window": {"flag": "ANL02FL"}, "range": "limits"}},
                           "study.yaml adam_studies.x")
    assert "labs.shift_window.flag: no column ANL02FL in ADLB" in str(err.value)
    assert "labs.range: limits needs the reference limits" in str(err.value)


def test_the_schema_takes_the_declared_windows_and_refuses_a_guess():
    import yaml
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    from tests.conftest import ROOT
    schema = str(ROOT / "workflow/schemas/config.schema.yaml")
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    study = {"folder": "x", "arm": "TRT01A"}
    for labs in ({"shift_window": {"visits": "planned", "up_to_week": 24}, "range": "limits"},
                 {"shift_window": {"flag": "ANL01FL"}}, {"shift_window": {"all": True}, "range": "indicator"}):
        validate({**config, "adam_studies": {"s": {**study, "labs": labs}}}, schema)
    for labs in ({"shift_window": {"visits": "planned", "to_week": 24}}, {"shift_window": {"visits": "all"}},
                 {"range": "anrind"}, {"shift_window": {"all": False}}):
        with pytest.raises(WorkflowError, match="(?s)labs"):
            validate({**config, "adam_studies": {"s": {**study, "labs": labs}}}, schema)


def test_shift_table_shows_every_baseline_category_of_each_arm():
    cells = ard_shift(bds(), ["ALT"], "P", {"visits": "planned", "up_to_week": 24}, "limits")
    table = t_shift(cells, {"ALT": "ALT (U/L)"})
    assert table[["Arm", "Baseline", "n"]].values.tolist() == [            # P has no Low or High baseline subject
        ["A", "Low", "1"], ["A", "Normal", "1"], ["A", "High", "0"],
        ["P", "Low", "0"], ["P", "Normal", "1"], ["P", "High", "0"]]
    empty = table[(table.Arm == "P") & (table.Baseline == "High")].iloc[0]
    assert set(empty.iloc[4:10]) == {"0"}

"""The CDISC pilot's laboratory outputs as docs/examples/cdisc_pilot_adam/study.yaml declares them
(shift window: planned visits after week 0 up to week 24, no analysis flag; normal range: AVAL against
A1LO/A1HI), each against a plain-pandas recount from every record of adlbc and adlbh."""
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED_REFERENCE
from trialstats.figures.safety import g_lab_over_visits

CATEGORIES = ["LOW", "NORMAL", "HIGH"]


@pytest.fixture(scope="module")
def records():
    """Every record of adlbc and adlbh of the safety subjects, with their actual arm (TRT01A)."""
    folder = SHARED_REFERENCE / "cdisc_pilot"
    adsl = pd.read_csv(folder / "adsl.csv")
    safety = adsl.loc[adsl["SAFFL"] == "Y", ["USUBJID", "TRT01A"]]
    lb = pd.concat([pd.read_csv(folder / f"{name}.csv.gz", low_memory=False) for name in ("adlbc", "adlbh")])
    return lb.merge(safety, on="USUBJID").assign(AVISIT=lambda d: d["AVISIT"].str.strip())   # "  Week 2" in the files


def recount(lb: pd.DataFrame) -> dict:
    """{(arm, param, baseline, direction, category): subjects}: the category by A1LO/A1HI, baseline the
    ABLFL record, post-baseline the records of visits "Week N" with 0 < N <= 24; per subject the
    lowest and the highest category."""
    lb = lb[lb["A1LO"].notna() | lb["A1HI"].notna()].copy()
    cat = np.select([lb["AVAL"] < lb["A1LO"], lb["AVAL"] > lb["A1HI"]], [0, 2], 1)
    lb["CAT"] = np.where(lb["AVAL"].notna(), cat, np.nan)
    lb = lb[lb["CAT"].notna()]
    week = pd.to_numeric(lb["AVISIT"].str.extract(r"^Week (\d+)$")[0], errors="coerce")
    base = lb[lb["ABLFL"] == "Y"].groupby(["PARAMCD", "USUBJID"])["CAT"].last()
    post = lb[(lb["ABLFL"] != "Y") & (week > 0) & (week <= 24)]
    worst = post.groupby(["PARAMCD", "USUBJID", "TRT01A"])["CAT"].agg(["min", "max"]).reset_index()
    worst["BASE"] = [base.get((p, u)) for p, u in zip(worst["PARAMCD"], worst["USUBJID"])]
    worst = worst[worst["BASE"].notna()]
    out = {}
    for direction, col in (("WORST LOW", "min"), ("WORST HIGH", "max")):
        for key, n in worst.groupby(["TRT01A", "PARAMCD", "BASE", col]).size().items():
            arm, param, b, c = key
            out[(arm, param, CATEGORIES[int(b)], direction, CATEGORIES[int(c)])] = int(n)
    return out


def shift_cells(pilot_adam) -> dict:
    ard = pd.read_csv(pilot_adam / "analysis/ard/t_14_3_9.csv")
    cells = ard[ard["group1"] == "ARM"]
    return {(r.group1_level, r.variable, r.group2_level, *r.variable_level.split(": ")): int(r.stat)
            for r in cells.itertuples()}


def test_shift_table_equals_a_recount_on_planned_visits_up_to_week_24(pilot_adam, records):
    cells, expected = shift_cells(pilot_adam), recount(records)
    assert {k[1] for k in cells} == {k[1] for k in expected}          # every analyte with a reference range
    assert cells == expected
    low = sum(n for k, n in cells.items() if k[3] == "WORST LOW" and k[4] == "LOW")
    high = sum(n for k, n in cells.items() if k[3] == "WORST HIGH" and k[4] == "HIGH")
    assert low > 0 and high > 0                                       # both directions shown, apart


def test_limits_find_the_low_values_the_pilots_anrind_never_flags(pilot_adam, records):
    cells = shift_cells(pilot_adam)
    for param in ("SODIUM", "ALB", "CREAT"):
        assert not records.loc[records["PARAMCD"] == param, "ANRIND"].eq("L").any()   # the data never say low
        r = records[(records["PARAMCD"] == param) & (records["ABLFL"] != "Y")]
        week = pd.to_numeric(r["AVISIT"].str.extract(r"^Week (\d+)$")[0], errors="coerce")
        base = records[(records["PARAMCD"] == param) & (records["ABLFL"] == "Y")]["USUBJID"]
        below = r[(week > 0) & (week <= 24) & (r["AVAL"] < r["A1LO"]) & r["USUBJID"].isin(base)]
        subjects = below.groupby("TRT01A")["USUBJID"].nunique()
        shown = pd.Series({k[0]: 0 for k in cells if k[1] == param}, dtype=int)
        for k, n in cells.items():
            if k[1] == param and k[3] == "WORST LOW" and k[4] == "LOW":
                shown[k[0]] += n
        assert subjects.sum() > 0 and shown.to_dict() == subjects.reindex(shown.index, fill_value=0).to_dict()


def test_footnote_names_the_window_and_the_range(pilot_adam):
    text = " ".join((pilot_adam / "report/adam_report.typ").read_text().split())
    assert "Shifts from baseline to the worst value in planned visits after week 0 up to week 24" in text
    assert "normal range: the reference limits A1LO-A1HI: low below the lower limit" in text    # the pilot's columns


def test_lab_figures_on_the_visits_weeks(pilot_adam, records):
    ard = pd.read_csv(pilot_adam / "analysis/ard/f_14_3_8.csv")
    points = ard.pivot_table(index=["variable", "group2_level"], columns="stat_name", values="stat",
                             aggfunc="first").reset_index()
    planned = points[points["planned"] == 1]
    weeks = planned["group2_level"].map(lambda v: 0 if v == "Baseline" else int(re.fullmatch(r"Week (\d+)", v)[1]))
    assert (planned["week"] == weeks).all() and set(planned["group2_level"]) >= {"Baseline", "Week 2", "Week 24"}
    others = points[points["planned"] == 0].set_index(["variable", "group2_level"])["week"]
    assert set(others.index.get_level_values(1)) == {"End of Treatment", "Unscheduled"}
    post = records[records["ADY"] >= 1]
    eot = ((post[post["AVISIT"] == "End of Treatment"].groupby("PARAMCD")["ADY"].median() - 1) / 7)
    unscheduled = ((post[post["AVISIT"] == "."].groupby("PARAMCD")["ADY"].median() - 1) / 7)
    for param, w in others.items():
        assert w == pytest.approx((eot if param[1] == "End of Treatment" else unscheduled)[param[0]])
    # the drawn x positions: each arm's line at the planned weeks (dodged by one constant per arm)
    params = ["ALB", "SODIUM", "CREAT"]
    fig = g_lab_over_visits(ard, params, "test", per_row=3)
    for ax, param in zip(fig.axes, params):
        want = np.sort(planned.loc[planned["variable"] == param, "week"].to_numpy())
        lines = [c for c in ax.containers if not c.get_label().startswith("_")]
        offsets = []
        for c in lines:
            x = np.asarray(c.lines[0].get_xdata(), dtype=float)
            assert len(x) == len(want) and np.ptp(x - want) == pytest.approx(0, abs=1e-9)
            offsets.append(float((x - want)[0]))
        assert len(lines) == 3 and sum(offsets) == pytest.approx(0, abs=1e-9)     # arms dodged around the week
        assert max(map(abs, offsets)) < 0.05 * np.ptp(want)
        labels = {t.get_text() for t in ax.texts}
        assert {"EoT", "Unsch."} <= labels
    plt.close("all")


def test_at_most_eight_panels_a_figure_and_converted_units_at_their_precision(pilot_adam):
    figures = sorted(p.stem for p in (pilot_adam / "analysis/figures").glob("f_14_3_8_*.png"))
    assert figures == ["f_14_3_8_1a", "f_14_3_8_1b", "f_14_3_8_1c", "f_14_3_8_2a", "f_14_3_8_2b"]
    text = (pilot_adam / "report/adam_report.typ").read_text()
    assert all(f"f_14_3_8_{k}.png" in text for k in ("1a", "1b", "1c", "2a", "2b"))      # numbered in reading order
    assert "part 1 of 3" in text and "part 3 of 3" in text and "part 2 of 2" in text
    summary = pd.read_csv(pilot_adam / "analysis/tables/t_14_3_8_1.csv", dtype=str)
    urate = summary[summary["Parameter"] == "Urate (umol/L)"].iloc[0]
    # A1LO/A1HI are integers: min, max at 0 decimals, mean 1, SD 2 (no "300.737")
    assert re.fullmatch(r"\d+\.\d \(\d+\.\d\d\)", urate["Mean (SD)"]) and re.fullmatch(r"\d+, \d+", urate["Min, max"])
    sodium = summary[summary["Parameter"] == "Sodium (mmol/L)"].iloc[0]
    assert re.fullmatch(r"\d+\.\d \(\d+\.\d\d\)", sodium["Mean (SD)"])


def test_shift_tables_show_a_full_three_by_three_per_arm(pilot_adam, records):
    expected = recount(records)                     # the baseline categories with subjects, per arm and analyte
    having = {(arm, param, base) for arm, param, base, *_ in expected}
    tables = sorted((pilot_adam / "analysis/tables").glob("t_14_3_9_*.csv"))
    assert tables
    labels = dict(zip(records["PARAM"], records["PARAMCD"]))
    zero_rows = 0
    for path in tables:
        t = pd.read_csv(path, dtype=str, keep_default_na=False)
        for (param, arm), g in t.groupby(["Parameter", "Arm"], sort=False):
            assert g["Baseline"].tolist() == ["Low", "Normal", "High"], (path.name, param, arm)
            for r in g.itertuples():
                key = (arm.rsplit(" (N=", 1)[0], labels.get(param, param), r.Baseline.upper())
                assert (r.n == "0") == (key not in having), key
                zero_rows += r.n == "0"
    assert zero_rows                             # e.g. sodium: no subject high at baseline

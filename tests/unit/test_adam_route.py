"""The ADaM route on small hand-counted frames: laboratory parameters by category, several lab
files, arms by their numeric code, record accounting, and inputs that must not crash."""
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from trialstats.adam.inputs import AdamInputError, load_adam_folder
from trialstats.adam.standardize import standardize_adsl, standardize_bds
from trialstats.ard.safety import compute_safety
from trialstats.figures.safety import g_lab_over_visits
from trialstats.listings.safety import lab_parameters, tabulated_panel
from trialstats.outputs.plan import adam_fields, adam_plan
from trialstats.adam.inputs import data_date
from trialstats.report.adam import adam_facts
from trialstats.tables.adam_route import run_adam_study, with_arm_codes
from trialstats.tables.safety import NO_RECORDS


def adsl():
    # 2 placebo (code 0), 2 high dose (code 81), 1 low dose (code 54): placebo, low, high by code
    rows = [("S1", "Placebo", 0, "F", 60), ("S2", "Placebo", 0, "M", 70), ("S3", "High", 81, "F", 65),
            ("S4", "High", 81, "F", 75), ("S5", "Low", 54, "M", 80)]
    return pd.DataFrame([{"STUDYID": "X", "USUBJID": u, "TRT01P": a, "TRT01PN": n, "TRT01A": a, "TRT01AN": n,
                          "SAFFL": "Y", "ITTFL": "Y", "SEX": s, "AGE": age, "EOSSTT": "COMPLETED",
                          "TRTEDT": "2020-0%d-01" % (i + 1)} for i, (u, a, n, s, age) in enumerate(rows)])


def adae():
    return pd.DataFrame({"USUBJID": ["S1", "S3", "S3", "S5"], "AEBODSYS": ["GI", "GI", "SKIN", "GI"],
                         "AEDECOD": ["NAUSEA", "NAUSEA", "RASH", "NAUSEA"], "TRTEMFL": ["Y", "Y", "Y", ""],
                         "AESEV": "MILD", "AESER": "N", "AEREL": "NONE", "TRTA": ["Placebo", "High", "High", "Low"],
                         "TRTAN": [0, 81, 81, 54]})


def lab(codes=("ALT", "HGB"), cats=("CHEM", "HEM")):
    """Per subject and code: baseline (ADY -3), week 2 (ADY 14), unscheduled '.' before (ADY -1) and
    after (ADY 20) the first dose; plus a graded parameter without a range (ANISO)."""
    rows = []
    for u in ("S1", "S2", "S3", "S4", "S5"):
        for code, cat in zip(codes, cats):
            for visit, n, ady, value, ind, abl in (("Baseline", 0, -3, 10, "N", "Y"), ("Week 2", 2, 14, 12, "N", ""),
                                                   (".", None, -1, 11, "N", ""), (".", None, 20, 40, "H", "")):
                rows.append(dict(USUBJID=u, PARAMCD=code, PARAM=f"{code} (u)", PARCAT1=cat, AVISIT=visit, AVISITN=n,
                                 ADY=ady, AVAL=value, A1LO=5, A1HI=15, ANRIND=ind, ABLFL=abl, BASE=10,
                                 CHG=None if abl else value - 10))
        rows.append(dict(USUBJID=u, PARAMCD="ANISO", PARAM="Anisocytes", PARCAT1="HEM", AVISIT="Week 2", AVISITN=2,
                         ADY=14, AVAL=1))
    return pd.DataFrame(rows)


def test_every_analyte_with_a_range_by_category_and_the_others_listed_with_a_reason():
    s = standardize_adsl(adsl(), "TRT01A")
    params = lab_parameters(standardize_bds(lab(), s, None))
    assert tabulated_panel(params) == {"CHEM": ["ALT"], "HEM": ["HGB"]}
    aniso = params.set_index("PARAMCD").loc["ANISO"]
    assert aniso.TABULATED == "no" and aniso.REASON.startswith("no reference range")
    panel = lab_parameters(standardize_bds(lab(), s, None), {"Liver": ["ALT", "GGT"]})
    assert tabulated_panel(panel) == {"Liver": ["ALT"]}
    assert panel.set_index("PARAMCD").loc["GGT", "REASON"] == "in the panel, no records"
    assert panel.set_index("PARAMCD").loc["HGB", "REASON"] == "not in the laboratory panel"


def test_visits_scheduled_only_and_post_baseline_from_the_first_dose():
    d = lab()
    s2 = (d.USUBJID == "S2") & (d.PARAMCD == "ALT") & (d.AVISIT == ".")
    d.loc[s2 & (d.ADY < 0), "ANRIND"] = "L"                 # before the first dose: not post-baseline
    d.loc[s2 & (d.ADY > 0), "ANRIND"] = "N"
    res = compute_safety(adsl(), adae(), d, None, None, "TRT01A", "Placebo", lab_panel=None, flag=None,
                     arm_order="TRT01AN", by_visit=True)
    summary = res["ard_t_14_3_8"]
    n = summary[(summary.stat_name == "n") & (summary.variable_level == "AVAL")]
    assert set(n.group2_level) == {"Baseline", "Week 2"}                # the unscheduled '.' records: no visit
    assert list(dict.fromkeys(n.group1_level)) == ["Low", "High", "Placebo"]   # by TRT01AN, the control last
    shift = res["ard_t_14_3_9"]
    cells = shift[(shift.group1 == "ARM") & (shift.variable == "ALT")]
    # worst post-baseline: the unscheduled HIGH after the first dose counts, the one before does not
    worst = cells.groupby("variable_level").stat.sum().to_dict()
    assert worst == {"WORST HIGH: HIGH": 4, "WORST HIGH: NORMAL": 1, "WORST LOW: NORMAL": 5}   # S2's L: before
    peaks = res["l_hys_law_peaks"].set_index("USUBJID")
    assert peaks.loc["S1", "ALT_XULN"] == pytest.approx(40 / 15)


def test_arm_codes_from_adae_when_adsl_has_none():
    data = {"adsl": adsl().drop(columns=["TRT01AN", "TRT01PN"]), "adae": adae()}
    coded = with_arm_codes(data["adsl"], {"arm": "TRT01A"}, data)
    assert list(coded.TRT01AN) == [0, 0, 81, 81, 54] and list(coded.TRT01PN) == [0, 0, 81, 81, 54]
    out = run_adam_study(data, {"arm": "TRT01A", "control": "Placebo"})
    assert list(out["tables/t_14_3_1"].columns[1:4]) == ["Low (N=1)", "High (N=2)", "Placebo (N=2)"]  # control last


def test_record_accounting_in_equals_used_plus_excluded():
    data = {"adsl": adsl(), "adae": adae(), "adlb": lab()}
    out = run_adam_study(data, {"arm": "TRT01A", "control": "Placebo"})
    acc = out["listings/accounting"]
    for name, g in acc.groupby("Dataset"):
        n_in = g.loc[g.Reason == "records in", "Records"].sum()
        assert n_in == g.loc[g.Reason != "records in", "Records"].sum(), name
    lb = acc[acc.Dataset == "ADLB"].set_index("Reason").Records
    assert lb["excluded: no analysis visit (AVISIT blank or '.') and not after the first dose (ADY < 1)"] == 10
    assert lb[[r for r in lb.index if "no reference range" in r][0]] == 5
    reasons = acc[acc.Dataset == "ADAE"].set_index("Reason").Records
    assert reasons["excluded: not treatment-emergent (TRTEMFL not Y)"] == 1


def test_no_analyte_no_hys_law_parameters_and_vital_signs(tmp_path):
    only_graded = lab()[lambda d: d.PARAMCD == "ANISO"]
    vs = lab(("SYSBP",), ("VS",)).drop(columns=["PARCAT1"])
    out = run_adam_study({"adsl": adsl(), "adae": adae(), "adlb": only_graded, "advs": vs},
                         {"arm": "TRT01A", "control": "Placebo"})
    note = out["tables/t_14_3_8_1"].Parameter.tolist()
    assert note == out["tables/t_14_3_9_1"].Parameter.tolist()
    assert len(note) == 1 and note[0].startswith("No analyte to tabulate in HEM (no reference range")
    assert out["tables/t_14_3_10"].Category.iloc[0].startswith("Not assessable")
    assert set(out["ard/t_14_3_11"].group2_level) == {"Baseline", "Week 2"}
    root = tmp_path
    for key, frame in out.items():
        (root / "analysis" / key).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(frame, str):             # a footnote the data word
            (root / "analysis" / f"{key}.txt").write_text(frame)
        else:
            frame.to_csv(root / "analysis" / f"{key}.csv", index=False)
    files = pd.DataFrame({"File": ["adlb", "advs"], "Dataset": ["ADLB", "ADVS"], "Used": "yes"})
    files.to_csv(root / "analysis/listings/input_files.csv", index=False)
    facts = {**adam_facts(root), **adam_fields({"control": "Placebo"}, {}, "ITT")}
    ids = [o.id for _, outs in adam_plan(facts) for o in outs]
    assert {"t_14_3_8_1", "t_14_3_9_1", "t_14_3_11"} <= set(ids) and "f_14_3_8_1" not in ids
    nothing = run_adam_study({"adsl": adsl(), "adae": adae(), "adlb": lab().iloc[0:0]}, {"arm": "TRT01A"})
    assert nothing["tables/t_14_3_8"].Parameter.tolist() == [NO_RECORDS]


def test_lab_figure_without_parameters_or_with_many():
    summary = compute_safety(adsl(), adae(), lab(), None, None, "TRT01A", None, lab_panel=None, flag=None,
                         by_visit=True)["ard_t_14_3_8"]
    empty = g_lab_over_visits(summary, [], "none")
    assert empty.axes[0].texts[0].get_text().startswith("No laboratory parameter")
    many = g_lab_over_visits(summary, ["ALT", "HGB"] * 4, "eight", per_row=6)
    assert len(many.axes) == 12 and sum(ax.axison for ax in many.axes) == 8
    plt.close("all")


def write(folder, name, frame):
    frame.to_csv(folder / f"{name}.csv", index=False)


def test_several_lab_files_stacked_checked_and_unused_files_named(tmp_path):
    write(tmp_path, "adsl", adsl())
    write(tmp_path, "adae", adae())
    chem, hem = lab()[lambda d: d.PARCAT1 == "CHEM"], lab()[lambda d: d.PARCAT1 == "HEM"]
    write(tmp_path, "adlbc", chem)
    write(tmp_path, "adlbh", hem.drop(columns="PARCAT1"))
    write(tmp_path, "adtte", pd.DataFrame({"USUBJID": ["S1"]}))
    data = load_adam_folder(tmp_path, {"adlb": ["adlbc", "adlbh"]}, "TRT01A")
    assert len(data.datasets["adlb"]) == len(chem) + len(hem)
    assert set(data.datasets["adlb"].PARCAT1) == {"CHEM", "ADLBH"}           # a file without PARCAT1: its name
    assert data.unused == ["adtte.csv"]
    write(tmp_path, "adlbx", chem)
    with pytest.raises(AdamInputError, match=r"adlbc.csv and .*adlbx.csv, column PARAMCD: parameter ALT in both"):
        load_adam_folder(tmp_path, {"adlb": ["adlbc", "adlbx"]}, "TRT01A")
    with pytest.raises(AdamInputError, match=r"no file for config datasets adlb: adlbq; expected one of"):
        load_adam_folder(tmp_path, {"adlb": ["adlbq"]}, "TRT01A")


def test_data_currency_from_the_latest_adsl_date():
    assert data_date(adsl()) == ("2020-05-01", "TRTEDT")


def test_a_mistyped_control_planned_arm_or_flag_is_a_clear_error():
    from trialstats.adam.inputs import check_study_config
    data = {"adsl": adsl(), "adae": adae(), "adlb": lab()}
    check_study_config(data, {"arm": "TRT01A", "control": "Placebo"})
    with pytest.raises(AdamInputError) as err:
        check_study_config(data, {"arm": "TRT01A", "control": "placebo", "planned_arm": "TRT1P",
                                  "analysis_flag": "ANL01FL"}, "config.yaml adam_studies.x")
    text = str(err.value)
    assert "3 problem(s)" in text and "control: 'placebo' is not an arm of ADSL TRT01A; expected one of 'High', " \
        "'Low', 'Placebo'" in text
    assert "planned_arm: ADSL has no column TRT1P" in text and "analysis_flag: no column ANL01FL in ADLB" in text


def test_lab_summaries_at_the_precision_of_the_data():
    from trialstats.columns import collected_decimals
    from trialstats.tables.safety import lab_tables
    assert collected_decimals(pd.Series([1, 2, 30])) == 0
    assert collected_decimals(pd.Series(["0.05", "0.1", None])) == 2
    assert collected_decimals(pd.Series([8.62341, 1.5])) == 2                  # capped: converted units
    d = lab()
    d["AVAL"] = d.AVAL.astype(float).where(d.PARAMCD != "HGB", d.AVAL / 10)      # HGB 1.0, 1.2, ...: one decimal
    res = compute_safety(adsl(), adae(), d, None, None, "TRT01A", None, lab_panel=None, flag=None, by_visit=True)
    tables = lab_tables(res, res["l_lab_parameters"])
    alt, hgb = tables["t_14_3_8_1"], tables["t_14_3_8_2"]
    assert alt["Min, max"].iloc[0] == "10, 10" and alt["Mean (SD)"].iloc[0].startswith("10.0 (")
    assert hgb["Min, max"].iloc[0] == "1.0, 1.0" and hgb["Median"].iloc[0] == "1.00"

"""Efficacy from configuration (ADaM route): config checks against the data, record selection, the ARDs'
arithmetic on a small made-up study, and the plan's 14.2 family."""
import numpy as np
import pandas as pd
import pytest

from trialstats.adam.efficacy_config import analysis_records, efficacy_problems, resolve
from trialstats.adam.inputs import AdamInputError, adam_roles, check_study_config
from trialstats.ard.adam_efficacy import ard_ancova, ard_cmh, ard_responder
from trialstats.outputs.plan import adam_plan
from trialstats.stats.ancova import fit_ancova
from trialstats.tables.adam_efficacy import run_efficacy

ARMS = ["Placebo", "Drug"]


def study():
    rng = np.random.default_rng(7)
    subjects = [f"S{i:02d}" for i in range(40)]
    adsl = pd.DataFrame({"USUBJID": subjects, "SAFFL": "Y", "TRT01A": [ARMS[i % 2] for i in range(40)],
                         "EFFFL": ["Y"] * 38 + ["N"] * 2, "SITEGR1": [f"{i % 3}" for i in range(40)]})
    rows = []
    for i, s in enumerate(subjects):
        for visit, n in (("Week 4", 4), ("Week 8", 8)):
            rows.append(dict(USUBJID=s, PARAMCD="SCORE", AVISIT=visit, AVISITN=n, TRTP=ARMS[i % 2],
                             TRTPN=i % 2, AVAL=float(rng.integers(1, 6) + (i % 2)), ANL01FL="Y"))
    rows.append(dict(rows[0], ANL01FL=""))                  # a second, unflagged record of S00 at week 4
    return {"adsl": adsl, "adeff": pd.DataFrame(rows)}


def cfg(**spec):
    item = dict(id="score", title="Score", dataset="adeff", param="SCORE", method="cmh", population="EFFFL",
                flag="ANL01FL", strata="SITEGR1") | spec
    return {"arm": "TRT01A", "control": "Placebo", "efficacy": [item]}


@pytest.mark.parametrize("spec, message", [
    (dict(dataset="adqs"), "efficacy[0] (score) dataset: no file adqs"),
    (dict(param="ADAS"), "param: 'ADAS' is not a PARAMCD of ADEFF; expected one of SCORE"),
    (dict(visits=["Week 12"]), "visits: 'Week 12' not an AVISIT of SCORE; expected some of 'Week 4', 'Week 8'"),
    (dict(strata="REGION"), "column REGION is in neither ADEFF nor ADSL"),
    (dict(covariates=["BASE"], method="ancova"), "column BASE is in neither ADEFF nor ADSL"),
    (dict(control="Active"), "control: 'Active' is not a value of TRTP; expected one of 'Drug', 'Placebo'"),
    (dict(flag="ANL02FL"), "flag: ADEFF has no column ANL02FL"),
    (dict(method="responder"), "criterion: a responder analysis needs a criterion"),
    (dict(ddf="satterthwaite"), "ddf: not an option of method cmh (only of mmrm)"),
])
def test_config_problems_name_the_key_and_what_exists(spec, message):
    with pytest.raises(AdamInputError, match="problem") as err:
        check_study_config(study(), cfg(**spec), "study.yaml adam_studies.x")
    assert message in str(err.value)


def test_duplicate_ids_are_a_problem():
    c = cfg()
    c["efficacy"].append(dict(c["efficacy"][0]))
    assert any("id 'score' more than once" in p for p in efficacy_problems(study(), c, "EFFFL", "x"))


def test_a_configured_file_absent_from_the_folder_is_an_error(tmp_path):
    (tmp_path / "adsl.csv").write_text("USUBJID\n")
    with pytest.raises(AdamInputError, match="no file for efficacy dataset.* adcibc .*expected one of .*adsl"):
        adam_roles(tmp_path, None, ["adcibc"])


def test_records_need_a_flag_where_a_subject_has_two_per_visit():
    data = study()
    spec = resolve(cfg(flag=None)["efficacy"][0], cfg(), "EFFFL")
    with pytest.raises(ValueError, match=r"adeff.csv, rows 2, 82: SCORE more than once per USUBJID and AVISIT"):
        analysis_records(data, spec, "adeff.csv")
    spec = resolve(cfg()["efficacy"][0], cfg(), "EFFFL")
    d, counts = analysis_records(data, spec, "adeff.csv")
    assert counts.set_index("Reason")["Records"].to_dict() == {
        "records in": 81, "excluded: ANL01FL not Y": 1, "excluded: subject not in the population (EFFFL not Y)": 4,
        "used": 76}
    assert len(d) == 76 and set(d["USUBJID"]) == set(data["adsl"]["USUBJID"][:38])   # EFFFL and the flag
    assert list(d["AVISIT"].cat.categories) == ["Week 4", "Week 8"] and "SITEGR1" in d      # from ADSL


def test_cmh_counts_and_the_statistic_of_each_stratum_set():
    from trialstats.stats.binary import cmh_row_mean_scores
    spec = resolve(cfg()["efficacy"][0], cfg(), "EFFFL")
    d = analysis_records(study(), spec, "adeff.csv")[0]
    a = ard_cmh(d, spec, ARMS)
    w = d[d["AVISIT"] == "Week 8"]
    values = sorted(w["AVAL"].unique())
    tables = [pd.crosstab(g["TRT"], g["AVAL"]).reindex(index=["Placebo", "Drug"], columns=values, fill_value=0)
              for _, g in w.groupby("SITEGR1")]
    q = cmh_row_mean_scores(tables, values)[0]
    got = a[(a.group1_level == "Drug vs Placebo") & (a.group2_level == "Week 8") & (a.stat_name == "chi2")]
    assert float(got["stat"].iloc[0]) == pytest.approx(q)
    assert not (a["group1_level"] == "all arms").any()          # two arms: only the pairwise test


def test_ancova_and_responder_arithmetic():
    spec = resolve(cfg(method="ancova", strata=None, visits=["Week 8"])["efficacy"][0], cfg(), "EFFFL")
    d = analysis_records(study(), spec, "adeff.csv")[0]
    a = ard_ancova(d, spec, ARMS)
    w = d[d["AVISIT"] == "Week 8"]
    diff = w.loc[w.TRT == "Drug", "AVAL"].mean() - w.loc[w.TRT == "Placebo", "AVAL"].mean()   # no covariate
    est = a[(a.group1 == "COMPARISON") & (a.stat_name == "estimate")]["stat"].astype(float)
    assert est.iloc[0] == pytest.approx(diff)
    crit = {"variable": "AVAL", "op": ">=", "value": 4}
    spec = resolve(cfg(method="responder", criterion=crit, visits=["Week 8"])["efficacy"][0], cfg(), "EFFFL")
    r = ard_responder(analysis_records(study(), spec, "adeff.csv")[0], spec, ARMS)
    n = r[(r.group1_level == "Drug") & (r.stat_name == "n")]["stat"].astype(float).iloc[0]
    assert n == ((w.TRT == "Drug") & (w.AVAL >= 4)).sum()


def test_ancova_class_effect_lsmeans_have_equal_weights():
    d = pd.DataFrame({"Y": [1.0, 2, 3, 4, 5, 7, 6, 9], "ARM": list("AABBAABB"), "S": list("xxxxxxyy")})
    fit = fit_ancova(d, "Y", "ARM", [], "A", factors=["S"])
    lsm = fit["lsmeans"].set_index("ARM")["estimate"]
    b = fit["contrasts"]["estimate"].iloc[0]
    # by hand: y = a + b T + c S; LS mean A = a + c/2, B = a + b + c/2
    x = np.column_stack([np.ones(8), (d.ARM == "B"), (d.S == "y")]).astype(float)
    coef = np.linalg.lstsq(x, d.Y.to_numpy(), rcond=None)[0]
    assert lsm["A"] == pytest.approx(coef[0] + coef[2] / 2) and b == pytest.approx(coef[1])


def test_run_and_plan_give_one_table_per_analysis_and_a_figure_for_time_to_event(tmp_path):
    data = study()
    data["adtte"] = pd.DataFrame({"USUBJID": data["adsl"]["USUBJID"], "PARAMCD": "TTE", "TRTP": data["adsl"]["TRT01A"],
                                  "AVAL": np.arange(1, 41, dtype=float), "CNSR": [0, 1] * 20})
    c = cfg()
    c["efficacy"].append(dict(id="tte", title="Time to event", dataset="adtte", param="TTE", method="time_to_event",
                              population="SAFFL"))
    res = run_efficacy(data, c, {"adeff": "adeff.csv", "adtte": "adtte.csv"})
    assert {"tables/e_score", "ard/e_score", "tables/e_tte", "ard/e_tte", "ard/e_tte_km"} <= set(res.frames)
    assert set(res.notes) == {"e_score", "e_tte"} and set(res.km) == {"f_e_tte"}
    listed = res.frames["listings/efficacy_analyses"]
    analyses = [dict(k=str(r.K), eid=r.ID, efficacy_title=r.TITLE, efficacy_population=r.POPULATION,
                     efficacy_source=r.SOURCE, figure=r.FIGURE == "yes", ref_table=f"Table 14.2.{r.K}")
                for r in listed.itertuples()]
    facts = dict(datasets={"ADSL", "ADAE", "ADEFF", "ADTTE"}, categories=[], liver_peaks=False, efficacy=analyses,
                 fisher="", baseline_tests="", demographics_population="EFFFL", related_terms="")
    section = dict(adam_plan(facts))["14.2 Efficacy"]
    assert [(o.id, o.number) for o in section] == [("e_score", "Table 14.2.1"), ("e_tte", "Table 14.2.2"),
                                                    ("f_e_tte", "Figure 14.2.3")]    # one sequence in reading order
    assert "Table 14.2.2" in section[2].footnote                    # the figure names its table by its number
    assert section[0].footnote == "{note}" and section[0].note == "analysis/notes/e_score.txt"
    assert "14.2 Efficacy" not in dict(adam_plan(facts | {"efficacy": []}))


def test_a_statistic_that_cannot_be_computed_is_absent_and_its_reason_in_the_footnote():
    data = study()
    data["adeff"].loc[(data["adeff"]["TRTP"] == "Drug") & (data["adeff"]["AVISIT"] == "Week 8"), "AVAL"] = np.nan
    c = cfg(method="responder", criterion={"variable": "AVAL", "op": ">=", "value": 4}, strata=None)
    res = run_efficacy(data, c, {"adeff": "adeff.csv"})
    a = res.frames["ard/e_score"]
    week8 = a[(a["group2_level"] == "Week 8") & (a["group1"] == "COMPARISON")]
    assert week8.empty                                   # no difference, no p: not a 0
    assert "Week 8: difference Drug - Placebo not estimable: no subject with a value in Drug" in res.notes["e_score"]
    row = res.frames["tables/e_score"]
    assert row.loc[row["Statistic"].str.startswith("Difference"), "Drug (N=19)"].tolist()[1] == ""


def test_stratified_responder_and_both_cmh_scores():
    from trialstats.stats.binary import cmh_2x2, stratified_diff_ci
    crit = {"variable": "AVAL", "op": ">=", "value": 4}
    spec = resolve(cfg(method="responder", criterion=crit, visits=["Week 8"])["efficacy"][0], cfg(), "EFFFL")
    d = analysis_records(study(), spec, "adeff.csv")[0]
    r = ard_responder(d, spec, ARMS)
    per = []
    for _, g in d.groupby("SITEGR1"):
        a, c = g.loc[g.TRT == "Drug", "AVAL"] >= 4, g.loc[g.TRT == "Placebo", "AVAL"] >= 4
        per.append((int(a.sum()), len(a), int(c.sum()), len(c)))
    get = lambda s: float(r.loc[(r.group1 == "COMPARISON") & (r.stat_name == s), "stat"].iloc[0])  # noqa: E731
    assert get("estimate") == pytest.approx(100 * stratified_diff_ci(per).estimate)
    assert get("p") == pytest.approx(cmh_2x2([[[x1, n1 - x1], [x2, n2 - x2]] for x1, n1, x2, n2 in per], False)[2])
    both = resolve(cfg(scores="both")["efficacy"][0], cfg(), "EFFFL")
    a = ard_cmh(analysis_records(study(), both, "adeff.csv")[0], both, ARMS)
    assert {"row_mean_scores", "general_association"} <= set(a["variable_level"])


def test_time_to_event_stratified_by_an_adsl_column():
    from trialstats.stats.survival import compute_logrank, fit_cox
    data = study()
    data["adtte"] = pd.DataFrame({"USUBJID": data["adsl"]["USUBJID"], "PARAMCD": "TTE", "TRTP": data["adsl"]["TRT01A"],
                                  "AVAL": np.arange(1, 41, dtype=float)[::-1], "CNSR": [0, 0, 1] * 13 + [0]})
    c = cfg(id="tte", dataset="adtte", param="TTE", method="time_to_event", population="SAFFL", flag=None)
    res = run_efficacy(data, c, {"adtte": "adtte.csv"})
    a = res.frames["ard/e_tte"]
    d = data["adtte"].merge(data["adsl"][["USUBJID", "SITEGR1"]])           # SITEGR1 is only in ADSL
    lr = compute_logrank(d["AVAL"], 1 - d["CNSR"], d["TRTP"], d["SITEGR1"])
    cox = fit_cox(d["AVAL"], 1 - d["CNSR"], (d["TRTP"] == "Drug").astype(int), d["SITEGR1"])
    get = lambda v, s: float(a.loc[(a.group1 == "CONTRAST") & (a.variable_level == v) & (a.stat_name == s),  # noqa: E731
                                   "stat"].iloc[0])
    assert get("log-rank", "chi2") == pytest.approx(lr["chi2"]) and get("Cox", "hr") == pytest.approx(cox["hr"])
    assert "stratified by SITEGR1" in res.notes["e_tte"]


def locf_study():
    """study() with DTYPE: at week 8 S00-S04 (Drug 2, Placebo 3; control last) carry week 4 forward."""
    data = study()
    e = data["adeff"]
    e["DTYPE"] = ""
    e.loc[(e["AVISIT"] == "Week 8") & e["USUBJID"].isin([f"S0{i}" for i in range(5)]), "DTYPE"] = "LOCF"
    return data


@pytest.mark.parametrize("method, imputed, used_at_week_8", [
    ("cmh", None, 38), ("cmh", "exclude", 33), ("responder", "include", 38), ("mmrm", None, 33)])
def test_imputed_records_follow_the_config_and_the_mmrm_uses_observed_values_only(method, imputed, used_at_week_8):
    spec = dict(method=method, imputed=imputed) | (dict(criterion={"variable": "AVAL", "op": "<=", "value": 3})
                                                   if method == "responder" else {})
    c = cfg(**spec)
    data, counts = analysis_records(locf_study(), resolve(c["efficacy"][0], c, "EFFFL"), "adeff.csv")
    assert (data["AVISIT"] == "Week 8").sum() == used_at_week_8        # 38 EFFFL subjects, 5 of them LOCF at week 8
    excluded = counts.loc[counts["Reason"].str.startswith("excluded: imputed"), "Records"]
    assert list(excluded) == ([] if used_at_week_8 == 38 else [5])
    note = run_efficacy(locf_study(), c, {"adeff": "adeff.csv"}).notes["e_score"]
    if used_at_week_8 == 38:
        assert "Week 8 includes 2 (Drug), 3 (Placebo) values carried forward (DTYPE = LOCF)" in note
    else:
        assert "Observed records only (DTYPE blank" in note and "carried forward" not in note
    if method == "mmrm":
        assert "missing at random (MAR), an assumption" in note


def test_imputed_is_an_option_of_the_per_visit_methods_only():
    with pytest.raises(AdamInputError, match="imputed: not an option of method mmrm"):
        check_study_config(locf_study(), cfg(method="mmrm", imputed="include"), "study.yaml adam_studies.x")

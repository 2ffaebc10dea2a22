"""A study is data plus a protocol file: what the protocol declares (efficacy labs, baseline
characteristics, safety panel, unit conversions, primary covariates) reaches the analyses, and a
protocol that names what the data cannot have fails with a message naming the key."""
import subprocess
import sys

import jsonschema
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
import yaml

from tests.conftest import ROOT, STUDY1, STUDY2, protocol
from trialstats.adam.adsl import baseline_names, derive_vars_baseline
from trialstats.adam.efficacy import assert_protocol_parameters, efficacy_labs
from trialstats.outputs.plan import report_plan
from trialstats.protocol import parameter_names
from trialstats.simulate.dose_ranging import default_protocol
from trialstats.tables.baseline import ard_baseline, t_baseline
from trialstats.tables.primary import estimand_rows
from trialstats.tables.primary_change import ard_ancova_change, change_labels
from trialstats.ard.safety import compute_safety
from trialstats.listings.safety import listing_lab_panel
from trialstats.tables.safety import exposure_note, t_shift, t_summary
from trialstats.tables.secondary import ard_mmrm
from trialstats.units import convert
from trialstats.vocabulary import covariate_text

SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/protocol.schema.yaml").read_text())


def errors(doc) -> list[str]:
    return [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc)]


@pytest.mark.parametrize("proto", [protocol(STUDY1), protocol(STUDY2), default_protocol()], ids=["s1", "s2", "syn3arm"])
def test_the_three_protocols_are_valid_and_consistent(proto):
    assert errors(proto) == []
    assert_protocol_parameters(proto)


def test_an_unknown_key_is_an_error_naming_it():
    p = protocol(STUDY1)
    p["efficacy_lab"] = ["HBA1C"]                     # a typo of efficacy_labs
    p["baseline"][0]["units"] = "years"                # a typo of unit
    msgs = " ".join(errors(p))
    assert "'efficacy_lab' was unexpected" in msgs and "'units' was unexpected" in msgs


def test_responder_and_continuous_primary_are_exclusive():
    p = protocol(STUDY1)
    p["continuous_primary"] = {"paramcd": "HBA1C", "name": "HbA1c change", "visit": "WEEK 48"}
    assert errors(p)


def test_a_protocol_naming_parameters_the_data_cannot_have_fails_with_every_key():
    p = default_protocol()
    p["continuous_primary"]["paramcd"] = "TRIG"
    p["safety_labs"]["coagulation"] = ["INR"]
    p["baseline"].append({"variable": "APOBBL", "paramcd": "APOB", "label": "ApoB"})
    with pytest.raises(ValueError) as err:
        assert_protocol_parameters(p)
    text = str(err.value)
    assert "continuous_primary.paramcd: ['TRIG']" in text and "safety_labs.coagulation: ['INR']" in text
    assert "baseline: ['APOB']" in text
    p = default_protocol()
    p["efficacy_labs"] = ["LDL", "APOB"]
    with pytest.raises(ValueError, match=r"efficacy_labs: \['APOB'\] not defined under labs"):
        efficacy_labs(p)


def test_efficacy_labs_default_to_the_lab_tests_the_protocol_names():
    p = protocol(STUDY1)
    explicit = efficacy_labs(p)
    del p["efficacy_labs"]
    assert sorted(efficacy_labs(p)) == sorted(explicit)    # every one of study 1's is named somewhere


def test_baseline_columns_and_names_come_from_the_protocol():
    p = default_protocol()
    assert baseline_names(p) == {"WEIGHT": "WEIGHTBL", "LDL": "LDLBL", "HDL": "HDLBL"}
    adeff = pd.DataFrame({"USUBJID": ["a", "a", "b"], "PARAMCD": ["LDL", "TRIG", "LDL"], "ABLFL": "Y",
                          "AVAL": [3.0, 1.5, 4.0]})
    adsl = derive_vars_baseline(pd.DataFrame({"USUBJID": ["a", "b"]}), adeff, baseline_names(p))
    assert adsl["LDLBL"].tolist() == [3.0, 4.0] and adsl["TRIGBL"].tolist()[0] == 1.5   # unnamed: CODE[:6] + BL
    assert parameter_names(p)["LDL"] == "LDL cholesterol (mmol/L)"


def test_baseline_table_follows_the_protocol_with_groups_and_says_what_is_missing():
    adsl = pd.DataFrame({"USUBJID": list("abcde"), "FASFL": "Y", "AGE": [40, 64, 65, 70, 50],
                         "SEX": list("MFFMM"), "ARM": list("XXYYY")})
    spec = [{"variable": "AGE", "label": "Age", "unit": "years", "cuts": [65]},
            {"variable": "LDLBL", "label": "LDL cholesterol", "unit": "mmol/L"},
            {"variable": "SEX", "label": "Sex", "type": "categorical"},
            {"variable": "RACE", "label": "Race", "type": "categorical"}]
    a = ard_baseline(adsl, "ARM", spec=spec)
    n = a[(a.variable == "AGE") & (a.stat_name == "n") & (a.variable_level != "")]
    # by hand: X = ages 40, 64 -> both < 65; Y = 65, 70, 50 -> one < 65, two >= 65
    assert dict(zip(n.group1_level + n.variable_level, n.stat)) == {"X< 65": 2, "Y< 65": 1, "Y>= 65": 2}
    t = t_baseline(a, spec)
    assert t["Characteristic"].tolist()[:4] == ["Age (years)", "", "", ""]
    assert (t.loc[t.Characteristic == "LDL cholesterol (mmol/L)", "Statistic"] == "not recorded").all()
    assert (t.loc[t.Characteristic == "Race", "Statistic"] == "not recorded").all()
    # no protocol list: age, sex and race
    assert set(ard_baseline(adsl, None)["variable"]) == {"N", "AGE", "SEX"}


def test_unit_conversion_factors_come_from_the_protocol():
    creat = protocol(STUDY2)["labs"]["CREAT"]
    # 132.63 umol/L / 88.42 = 1.5 mg/dL exactly (the EX06 limit)
    assert convert(np.array([132.63]), "CREAT", "umol/L", "mg/dL", creat["conversions"], creat["unit"])[0] == 1.5
    converted = convert(np.array([1.5]), "CREAT", "mg/dL", "umol/L", creat["conversions"], creat["unit"])
    assert converted[0] == pytest.approx(132.63)
    with pytest.raises(ValueError, match="conversions: {mmol/L: factor}"):
        convert(np.array([1.0]), "CREAT", "umol/L", "mmol/L", creat["conversions"], creat["unit"])


def test_primary_wording_comes_from_the_protocol():
    p = protocol(STUDY1)
    assert covariate_text(p["responder"]["covariates"], p["baseline"]) == "baseline HbA1c and daily insulin dose"
    rows = estimand_rows(p).set_index("Attribute")["Definition"]
    assert rows["Population-level summary"].endswith("odds ratio adjusted for baseline HbA1c and daily insulin dose")
    closed = {o.id: o for _, outs in report_plan("closed", p) for o in outs}
    assert closed["t_14_2_1"].footnote.startswith(f"Responder: {p['responder']['name']};")
    t_14_1_5 = closed["t_14_1_5"]
    assert (t_14_1_5.footnote, t_14_1_5.note) == ("{note}", "closed/safety/tables/t_14_1_5_footnote.txt")
    assert exposure_note(p["treatment"]["dose_unit"]).endswith(f"cumulative dose in {p['treatment']['dose_unit']} "
                                                              "(mean, median, range).")
    assert "not shown while arms are coded" in exposure_note(None)
    # a continuous primary: its own outputs, no responder or secondary outputs
    three = {o.id: o for _, outs in report_plan("closed", default_protocol()) for o in outs}
    assert three["t_14_2_1"].path.startswith("closed/primary_change/") and "t_14_2_4" not in three
    assert "t_14_2_5" not in three and "LDL cholesterol" in three["t_14_2_1"].title


def test_lab_panel_with_a_category_without_records_or_tests_is_listed_not_a_crash():
    bds = pd.DataFrame({"PARAMCD": ["ALT", "ALT", "HGB"]})
    listing = listing_lab_panel({"chemistry": ["ALT", "AST"], "haematology": ["HGB"], "urinalysis": []}, bds)
    assert listing.set_index("Test")["Records"].to_dict() == {"ALT": 2, "AST": 0, "HGB": 1, "(none)": 0}
    assert listing.set_index("Test").loc["AST", "Status"] == "no records at this data cut"
    assert listing.set_index("Test").loc["(none)", "Status"] == "no test in this category"


def test_safety_with_a_panel_without_any_analyte_gives_empty_tables_that_say_so():
    adsl = pd.DataFrame({"USUBJID": ["a", "b"], "SAFFL": "Y", "TRT01A": ["X", "P"]})
    adae = pd.DataFrame(columns=["USUBJID", "AEDECOD", "AEBODSYS", "AESEV", "AESER", "AREL", "TRTEMFL", "AEOUT",
                                 "AESDTH", "ASTDT"])
    adlb = pd.DataFrame({"USUBJID": ["a", "b"], "PARAMCD": "ALT", "AVISIT": "BASELINE", "AVISITN": 1.0,
                         "AVAL": [20.0, 30.0], "CHG": np.nan, "ABLFL": "Y", "ANL01FL": "Y", "ANRIND": "NORMAL",
                         "BNRIND": "NORMAL", "ANRHI": 40.0})
    out = compute_safety(adsl, adae, adlb, None, None, "TRT01A", "P", lab_panel={"haematology": ["HGB", "PLAT"]})
    assert out["l_lab_panel"]["Records"].tolist() == [0, 0]
    assert t_summary(out["ard_t_14_3_8"])["Parameter"].tolist() == ["No data"]
    assert t_shift(out["ard_t_14_3_9"])["Parameter"].tolist() == ["No data"]


def _two_visits(seed=3, n=30):
    rng = np.random.default_rng(seed)
    arm = np.repeat(["High", "Low", "Placebo"], n)
    base = rng.normal(4, 0.6, 3 * n)
    effect = np.select([arm == "High", arm == "Low"], [-1.5, -0.9], -0.1)
    first = 0.6 * effect - 0.2 * (base - 4) + rng.normal(0, 0.4, 3 * n)
    second = effect - 0.2 * (base - 4) + 0.5 * (first - 0.6 * effect) + rng.normal(0, 0.3, 3 * n)
    rows = [pd.DataFrame({"USUBJID": [f"S{i}" for i in range(3 * n)], "TRT": arm, "BASE": base, "CHG": chg,
                          "AVISIT": visit}) for visit, chg in (("WEEK 4", first), ("WEEK 12", second))]
    d = pd.concat(rows, ignore_index=True)
    d["AVISIT"] = pd.Categorical(d["AVISIT"], categories=["WEEK 4", "WEEK 12"])
    return d


def test_mmrm_of_complete_data_equals_least_squares_per_visit_for_three_arms():
    """Cross-check two independent ways: with complete data, an unstructured covariance and the
    full arm x visit and baseline x visit model, the MMRM's generalised least squares equals least
    squares visit by visit (seemingly unrelated regressions with the same regressors), so each
    difference at the key visit is the ANCOVA CHG ~ arm + baseline that statsmodels OLS fits."""
    d = _two_visits()
    labels = ["High", "Low", "Placebo"]
    mm, info = ard_mmrm(d, "LDL", labels)
    assert info["note"] == ""
    key = d[d.AVISIT == "WEEK 12"]
    ols = smf.ols("CHG ~ C(TRT, Treatment('Placebo')) + BASE", key).fit()
    for arm in ("High", "Low"):
        row = mm[(mm.group1_level == f"{arm} - Placebo")
                 & (mm.group2_level == "WEEK 12")].set_index("stat_name")["stat"]
        term = f"C(TRT, Treatment('Placebo'))[T.{arm}]"
        assert row["estimate"] == pytest.approx(ols.params[term], abs=1e-6)
        assert row["se"] == pytest.approx(ols.bse[term], rel=1e-4)
    an = ard_ancova_change(key, labels, "WEEK 12")
    diff = an[(an.group1_level == "Low - Placebo") & (an.stat_name == "estimate")]["stat"].iloc[0]
    assert diff == pytest.approx(ols.params["C(TRT, Treatment('Placebo'))[T.Low]"], abs=1e-9)


def test_an_mmrm_that_cannot_be_fitted_is_a_note_not_a_crash():
    d = _two_visits()
    no_low = d[d.TRT != "Low"].copy()          # an arm without any record: not estimable
    mm, info = ard_mmrm(no_low, "LDL", ["High", "Low", "Placebo"])
    assert mm.empty and info["note"].startswith("MMRM not estimable")


def test_arm_order_follows_the_protocol_and_needs_the_control():
    adsl = pd.DataFrame({"ENRLFL": "Y", "ARMCD": ["LOW", "PBO", "HIGH"], "TRTCODE": ["A", "B", "C"]})
    assert change_labels(adsl, "TRTCODE", "PBO", ["HIGH", "LOW", "PBO"]) == ["C", "A", "B"]
    with pytest.raises(ValueError, match="control arm 'PLACEBO'"):
        change_labels(adsl, "TRTCODE", "PLACEBO")


def test_the_third_study_is_generated_by_the_cli_byte_identically(tmp_path):
    runs = []
    for name in ("one", "two"):
        out = tmp_path / name
        run = subprocess.run([sys.executable, "-m", "trialstats.cli", "simulate", "syn3arm", "--out", str(out),
                              "--subjects", "24"], capture_output=True, text=True, cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        runs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert runs[0] == runs[1] and runs[0][__import__("pathlib").Path("protocol.yaml")]
    key = pd.read_csv(tmp_path / "one/randomization.csv")
    assert set(key.ARMCD) == {"HIGH", "LOW", "PBO"}


def test_multiple_imputation_of_complete_data_is_the_observed_case_ancova():
    """Nothing to impute: every completed set is the data, Rubin's between-imputation variance is
    0 and the pooled difference is the ANCOVA of the observed changes (two independent routes)."""
    from trialstats.tables.primary_change import ard_mi_change
    d = _two_visits()
    adsl = pd.DataFrame({"USUBJID": d.USUBJID.unique(), "FASFL": "Y"}).merge(
        d[["USUBJID", "TRT"]].drop_duplicates(), on="USUBJID")
    records = [d.assign(PARAMCD="LDL", ANL01FL="Y", ABLFL="", AVAL=d.BASE + d.CHG, AVISIT=d.AVISIT.astype(str)),
               d.drop_duplicates("USUBJID").assign(PARAMCD="LDL", ANL01FL="Y", ABLFL="Y", AVAL=d.BASE,
                                                   AVISIT="BASELINE")]
    adeff = pd.concat(records, ignore_index=True)
    spec = {"paramcd": "LDL", "visit": "WEEK 12"}
    labels = ["High", "Low", "Placebo"]
    mi = ard_mi_change(adsl, adeff, spec, "TRT", ["WEEK 4", "WEEK 12"], labels, m=5, seed=1)
    key = d[d.AVISIT == "WEEK 12"]
    ols = smf.ols("CHG ~ C(TRT, Treatment('Placebo')) + BASE", key).fit()
    est = mi[(mi.group1_level == "High - Placebo") & (mi.stat_name == "estimate")]["stat"].iloc[0]
    assert est == pytest.approx(ols.params["C(TRT, Treatment('Placebo'))[T.High]"], abs=1e-9)
    assert mi[(mi.variable_level == "n")]["stat"].tolist() == [30, 30, 30]
    # a visit with a missing value is imputed, and the analysis still has every FAS subject
    gap = adeff.drop(index=adeff.index[(adeff.USUBJID == "S0") & (adeff.AVISIT == "WEEK 12")])
    again = ard_mi_change(adsl, gap, spec, "TRT", ["WEEK 4", "WEEK 12"], labels, m=5, seed=1)
    moved = again[(again.group1_level == "High - Placebo") & (again.stat_name == "estimate")]["stat"].iloc[0]
    assert moved != pytest.approx(est, abs=1e-12)
    assert again[again.variable_level == "n"]["stat"].tolist() == [30, 30, 30]

"""The closed report's benefit-risk page: every number of its effects ARD, table and figure equals
the ARD of the output it names, looked up here independently."""
import pandas as pd
import pytest

from trialstats.stats.binary import diff_ci

pytestmark = pytest.mark.workflow
CUT1 = "results/nct02302599/2018-12-31"
FOLDER = "closed/report/benefit_risk"


def stat(ard, **match):
    sel = ard
    for col, value in match.items():
        sel = sel[sel[col] == value]
    assert len(sel) == 1, match
    return float(sel.stat.iloc[0])


def read(root, path):
    return pd.read_csv(root / path, keep_default_na=False)


def test_benefit_risk_numbers_equal_their_source_ards(built):
    root = built / CUT1
    effects = read(root, f"{FOLDER}/effects.csv").set_index("reference")
    assert list(effects.kind.unique()) == ["Benefit", "Risk"]
    primary = read(root, "closed/ard/t_14_2_1_primary.csv")
    for ref in ("primary", "component_1", "component_2"):
        e, mn = effects.loc[ref], primary[(primary.variable == ref) & (primary.variable_level == "mn")]
        for k in ("estimate", "lower", "upper", "p"):
            assert e[k] == pytest.approx((100 if k != "p" else 1) * stat(mn, stat_name=k), abs=1e-12)
        n, big_n = (int(stat(primary, variable=ref, group1_level="A", stat_name=s)) for s in ("n", "N"))
        assert e.arm_value.startswith(f"{n}/{big_n} ")
    assert effects.loc["primary"].estimate == pytest.approx(15.45, abs=0.01)        # the issue's +15.5 pp
    for ref, tid in (("mmrm:HBA1C", "t_14_2_5"), ("mmrm:INSDOSKG", "t_14_2_6")):
        ard = read(root, f"closed/secondary/ard/{tid}.csv")
        diff = ard[(ard.group2_level == "WEEK 48") & (ard.variable_level == "difference")]
        for k in ("estimate", "lower", "upper", "p"):
            assert effects.loc[ref][k] == pytest.approx(stat(diff, stat_name=k), abs=1e-12)
    # incidences: the counts of the ARD, and the MN interval of those counts (as the AE dot plot's)
    fever = dict(variable_level="Fever within 48 h of an infusion")
    checks = (("aesi:FEVER48", "closed/safety/ard/t_14_3_6.csv", fever),
              ("overview:Related TEAE", "closed/safety/ard/t_14_3_1.csv", dict(variable_level="Related TEAE")),
              ("soc:Skin and subcutaneous tissue disorders", "closed/safety/ard/t_14_3_2.csv",
               dict(group2_level="Skin and subcutaneous tissue disorders", variable_level="ANY")))
    for ref, path, match in checks:
        ard = read(root, path)
        counts = {a: [int(stat(ard, group1_level=a, stat_name=s, **match)) for s in ("n", "N")] for a in "AB"}
        ci = diff_ci(*counts["A"], *counts["B"], "mn")
        e = effects.loc[ref]
        assert e.arm_value.startswith("{}/{} ".format(*counts["A"])) and e.versus_value.startswith(
            "{}/{} ".format(*counts["B"]))
        assert (e.estimate, e.lower, e.upper) == pytest.approx((100 * ci.estimate, 100 * ci.lower, 100 * ci.upper))
        assert e.p == pytest.approx(stat(ard, group1_level="A vs B", stat_name="p_fisher", **match))
    assert effects.loc["aesi:FEVER48"].estimate == pytest.approx(28.89, abs=0.01)   # fever +28.9 pp
    assert effects.loc["overview:Related TEAE"].estimate == pytest.approx(26.67, abs=0.01)
    # the display prints the same numbers, each with its source output number
    table = read(root, f"{FOLDER}/t_br.csv")
    assert len(table) == len(effects)
    for (_, row), (_, e) in zip(table.iterrows(), effects.iterrows()):
        d = 1 if e.unit == "percentage points" else 2
        assert row["Difference A - B (95% CI)"] == f"{e.estimate:.{d}f} ({e.lower:.{d}f} to {e.upper:.{d}f})"
        assert row["Source"] == "Table " + e.source[2:].replace("_", ".")
        assert row["Type"] == {"Benefit": "Favourable", "Risk": "Unfavourable"}[e.kind]
    assert (root / f"{FOLDER}/f_br.png").stat().st_size > 10_000


def test_benefit_risk_page_follows_the_summary_in_the_closed_report(built):
    typ = (built / CUT1 / "closed/report/dmc_closed_report.typ").read_text()
    summary, page = typ.index("= Executive summary"), typ.index("= #\"Benefit-risk\"")
    assert summary < page < typ.index('= #"Stopping guidelines"')
    assert (built / CUT1 / "closed/report/rtf/t_br.rtf").exists()

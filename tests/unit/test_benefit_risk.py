"""Benefit-risk effects and the summary's stated rules on small hand-made ARDs."""
import pandas as pd
import pytest

from trialstats.ard.benefit_risk import EffectError, benefit_risk_effects, default_effects
from trialstats.ard.shape import ard
from trialstats.report.summary import flagged, standardized_differences, timing_row
from trialstats.tables.benefit_risk import t_effects


def incidence(variable, level, counts, p, **extra):
    rows = []
    for arm, (n, big_n) in counts.items():
        base = dict(group1="ARM", group1_level=arm, variable=variable, variable_level=level, **extra)
        rows += [dict(base, stat_name="n", stat=n), dict(base, stat_name="N", stat=big_n),
                 dict(base, stat_name="pct", stat=100 * n / big_n)]
    rows.append(dict(group1="CONTRAST", group1_level="A vs B", variable=variable, variable_level=level,
                     stat_name="p_fisher", stat=p, **extra))
    return rows


AESI = ard(incidence("aesi", "Pruritus", {"A": (4, 45), "B": (0, 45)}, 0.1166)
           + incidence("aesi", "Phlebitis", {"A": (0, 45), "B": (0, 45)}, 1.0))
OVERVIEW = ard(incidence("overview", "Related TEAE", {"A": (20, 45), "B": (8, 45)}, 0.0115)
               + incidence("overview", "Serious TEAE", {"A": (1, 45), "B": (1, 45)}, 1.0))
PROTOCOL = {"aesi": [{"id": "PRURIT", "name": "Pruritus"}]}


def test_default_effects_are_stated_and_skip_aesis_nobody_had():
    spec = default_effects({}, AESI)
    assert spec == {"benefits": [], "risks": ["overview:Related TEAE", "overview:Serious TEAE", "aesi:Pruritus"]}


def test_incidence_effect_counts_and_newcombe_checked_mn_interval():
    effects = benefit_risk_effects({"t_14_3_1": OVERVIEW, "t_14_3_6": AESI}, ["A", "B"],
                                   {**PROTOCOL, "benefit_risk": {"risks": ["overview:Related TEAE", "aesi:PRURIT"]}},
                                   {})
    related = effects.iloc[0]
    assert (related.arm_value, related.versus_value) == ("20/45 (44.4%)", "8/45 (17.8%)")
    assert related.estimate == pytest.approx(100 * (20 / 45 - 8 / 45))
    # the MN interval lies inside the Wald-free bounds a score interval must respect and contains the estimate
    assert related.lower < related.estimate < related.upper and -100 < related.lower and related.upper < 100
    assert related.p == 0.0115 and effects.iloc[1].effect == "AESI: Pruritus"
    table = t_effects(effects, {"t_14_3_1": "Table 14.3.1"})
    assert table.loc[0, "Source"] == "Table 14.3.1" and table.loc[0, "Uncertainty"] == "CI excludes 0; more on A"


def test_unknown_or_absent_reference_is_a_clear_error():
    with pytest.raises(EffectError, match="'aesi:NOPE'.*not in the ARD of t_14_3_6"):
        benefit_risk_effects({"t_14_3_6": AESI}, ["A", "B"], {"benefit_risk": {"risks": ["aesi:NOPE"]}}, {})
    with pytest.raises(EffectError, match="unknown reference 'week48'"):
        benefit_risk_effects({}, ["A", "B"], {"benefit_risk": {"benefits": ["week48"]}}, {})


def test_flagging_rule_difference_or_p():
    soc = pd.DataFrame(incidence("AEDECOD", "ANY", {"A": (5, 45), "B": (0, 45)}, 0.0556))
    assert flagged(soc, "A", "B")                                   # 11.1 pp, 5 subjects
    small = pd.DataFrame(incidence("AEDECOD", "X", {"A": (2, 10), "B": (1, 45)}, 0.2))
    assert not flagged(small, "A", "B")                             # 17.8 pp but 2 subjects, p 0.2
    rare = pd.DataFrame(incidence("AEDECOD", "Y", {"A": (2, 45), "B": (0, 45)}, 0.09))
    assert flagged(rare, "A", "B")                                  # p < 0.10


def test_standardized_difference_by_hand():
    rows = [dict(group1="ARM", group1_level=a, variable="AGE", stat_name=k, stat=v)
            for a, m, s in (("A", 52.0, 6.0), ("B", 50.0, 8.0)) for k, v in (("mean", m), ("sd", s))]
    rows += [dict(group1="ARM", group1_level=a, variable="SEX", variable_level=lv, stat_name="pct", stat=v)
             for a, f in (("A", 40.0), ("B", 60.0)) for lv, v in (("F", f), ("M", 100 - f))]
    out = standardized_differences(ard(rows), "A", "B")
    # (52 - 50) / sqrt((36 + 64) / 2) = 2 / sqrt(50); (0.4 - 0.6) / sqrt((0.24 + 0.24) / 2)
    assert out[0] == ("AGE", "", pytest.approx(2 / 50 ** 0.5))
    assert out[1] == ("SEX", "F", pytest.approx(-0.2 / 0.24 ** 0.5)) and len(out) == 2


def test_timing_of_the_commonest_events():
    rows = [dict(group1="ARM", group1_level="X", group2="INFUSION", group2_level=k, variable="AEDECOD",
                 variable_level=term, stat_name="n", stat=n)
            for term, counts in (("Any TEAE", (1, 3, 4)), ("Pyrexia", (0, 3, 2)), ("Fatigue", (1, 0, 0)))
            for k, n in zip((1, 2, 3), counts)]
    later = "TEAEs with an onset after day 7 of the latest infusion"     # Table 14.3.14's row after every window
    rows.append(dict(rows[0], group2_level="-", variable_level=later, stat=2))
    text = timing_row(pd.DataFrame(rows))["Finding"]          # infusion numbers as integers, as read from CSV
    assert text.startswith("Pyrexia: 5 in the window after infusion 2 (3) or 3 (2), none after infusion 1; "
                           "Fatigue: 1 in the window after infusion 1 (1), none after infusion 2 or 3; "
                           f"{later}: 2 subjects")
    assert "infusion -" not in text and " or -" not in text

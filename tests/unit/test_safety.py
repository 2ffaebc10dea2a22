"""Safety tabulations on small hand-counted ADaM frames."""
import pandas as pd
import pytest

from trialstats.stats.binary import clopper_pearson_ci, fisher_exact
from trialstats.adam.liver import derive_hys_law_peaks
from trialstats.adam.standardize import standardize_adae, standardize_adsl, standardize_bds
from trialstats.ard.safety import ard_ae_overview, ard_ae_soc_pt, ard_bds_summary, ard_shift, compute_safety
from trialstats.tables.safety import t_incidence


def adsl(arms: dict[str, int]):
    rows, i = [], 0
    for arm, n in arms.items():
        for _ in range(n):
            i += 1
            rows.append({"USUBJID": f"S{i:02d}", "TRT01A": arm, "SAFFL": "Y"})
    rows.append({"USUBJID": "S99", "TRT01A": None, "SAFFL": "N"})           # not in the safety set
    return pd.DataFrame(rows)


def ae(rows):
    """rows: (USUBJID, SOC, PT[, severity, serious, related, trtemfl])"""
    out = []
    for i, r in enumerate(rows, 1):
        usubjid, soc, pt = r[:3]
        sev, ser, rel, te = (list(r[3:]) + ["MILD", "N", "NONE", "Y"][len(r) - 3:])[:4]
        out.append({"USUBJID": usubjid, "AESEQ": i, "AEBODSYS": soc, "AEDECOD": pt, "AESEV": sev, "AESER": ser,
                    "AEREL": rel, "TRTEMFL": te})
    return pd.DataFrame(out)


def stat(a, soc, level, arm, name):
    sel = a[(a.group2_level == soc) & (a.variable_level == level) & (a.group1_level == arm) & (a.stat_name == name)]
    assert len(sel) == 1, (soc, level, arm, name)
    return float(sel.stat.iloc[0])


GI, SKIN = "Gastrointestinal disorders", "Skin and subcutaneous tissue disorders"
# Arm P: 4 subjects; arm T: 5 subjects. Hand count:
#  S01 (P): nausea twice, vomiting once        -> GI: 1 subject, 3 events; nausea 1 subj 2 events
#  S02 (P): rash (not treatment-emergent)      -> not counted
#  S05 (T): nausea                             -> GI 1; nausea 1
#  S06 (T): nausea, pruritus                   -> GI 1, skin 1
#  S07 (T): pruritus twice                     -> skin 1 subject 2 events
#  S99 (not in the safety set): nausea         -> not counted
ROWS = [("S01", GI, "Nausea"), ("S01", GI, "Nausea"), ("S01", GI, "Vomiting"),
        ("S02", SKIN, "Rash", "MILD", "N", "NONE", "N"),
        ("S05", GI, "Nausea", "SEVERE", "Y"), ("S06", GI, "Nausea"), ("S06", SKIN, "Pruritus", "MODERATE"),
        ("S07", SKIN, "Pruritus"), ("S07", SKIN, "Pruritus"), ("S99", GI, "Nausea")]


@pytest.fixture
def two_arm():
    s = standardize_adsl(adsl({"P": 4, "T": 5}), "TRT01A")
    return s, standardize_adae(ae(ROWS), s)


def test_subjects_once_per_soc_and_pt_events_per_record(two_arm):
    s, a = two_arm
    table = ard_ae_soc_pt(s, a, control="P")
    assert stat(table, GI, "ANY", "P", "n") == 1 and stat(table, GI, "ANY", "P", "events") == 3
    assert stat(table, GI, "Nausea", "P", "n") == 1 and stat(table, GI, "Nausea", "P", "events") == 2
    assert stat(table, GI, "Nausea", "T", "n") == 2
    assert stat(table, SKIN, "Pruritus", "T", "n") == 2 and stat(table, SKIN, "Pruritus", "T", "events") == 3
    assert stat(table, "ANY", "ANY", "P", "n") == 1 and stat(table, "ANY", "ANY", "T", "n") == 3


def test_percentages_use_each_arms_safety_n_and_zero_arms_are_shown(two_arm):
    s, a = two_arm
    table = ard_ae_soc_pt(s, a, control="P")
    assert stat(table, GI, "Nausea", "T", "N") == 5 and stat(table, GI, "Nausea", "T", "pct") == pytest.approx(40.0)
    # no skin AE in arm P (the rash is not treatment-emergent): shown with 0
    assert stat(table, SKIN, "Pruritus", "P", "n") == 0 and stat(table, SKIN, "Pruritus", "P", "pct") == 0
    p = table[(table.group2_level == SKIN) & (table.variable_level == "Pruritus") & (table.stat_name == "p_fisher")]
    assert p.stat.item() == pytest.approx(fisher_exact(2, 5, 0, 4))


def test_soc_alphabetical_and_pt_by_descending_frequency(two_arm):
    s, a = two_arm
    shown = t_incidence(ard_ae_soc_pt(s, a, control="P"))
    assert shown.Category.tolist() == ["Any TEAE", GI, "    Nausea", "    Vomiting", SKIN, "    Pruritus"]


def test_overview_counts(two_arm):
    s, a = two_arm
    ov = ard_ae_overview(s, a, control="P")
    assert stat(ov, "", "Serious TEAE", "T", "n") == 1 and stat(ov, "", "Serious TEAE", "P", "n") == 0
    assert stat(ov, "", "Severe TEAE", "T", "n") == 1
    assert stat(ov, "", "Deaths", "T", "n") == 0


def test_three_arms_each_compared_with_control():
    s = standardize_adsl(adsl({"P": 4, "Low": 3, "High": 5}), "TRT01A")
    rows = [("S01", GI, "Nausea"), ("S05", GI, "Nausea"), ("S06", GI, "Nausea"), ("S08", GI, "Nausea")]
    table = ard_ae_soc_pt(s, standardize_adae(ae(rows), s), control="P")
    assert stat(table, GI, "Nausea", "Low", "n") == 2 and stat(table, GI, "Nausea", "High", "n") == 1
    contrasts = set(table.loc[table.group1 == "CONTRAST", "group1_level"])
    assert contrasts == {"Low vs P", "High vs P"}


def test_single_arm_gets_clopper_pearson_and_no_tests():
    s = standardize_adsl(adsl({"EV": 20}), "TRT01A")
    table = ard_ae_soc_pt(s, standardize_adae(ae([("S01", GI, "Nausea"), ("S02", GI, "Nausea")]), s), control=None)
    ci = clopper_pearson_ci(2, 20)
    assert stat(table, GI, "Nausea", "EV", "cp_lower") == pytest.approx(100 * ci.lower)
    assert stat(table, GI, "Nausea", "EV", "cp_upper") == pytest.approx(100 * ci.upper)
    assert (table.group1 != "CONTRAST").all()


def lab(rows):
    """rows: (USUBJID, PARAMCD, ABLFL, AVAL, ANRHI, ANRIND)"""
    return pd.DataFrame([dict(USUBJID=u, PARAMCD=p, ABLFL=b, AVAL=v, ANRHI=hi, ANRIND=ind, AVISIT="V", ANL01FL="Y")
                         for u, p, b, v, hi, ind in rows])


def test_hys_law_screen_at_its_thresholds():
    s = standardize_adsl(adsl({"T": 3}), "TRT01A")
    rows = [("S01", "ALT", "N", 120, 40, "H"), ("S01", "BILI", "N", 41, 20.5, "H"),   # 3.0 x and 2.0 x: Hy's law
            ("S02", "AST", "N", 104, 35, "H"), ("S02", "BILI", "N", 40, 20.5, "H"),  # 2.97 x: not
            ("S03", "ALT", "Y", 200, 40, "H"), ("S03", "BILI", "Y", 50, 20.5, "H")]  # baseline only: not
    peak = derive_hys_law_peaks(standardize_bds(lab(rows), s)).set_index("USUBJID")
    assert bool(peak.loc["S01", "HYS_LAW"]) and not bool(peak.loc["S02", "HYS_LAW"])
    assert "S03" not in peak.index


@pytest.mark.parametrize("alp, hys_law, cholestatic", [(79.9, True, False), (80.0, False, True), (None, True, False)])
def test_hys_law_needs_alp_below_2_x_uln_else_a_cholestatic_pattern(alp, hys_law, cholestatic):
    s = standardize_adsl(adsl({"T": 3}), "TRT01A")
    rows = [("S01", "ALT", "N", 60, 40, "H"), ("S01", "AST", "N", 105, 35, "H"),     # AST 3.0 x: the higher
            ("S01", "BILI", "N", 41, 20.5, "H"), ("S01", "ALP", "Y", 400, 40, "H")]  # ALP at baseline: not a peak
    rows += [("S01", "ALP", "N", alp, 40, "H")] if alp is not None else []          # 1.9975 / 2.0 x ULN
    peak = derive_hys_law_peaks(standardize_bds(lab(rows), s)).set_index("USUBJID").loc["S01"]
    assert peak["TRANSAMINASE_XULN"] == pytest.approx(3.0)
    assert bool(peak["HYS_LAW"]) is hys_law and bool(peak["CHOLESTATIC"]) is cholestatic


def test_shift_table_worst_post_baseline():
    s = standardize_adsl(adsl({"P": 2, "T": 2}), "TRT01A")
    rows = [("S01", "ALT", "Y", 20, 40, "N"), ("S01", "ALT", "N", 50, 40, "H"), ("S01", "ALT", "N", 20, 40, "N"),
            ("S02", "ALT", "Y", 20, 40, "N"), ("S02", "ALT", "N", 30, 40, "N"),
            ("S03", "ALT", "Y", 50, 40, "H"), ("S03", "ALT", "N", 5, 40, "L"),
            ("S04", "ALT", "Y", 20, 40, "N"), ("S04", "ALT", "N", 60, 40, "H")]
    shift = ard_shift(standardize_bds(lab(rows), s), ["ALT"])
    cells = {(r.group1_level, r.group2_level, r.variable_level): r.stat for r in shift.itertuples()
             if r.group1 == "ARM"}
    # by hand: S01 N -> N, H (lowest N, highest H); S02 N -> N; S03 H -> L (lowest and highest L); S04 N -> H
    assert cells == {("P", "NORMAL", "WORST LOW: NORMAL"): 2, ("P", "NORMAL", "WORST HIGH: HIGH"): 1,
                     ("P", "NORMAL", "WORST HIGH: NORMAL"): 1, ("T", "HIGH", "WORST LOW: LOW"): 1,
                     ("T", "HIGH", "WORST HIGH: LOW"): 1, ("T", "NORMAL", "WORST LOW: HIGH"): 1,
                     ("T", "NORMAL", "WORST HIGH: HIGH"): 1}


def test_shift_counts_every_post_dose_value_scheduled_or_not():
    """compute_safety's shift table: an off-window or unscheduled value (no ANL01FL) on or after the first
    dose counts for the worst post-baseline category; a screening value (ADY < 1) does not."""
    d = lab([("S01", "ALT", "Y", 20, 40, "N"), ("S01", "ALT", "N", 20, 40, "N"), ("S01", "ALT", "N", 90, 40, "H"),
             ("S01", "ALT", "N", 5, 40, "L")]).assign(ADY=[1, 15, 19, -20], ANL01FL=["Y", "Y", None, None])
    res = compute_safety(adsl({"T": 1}), ae([("S01", GI, "Nausea")]), d, None, None, "TRT01A", None)
    cells = res["ard_t_14_3_9"]
    assert cells[["group2_level", "variable_level", "stat"]].values.tolist() == [
        ["NORMAL", "WORST LOW: NORMAL", 1], ["NORMAL", "WORST HIGH: HIGH", 1]]


def test_compute_safety_on_our_shapes_and_on_letter_codes():
    s = adsl({"P": 4, "T": 5})
    a = ae(ROWS)
    res = compute_safety(s, a, None, None, None, "TRT01A", "P")
    assert {"ard_t_14_3_1", "ard_t_14_3_2", "ard_f_14_3_7", "l_16_2_1", "l_16_2_2"} <= set(res)
    assert len(res["l_16_2_1"]) == 1          # one serious TEAE


def test_na_baseline_flags_do_not_drop_post_baseline_records():
    """Our ADLB stores ABLFL as a string column with NA off baseline: those records count."""
    s = standardize_adsl(adsl({"T": 1}), "TRT01A")
    d = lab([("S01", "ALT", "Y", 20, 40, "N"), ("S01", "ALT", None, 130, 40, "H"),
             ("S01", "BILI", None, 45, 20.5, "H")])
    d["ABLFL"] = d["ABLFL"].astype("string")
    bds = standardize_bds(d, s)
    assert len(ard_shift(bds, ["ALT"])) == 2          # the subject in each direction
    assert bool(derive_hys_law_peaks(bds).set_index("USUBJID").loc["S01", "HYS_LAW"])


def test_bds_summary_visits_in_visit_order():
    """Visits follow AVISITN (WEEK 4 before WEEK 36), not the alphabet; a visit without a
    number goes last. Hand-made records: two subjects, one arm."""
    visits = [("BASELINE", 1), ("WEEK 36", 5), ("WEEK 4", 2), ("WEEK 12", 3), ("EXTRA", None)]
    bds = pd.DataFrame([dict(USUBJID=f"S{s}", PARAMCD="ALT", AVISIT=v, AVISITN=n, ARM_="A", AVAL=10.0 + s,
                             CHG=float(s)) for v, n in visits for s in (1, 2)])
    ard_ = ard_bds_summary(bds)
    assert list(dict.fromkeys(ard_["group2_level"])) == ["BASELINE", "WEEK 4", "WEEK 12", "WEEK 36", "EXTRA"]
    week4 = ard_[(ard_["group2_level"] == "WEEK 4") & (ard_["variable_level"] == "AVAL")].set_index("stat_name")["stat"]
    assert week4["n"] == 2 and week4["mean"] == 11.5 and week4["min"] == 11 and week4["max"] == 12

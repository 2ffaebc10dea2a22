"""Derivation rules on small inline frames: study day, baseline, windows, TEAE, AESI timing."""
import numpy as np
import pandas as pd
import pytest

from trialstats.adam.bds import derive_bds
from trialstats.dates import compute_study_day
from trialstats.adam.occds import derive_adae, derive_var_aesi

VISITS = [{"name": "SCREENING", "num": 0, "day": -14}, {"name": "BASELINE", "num": 1, "day": 1},
          {"name": "WEEK 4", "num": 4, "day": 29, "window": 7},
          {"name": "WEEK 8", "num": 8, "day": 57, "window": 7}]
DAY1 = pd.Timestamp("2020-01-10")


def d(day: int) -> str:
    """ISO date of a study day (no day 0)."""
    return (DAY1 + pd.Timedelta(days=day - 1 if day > 0 else day)).strftime("%Y-%m-%d")


def adsl(trtsdtm="2020-01-10T09:00"):
    return pd.DataFrame({"USUBJID": ["S1"], "TRTSDT": [DAY1], "REFSDT": [DAY1],
                         "TRTSDTM": [pd.Timestamp(trtsdtm) if trtsdtm else pd.NaT]})


def records(rows):
    """rows: (ADTC, AVAL[, ATPTN, VISIT]) of one subject and parameter."""
    out = []
    for i, r in enumerate(rows, 1):
        adtc, aval = r[0], r[1]
        atptn = r[2] if len(r) > 2 else np.nan
        out.append(dict(STUDYID="X", USUBJID="S1", PARAMCD="P", PARAM="P (u)", AVAL=aval, AVALC=pd.NA,
                        AVALU="u", ADTC=adtc, ATPT=pd.NA, ATPTN=atptn, VISIT=r[3] if len(r) > 3 else pd.NA,
                        VISITNUM=np.nan, ANRLO=1.0, ANRHI=10.0, SRCDOM="LB", SRCSEQ=float(i)))
    return pd.DataFrame(out)


def bds(rows, **kw):
    return derive_bds(records(rows), adsl(**kw), VISITS).set_index("ADT", drop=False)


def test_study_day_has_no_day_zero():
    ref = pd.Series([DAY1] * 4)
    days = compute_study_day(pd.Series(pd.to_datetime([d(-1), "2020-01-10", "2020-01-11", "2020-01-09"])), ref)
    assert days.tolist() == [-1, 1, 2, -1]
    assert 0 not in compute_study_day(pd.Series(DAY1 + pd.to_timedelta(np.arange(-5, 5), "D")),
                                      pd.Series([DAY1] * 10)).tolist()


def test_baseline_is_last_value_on_or_before_day_1():
    out = bds([(d(-14), 5.0), (d(1), 6.0), (d(29), 7.0)])
    base = out[out.ABLFL == "Y"]
    assert base.AVAL.tolist() == [6.0] and base.AVISIT.tolist() == ["BASELINE"]
    assert out.BASE.unique().tolist() == [6.0]
    assert out.loc[out.AVISIT == "WEEK 4", "CHG"].tolist() == [1.0]
    assert pd.isna(out.loc[out.AVISIT == "PRE-TREATMENT", "CHG"]).all()


def test_value_before_day_1_is_baseline_when_day_1_is_missing():
    out = bds([(d(-14), 5.0), (d(-3), 5.5), (d(29), 7.0)])
    assert out.loc[out.ABLFL == "Y", "AVAL"].tolist() == [5.5]


def test_day_1_value_after_the_dose_time_is_not_baseline():
    out = bds([(d(-14), 5.0), ("2020-01-10T08:30", 6.0), ("2020-01-10T11:00", 9.0, 2, "BASELINE")])
    assert out.loc[out.ABLFL == "Y", "AVAL"].tolist() == [6.0]


def test_missing_baseline_leaves_base_and_change_empty():
    out = bds([(d(29), 7.0), (d(57), 8.0)])
    assert (out.ABLFL != "Y").all() and out.BASE.isna().all() and out.CHG.isna().all()
    assert out.AVISIT.tolist() == ["WEEK 4", "WEEK 8"]


@pytest.mark.parametrize("day, visit", [(22, "WEEK 4"), (36, "WEEK 4"), (21, "UNSCHEDULED"),
                                        (37, "UNSCHEDULED"), (50, "WEEK 8"), (64, "WEEK 8"), (65, "UNSCHEDULED")])
def test_window_edges(day, visit):
    out = bds([(d(1), 5.0), (d(day), 6.0)])
    assert out.loc[out.AVAL == 6.0, "AVISIT"].item() == visit


def test_nearest_record_in_window_is_analysed_later_on_ties():
    out = bds([(d(1), 5.0), (d(24), 1.0), (d(27), 2.0), (d(31), 3.0), (d(35), 4.0)])
    chosen = out[(out.AVISIT == "WEEK 4") & (out.ANL01FL == "Y")]
    assert chosen.AVAL.tolist() == [3.0]           # days 27 and 31 are both 2 from 29: the later wins
    assert (out.loc[out.AVISIT == "WEEK 4", "ANL01FL"] == "Y").sum() == 1


def test_reference_range_indicator():
    out = bds([(d(1), 0.5), (d(29), 11.0), (d(57), 10.0)])
    assert out.ANRIND.tolist() == ["LOW", "HIGH", "NORMAL"]
    assert out.BNRIND.unique().tolist() == ["LOW"]


def ae_frame(starts, decod="Pyrexia"):
    n = len(starts)
    return pd.DataFrame({"STUDYID": "X", "USUBJID": "S1", "AESEQ": [str(i + 1) for i in range(n)],
                         "AETERM": decod.upper(), "AEDECOD": decod, "AEBODSYS": "General disorders",
                         "AESEV": "MILD", "AESER": "N", "AEREL": "NOT RELATED", "AESTDTC": starts,
                         "AEENDTC": [pd.NA] * n})


def test_teae_onset_on_the_infusion_day_is_treatment_emergent():
    ex = pd.DataFrame({"USUBJID": ["S1"], "EXSTDTC": ["2020-01-10T09:00"]})
    ae = derive_adae(ae_frame(["2020-01-09", "2020-01-10", "2020-01-11"]), adsl(), ex,
                     pd.DataFrame(columns=["LBTESTCD", "USUBJID", "LBDTC", "LBSTRESN"]), {})
    assert ae.TRTEMFL.tolist() == ["N", "Y", "Y"]
    assert ae.ASTDY.tolist() == [-1, 1, 2]
    assert ae.AOCCFL.fillna("").tolist() == ["", "Y", ""]


@pytest.mark.parametrize("start, expected", [("2020-01-09", False), ("2020-01-10", True),
                                             ("2020-01-12", True), ("2020-01-13", False),
                                             ("2020-02-08", True)])
def test_fever_within_48_hours_of_an_infusion(start, expected):
    infusions = pd.DataFrame({"USUBJID": ["S1", "S1"], "EXDT": pd.to_datetime(["2020-01-10", "2020-02-07"])})
    ae = ae_frame([start]).assign(ASTDT=pd.to_datetime([start]))
    spec = {"id": "F", "name": "Fever within 48 h", "terms": ["Pyrexia"], "hours_after_infusion": 48}
    assert derive_var_aesi(ae, spec, infusions).notna().item() is expected


def test_aesi_by_soc_and_no_match():
    ae = ae_frame(["2020-01-15"], decod="Urinary tract infection").assign(
        AEBODSYS="Infections and infestations", ASTDT=pd.to_datetime(["2020-01-15"]))
    infusions = pd.DataFrame({"USUBJID": ["S1"], "EXDT": pd.to_datetime(["2020-01-10"])})
    assert derive_var_aesi(ae, {"name": "Infection", "socs": ["Infections and infestations"]},
                           infusions).item() == "Infection"
    assert pd.isna(derive_var_aesi(ae, {"name": "Pruritus", "terms": ["Pruritus"]}, infusions).item())

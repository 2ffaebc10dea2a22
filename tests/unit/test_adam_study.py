"""ADaM of the embedded studies: populations from the derived ADSL, unblinding, eligibility."""
import pandas as pd
import pytest
import yaml

from tests.conftest import STUDY1, STUDY2
from tests.unit.test_simulate import fas_subjects
from trialstats.adam import TREATMENT_VARIABLES, derive_adam
from trialstats.adam.eligibility import derive_eligibility
from trialstats.adam.unblind import RandomizationKeyError, check_key, unblind
from trialstats.sdtm.pipeline import ingest_study


def build(folder, cut):
    sdtm = ingest_study(folder, cut).domains
    protocol = yaml.safe_load((folder / "protocol.yaml").read_text())
    return sdtm, protocol, derive_adam(sdtm, protocol, cut)


@pytest.fixture(scope="module")
def study1():
    sdtm, protocol, adam = build(STUDY1, "2018-12-31")
    key = pd.read_csv(STUDY1 / "randomization.csv", dtype=str)
    return sdtm, protocol, adam, unblind(adam, key, protocol["randomization"]["placebo"]), key


def test_screening_counts_from_adsl(study1):
    adsl = study1[2]["adsl"]
    assert len(adsl) == 103                                            # screened
    sf = adsl[adsl.SCRFFL == "Y"]
    assert len(sf) == 12 and sf.SFREAS.notna().all()                  # each with a named criterion
    assert (sf.ENRLFL == "N").all() and (sf.DCSREAS == "SCREEN FAILURE").all()


def test_population_counts_by_arm(study1):
    adsl = study1[3]["adsl"].set_index("USUBJID")
    by = lambda flag, col="TRT01P": adsl[adsl[flag] == "Y"].groupby(col).size().to_dict()  # noqa: E731
    assert by("RANDFL") == {"UC-MSC 1.5x10^6 cells/kg": 45, "Placebo": 46}
    assert by("FASFL") == {"UC-MSC 1.5x10^6 cells/kg": 45, "Placebo": 44}   # Zang et al. 2022: 45 / 44
    assert by("SAFFL", "TRT01A") == {"UC-MSC 1.5x10^6 cells/kg": 45, "Placebo": 45}
    fas = set(adsl.index[adsl.FASFL == "Y"])
    # independent count from SDTM (tests/unit/test_simulate.py)
    sdtm = {k.lower(): v for k, v in study1[0].items()}
    sdtm["key"] = study1[4]
    assert fas == fas_subjects(sdtm)


def test_per_protocol_is_consistent_with_the_data(study1):
    sdtm, protocol, adam = study1[0], study1[1], study1[2]
    adsl = adam["adsl"].set_index("USUBJID")
    ex_n = sdtm["EX"].groupby("USUBJID").size()
    lb = sdtm["LB"]
    w48 = set(lb.loc[(lb.LBTESTCD == "HBA1C") & (lb.VISIT == "WEEK 48"), "USUBJID"])
    banned = set(sdtm["CM"].loc[sdtm["CM"].CMCLAS.isin(protocol["prohibited_medications"]), "USUBJID"])
    expected = {u for u in adsl.index[adsl.FASFL == "Y"] if ex_n.get(u, 0) == 3 and u in w48 and u not in banned}
    assert set(adsl.index[adsl.PPROTFL == "Y"]) == expected
    assert adsl.loc[adsl.PPROTFL == "N", "PPREAS"].notna().all()
    assert set(adsl.index[adsl.PPROTFL == "Y"]) <= set(adsl.index[adsl.FASFL == "Y"])


def test_blinded_adam_has_no_treatment_variable(study1):
    for name, df in study1[2].items():
        assert not set(df.columns) & set(TREATMENT_VARIABLES), name
    assert {"TRT01P", "TRT01A", "TRTCODE"} <= set(study1[3]["adsl"].columns)
    assert {"TRTP", "TRTA"} <= set(study1[3]["adae"].columns)


def test_arm_codes_follow_the_key_and_placebo_gets_no_cells(study1):
    adsl, key = study1[3]["adsl"], study1[4]
    first = key.ARM.iloc[0]
    assert set(adsl.loc[adsl.TRT01P == first, "TRTCODE"]) == {"A"}
    adex = study1[3]["adex"]
    assert (adex.loc[adex.TRTA == "Placebo", "ADOSE"] == 0).all()
    assert (adex.loc[adex.TRTA != "Placebo", "ADOSE"] == 1.5).all()


def test_three_arm_key_gives_three_codes(study1):
    adam, key = study1[2], study1[4].copy()
    key.loc[key.index[::3], ["ARMCD", "ARM"]] = ["LOW", "Low dose"]
    adsl = unblind(adam, key)["adsl"]
    assert adsl.groupby("TRTCODE").TRT01P.nunique().to_dict() == {"A": 1, "B": 1, "C": 1}


@pytest.mark.parametrize("change, message", [
    (lambda k: pd.concat([k, k.iloc[[0]]]), "more than once"),
    (lambda k: k.iloc[1:], "missing from the key"),
    (lambda k: pd.concat([k, k.iloc[[0]].assign(USUBJID="NOBODY")]), "not in DM"),
    (lambda k: k.drop(columns="ARM"), "missing column(s) ARM"),
])
def test_bad_key_is_a_clear_error(study1, change, message):
    with pytest.raises(RandomizationKeyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_key(change(study1[4]).reset_index(drop=True), study1[2]["adsl"])


def test_eligibility_agrees_with_ie_except_the_planted_disagreement(study1):
    elig = study1[2]["eligibility"]
    dis = elig[elig.AGREE == False]  # noqa: E712
    assert dis[["CRITID", "VALUE"]].values.tolist() == [["IN05", "HBA1C=12.2"]]
    assert (elig.METHOD.isin(["data", "investigator"])).all()
    assert set(elig.CRITID) == {c["id"] for c in study1[1]["criteria"]}


def test_study2_runs_through_adam():
    _, _, adam = build(STUDY2, "2026-03-31")
    adsl = adam["adsl"]
    assert (adsl.ENRLFL == "Y").sum() == 20 and (adsl.SAFFL == "Y").sum() == 20
    assert "RANDFL" not in adsl


# --- eligibility rules at their boundaries (study 2 criteria, units spelled out) ---------------

def screening_subject(sex="F", **lab):
    """One subject's screening data; lab values in the protocol's units."""
    base = dict(OGTT2H=9.0, ALT=20.0, AST=20.0, CREAT=60.0, HBSAG="NEGATIVE")
    base.update(lab)
    lb = []
    for code, value in base.items():
        text = isinstance(value, str)
        lb.append(dict(USUBJID="S1", LBTESTCD=code, LBSTRESN=None if text else value,
                       LBSTRESC=value if text else str(value), LBSTNRHI={"ALT": 40.0, "AST": 35.0}.get(code),
                       VISITNUM=0.0, LBDTC="2025-03-01"))
    return {"DM": pd.DataFrame({"USUBJID": ["S1"], "AGE": [50], "SEX": [sex], "RFICDTC": ["2025-03-01"]}),
            "LB": pd.DataFrame(lb),
            "VS": pd.DataFrame({"USUBJID": ["S1"], "VSTESTCD": ["BMI"], "VSSTRESN": [base.get("BMI", 25.0)],
                                "VISITNUM": [0.0]})}


def fails(sdtm, crit_id):
    protocol = yaml.safe_load((STUDY2 / "protocol.yaml").read_text())
    protocol["criteria"] = [c for c in protocol["criteria"] if c["id"] == crit_id]
    return bool(derive_eligibility(sdtm, protocol).DATA_FAIL.item())


@pytest.mark.parametrize("alt, excluded", [(2.5 * 40, True), (2.49 * 40, False)])
def test_alt_at_exactly_2_5_uln_excludes(alt, excluded):
    assert fails(screening_subject(ALT=alt), "EX05") is excluded


@pytest.mark.parametrize("sex, mg_dl, excluded", [("F", 1.4, True), ("M", 1.4, False), ("M", 1.5, True),
                                                  ("F", 1.39, False)])
def test_creatinine_limits_by_sex(sex, mg_dl, excluded):
    # data in umol/L; criterion in mg/dL; 1 mg/dL = 88.42 umol/L
    assert fails(screening_subject(sex, CREAT=mg_dl * 88.42), "EX06") is excluded


@pytest.mark.parametrize("bmi, fail", [(20.0, False), (30.0, False), (19.9, True), (30.1, True)])
def test_bmi_bounds_are_inclusive(bmi, fail):
    assert fails(screening_subject(BMI=bmi), "IN02") is fail


@pytest.mark.parametrize("glucose, fail", [(7.8, False), (11.0, False), (7.7, True), (11.1, True)])
def test_two_hour_glucose_bounds_are_inclusive(glucose, fail):
    assert fails(screening_subject(OGTT2H=glucose), "IN03") is fail


def test_positive_serology_excludes():
    assert fails(screening_subject(HBSAG="POSITIVE"), "EX07") is True


def test_key_is_taken_at_the_cut(study1):
    from trialstats.adam.unblind import filter_key_at_cut
    key = study1[4]
    at_cut = filter_key_at_cut(key, "2017-06-30")
    assert 0 < len(at_cut) < len(key) and (pd.to_datetime(at_cut.RANDDT) <= "2017-06-30").all()
    with pytest.raises(RandomizationKeyError, match="column RANDDT, rows 2: not a YYYY-MM-DD date"):  # file row 2
        filter_key_at_cut(key.assign(RANDDT=["31/12/2016"] + list(key.RANDDT[1:])), "2017-06-30")


def test_responders_from_adeff_match_the_publication_and_sdtm(study1):
    from tests.unit.test_simulate import responders
    adeff, adsl = study1[3]["adeff"], study1[3]["adsl"]
    resp = adeff[adeff.PARAMCD == "RESP48"].merge(adsl[["USUBJID", "FASFL"]], on="USUBJID")
    fas = resp[resp.FASFL == "Y"]
    # Zang et al. 2022: 9/45 (20.00%) vs 2/44 (4.55%)
    assert fas.groupby("TRTP").AVAL.agg(["sum", "count"]).to_dict("index") == {
        "Placebo": {"sum": 2.0, "count": 44}, "UC-MSC 1.5x10^6 cells/kg": {"sum": 9.0, "count": 45}}
    sdtm = {k.lower(): v for k, v in study1[0].items()}
    sdtm["key"] = study1[4]
    independent = responders(sdtm)
    assert (fas.set_index("USUBJID").AVALC.eq("Y") == independent.reindex(fas.USUBJID)).all()
    banned = resp[resp.RSPREAS.str.startswith("prohibited")]
    assert len(banned) == 2 and (banned.AVALC == "N").all()
    assert ((banned.CRIT1FL == "Y") & (banned.CRIT2FL == "Y")).sum() == 1   # met both, still a non-responder

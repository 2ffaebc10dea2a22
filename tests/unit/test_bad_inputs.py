"""The bad-input catalogue (docs/BAD_INPUTS.md) beyond the SDTM files: the randomization key, an
ADaM folder made elsewhere, the data cut, an empty AE domain; and the record accounting.
SDTM cases: tests/unit/test_validate.py; config.yaml and protocol.yaml: tests/workflow."""
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT, STUDY2
from tests.unit.test_adam_study import build, study1  # noqa: F401 (fixture)
from trialstats.adam import derive_adam
from trialstats.adam.accounting import record_accounting
from trialstats.adam.inputs import AdamInputError, load_adam_folder
from trialstats.adam.unblind import RandomizationKeyError, check_key, filter_key_at_cut
from trialstats.io import UnreadableFile
from trialstats.sdtm.cut import CutError
from trialstats.sdtm.pipeline import ingest_study
from trialstats.ard.safety import compute_safety

# --- the randomization key -----------------------------------------------------------------------

KEY_CASES = {
    "key: arm code the protocol does not know": (
        lambda k: k.assign(ARMCD=k.ARMCD.where(k.index != 4, "UCMSC2")),
        "column ARMCD: arm code(s) UCMSC2 in rows 6 not in protocol.yaml randomization.arms"),
    "key: blank arm code": (lambda k: k.assign(ARMCD=k.ARMCD.where(k.index != 2, "")),
                            "column ARMCD: blank in rows 4"),
    "key: one arm code with two names": (lambda k: k.assign(ARM=k.ARM.where(k.index != 7, "Placebo (saline)")),
                                         "arm code"),
    "key: no subject in the control arm": (lambda k: k.assign(ARMCD=k.ARMCD.replace("PBO", "UCMSC")),
                                           "no subject in the control arm PBO"),
    "key: subject twice": (lambda k: pd.concat([k, k.iloc[[0]]]), "more than once"),
    "key: randomized subject missing": (lambda k: k.iloc[1:], "missing from the key"),
    "key: subject not in DM": (lambda k: pd.concat([k, k.iloc[[0]].assign(USUBJID="NOBODY")]),
                               "column USUBJID: subject(s) not in DM: NOBODY"),
}


@pytest.mark.parametrize("case", sorted(KEY_CASES))
def test_bad_key_is_a_clear_error(study1, case):  # noqa: F811
    change, message = KEY_CASES[case]
    key = study1[4].copy()
    bad = change(key)
    if case == "key: one arm code with two names":
        bad.loc[7, "ARMCD"] = key.loc[key.ARM != bad.loc[7, "ARM"], "ARMCD"].iloc[0]
        message = f"column ARM: arm code {bad.loc[7, 'ARMCD']} has 2 names"
    with pytest.raises(RandomizationKeyError, match=re.escape(message)):
        check_key(bad, study1[2]["adsl"], randomization=study1[1]["randomization"])


def test_key_rows_are_the_file_rows_after_the_cut_filter(study1):  # noqa: F811
    key = study1[4].copy()
    key.loc[len(key) - 1, "ARMCD"] = ""
    kept = filter_key_at_cut(key, "2030-01-01")
    with pytest.raises(RandomizationKeyError, match=f"blank in rows {len(key) + 1}"):
        check_key(kept, study1[2]["adsl"])


# --- the data cut --------------------------------------------------------------------------------

def test_cut_before_the_first_enrolment_is_a_clear_error():
    with pytest.raises(CutError, match=r"data cut 2020-01-01 is before the first informed consent \(2025-"):
        ingest_study(STUDY2, "2020-01-01")


def test_empty_ae_domain_is_accepted_and_counts_zero(study_copy):
    folder = study_copy(STUDY2)
    ae = pd.read_csv(folder / "sdtm/ae.csv", dtype=str)
    ae.iloc[0:0].to_csv(folder / "sdtm/ae.csv", index=False)       # header only: no adverse events
    sdtm, protocol, adam = build(folder, "2026-03-31")
    assert len(adam["adae"]) == 0
    single = {n: adam[n].assign(TRT01A="EV") for n in ("adsl", "adae", "adlb", "advs", "adex")}
    out = compute_safety(single["adsl"], single["adae"], single["adlb"], single["advs"], single["adex"], "TRT01A", None)
    overview = out["ard_t_14_3_1"]
    assert (overview.loc[overview.stat_name == "n", "stat"].astype(float) == 0).any()


# --- an ADaM folder made elsewhere ---------------------------------------------------------------

@pytest.fixture
def adam_folder(study1, tmp_path):  # noqa: F811
    """The closed ADaM of study 1 written as CSV files, as another sponsor might deliver it."""
    for name in ("adsl", "adae", "adlb"):
        study1[3][name].to_csv(tmp_path / f"{name}.csv", index=False)
    return tmp_path


def _edit(name, fn):
    def apply(folder: Path):
        path = folder / f"{name}.csv"
        fn(pd.read_csv(path, dtype=str, keep_default_na=False)).to_csv(path, index=False)
    return apply


ADAM_CASES = {
    "ADaM: no ADSL": (lambda f: (f / "adsl.csv").unlink(), "no adsl dataset found"),
    "ADaM: arm column absent": (_edit("adsl", lambda d: d.drop(columns="TRT01A")),
                                "adsl.csv: missing column(s) TRT01A"),
    "ADaM: required AE column absent": (_edit("adae", lambda d: d.drop(columns="AEDECOD")),
                                        "adae.csv: missing column(s) AEDECOD"),
    "ADaM: AE of a subject not in ADSL": (_edit("adae",
                                                lambda d: d.assign(USUBJID=d.USUBJID.where(d.index != 1, "X-1"))),
                                          "adae.csv, column USUBJID, rows 3: subject(s) X-1 not in ADSL"),
    "ADaM: subject twice in ADSL": (_edit("adsl", lambda d: pd.concat([d, d.iloc[[5]]], ignore_index=True)),
                                    "adsl.csv, column USUBJID, rows 7, "),
    "ADaM: safety flag not Y/N": (_edit("adsl", lambda d: d.assign(SAFFL=d.SAFFL.where(d.index != 0, "yes"))),
                                  "column SAFFL, rows 2: values yes"),
}


@pytest.mark.parametrize("case", sorted(ADAM_CASES))
def test_bad_adam_input_is_a_clear_error(adam_folder, case):
    mutate, message = ADAM_CASES[case]
    mutate(adam_folder)
    with pytest.raises(AdamInputError, match=re.escape(message)):
        load_adam_folder(adam_folder, None, "TRT01A")


def test_unreadable_or_missing_adam_is_named(adam_folder):
    (adam_folder / "adlb.csv").write_bytes(b"")
    with pytest.raises(UnreadableFile, match=r"adlb.csv: the file is empty"):
        load_adam_folder(adam_folder, None, "TRT01A")
    with pytest.raises(FileNotFoundError, match="ADaM folder /nowhere not found"):
        load_adam_folder("/nowhere", None, "TRT01A")


def test_good_adam_input_passes(adam_folder):
    data = load_adam_folder(adam_folder, None, "TRT01A")
    assert set(data.datasets) == {"adsl", "adae", "adlb"} and data.unused == []


# --- record accounting ---------------------------------------------------------------------------

@pytest.mark.parametrize("folder, cut", [(STUDY2, "2026-03-31"), (STUDY2, "2025-09-30")])
def test_records_in_equal_removed_plus_used_plus_excluded(folder, cut):
    ingested = ingest_study(folder, cut)
    protocol = yaml.safe_load((folder / "protocol.yaml").read_text())
    adam = derive_adam(ingested.domains, protocol, cut)
    summary, excluded = record_accounting(ingested.domains, adam, ingested.reconciliation,
                                          {"LB": set(protocol["labs"]), "VS": set(protocol["vitals"])})
    raw = {p.stem.upper(): len(pd.read_csv(p, dtype=str)) for p in (folder / "sdtm").glob("*.csv")}
    s = summary.set_index("DOMAIN")
    assert s["RECORDS_IN"].to_dict() == raw                          # counted from the files themselves
    assert (s.RECORDS_IN == s.REMOVED_AT_CUT + s.USED + s.EXCLUDED).all()
    assert excluded.groupby("DOMAIN").size().reindex(s.index, fill_value=0).tolist() == s.EXCLUDED.tolist()
    assert not excluded.REASON.str.contains("no rule applies").any()     # every exclusion explained
    # an independent count: a screen failure's records are exactly those not carried (LB, VS)
    screen_failures = set(adam["adsl"].loc[adam["adsl"].REFSDT.isna(), "USUBJID"])
    for domain in ("LB", "VS"):
        d = ingested.domains[domain]
        assert s.loc[domain, "EXCLUDED"] == d.USUBJID.isin(screen_failures).sum()


def test_catalogue_lists_every_case():
    from tests.unit.test_door import CATALOGUE as DOOR_CASES
    from tests.unit.test_hostile_inputs import CATALOGUE as HOSTILE_CASES
    from tests.unit.test_real_world_sdtm import CATALOGUE as REAL_WORLD_CASES
    from tests.unit.test_validate import CASES as SDTM_CASES
    doc = (ROOT / "docs" / "BAD_INPUTS.md").read_text()
    listed = set(re.findall(r"^\| \d+ \| ([^|]+?) \|", doc, re.M))
    workflow = {"config: unknown key", "config: cuts not a list", "config: cut date not YYYY-MM-DD",
                "config: study folder missing", "protocol: wrong type", "protocol: file missing",
                "interrupted run"}
    cases = set(SDTM_CASES) | set(REAL_WORLD_CASES) | DOOR_CASES | HOSTILE_CASES | set(KEY_CASES) | set(ADAM_CASES) \
        | workflow | {
        "cut before the first enrolment", "AE domain without records", "ADaM: unreadable or missing",
        "protocol: AESI timed after a dose in a daily study"}      # tests/unit/test_treatment.py
    assert listed == cases, (sorted(listed - cases), sorted(cases - listed))
    assert len(cases) >= 30

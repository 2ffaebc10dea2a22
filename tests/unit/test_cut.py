"""The data cut on small inline frames: removed, kept, end unknown at the cut, and the accounting."""
import pandas as pd

from trialstats.sdtm.cut import apply_cut

CUT = "2017-06-30"


def frames():
    dm = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "RFICDTC": ["2017-01-02", "2017-06-30", "2017-07-01"],
                       "RFSTDTC": ["2017-01-15", "2017-07-10", pd.NA], "RFENDTC": ["2017-12-01", pd.NA, pd.NA]},
                      dtype="string")
    ae = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S2", "S3"],
                       "AESTDTC": ["2017-02-01", "2017-06-30", "2017-06-20", "2017-07-01T10:00", "2017-07-05"],
                       "AEENDTC": ["2017-02-03", "2017-06-30", "2017-07-04", pd.NA, "2017-07-06"],
                       "AEOUT": ["RECOVERED/RESOLVED"] * 5}, dtype="string")
    lb = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"],
                       "LBDTC": ["2017-06-30T23:59", "2017-07-01T00:00", "2017-06-30"]}, dtype="string")
    return {"DM": dm, "AE": ae, "LB": lb}


def test_records_after_the_cut_are_removed_and_listed():
    out, listing, recon = apply_cut(frames(), CUT)
    # on the cut date is kept (even late in the day); the next day is removed
    assert out["LB"]["LBDTC"].tolist() == ["2017-06-30T23:59", "2017-06-30"]
    removed = listing[(listing.DOMAIN == "LB") & (listing.ACTION == "removed")]
    assert removed.ROW.tolist() == [2] and "LBDTC after the data cut 2017-06-30" in removed.REASON.iloc[0]
    assert out["AE"]["USUBJID"].tolist() == ["S1", "S1", "S1"]        # S2's AE starts after the cut


def test_subject_consented_after_the_cut_is_removed_everywhere():
    out, listing, _ = apply_cut(frames(), CUT)
    assert "S3" not in set(out["DM"].USUBJID) and "S3" not in set(out["AE"].USUBJID)
    s3 = listing[listing.USUBJID == "S3"]
    assert set(s3.DOMAIN) == {"DM", "AE"} and s3.REASON.str.contains("informed consent after").all()


def test_event_spanning_the_cut_is_kept_with_end_unknown():
    out, listing, _ = apply_cut(frames(), CUT)
    ae = out["AE"].set_index("AESTDTC")
    spanning = ae.loc["2017-06-20"]
    assert pd.isna(spanning.AEENDTC) and spanning.AEENRTPT == "ONGOING" and spanning.AEENTPT == CUT
    assert spanning.AEOUT == "NOT RECOVERED/NOT RESOLVED"
    assert ae.loc["2017-02-01"].AEENDTC == "2017-02-03" and pd.isna(ae.loc["2017-02-01"].AEENRTPT)
    assert ae.loc["2017-06-30"].AEENDTC == "2017-06-30"              # ends on the cut: known
    changed = listing[listing.ACTION == "end unknown at cut"]
    assert ("AE", 3) in set(zip(changed.DOMAIN, changed.ROW))


def test_reference_dates_after_the_cut_are_blanked():
    out, _, _ = apply_cut(frames(), CUT)
    dm = out["DM"].set_index("USUBJID")
    assert pd.isna(dm.loc["S1", "RFENDTC"]) and dm.loc["S1", "RFSTDTC"] == "2017-01-15"
    assert pd.isna(dm.loc["S2", "RFSTDTC"])                          # consented, not yet dosed


def test_counts_in_equal_kept_plus_removed():
    inp = frames()
    out, listing, recon = apply_cut(inp, CUT)
    for row in recon.itertuples():
        assert row.RECORDS_IN == len(inp[row.DOMAIN]) == row.RECORDS_KEPT + row.RECORDS_REMOVED
        assert row.RECORDS_KEPT == len(out[row.DOMAIN])
        assert row.RECORDS_REMOVED == ((listing.DOMAIN == row.DOMAIN) & (listing.ACTION == "removed")).sum()


def test_input_frames_are_not_modified():
    inp = frames()
    before = {k: v.copy() for k, v in inp.items()}
    apply_cut(inp, CUT)
    for k in inp:
        pd.testing.assert_frame_equal(inp[k], before[k])

"""A rule's job writes the traceback of a failure into its log (trialstats.joblog)."""
import pytest

from trialstats.joblog import log_errors


def test_a_failure_appends_its_traceback_to_the_log_and_is_raised_again(tmp_path):
    log = tmp_path / "job.log"
    log.write_text("written before the failure\n")
    with pytest.raises(KeyError, match="ARM"):
        with log_errors(log):
            {}["ARM"]
    text = log.read_text()
    assert text.startswith("written before the failure\nTraceback (most recent call last):")
    assert text.rstrip().endswith("KeyError: 'ARM'")


def test_a_job_that_succeeds_leaves_its_log_alone(tmp_path):
    log = tmp_path / "job.log"
    with log_errors(log):
        log.write_text("summary\n")
    assert log.read_text() == "summary\n"

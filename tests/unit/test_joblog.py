"""A rule's job writes the traceback of a failure into its log (trialstats.joblog)."""
import pytest

from trialstats.joblog import log_errors


def test_a_failure_appends_problem_and_traceback_to_the_log_prints_the_problem_and_exits_1(tmp_path, capsys):
    log = tmp_path / "job.log"
    log.write_text("written before the failure\n")
    with pytest.raises(SystemExit) as stop:
        with log_errors(log):
            raise ValueError("lb.csv, column LBSTRESN, rows 4, 7: not a number; expected a number")
    assert stop.value.code == 1
    text = log.read_text()
    assert text.startswith("written before the failure\nproblem: lb.csv, column LBSTRESN, rows 4, 7: not a number")
    assert "Traceback (most recent call last):" in text and text.rstrip().endswith("expected a number")
    err = capsys.readouterr().err
    assert err.lstrip().startswith("PROBLEM:\n  lb.csv, column LBSTRESN, rows 4, 7") and "Traceback" not in err
    assert f"(the traceback is in {log})" in err


def test_an_unexpected_error_is_called_a_defect(tmp_path, capsys):
    with pytest.raises(SystemExit):
        with log_errors(tmp_path / "job.log"):
            {}["ARM"]
    assert "PROBLEM (KeyError: a defect; please report it):\n  'ARM'" in capsys.readouterr().err


def test_a_job_that_succeeds_leaves_its_log_alone(tmp_path):
    log = tmp_path / "job.log"
    with log_errors(log):
        log.write_text("summary\n")
    assert log.read_text() == "summary\n"

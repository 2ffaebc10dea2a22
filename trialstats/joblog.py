"""A rule's job and its log file: a failing job's traceback goes into the rule's log."""
from __future__ import annotations

import traceback
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def log_errors(log: str | Path):
    """Run a job's body; if it raises, append the traceback to `log` and raise again.

    The rule's log is what Snakemake prints for a failed job (show-failed-logs); on a cluster the
    job's own output (stderr) goes to the scheduler's log file instead, so without this the rule's
    log of a failed job would be empty.
    """
    try:
        yield
    except Exception:
        with open(log, "a") as out:
            traceback.print_exc(file=out)
        raise

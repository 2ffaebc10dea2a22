"""A rule's job and its log file: a failing job says what is wrong in a few lines on the console, and
its traceback goes into the rule's log."""
from __future__ import annotations

import sys
import traceback
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def log_errors(log: str | Path):
    """Run a job's body; if it raises, append the problem and its traceback to `log`, print the problem
    (the exception's message: file, column, rows, expected) and the log's path on stderr, and exit 1.

    A refusal is read by a statistician: the problem, not a Python traceback printed twice (once by the
    interpreter, once by Snakemake's failed-log echo). On a cluster the job's stderr goes to the
    scheduler's log file, so the rule's log keeps both the problem and the traceback.
    """
    try:
        yield
    except Exception as err:
        message = str(err) or type(err).__name__
        with open(log, "a") as out:
            print(f"problem: {message}\n", file=out)
            traceback.print_exc(file=out)
        kind = "" if isinstance(err, ValueError | OSError) else f" ({type(err).__name__}: a defect; please report it)"
        print(f"\nPROBLEM{kind}:\n" + "\n".join(f"  {line}" for line in message.splitlines())
              + f"\n  (the traceback is in {log})\n", file=sys.stderr)
        raise SystemExit(1) from None

"""Rule monitoring: the DMC charter's stopping guidelines at this cut, by arm (closed side); a single-arm
study's are written by its review_safety job."""
from pathlib import Path

import yaml

from trialstats.io import read_datasets
from trialstats.joblog import log_errors
from trialstats.report.monitoring import monitoring_datasets, write_monitoring

sm = snakemake  # noqa: F821 (injected by snakemake)
with log_errors(sm.log[0]):   # the traceback of a failure into the rule's log
    protocol = yaml.safe_load(open(sm.input.protocol))
    arm = sm.params.arm_column
    adam = read_datasets(sm.input.adam, monitoring_datasets(protocol, arm))
    guidelines = write_monitoring(Path(sm.output.folder), adam, Path(sm.input.adam), protocol, arm, sm.input.earlier,
                                  sm.wildcards.cut, sm.params.figure_formats)
    Path(sm.log[0]).write_text(guidelines.to_string(index=False) + "\n")

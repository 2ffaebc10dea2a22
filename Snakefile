# Trial analysis pipeline: raw study data -> validated, cut SDTM -> ... -> DMC reports.
# Read as a table of contents; helpers live in workflow/rules/common.smk.


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/adam.smk"
include: "workflow/rules/flow.smk"
include: "workflow/rules/efficacy.smk"
include: "workflow/rules/safety.smk"
include: "workflow/rules/monitoring.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/adam_input.smk"


rule all:
    input:
        all_outputs(),
    default_target: True


rule open:
    # everything the open (pooled) report may use; the blinding test checks its job graph
    input:
        all_open_outputs(),

# Reports: the DMC open (pooled) and closed (by arm) PDFs, and a single-arm safety review; each job writes
# the report's tables, listings and figures as RTF beside its PDF.


rule open_report:
    input:
        protocol=protocol_file,
        manifest="results/{study}/{cut}/manifest.json",
        sdtm="results/{study}/{cut}/sdtm",
        adam="results/{study}/{cut}/adam",  # the record accounting
        outputs=planned_inputs("open"),
    output:
        pdf=in_html_report(
            "open",
            "results/{study}/{cut}/open/report/dmc_open_report.pdf",
            caption="../report/open.rst",
            category="Open report",
        ),
        typ="results/{study}/{cut}/open/report/dmc_open_report.typ",
        summary="results/{study}/{cut}/open/report/executive_summary.csv",
        rtf=directory("results/{study}/{cut}/open/report/rtf"),  # every table, listing and figure as RTF
    params:
        library=LIBRARY,
        kind="open",
        arm_column=None,
        previous_cut=previous_cut,
        version=config["report"]["version"],
        paper=config["report"]["paper"],
        currency=data_currency,
    resources:
        mem_mb=memory(per_1000_subjects=10),  # measured: 210 MB at 10,000 subjects
        runtime=minutes,
    log:
        "results/{study}/{cut}/logs/open_report.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/open_report.tsv"
    script:
        "../../scripts/report.py"


rule closed_report:
    input:
        protocol=protocol_file,
        manifest="results/{study}/{cut}/manifest.json",
        sdtm="results/{study}/{cut}/sdtm",
        outputs=planned_inputs("closed"),
        adam="results/{study}/{cut}/adam",  # the record accounting
        current="results/{study}/{cut}/closed/adam",
    output:
        pdf=in_html_report(
            "closed",
            "results/{study}/{cut}/closed/report/dmc_closed_report.pdf",
            caption="../report/closed.rst",
            category="Closed report",
        ),
        typ="results/{study}/{cut}/closed/report/dmc_closed_report.typ",
        summary="results/{study}/{cut}/closed/report/executive_summary.csv",
        rtf=directory("results/{study}/{cut}/closed/report/rtf"),  # every table, listing and figure as RTF
    params:
        library=LIBRARY,
        kind="closed",
        arm_column=arm_column,
        previous_cut=previous_cut,
        version=config["report"]["version"],
        paper=config["report"]["paper"],
        currency=data_currency,
    resources:
        mem_mb=memory(per_1000_subjects=250),  # measured: 1,860 MB at 10,000 subjects
        runtime=minutes,
    log:
        "results/{study}/{cut}/logs/closed_report.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/closed_report.tsv"
    script:
        "../../scripts/report.py"


rule review_report:
    input:
        protocol=protocol_file,
        manifest="results/{study}/{cut}/manifest.json",
        sdtm="results/{study}/{cut}/sdtm",
        adam="results/{study}/{cut}/adam",  # the record accounting
        outputs=planned_inputs("review"),
    output:
        pdf=in_html_report(
            "open",
            "results/{study}/{cut}/review/report/safety_review_report.pdf",
            caption="../report/review.rst",
            category="Safety review report",
        ),
        typ="results/{study}/{cut}/review/report/safety_review_report.typ",
        summary="results/{study}/{cut}/review/report/executive_summary.csv",
        rtf=directory("results/{study}/{cut}/review/report/rtf"),  # every table, listing and figure as RTF
    params:
        library=LIBRARY,
        kind="review",
        arm_column=None,
        previous_cut=previous_cut,
        version=config["report"]["version"],
        paper=config["report"]["paper"],
        currency=data_currency,
    resources:
        mem_mb=memory(per_1000_subjects=250),  # as closed_report
        runtime=minutes,
    log:
        "results/{study}/{cut}/logs/review_report.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/review_report.tsv"
    script:
        "../../scripts/report.py"

# Stopping guidelines of the DMC charter (protocol `monitoring`) at each cut, by arm (a single-arm study's:
# rule review_safety).


rule monitoring:
    input:
        adam="results/{study}/{cut}/closed/adam",
        protocol=protocol_file,
        earlier=earlier_looks,
    output:
        folder=directory("results/{study}/{cut}/closed/monitoring"),
    params:
        figure_formats=FIGURE_FORMATS,
        library=LIBRARY,
        arm_column=arm_column,
    resources:
        mem_mb=memory(per_1000_subjects=60),  # reads ADSL, ADAE and ADEFF, as secondary
        runtime=minutes,
    priority: 3  # the primary job waits for it (the charter's decision row): on the way to the closed report
    log:
        "results/{study}/{cut}/logs/monitoring_closed.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/monitoring_closed.tsv"
    script:
        "../../scripts/monitoring.py"

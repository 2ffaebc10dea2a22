# Stopping guidelines of the DMC charter (protocol `monitoring`) at each cut.


rule monitoring:
    input:
        adam=monitoring_adam,
        protocol=protocol_file,
        earlier=earlier_looks,
    output:
        folder=directory("results/{study}/{cut}/{side}/monitoring"),
    wildcard_constraints:
        side="closed|review",
    params:
        library=LIBRARY,
        arm_column=monitoring_arm,
    resources:
        mem_mb=memory(per_1000_subjects=60),  # reads ADSL, ADAE and ADEFF, as secondary
        runtime=minutes,
    log:
        "results/{study}/{cut}/logs/monitoring_{side}.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/monitoring_{side}.tsv"
    script:
        "../../scripts/monitoring.py"

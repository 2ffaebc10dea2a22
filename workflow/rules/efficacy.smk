# Efficacy (closed, by arm): the primary endpoint with its estimand and sensitivity analyses.


rule primary_shard:
    # one piece of a heavy analysis: imputations of the MI analysis, or rows of the tipping-point
    # grid (config scale: the number of pieces, 1 on a laptop, many on a cluster)
    input:
        adam="results/{study}/{cut}/closed/adam",
        protocol=protocol_file,
    output:
        temp("results/{study}/{cut}/closed/primary/{analysis}_{shard}.parquet"),
    wildcard_constraints:
        analysis="mi|tipping",
        shard=r"\d+",
    params:
        library=LIBRARY,
        arm_column=arm_column,
        shards=lambda w: config["scale"][f"{w.analysis}_shards"],
        mi=config["primary"]["multiple_imputation"],
    resources:
        mem_mb=memory(per_1000_subjects=100),  # measured: 790 MB at 10,000 subjects
        runtime=minutes,
    priority: 3  # long jobs on the way to the closed report start first
    log:
        "results/{study}/{cut}/logs/primary_{analysis}_{shard}.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/primary_{analysis}_{shard}.tsv"
    script:
        "../../scripts/primary_shard.py"


rule primary:
    input:
        adam="results/{study}/{cut}/closed/adam",
        protocol=protocol_file,
        mi=primary_shards("mi"),
        tipping=primary_shards("tipping"),
        monitoring=primary_monitoring,
    output:
        ard="results/{study}/{cut}/closed/ard/t_14_2_1_primary.csv",
        tipping_ard="results/{study}/{cut}/closed/ard/t_14_2_4_tipping_point.csv",
        t_primary="results/{study}/{cut}/closed/tables/t_14_2_1.csv",
        t_estimand="results/{study}/{cut}/closed/tables/t_14_2_2.csv",
        t_sensitivity="results/{study}/{cut}/closed/tables/t_14_2_3.csv",
        t_tipping="results/{study}/{cut}/closed/tables/t_14_2_4.csv",
        tipping_statement="results/{study}/{cut}/closed/tables/t_14_2_4_tipping_point.txt",
        listing="results/{study}/{cut}/closed/listings/responder_status.csv",
        f_forest=expand("results/{{study}}/{{cut}}/closed/figures/f_14_2_3.{ext}", ext=FIGURE_FORMATS),
        f_tipping=expand("results/{{study}}/{{cut}}/closed/figures/f_14_2_4.{ext}", ext=FIGURE_FORMATS),
    params:
        library=LIBRARY,
        arm_column=arm_column,
        covariates=primary_covariates,
        mi=config["primary"]["multiple_imputation"],
        alpha=config["primary"]["alpha"],
    resources:
        mem_mb=memory(per_1000_subjects=100),  # measured: 940 MB at 10,000 subjects
        runtime=minutes,
    priority: 2  # long jobs on the way to the closed report start first
    log:
        "results/{study}/{cut}/logs/primary.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/primary.tsv"
    script:
        "../../scripts/primary.py"


rule secondary:
    input:
        adam="results/{study}/{cut}/closed/adam",
        protocol=protocol_file,
    output:
        folder=directory("results/{study}/{cut}/closed/secondary"),
    params:
        figure_formats=FIGURE_FORMATS,
        library=LIBRARY,
        arm_column=arm_column,
    resources:
        mem_mb=memory(per_1000_subjects=60),  # measured: 670 MB at 10,000 subjects
        runtime=minutes,
    priority: 3  # long jobs on the way to the closed report start first
    log:
        "results/{study}/{cut}/logs/secondary.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/secondary.tsv"
    script:
        "../../scripts/secondary.py"


rule primary_change:
    # a continuous primary endpoint (protocol continuous_primary): change from baseline at the key
    # visit by MMRM, with its estimand and sensitivity analyses; any number of arms vs the control
    input:
        adam="results/{study}/{cut}/closed/adam",
        protocol=protocol_file,
        monitoring=primary_monitoring,  # the charter's decision row of Table 14.2.1
    output:
        folder=directory("results/{study}/{cut}/closed/primary_change"),
    params:
        figure_formats=FIGURE_FORMATS,
        library=LIBRARY,
        arm_column=arm_column,
        mi=config["primary"]["multiple_imputation"],
    resources:
        mem_mb=memory(per_1000_subjects=100),  # MMRMs and multiple imputation, as primary
        runtime=minutes,
    priority: 2  # long jobs on the way to the closed report start first
    log:
        "results/{study}/{cut}/logs/primary_change.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/primary_change.tsv"
    script:
        "../../scripts/primary_change.py"


rule primary_tte:
    # a time-to-event primary endpoint (protocol time_to_event): the ADTTE parameter of the closed
    # ADaM, Kaplan-Meier, log-rank and Cox of each arm vs the control, median and RMST
    input:
        adam="results/{study}/{cut}/closed/adam",
        protocol=protocol_file,
        monitoring=primary_monitoring,  # the charter's decision row of Table 14.2.1
    output:
        folder=directory("results/{study}/{cut}/closed/primary_tte"),
    params:
        figure_formats=FIGURE_FORMATS,
        library=LIBRARY,
        arm_column=arm_column,
    resources:
        mem_mb=memory(per_1000_subjects=30),  # one record per subject
        runtime=minutes,
    priority: 2
    log:
        "results/{study}/{cut}/logs/primary_tte.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/primary_tte.tsv"
    script:
        "../../scripts/primary_tte.py"

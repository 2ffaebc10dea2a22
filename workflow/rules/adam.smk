# ADaM: blinded analysis datasets, then the unblinding rule (the only reader of the key).


rule adam:
    input:
        sdtm="results/{study}/{cut}/sdtm",
        protocol=protocol_file,
    output:
        adam=directory("results/{study}/{cut}/adam"),
    params:
        library=LIBRARY,
    resources:
        mem_mb=memory(per_1000_subjects=210),  # measured: 1,570 MB at 10,000 subjects
        runtime=minutes,
    log:
        "results/{study}/{cut}/logs/adam.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/adam.tsv"
    script:
        "../../scripts/adam.py"


rule unblind:
    input:
        adam="results/{study}/{cut}/adam",
        key=randomization_key,
        doses=key_doses,
    output:
        adam=directory("results/{study}/{cut}/closed/adam"),
    params:
        library=LIBRARY,
        placebo=placebo_arms,
        control=control_armcd,
        randomization=lambda w: PROTOCOLS[w.study]["randomization"],
        planned_dose=planned_dose_by_arm,
    resources:
        mem_mb=memory(per_1000_subjects=120),  # measured: 970 MB at 10,000 subjects
        runtime=minutes,
    priority: 5  # every closed job waits for it
    log:
        "results/{study}/{cut}/logs/unblind.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/unblind.tsv"
    script:
        "../../scripts/unblind.py"

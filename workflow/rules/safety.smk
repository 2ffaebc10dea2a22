# Safety: tables, listings and figures, by arm (closed), for a single-arm study (review), and
# from an existing ADaM folder named in config `adam_studies` (e.g. a CRO's hand-over).


rule closed_safety:
    input:
        adam="results/{study}/{cut}/closed/adam",
    output:
        folder=directory("results/{study}/{cut}/closed/safety"),
    params:
        library=LIBRARY,
        arm_column=arm_column,
        control=control_label,
        treatment=None,
        dose_column="ADOSE",
        aesi=aesi_names,
        dataset_names=None,
        exploratory=None,
        lab_panel=lab_panel,
    resources:
        mem_mb=memory(per_1000_subjects=120),   # measured: 1,080 MB at 10,000 subjects
        runtime=minutes,
    priority: 3  # long jobs on the way to the closed report start first
    log:
        "results/{study}/{cut}/logs/closed_safety.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/closed_safety.tsv"
    script:
        "../../scripts/safety.py"


rule review_safety:
    input:
        adam="results/{study}/{cut}/adam",
    output:
        folder=directory("results/{study}/{cut}/review/safety"),
    params:
        library=LIBRARY,
        arm_column=None,
        control=None,
        treatment=treatment_name,
        dose_column="EXDOSE",
        aesi=aesi_names,
        dataset_names=None,
        exploratory=exploratory_spec,
        lab_panel=lab_panel,
    resources:
        mem_mb=memory(per_1000_subjects=120),   # as closed_safety
        runtime=minutes,
    log:
        "results/{study}/{cut}/logs/review_safety.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/review_safety.tsv"
    script:
        "../../scripts/safety.py"


rule adam_safety:
    input:
        adam=adam_folder,
    output:
        folder=directory("results/{adam_study}/adam_safety"),
    params:
        library=LIBRARY,
        arm_column=adam_arm,
        control=adam_control,
        treatment=None,
        dose_column=None,
        aesi=None,
        dataset_names=adam_dataset_names,
        exploratory=None,
        lab_panel=None,
    resources:
        mem_mb=memory(per_1000_subjects=120),   # as closed_safety
        runtime=minutes,
    log:
        "results/{adam_study}/logs/adam_safety.log",
    benchmark:
        "results/{adam_study}/benchmarks/adam_safety.tsv"
    script:
        "../../scripts/safety.py"

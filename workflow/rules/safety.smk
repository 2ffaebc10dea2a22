# Safety: tables, listings and figures, by arm (closed) and for a single-arm study (review).
# The folder holds ard/, tables/ (t_14_1_5, t_14_3_1..14, 17..20 where the protocol declares reactions), listings/ (l_16_2_1..3, 5, 6, lab panel) and
# figures/ (f_14_3_7, 8, 10, 12, 15, 16) and profiles/ (patient profiles and narratives, a page per subject):
# the DMC displays are computed in this one job (no job per display, none per subject).
# A study given as an existing ADaM folder (config `adam_studies`) has its own rules: adam_input.smk.


rule closed_safety:
    input:
        adam="results/{study}/{cut}/closed/adam",
        sdtm="results/{study}/{cut}/sdtm",  # CM and MH of the patient profiles: the ADaM here has no ADMH
    output:
        folder=directory("results/{study}/{cut}/closed/safety"),
    params:
        figure_formats=FIGURE_FORMATS,
        library=LIBRARY,
        arm_column=arm_column,
        treatment=None,
        dose_column="ADOSE",
        dose_label=closed_dose_label,
        aesi=aesi_names,
        exploratory=None,
        lab_panel=lab_panel,
        dose_unit=dose_unit,
        regimen=dose_regimen,
        planned_dose=closed_planned_dose,
        ae_window=ae_window,
        reactions=reactions,
        narrative_aesi=narrative_aesi,
        regimen_word=dose_word,
    resources:
        mem_mb=memory(per_1000_subjects=120),  # measured: 1,080 MB at 10,000 subjects
        runtime=minutes,
    priority: 4  # the longest job on the way to the closed report starts first
    log:
        "results/{study}/{cut}/logs/closed_safety.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/closed_safety.tsv"
    script:
        "../../scripts/safety.py"


rule review_safety:
    input:
        adam="results/{study}/{cut}/adam",
        sdtm="results/{study}/{cut}/sdtm",  # CM and MH of the patient profiles: the ADaM here has no ADMH
        protocol=protocol_file,  # the charter's safety rules (monitoring)
    output:
        folder=directory("results/{study}/{cut}/review/safety"),
        monitoring=directory("results/{study}/{cut}/review/monitoring"),  # the charter's rules (empty without)
    params:
        figure_formats=FIGURE_FORMATS,
        library=LIBRARY,
        arm_column=None,
        treatment=treatment_name,
        dose_column="EXDOSE",
        dose_label=dose_unit,
        aesi=aesi_names,
        exploratory=exploratory_spec,
        lab_panel=lab_panel,
        dose_unit=dose_unit,
        regimen=dose_regimen,
        planned_dose=review_planned_dose,
        ae_window=ae_window,
        reactions=reactions,
        narrative_aesi=narrative_aesi,
        regimen_word=dose_word,
    resources:
        mem_mb=memory(per_1000_subjects=120),  # as closed_safety
        runtime=minutes,
    log:
        "results/{study}/{cut}/logs/review_safety.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/review_safety.tsv"
    script:
        "../../scripts/safety.py"

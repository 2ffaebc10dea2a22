# Subject flow: CONSORT (pooled for the open side, by arm for the closed side) and eligibility; the
# changes since the previous configured cut of the study (since_last_ard.csv, since_last_new.csv).


rule open_flow:
    input:
        adam="results/{study}/{cut}/adam",
        sdtm="results/{study}/{cut}/sdtm",  # CM and MH of the open patient profiles (narratives.open)
        protocol=protocol_file,
        previous=previous_blinded_adam,
    output:
        consort="results/{study}/{cut}/open/ard/consort.csv",
        eligibility="results/{study}/{cut}/open/ard/eligibility.csv",
        disagreements="results/{study}/{cut}/open/listings/eligibility_disagreements.csv",
        tables=directory("results/{study}/{cut}/open/tables"),
        figure=expand("results/{{study}}/{{cut}}/open/figures/consort.{ext}", ext=FIGURE_FORMATS),
    params:
        figure_formats=FIGURE_FORMATS,
        library=LIBRARY,
        arm_column=None,
        study_id=study_id,
        enrolled_label=enrolled_label,
    resources:
        mem_mb=memory(per_1000_subjects=60),  # measured: 630 MB at 10,000 subjects
        runtime=minutes,
    log:
        "results/{study}/{cut}/logs/open_flow.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/open_flow.tsv"
    script:
        "../../scripts/flow.py"


rule closed_flow:
    input:
        adam="results/{study}/{cut}/closed/adam",
        protocol=protocol_file,
        previous=previous_closed_adam,
    output:
        consort="results/{study}/{cut}/closed/ard/consort.csv",
        tables=directory("results/{study}/{cut}/closed/flow"),
        figure=expand("results/{{study}}/{{cut}}/closed/figures/consort.{ext}", ext=FIGURE_FORMATS),
    params:
        library=LIBRARY,
        arm_column=arm_column,
        study_id=study_id,
        enrolled_label=enrolled_label,
    resources:
        mem_mb=memory(per_1000_subjects=10),  # measured: 290 MB at 10,000 subjects
        runtime=minutes,
    log:
        "results/{study}/{cut}/logs/closed_flow.log",
    benchmark:
        "results/{study}/{cut}/benchmarks/closed_flow.tsv"
    script:
        "../../scripts/flow.py"

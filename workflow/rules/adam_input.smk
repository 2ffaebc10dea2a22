# A study given as an existing ADaM folder (config `adam_studies`, e.g. a CRO's hand-over or the
# CDISC pilot): subjects, AE, laboratory and vital-sign outputs by arm, then its PDF and RTF.


rule adam_study:
    input:
        adam_folder_files,
    output:
        folder=directory("results/{adam_study}/analysis"),
    params:
        figure_formats=FIGURE_FORMATS,
        library=LIBRARY,
        study=adam_study_config,
        where=adam_study_where,
    resources:
        mem_mb=memory(per_1000_subjects=2000),  # measured: 726 MB on the CDISC pilot (254 subjects, 124,196 lab records)
        runtime=minutes,
    log:
        "results/{adam_study}/logs/adam_study.log",
    benchmark:
        "results/{adam_study}/benchmarks/adam_study.tsv"
    script:
        "../../scripts/adam_study.py"


rule adam_report:
    input:
        adam_folder_files,
        analysis="results/{adam_study}/analysis",
    output:
        pdf=in_html_report(
            "closed",
            "results/{adam_study}/report/adam_report.pdf",
            caption="../report/adam.rst",
            category="ADaM study report",
        ),
        typ="results/{adam_study}/report/adam_report.typ",
        manifest="results/{adam_study}/report/manifest.json",
        rtf=directory("results/{adam_study}/report/rtf"),
    params:
        library=LIBRARY,
        study=adam_study_config,
        version=config["report"]["version"],
        paper=config["report"]["paper"],
        config_files=CONFIG_FILES,
        where=adam_study_where,
    resources:
        mem_mb=memory(per_1000_subjects=1500),  # measured: 597 MB on the CDISC pilot
        runtime=minutes,
    log:
        "results/{adam_study}/logs/adam_report.log",
    benchmark:
        "results/{adam_study}/benchmarks/adam_report.tsv"
    script:
        "../../scripts/adam_report.py"

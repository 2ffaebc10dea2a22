# Ingest: validate every SDTM domain of a study, apply the data cut, write the manifest.


rule ingest:
    input:
        protocol=protocol_file,
        sdtm=sdtm_files,
    output:
        sdtm=directory("results/{study}/{cut}/sdtm"),
        manifest="results/{study}/{cut}/manifest.json",
    params:
        library=LIBRARY,
        folder=study_dir,
        config=study_config,
        strict=STRICT,
    resources:
        mem_mb=memory(per_1000_subjects=70),  # measured: 620 MB at 10,000 subjects
        runtime=minutes,
    log:
        log="results/{study}/{cut}/logs/ingest.log",
        report="results/{study}/{cut}/logs/validation_report.txt",
    benchmark:
        "results/{study}/{cut}/benchmarks/ingest.tsv"
    script:
        "../../scripts/ingest.py"

# Helpers shared by the rules: config and protocol validation, study lookups, target lists.
import datetime
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

READABLE = (".csv", ".xpt", ".parquet")


def _dates_as_text(value):
    """YAML reads an unquoted 2018-12-31 as a date; the schema and paths want the text."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


config.update(_dates_as_text(dict(config)))
validate(config, "../schemas/config.schema.yaml")


def _load_protocol(study):
    path = Path(config["studies"][study]["data"]) / "protocol.yaml"
    try:
        protocol = yaml.safe_load(path.read_text())
        validate(protocol, "../schemas/protocol.schema.yaml")
    except FileNotFoundError:
        raise WorkflowError(f"{path}: protocol.yaml not found for study {study!r} (config.yaml studies.{study}.data)")
    except (yaml.YAMLError, WorkflowError) as err:
        raise WorkflowError(f"{path} is not a valid protocol file:\n{err}")
    return protocol


PROTOCOLS = {study: _load_protocol(study) for study in config["studies"]}


wildcard_constraints:
    study="|".join(config["studies"]),
    cut=r"\d{4}-\d{2}-\d{2}",


def study_dir(wildcards):
    return config["studies"][wildcards.study]["data"]


def protocol_file(wildcards):
    return str(Path(study_dir(wildcards)) / "protocol.yaml")


def sdtm_files(wildcards):
    """The study's SDTM domain files (never the randomization key)."""
    folder = Path(study_dir(wildcards)) / "sdtm"
    return sorted(str(p) for p in folder.iterdir() if p.suffix.lower() in READABLE)


def study_config(wildcards):
    """The config of one study and cut, as recorded in its manifest. Other cuts are left out, so
    adding a cut does not change (and rerun) the jobs of the cuts already there."""
    cfg = config["studies"][wildcards.study]
    return {"study": wildcards.study, "data": cfg["data"], "cut": wildcards.cut}


def all_outputs():
    out = []
    for study, cfg in config["studies"].items():
        for cut in cfg["cuts"]:
            out += [f"results/{study}/{cut}/manifest.json", f"results/{study}/{cut}/sdtm"]
    return out

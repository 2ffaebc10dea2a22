# Helpers shared by the rules: config and protocol validation, study lookups, target lists.
import datetime
import functools
import hashlib
import math
from pathlib import Path

import trialstats
from trialstats.adam.inputs import adam_roles
from trialstats.outputs.plan import report_inputs
from trialstats.provenance import config_errors, config_file_records
from trialstats.protocol import (
    assert_aesi_timing,
    assert_monitoring,
    assert_visits,
    narrative_aesi as protocol_narrative_aesi,
    reaction_spec,
)
from trialstats.io import UnreadableFile, read_table
from trialstats.settings import SettingsError, config_problems, load_yaml

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

READABLE = (".csv", ".xpt", ".parquet", ".json", ".ndjson")  # as trialstats.io.READABLE


def _dates_as_text(value):
    """YAML reads an unquoted 2018-12-31 as a date; the schema and paths want the text."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


config.update(_dates_as_text(dict(config)))
try:  # a key twice in config.yaml or a --configfile: YAML would keep the last silently
    for _path in workflow.configfiles:
        load_yaml(_path)
except SettingsError as err:
    raise WorkflowError(str(err))
_CONFIG_ERRORS = config_errors(
    config,
    yaml.safe_load((Path(workflow.basedir) / "workflow/schemas/config.schema.yaml").read_text()),
    workflow.configfiles,
)
if _CONFIG_ERRORS:
    raise WorkflowError(
        "The configuration does not match workflow/schemas/config.schema.yaml:\n" + "\n".join(_CONFIG_ERRORS)
    )
validate(config, "../schemas/config.schema.yaml")  # also fills the schema's defaults
_problems = config_problems(config, datetime.date.today())
if _problems:
    raise WorkflowError(
        f"{len(_problems)} problem(s) in the configuration:\n" + "\n".join(f"  - {p}" for p in _problems)
    )


def _load_protocol(study):
    path = Path(config["studies"][study]["data"]) / "protocol.yaml"
    try:
        protocol = load_yaml(path)
        validate(protocol, "../schemas/protocol.schema.yaml")
        assert_aesi_timing(protocol)
        assert_visits(protocol)
        protocol_narrative_aesi(protocol)
        assert_monitoring(protocol)
        reaction_spec(protocol)  # refuses a reactions.aesi id the protocol does not define
    except FileNotFoundError:
        raise WorkflowError(f"{path}: protocol.yaml not found for study {study!r} (config.yaml studies.{study}.data)")
    except (yaml.YAMLError, WorkflowError, ValueError) as err:  # SettingsError is a ValueError
        raise WorkflowError(f"{path} is not a valid protocol file:\n{err}")
    return protocol


PROTOCOLS = {study: _load_protocol(study) for study in config["studies"]}


def _library_version():
    """Hash of the trialstats source: a param of every rule, so that a change of the library
    (not only of the rule's script) reruns the jobs that use it."""
    h = hashlib.sha256()
    root = Path(trialstats.__file__).parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


LIBRARY = _library_version()
FIGURE_FORMATS = config["report"]["figure_formats"]  # png (the reports embed it), and vector copies if asked
# config.yaml, then every --configfile (the merge order), with their SHA-256 (the ADaM report's provenance)
CONFIG_FILES = config_file_records(
    [*(f for f in workflow.configfiles if f not in workflow.overwrite_configfiles), *workflow.overwrite_configfiles]
)


ADAM_STUDIES = config.get("adam_studies", {})
STRICT = config.get("strict", False)  # data queries stop the run (config.schema.yaml strict)


wildcard_constraints:
    study="|".join(config["studies"]),
    adam_study="|".join(ADAM_STUDIES) or "^$",
    cut=r"\d{4}-\d{2}-\d{2}",


HTML_SIDE = config.get("html_report", "open")


def in_html_report(side, path, **how):
    """A report PDF, marked for `snakemake --report` only when its side ("open": open and single-arm
    review; "closed": closed and ADaM-route, by arm) is config html_report: one HTML file never
    mixes the open session's material with the closed session's."""
    return report(path, **how) if side == HTML_SIDE else path


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


def randomization_key(wildcards):
    """The key file of a randomized study: an input of the unblinding rule only."""
    return str(Path(study_dir(wildcards)) / PROTOCOLS[wildcards.study]["randomization"]["key"])


def key_doses(wildcards):
    """The key-side doses of a masked transfer (randomization.doses), an input of the unblinding rule only."""
    doses = PROTOCOLS[wildcards.study]["randomization"].get("doses")
    return [str(Path(study_dir(wildcards)) / doses)] if doses else []


def placebo_arms(wildcards):
    return PROTOCOLS[wildcards.study]["randomization"].get("placebo", [])


def study_id(wildcards):
    return PROTOCOLS[wildcards.study]["study"]["id"]


def enrolled_label(wildcards):
    return "Randomized" if is_randomized(wildcards.study) else "Enrolled"


def arm_column(wildcards):
    """Closed outputs show arm codes (A, B) unless the config decodes them (a DMC charter choice)."""
    return "TRT01P" if config["report"]["decode_arms"] else "TRTCODE"


def control_armcd(wildcards):
    """The protocol's control arm (ARMCD): the unblinding rule writes the arm coding with it (closed/adam/arms.json)."""
    return PROTOCOLS[wildcards.study]["randomization"].get("control")


def closed_dose_label(wildcards):
    """The cumulative dose is shown only with decoded arms: a zero dose would name a coded placebo arm."""
    return dose_unit(wildcards) if config["report"]["decode_arms"] else None


def data_currency(wildcards):
    """The cut's extraction date and DMC meeting from config.yaml (empty when not given)."""
    return config["studies"][wildcards.study].get("data_currency", {}).get(wildcards.cut, {})


def treatment_name(wildcards):
    return PROTOCOLS[wildcards.study]["treatment"]["name"]


def dose_unit(wildcards):
    return PROTOCOLS[wildcards.study]["treatment"].get("dose_unit")


def dose_regimen(wildcards):
    """infusion (the default) or daily: the exposure table and the AEs by infusion follow it."""
    return PROTOCOLS[wildcards.study]["treatment"].get("regimen", "infusion")


def planned_dose_by_arm(wildcards):
    """treatment.planned_dose (ARMCD -> dose): the unblinding rule's dose where a masked EX has none."""
    return PROTOCOLS[wildcards.study]["treatment"].get("planned_dose")


def closed_planned_dose(wildcards):
    """The planned dose by ARMCD for the dose intensity, with decoded arms only (as the dose itself)."""
    return planned_dose_by_arm(wildcards) if config["report"]["decode_arms"] else None


def review_planned_dose(wildcards):
    """A single arm's planned dose: treatment.planned_dose's one value, else treatment.dose."""
    treatment = PROTOCOLS[wildcards.study]["treatment"]
    planned = treatment.get("planned_dose") or {}
    return next(iter(planned.values()), treatment.get("dose"))


def adam_folder(wildcards):
    return ADAM_STUDIES[wildcards.adam_study]["folder"]


def adam_folder_files(wildcards):
    """The table files of a study's ADaM folder (a change to any reruns it); the folder itself
    when it is absent, so that Snakemake names it as the missing input."""
    folder = Path(adam_folder(wildcards))
    files = [
        str(p) for p in sorted(folder.glob("*")) if p.name.lower().endswith((".csv", ".csv.gz", ".xpt", ".parquet"))
    ]
    return files or [str(folder)]


def adam_study_config(wildcards):
    """The config of a study given as an ADaM folder (one params value: any change reruns it)."""
    return ADAM_STUDIES[wildcards.adam_study]


def adam_study_where(wildcards):
    """Where the study is configured, for error messages: "mystudy.yaml adam_studies.mystudy" (the last
    config file that sets it, as in the merge)."""
    name = wildcards.adam_study
    files = [
        f["path"]
        for f in CONFIG_FILES
        if name in (yaml.safe_load(Path(f["path"]).read_text()) or {}).get("adam_studies", {})
    ]
    return f"{(files or ['config'])[-1]} adam_studies.{name}"


def adam_outputs(name):
    return [f"results/{name}/report/adam_report.pdf", f"results/{name}/report/rtf"]


def exploratory_spec(wildcards):
    return PROTOCOLS[wildcards.study].get("exploratory")


def primary_covariates(wildcards):
    """ADSL columns adjusting the primary model (protocol responder or continuous_primary)."""
    protocol = PROTOCOLS[wildcards.study]
    return (protocol.get("responder") or protocol.get("continuous_primary") or {}).get("covariates", [])


def lab_panel(wildcards):
    """The protocol's safety laboratory panel (category -> tests); None: every ADLB test."""
    return PROTOCOLS[wildcards.study].get("safety_labs")


def reactions(wildcards):
    """The protocol's infusion-reaction composite (protocol reaction_spec) where it declares one
    (an infusion regimen), else None: tables 14.3.17-20."""
    protocol = PROTOCOLS[wildcards.study]
    if "reactions" not in protocol or dose_regimen(wildcards) != "infusion":
        return None
    return reaction_spec(protocol)


def ae_window(wildcards):
    """The fixed window after each infusion of the TEAEs by infusion (table 14.3.14): the widest of
    reaction_spec (default days 0-7); None for a daily regimen."""
    if dose_regimen(wildcards) != "infusion":
        return None
    windows = reaction_spec(PROTOCOLS[wildcards.study])["windows"]
    return list(max(windows, key=lambda w: (w[1] - w[0], w[1])))


def aesi_names(wildcards):
    return [a["name"] for a in PROTOCOLS[wildcards.study].get("aesi", [])]


def narrative_aesi(wildcards):
    """The names of the AESIs the protocol marks for narratives (protocol narratives.aesi: AESI ids)."""
    return protocol_narrative_aesi(PROTOCOLS[wildcards.study])


def dose_word(wildcards):
    """The word of one dose in a narrative: infusion, else dose."""
    return "infusion" if dose_regimen(wildcards) == "infusion" else "dose"


def is_randomized(study):
    return PROTOCOLS[study]["study"]["design"] == "randomized"


def open_outputs(study, cut):
    """Everything the open (pooled) side may read: never downstream of the randomization key."""
    base = f"results/{study}/{cut}"
    return [
        f"{base}/manifest.json",
        f"{base}/sdtm",
        f"{base}/adam",
        f"{base}/open/ard/consort.csv",
        f"{base}/open/ard/eligibility.csv",
        f"{base}/open/listings/eligibility_disagreements.csv",
        f"{base}/open/figures/consort.png",
        f"{base}/open/figures/consort.png",
        f"{base}/open/tables",
    ] + ([f"{base}/open/report/dmc_open_report.pdf", f"{base}/open/report/rtf"] if is_randomized(study) else [])


def closed_outputs(study, cut):
    """By-arm outputs for DMC members (what the closed report plans, trialstats/outputs); none for a
    study without randomization."""
    if not is_randomized(study):
        return []
    base = f"results/{study}/{cut}"
    return [f"{base}/closed/adam", f"{base}/closed/ard/consort.csv", f"{base}/closed/figures/consort.png"] + [
        f"{base}/{path}" for path in report_inputs("closed", PROTOCOLS[study])
    ]


def planned_inputs(kind):
    """The files and folders a report reads: its planned outputs in the registry (trialstats/outputs)."""

    def files(wildcards):
        return [
            f"results/{wildcards.study}/{wildcards.cut}/{path}"
            for path in report_inputs(kind, PROTOCOLS[wildcards.study])
        ]

    return files


def review_outputs(study, cut):
    """A single-arm study's safety review outputs."""
    base = f"results/{study}/{cut}/review"
    return (
        []
        if is_randomized(study)
        else [f"{base}/safety", f"{base}/report/safety_review_report.pdf", f"{base}/report/rtf"]
        + review_monitoring(study, cut)
    )


def review_monitoring(study, cut):
    """A single-arm study's stopping guidelines (its charter's safety rules), if it has any."""
    return [f"results/{study}/{cut}/review/monitoring"] if "monitoring" in PROTOCOLS[study] else []


def earlier_looks(wildcards):
    """The closed monitoring of every configured cut before this one: the looks already analysed."""
    cuts = config["studies"][wildcards.study]["cuts"]
    return [f"results/{wildcards.study}/{c}/closed/monitoring" for c in sorted(cuts) if c < wildcards.cut]


def primary_monitoring(wildcards):
    """The closed monitoring of this cut when the charter monitors the primary endpoint: Table
    14.2.1 shows its final test's decision."""
    plan = PROTOCOLS[wildcards.study].get("monitoring", {})
    return [f"results/{wildcards.study}/{wildcards.cut}/closed/monitoring"] if "final_test" in plan else []


def primary_shards(analysis):
    """The pieces of a heavy primary analysis (config scale) as inputs of the rule that pools them; none
    for a single piece (the primary job computes it: a job of its own would only add its start-up)."""

    def files(wildcards):
        n = config["scale"][f"{analysis}_shards"]
        return (
            [f"results/{wildcards.study}/{wildcards.cut}/closed/primary/{analysis}_{k}.parquet" for k in range(n)]
            if n > 1
            else []
        )

    return files


def previous_cut(wildcards):
    """The latest configured cut of the study before this one, or "" (no "since last cut")."""
    earlier = [c for c in config["studies"][wildcards.study]["cuts"] if c < wildcards.cut]
    return max(earlier) if earlier else ""


def previous_blinded_adam(wildcards):
    prev = previous_cut(wildcards)
    return [f"results/{wildcards.study}/{prev}/adam"] if prev else []


def previous_closed_adam(wildcards):
    prev = previous_cut(wildcards)
    return [f"results/{wildcards.study}/{prev}/closed/adam"] if prev else []


# Cluster resources (profiles/slurm; a local run ignores them). A job runs Snakemake (190 MB) and
# the rule's script, which took 150-300 MB and under 4 s at the embedded size, 170-1,870 MB and
# under 15 s at 10,000 screened subjects (Snakemake's benchmark files, results/<study>/<cut>/
# benchmarks/, of `python benchmarks/pipeline_benchmark.py --sizes 10000`; each rule notes its
# script's peak). A job asks for 1,000 MB plus, per 1,000 subjects, its script's growth and half
# as much again, and for 5 minutes plus 1 per 5,000 subjects; on a retry (profiles/slurm) twice
# as much of each.


@functools.cache
def _records(path):
    """Records of a table file; 0 when it cannot be read: its job says why, not the estimate."""
    try:
        return len(read_table(path))
    except (OSError, UnreadableFile):
        return 0


def subjects(wildcards):
    """The job's number of subjects: records of the study's DM (one per screened subject), or of
    ADSL for an ADaM folder (config adam_studies)."""
    if hasattr(wildcards, "adam_study"):
        try:
            path = adam_roles(adam_folder(wildcards), adam_study_config(wildcards).get("datasets"))[0]["adsl"][0]
        except (OSError, ValueError, KeyError):  # its job says why
            path = None
    else:
        path = next((f for f in sdtm_files(wildcards) if Path(f).stem.lower() == "dm"), None)
    return _records(path) if path else 0


def memory(per_1000_subjects):
    """mem_mb of a rule's jobs: 1,000 and per_1000_subjects MB per 1,000 subjects, times the attempt."""

    def mem_mb(wildcards, attempt):
        return attempt * (1000 + math.ceil(per_1000_subjects * subjects(wildcards) / 1000))

    return mem_mb


def minutes(wildcards, attempt):
    """runtime of a job: 5 minutes and 1 per 5,000 subjects, times the attempt."""
    return attempt * (5 + subjects(wildcards) // 5000)


def cuts():
    return [(study, cut) for study, cfg in config["studies"].items() for cut in cfg["cuts"]]


def all_open_outputs():
    return [path for study, cut in cuts() for path in open_outputs(study, cut)]


def all_outputs():
    return (
        all_open_outputs()
        + [
            path
            for study, cut in cuts()
            for path in closed_outputs(study, cut)
            + review_outputs(study, cut)
            + (
                [f"results/{study}/{cut}/closed/report/{name}" for name in ("dmc_closed_report.pdf", "rtf")]
                if is_randomized(study)
                else []
            )
        ]
        + [path for name in ADAM_STUDIES for path in adam_outputs(name)]
    )

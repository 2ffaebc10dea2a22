"""Command line: `trialstats simulate ...`, `trialstats validate ...`, `trialstats verify ...` and
`trialstats split-key ...`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trialstats")
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="generate a study's synthetic data")
    sim.add_argument("study", choices=["nct02302599", "nct06495437", "syn3arm"])
    sim.add_argument("--out", type=Path, help="output folder (default data/<study>)")
    sim.add_argument("--subjects", type=int, help="number screened (default: the calibrated size)")
    sim.add_argument("--protocol", type=Path, help="protocol.yaml (default data/<study>/protocol.yaml)")
    val = sub.add_parser("validate", help="validate a study folder's SDTM; exit 1 on any failure")
    val.add_argument("folder", type=Path, help="study folder with protocol.yaml and sdtm/")
    val.add_argument("--report", type=Path, help="where to write the report (default <folder>/validation_report.txt)")
    ver = sub.add_parser("verify", help="check that a report's inputs are those its manifest records; exit 1 if not")
    ver.add_argument("manifest", type=Path, nargs="+", help="results/<study>/<cut>/manifest.json (and "
                     "closed/adam/key_manifest.json for the key)")
    ver.add_argument("--base", type=Path, default=Path("."), help="project folder the paths are relative to")
    key = sub.add_parser("split-key", help="split an unblinded SDTM transfer into the randomization key and a "
                         "masked SDTM copy, with a manifest of what was changed")
    key.add_argument("sdtm", type=Path, help="folder of the unblinded SDTM (one file per domain: csv, xpt, parquet)")
    key.add_argument("--out", type=Path, required=True, help="output folder: sdtm/ (masked), randomization.csv, "
                     "split_key_manifest.json")
    key.add_argument("--protocol", type=Path, help="protocol.yaml: its first masking term and blinded treatment name")
    key.add_argument("--mask", help="masking term (default: the protocol's first, else BLINDED)")
    key.add_argument("--treatment", help="EX.EXTRT of the masked copy (default: the protocol's treatment name, else "
                     "the masking term)")
    args = parser.parse_args(argv)
    if args.command == "simulate":
        return _simulate(args)
    if args.command == "split-key":
        return _split_key(args)
    if args.command == "verify":
        return _verify(args)
    return _validate(args)


def _verify(args) -> int:
    import json

    from .provenance import verify_manifest

    status = 0
    for path in args.manifest:
        manifest = json.loads(path.read_text())
        problems = verify_manifest(manifest, args.base)
        for line in problems:
            print(f"{path}: {line}", file=sys.stderr)
        if problems:
            status = 1
        else:
            code = manifest.get("code", {})
            print(f"{path}: {len(manifest['inputs'])} input file(s) as recorded"
                  + (f"; code {code.get('git_commit')}, trialstats source {code.get('library')}" if code else ""))
    return status


WRITABLE = (".csv", ".xpt", ".parquet")


def _read_native(path: Path):
    """A domain file as its format holds it (CSV as text), column names upper case, and what writing
    it back needs."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        df, meta = pd.read_csv(path, dtype=str, keep_default_na=False), None
    elif suffix == ".parquet":
        df, meta = pd.read_parquet(path), None
    else:
        import pyreadstat

        df, meta = pyreadstat.read_xport(str(path))
    names = dict(zip(df.columns, df.columns.str.upper()))
    return df.rename(columns=names), (names, meta)


def _write_native(df, path: Path, how) -> None:
    names, meta = how
    df = df.rename(columns={v: k for k, v in names.items()})
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df.to_csv(path, index=False, lineterminator="\n")
    elif suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        import pyreadstat

        pyreadstat.write_xport(df, str(path), table_name=meta.table_name, column_labels=meta.column_labels)


def _split_key(args) -> int:
    import json
    import shutil

    import yaml

    from .adam.unblind import key_doses, split_key

    folder = args.sdtm / "sdtm" if (args.sdtm / "sdtm").is_dir() else args.sdtm
    files = {p.stem.upper(): p for p in sorted(folder.iterdir()) if p.suffix.lower() in WRITABLE}
    other = [p.name for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() not in WRITABLE]
    if "DM" not in files:
        sys.exit(f"trialstats split-key: no DM file (dm.csv, dm.xpt or dm.parquet) in {folder}")
    protocol = yaml.safe_load(args.protocol.read_text()) if args.protocol else {}
    terms = (protocol.get("blinding") or {}).get("masking_terms") or ["BLINDED"]
    term = args.mask or terms[0]
    treatment = args.treatment or (protocol.get("treatment") or {}).get("name")
    read = {d: _read_native(files[d]) for d in ("DM", "DS", "EX") if d in files}
    key, masked, changes = split_key({d: df for d, (df, _) in read.items()}, term, treatment)
    out = args.out / "sdtm"
    out.mkdir(parents=True, exist_ok=True)
    for domain, path in files.items():
        if domain in masked:
            _write_native(masked[domain], out / path.name, read[domain][1])
        else:
            shutil.copy2(path, out / path.name)
    for name in other:                        # README, checksums, Dataset-JSON: copied as they are
        shutil.copy2(folder / name, out / name)
    key.to_csv(args.out / "randomization.csv", index=False, lineterminator="\n")
    dosed = any(c["domain"] == "EX" and c["column"] == "EXDOSE" for c in changes)
    if dosed:                                 # the real doses, key side (protocol randomization.doses)
        key_doses(read["EX"][0], key).to_csv(args.out / "doses.csv", index=False, lineterminator="\n")
    manifest = {"source": str(folder), "key": str(args.out / "randomization.csv"), "key_entries": len(key),
                "by_arm": {str(k): int(v) for k, v in key["ARM"].value_counts(sort=False).items()},
                "randomization_date_from": {str(k or "none"): int(v) for k, v in
                                            key["RANDSRC"].value_counts(sort=False).items()},
                "doses": str(args.out / "doses.csv") if dosed else None,
                "masking_term": term, "blinded_treatment": treatment or term,
                "changes": [dict(c, file=f"sdtm/{files[c['domain']].name}") for c in changes],
                "copied_unchanged": [p.name for d, p in files.items() if d not in masked] + other}
    (args.out / "split_key_manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    undated = int((key["RANDDT"] == "").sum())
    print(f"{len(key)} key entries ({', '.join(f'{k} {v}' for k, v in manifest['by_arm'].items())}) -> "
          f"{args.out / 'randomization.csv'}; masked SDTM -> {out}"
          + (f"; {undated} without a randomization date (the pipeline stops on them)" if undated else ""))
    return 0


def _simulate(args) -> int:
    from .simulate import write_study

    default = Path("data") / args.study
    out = args.out or default
    protocol = args.protocol or default / "protocol.yaml"
    if args.subjects and Path("data").resolve() in [out.resolve(), *out.resolve().parents]:
        sys.exit(f"trialstats simulate: --subjects writes performance data; give an --out outside data/ "
                 f"(got {out}), so the embedded calibrated data stay as they are")
    for path in write_study(args.study, out, protocol, args.subjects):
        print(path)
    return 0


def _validate(args) -> int:
    from .sdtm.ingest import load_study
    from .sdtm.validate import ValidationFailed, format_report, validate_study

    report = args.report or args.folder / "validation_report.txt"
    try:
        study = load_study(args.folder)
        issues = validate_study(study)
    except ValidationFailed as err:
        issues = err.issues
    if len(issues):
        report.write_text(format_report(issues, args.folder))
        print(f"{len(issues)} validation problem(s) in {args.folder}; see {report}", file=sys.stderr)
        return 1
    print(f"{args.folder}: valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

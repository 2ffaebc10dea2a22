"""Command line: `trialstats simulate ...`, `trialstats validate ...` and `trialstats verify ...`."""
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
    args = parser.parse_args(argv)
    if args.command == "simulate":
        return _simulate(args)
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

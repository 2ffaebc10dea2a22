"""Command line: `trialstats simulate ...` and `trialstats validate ...`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trialstats")
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="generate a study's synthetic data")
    sim.add_argument("study", choices=["nct02302599", "nct06495437"])
    sim.add_argument("--out", type=Path, help="output folder (default data/<study>)")
    sim.add_argument("--subjects", type=int, help="number screened (default: the calibrated size)")
    sim.add_argument("--protocol", type=Path, help="protocol.yaml (default data/<study>/protocol.yaml)")
    val = sub.add_parser("validate", help="validate a study folder's SDTM; exit 1 on any failure")
    val.add_argument("folder", type=Path, help="study folder with protocol.yaml and sdtm/")
    val.add_argument("--report", type=Path, help="where to write the report (default <folder>/validation_report.txt)")
    args = parser.parse_args(argv)
    if args.command == "simulate":
        return _simulate(args)
    return _validate(args)


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

"""Provenance: the manifest of one data cut (inputs with SHA-256, cut, config, code, packages)."""
from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path

from .io import sha256_file

PACKAGES = ("trialstats", "numpy", "pandas", "scipy", "statsmodels", "patsy", "pandera", "pyreadstat", "pyarrow",
            "pyyaml", "snakemake", "matplotlib", "typst")   # every package that computes or writes a result


def package_versions(names=PACKAGES) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def build_manifest(study: str, cut: str, inputs, config: dict, code: dict, versions: dict,
                   synthetic: bool) -> dict:
    """Manifest as a plain dict; inputs are file paths, listed sorted with size and SHA-256."""
    files = [dict(path=str(p), bytes=Path(p).stat().st_size, sha256=sha256_file(p))
             for p in sorted(map(str, inputs))]
    return dict(study=study, data_cut=cut, synthetic_data=bool(synthetic), inputs=files,
                config=config, code=code, packages=versions)


def config_file_records(paths, base: str | Path = ".") -> list[dict]:
    """The configuration files of a run (config.yaml, then every --configfile: the merge order) with
    their SHA-256, as the manifest records them; a path inside `base` (the project) relative to it."""
    return [dict(path=project_path(p, base), sha256=sha256_file(p)) for p in dict.fromkeys(map(str, paths))]


def project_path(path: str | Path, base: str | Path = ".") -> str:
    """A path as the user wrote it: relative to `base` (the project) when inside it, else absolute."""
    full, base = Path(path).resolve(), Path(base).resolve()
    return str(full.relative_to(base)) if full.is_relative_to(base) else str(full)


def config_errors(config: dict, schema: dict, files) -> list[str]:
    """The schema errors of a merged configuration, one line each, naming the file(s) among `files` (in
    merge order; shown as project_path) that set the offending key: "study.yaml: adam_studies.x: ...
    ('titel' was unexpected)"."""
    import re

    import jsonschema
    import yaml

    def has(tree, path) -> bool:
        for key in path:
            if not isinstance(tree, dict) or key not in tree:
                return False
            tree = tree[key]
        return True

    contents = {project_path(f): yaml.safe_load(Path(f).read_text()) or {} for f in files}
    out = []
    for err in sorted(jsonschema.Draft202012Validator(schema).iter_errors(config), key=lambda e: list(e.path)):
        path = [str(p) for p in err.absolute_path]
        extra = re.findall(r"'([^']+)'", err.message) if err.validator == "additionalProperties" else []
        keys = [path + [k] for k in extra] or [path]
        origin = [f for f, tree in contents.items() if any(has(tree, k) for k in keys)] or list(contents)
        where = ".".join(path) or "(top level)"
        out.append(f"{', '.join(origin)}: {where}: {err.message}")
    return out


def manifest_json(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n"


def verify_manifest(manifest: dict, base: str | Path = ".") -> list[str]:
    """Differences between the files a manifest names and the files now on disk (paths relative
    to `base`): one line per changed or missing file; empty when every input is as recorded."""
    out = []
    for f in manifest["inputs"]:
        path = Path(base) / f["path"]
        if not path.exists():
            out.append(f"{f['path']}: missing")
        elif sha256_file(path) != f["sha256"]:
            out.append(f"{f['path']}: changed (SHA-256 {sha256_file(path)[:12]}..., manifest {f['sha256'][:12]}...)")
    return out


def git_state(folder: str | Path = ".") -> dict:
    """The git commit of the code in `folder` and whether tracked files differ from it (an untracked file,
    e.g. a user's study config given with --configfile, does not make it dirty)."""
    import subprocess

    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=folder).stdout.strip()
    commit = git("rev-parse", "HEAD") or "unknown (not a git checkout)"
    return {"git_commit": commit, "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}

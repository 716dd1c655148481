#!/usr/bin/env python3
"""Which distribution a release tag names, checked against the repository.

A tag ``<distribution>-v<version>`` (``fluentai-core-v0.2.0``, ``fluentai-openai-v0.1.3``)
releases that one distribution, and only when its pyproject says that version. Prints
``key=value`` lines for ``$GITHUB_OUTPUT`` (release.yml):

    distribution  fluentai-openai
    version       0.1.3
    path          plugins/fluentai-openai
    prefix        fluentai_openai   (the artifacts' file-name prefix)
    nox           the nox arguments that build everything and test what the release touches

    python scripts/release_tag.py fluentai-openai-v0.1.3
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAG = re.compile(r"(?P<distribution>fluentai-[a-z0-9-]+?)-v(?P<version>\d[0-9A-Za-z.+-]*)")


def distributions() -> dict[str, Path]:
    """Every releasable distribution by name: core and the plugins."""
    found = {}
    for pyproject in [ROOT / "core" / "pyproject.toml", *ROOT.glob("plugins/*/pyproject.toml")]:
        name = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["name"]
        found[name] = pyproject.parent
    return found


def resolve(tag: str) -> dict[str, str]:
    match = TAG.fullmatch(tag)
    if match is None:
        raise SystemExit(f"{tag!r} is not a release tag: expected <distribution>-v<version>, "
                         f"e.g. fluentai-openai-v0.1.3")
    name, version = match["distribution"], match["version"]
    known = distributions()
    if name not in known:
        raise SystemExit(f"{tag!r}: no distribution named {name!r} in this repository")
    path = known[name]
    declared = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    if declared["version"] != version:
        raise SystemExit(f"{tag!r}: {path.relative_to(ROOT).as_posix()}/pyproject.toml says "
                         f"version {declared['version']}, not {version}")
    core = name == "fluentai-core"  # every plugin is tested against a new core
    return {"distribution": name, "version": version,
            "path": path.relative_to(ROOT).as_posix(), "prefix": name.replace("-", "_"),
            "nox": "-s tests dist" if core else f"-s dist -- {name}"}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    for key, value in resolve(argv[0]).items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Set up the development workspace from nothing but Python 3.11 and pip.

Creates .venv, installs fluentai-core and every plugin under plugins/ as editable packages
with their test requirements (each distribution's PEP 735 ``test`` dependency group) plus
the workspace's ``dev`` group (nox, uv, ruff, mypy, pyright, build, twine), then runs the
main job: the installed providers and the model catalog, which needs no API key.
Works on Linux, macOS and Windows (``.venv/bin`` or ``.venv\\Scripts``).
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if sys.platform == "win32" else "bin")
EXE = ".exe" if sys.platform == "win32" else ""
PYTHON = BIN / f"python{EXE}"


def run(*cmd: str | Path) -> None:
    subprocess.run([str(c) for c in cmd], check=True)


def main() -> int:
    if not PYTHON.exists():
        print(f"creating {VENV}")
        venv.create(VENV, with_pip=True)
    run(PYTHON, "-m", "pip", "install", "-q", "--upgrade", "pip", "uv")
    packages = [ROOT / "core", *sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))]
    requirements: list[str | Path] = ["--group", f"{ROOT / 'pyproject.toml'}:dev"]
    for path in packages:
        requirements += ["-e", path, "--group", f"{path / 'pyproject.toml'}:test"]
    run(BIN / f"uv{EXE}", "pip", "install", "--quiet", "--python", PYTHON, *requirements)
    print(f"installed fluentai-core and {len(packages) - 1} plugins into {VENV}\n")
    run(BIN / f"fluentai{EXE}", "providers")
    print()
    run(BIN / f"fluentai{EXE}", "models", "--no-live")
    return 0


if __name__ == "__main__":
    sys.exit(main())

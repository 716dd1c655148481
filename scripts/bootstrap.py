#!/usr/bin/env python3
"""Set up the development workspace from nothing but Python 3.11 and pip.

Creates .venv, installs fluentai-core and every plugin under plugins/ as editable packages
(with their test extras) plus the dev tools (nox, uv, ruff, mypy), then runs the main job:
the installed providers and the model catalog, which needs no API key.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if sys.platform == "win32" else "bin")
DEV_TOOLS = ["nox>=2024.4", "uv>=0.4", "ruff>=0.6", "mypy>=1.11", "pytest-asyncio>=0.24",
             "types-PyYAML"]


def run(*cmd: str | Path) -> None:
    subprocess.run([str(c) for c in cmd], check=True)


def editable(path: Path) -> str:
    """An editable requirement for a package, with its test/dev extras when it has them."""
    project = tomllib.loads((path / "pyproject.toml").read_text())["project"]
    extras = [e for e in project.get("optional-dependencies", {}) if e in ("test", "testing",
                                                                           "otel", "http2")]
    return f"{path}[{','.join(extras)}]" if extras else str(path)


def main() -> int:
    if not (BIN / "python").exists():
        print(f"creating {VENV}")
        venv.create(VENV, with_pip=True)
    run(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip", "uv")
    packages = [ROOT / "core", *sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))]
    requirements: list[str] = []
    for path in packages:
        requirements += ["-e", editable(path)]
    run(BIN / "uv", "pip", "install", "--quiet", "--python", BIN / "python", *requirements,
        *DEV_TOOLS)
    print(f"installed fluentai-core and {len(packages) - 1} plugins into {VENV}\n")
    run(BIN / "fluentai", "providers")
    print()
    run(BIN / "fluentai", "models", "--no-live")
    return 0


if __name__ == "__main__":
    sys.exit(main())

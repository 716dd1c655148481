"""Every distribution stays releasable: its metadata, LICENSE, py.typed, PyPI-safe README
and test dependency group (nox -s dist builds, checks and installs them from artifacts),
and release tags name exactly one distribution at its declared version."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTIONS = [ROOT / "core", *sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))]
REQUIRED_CLASSIFIERS = {
    "Operating System :: OS Independent",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Typing :: Typed",
}
RELATIVE_LINK = re.compile(r"\]\((?!https://|http://|#)([^)]*)\)")


def project(path: Path) -> dict[str, Any]:
    return tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", DISTRIBUTIONS, ids=lambda p: p.name)
def test_distribution_metadata(path: Path) -> None:
    data = project(path)
    meta = data["project"]
    assert meta["license"] == "MIT" and meta["license-files"] == ["LICENSE"]
    assert (path / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()
    assert meta["authors"] and meta["requires-python"] == ">=3.11"
    assert set(meta["classifiers"]) >= REQUIRED_CLASSIFIERS
    assert not any(c.startswith("License ::") for c in meta["classifiers"])  # PEP 639
    assert {"Homepage", "Source", "Issues", "Changelog"} <= set(meta["urls"])
    assert all(u.startswith("https://github.com/fluentai/fluentai") for u in meta["urls"].values())
    extras = set(meta.get("optional-dependencies", {}))
    assert not extras & {"test", "tests", "dev"}, "test-only requirements go in a dependency group"
    assert data["dependency-groups"]["test"], "the tests' requirements: a `test` group"
    assert data["tool"]["pytest"]["ini_options"]["asyncio_mode"] == "auto"  # sdist tests run
    readme = (path / meta["readme"]).read_text(encoding="utf-8")
    assert RELATIVE_LINK.findall(readme) == [], "PyPI shows the README: links must be absolute"


@pytest.mark.parametrize("path", DISTRIBUTIONS[1:], ids=lambda p: p.name)
def test_plugin_is_typed(path: Path) -> None:
    [package] = project(path)["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert (path / package / "py.typed").is_file()


def release(tag: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "release_tag.py"), tag],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("path", [DISTRIBUTIONS[0], DISTRIBUTIONS[-1]], ids=lambda p: p.name)
def test_release_tag_names_one_distribution(path: Path) -> None:
    meta = project(path)["project"]
    out = release(f"{meta['name']}-v{meta['version']}")
    assert out.returncode == 0, out.stderr
    fields = dict(line.split("=", 1) for line in out.stdout.splitlines())
    assert fields["distribution"] == meta["name"] and fields["version"] == meta["version"]
    assert (ROOT / fields["path"]) == path
    assert fields["prefix"] == meta["name"].replace("-", "_")


@pytest.mark.parametrize(("tag", "says"), [
    ("fluentai-openai-v9.9.9", "says version"),
    ("fluentai-nope-v0.1.0", "no distribution named 'fluentai-nope'"),
    ("v0.1.0", "not a release tag"),
])
def test_release_tag_refuses(tag: str, says: str) -> None:
    out = release(tag)
    assert out.returncode != 0 and says in out.stderr

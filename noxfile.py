"""Sessions (all but bench run by default, so CI runs them):

- lint: ruff; mypy --strict over core, every plugin and examples/; pyright over examples/;
  actionlint over .github/workflows.
- tests: core's and the cross-package tests, with every distribution installed.
- dist: every distribution built (sdist, and the wheel from it) by ``uv build`` and by
  ``python -m build``, checked by ``twine check --strict``; then each plugin's tests, from
  its sdist, against only the built wheels of core and that plugin in a clean venv.
- faults: the whole fault matrix (tests/faults) with its load and long runs.
- bench: benchmarks (not by default).

Test-only requirements are PEP 735 dependency groups: ``test`` in each distribution's
pyproject, ``lint``/``dist``/``dev`` in the workspace's.
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import nox

ROOT = Path(__file__).parent
CORE = ROOT / "core"
PLUGINS = sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))
DISTRIBUTIONS = [CORE, *PLUGINS]
TEST_PACKAGES = sorted(str(p.parent) for p in ROOT.glob("tests/packages/*/pyproject.toml"))
DIST = ROOT / "dist"
nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True


def group(name: str, path: Path = ROOT) -> list[str]:
    """A PEP 735 dependency group of a pyproject (the workspace's by default)."""
    return list(nox.project.dependency_groups(nox.project.load_toml(path / "pyproject.toml"),
                                              name))


def _everything() -> list[str]:
    """Every distribution from its source, with what its tests need."""
    reqs = [str(path) for path in DISTRIBUTIONS]
    for path in DISTRIBUTIONS:
        reqs += group("test", path)
    return reqs


@nox.session
def lint(session: nox.Session) -> None:
    """ruff; mypy --strict and pyright; actionlint over the GitHub workflows."""
    session.install(*group("lint"), *_everything())
    session.run("ruff", "check", "core", "plugins", "tests", "bench", "examples", "noxfile.py",
                "scripts")
    sources = [str(path.relative_to(ROOT) / "src") for path in DISTRIBUTIONS]
    session.run("mypy", "--strict", *sources, "examples")
    session.run("pyright", "examples")
    session.run("python", "scripts/actionlint.py", "--cache",
                str(Path(session.cache_dir) / "actionlint"))


@nox.session
def tests(session: nox.Session) -> None:
    """Core's tests and the cross-package tests, with every plugin installed."""
    session.install(*group("test"), *_everything(), *TEST_PACKAGES)
    session.run("pytest", "core/tests", "tests", *session.posargs)


def _normalized(path: Path) -> str:
    """The file-name prefix of a distribution's artifacts (fluentai-core -> fluentai_core)."""
    return path.name.replace("-", "_") if path != CORE else "fluentai_core"


def _artifacts(folder: Path, path: Path) -> tuple[Path, Path]:
    """The one sdist and the one wheel of a distribution in ``folder``."""
    sdists = sorted(folder.glob(f"{_normalized(path)}-*.tar.gz"))
    wheels = sorted(folder.glob(f"{_normalized(path)}-*-py3-none-any.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        raise RuntimeError(f"{path.name}: expected one sdist and one wheel in {folder}, found "
                           f"{[p.name for p in sdists + wheels]}")
    return sdists[0], wheels[0]


def _contents(sdist: Path, wheel: Path) -> tuple[list[str], list[str]]:
    with tarfile.open(sdist) as tar, zipfile.ZipFile(wheel) as whl:
        return sorted(tar.getnames()), sorted(whl.namelist())


def _bin(venv: Path, tool: str) -> str:
    folder = venv / ("Scripts" if os.name == "nt" else "bin")
    return str(folder / (f"{tool}.exe" if os.name == "nt" else tool))


@nox.session
def dist(session: nox.Session) -> None:
    """Build, check and install every distribution from its artifacts alone.

    ``nox -s dist -- fluentai-openai ...`` still builds and checks everything but tests only
    the named plugins. The artifacts are left in dist/ (what release.yml publishes).
    """
    session.install(*group("dist"))
    names = {p.name for p in PLUGINS}
    unknown = set(session.posargs) - names
    if unknown:
        session.error(f"not a plugin: {', '.join(sorted(unknown))}")
    selected = [p for p in PLUGINS if not session.posargs or p.name in session.posargs]
    tmp = Path(session.create_tmp()).resolve()
    other = tmp / "python-m-build"
    for folder in (DIST, other):
        shutil.rmtree(folder, ignore_errors=True)
    for path in DISTRIBUTIONS:  # each builds its sdist, then the wheel from that sdist
        session.run("uv", "build", "--quiet", "--out-dir", str(DIST), str(path))
        session.run("python", "-m", "build", "--installer", "uv", "--outdir", str(other),
                    str(path), silent=True)
        if _contents(*_artifacts(DIST, path)) != _contents(*_artifacts(other, path)):
            session.error(f"{path.name}: uv build and python -m build built different files")
    built = sorted(str(p) for p in DIST.iterdir() if p.name.endswith((".tar.gz", ".whl")))
    session.run("twine", "check", "--strict", *built, silent=True)  # its output on failure
    session.log(f"{len(built)} artifacts of {len(DISTRIBUTIONS)} distributions built and checked")

    core_wheel = _artifacts(DIST, CORE)[1]
    for path in selected:
        _test_from_artifacts(session, path, core_wheel, tmp / path.name)


def _test_from_artifacts(session: nox.Session, path: Path, core_wheel: Path,
                         work: Path) -> None:
    """The plugin's tests, unpacked from its sdist, against a clean venv holding only the
    wheels of core and the plugin plus the plugin's ``test`` dependency group."""
    sdist, wheel = _artifacts(DIST, path)
    shutil.rmtree(work, ignore_errors=True)
    with tarfile.open(sdist) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            tar.extractall(work, filter="data")
        else:
            tar.extractall(work)
    source = work / sdist.name.removesuffix(".tar.gz")
    venv = work / "venv"
    python = _bin(venv, "python")
    session.run("uv", "venv", "--quiet", "--python", sys.executable, str(venv))
    session.run("uv", "pip", "install", "--quiet", "--python", python, str(core_wheel),
                str(wheel), "--group", f"{source / 'pyproject.toml'}:test")
    module = _normalized(path)
    session.run(python, "-c", f"import fluentai, {module}, sys; from pathlib import Path; "
                "sys.exit(any(Path(sys.prefix).resolve() not in Path(m.__file__).resolve()"
                f".parents for m in (fluentai, {module})))", external=True)  # not the source
    with session.chdir(source):
        session.run(_bin(venv, "pytest"), "tests", external=True)


@nox.session
def faults(session: nox.Session) -> None:
    """The fault matrix in full (tests/faults): every transport with both clients, and the
    load and long runs (500 concurrent streams x 500 chunks, 10,000 sequential requests,
    1,000 early exits, key rotation under 100 streams in flight)."""
    plugins = [ROOT / "plugins" / "fluentai-openai", ROOT / "plugins" / "fluentai-http3"]
    session.install(str(CORE), *group("test", CORE), *[str(p) for p in plugins],
                    *[req for p in plugins for req in group("test", p)])
    session.run("pytest", "tests/faults", *session.posargs,
                env={"FLUENTAI_FAULTS_LOAD": "1"})


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks against raw asyncio, raw httpx, the openai SDK and litellm (and in the
    bootstrap .venv when it exists); writes bench/RESULTS.md. ~15 minutes on 2 cores."""
    session.install(f"{CORE}[testing,http2]", str(ROOT / "plugins" / "fluentai-openai"),
                    str(ROOT / "plugins" / "fluentai-http3"),
                    str(ROOT / "plugins" / "fluentai-aiohttp"),
                    "openai", "litellm", "opentelemetry-sdk")
    session.run("python", "bench/run.py", *session.posargs)

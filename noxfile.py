"""Sessions: lint (ruff + mypy), tests (core and cross-package), one session per plugin that
installs only fluentai-core and that plugin into a clean environment, and bench."""

from __future__ import annotations

import tomllib
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PLUGINS = sorted(p.parent.name for p in ROOT.glob("plugins/*/pyproject.toml"))
TEST_PACKAGES = sorted(str(p.parent) for p in ROOT.glob("tests/packages/*/pyproject.toml"))
nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True


def _with_extras(path: Path, wanted: tuple[str, ...]) -> str:
    project = tomllib.loads((path / "pyproject.toml").read_text())["project"]
    extras = [e for e in project.get("optional-dependencies", {}) if e in wanted]
    return f"{path}[{','.join(extras)}]" if extras else str(path)


def _everything() -> list[str]:
    reqs = [_with_extras(ROOT / "core", ("testing", "otel", "http2"))]
    for name in PLUGINS:
        reqs.append(_with_extras(ROOT / "plugins" / name, ("test",)))
    return reqs


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy over core, every plugin and the tests."""
    session.install("ruff", "mypy", "types-PyYAML", *_everything())
    session.run("ruff", "check", "core", "plugins", "tests", "bench", "noxfile.py", "scripts")
    session.run("mypy", "core/src", *[f"plugins/{p}/src" for p in PLUGINS])


@nox.session
def tests(session: nox.Session) -> None:
    """Core's tests and the cross-package tests, with every plugin installed."""
    session.install("pytest-asyncio", "uv", *_everything(), *TEST_PACKAGES)
    session.run("pytest", "core/tests", "tests", *session.posargs)


def _plugin_session(name: str) -> None:
    @nox.session(name=name.removeprefix("fluentai-"))
    def plugin(session: nox.Session) -> None:
        """Only core and this plugin, in a clean environment: proves it installs alone."""
        path = ROOT / "plugins" / name
        session.install("pytest-asyncio", _with_extras(ROOT / "core", ("testing",)),
                        _with_extras(path, ("test",)))
        session.run("pytest", str(path / "tests"), *session.posargs)


for _name in PLUGINS:
    _plugin_session(_name)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks against raw httpx, the openai SDK and litellm; writes bench/RESULTS.md."""
    session.install(_with_extras(ROOT / "core", ("testing", "http2")),
                    str(ROOT / "plugins" / "fluentai-openai"),
                    str(ROOT / "plugins" / "fluentai-http3"),
                    "openai", "litellm", "opentelemetry-sdk")
    session.run("python", "bench/run.py", *session.posargs)

"""The conformance kit catches broken plugins, and a scaffolded plugin written only from the
contract installs alone with core and passes it."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import fluentai
from fluentai.events import Finish, TextDelta
from fluentai.plugins import Registry
from fluentai.scaffold import scaffold
from fluentai.testing import ReplayServer, Reply, recordings, sse_body
from fluentai.testing.conformance import check_grammar

BROKEN_PLUGIN = '''
from typing import Any

import httpx

from fluentai import hookimpl
from fluentai.errors import ServerError
from fluentai.events import ToolCallEnd
from fluentai.wire.openai import OpenAIChatStream, OpenAICompatible


class LossyStream(OpenAIChatStream):
    """Loses the first tool call's end: the stream that 'loses a tool call'."""

    def feed(self, data: bytes) -> list[Any]:
        return [ev for ev in super().feed(data)
                if not (type(ev) is ToolCallEnd and ev.index == 0)]


class Broken(OpenAICompatible):
    name = "brokenai"
    api_key_env = ("BROKENAI_API_KEY",)
    base_url = "https://broken.example/v1"
    stream_decoder_type = LossyStream

    def map_error(self, response: httpx.Response) -> ServerError:
        return ServerError("something went wrong", provider=self.name,
                           status_code=response.status_code)


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Broken]
'''

BROKEN_SUITE = '''
import broken_plugin
from fluentai.testing.conformance import Case, ProviderSuite


class TestBroken(ProviderSuite):
    provider = "brokenai"
    base_path = "/v1"
    distribution = "fluentai-core"
    plugins = [broken_plugin]
    capabilities = {"chat", "stream", "tools"}
    cases = {"parallel_tool_calls": Case(recording="openai/test_complex_agent_run.yaml",
                                         model="gpt-4o", stream=True,
                                         expect_tool_calls=[("get_country", {}),
                                                            ("get_product_name", {})])}
'''


def test_a_broken_plugin_fails_the_kit_naming_the_broken_cases(tmp_path: Path) -> None:
    (tmp_path / "broken_plugin.py").write_text(BROKEN_PLUGIN)
    (tmp_path / "test_broken.py").write_text(BROKEN_SUITE)
    recording = "openai/test_complex_agent_run.yaml"  # the suite's own copy, beside it
    (tmp_path / "recordings" / "openai").mkdir(parents=True)
    shutil.copyfile(recordings(__file__) / recording, tmp_path / "recordings" / recording)
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "--rootdir", str(tmp_path), str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)})
    failed = [line for line in out.stdout.splitlines() if line.startswith("FAILED")]
    text = "\n".join(failed)
    assert "test_case[parallel_tool_calls]" in text
    assert "tool calls started but never ended: [0]" in out.stdout
    assert "test_error_mapping[401]" in text and "test_error_mapping[429]" in text
    assert "HTTP 401 must map to AuthenticationError, got ServerError" in out.stdout
    assert "test_error_mapping[500]" not in text  # what it gets right still passes


@pytest.mark.parametrize("wire", ["openai", "native"])
def test_scaffolded_plugin_installs_alone_and_passes_the_kit(tmp_path: Path, wire: str) -> None:
    """`fluentai new-plugin` as a plugin author runs it: its printed install hint and test
    command work in a clean environment holding only core and the new plugin."""
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).exists():
        pytest.skip("uv is needed to build a clean environment")
    root = Path(__file__).resolve().parents[1]
    created = subprocess.run([sys.executable, "-m", "fluentai.cli", "new-plugin", "acme-llm",
                              "--directory", str(tmp_path), "--wire", wire],
                             capture_output=True, text=True, check=True)
    plugin = tmp_path / "fluentai-acme-llm"
    install, test = (shlex.split(line) for line in created.stdout.splitlines()[1:3])
    assert install[:3] == ["pip", "install", "-e"] and test[0] == "pytest"
    env_dir = tmp_path / "env"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(env_dir)], check=True)
    scripts = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    python = scripts / "python"
    subprocess.run([uv, "pip", "install", "-q", "--python", str(python),  # this checkout's core
                    f"{root / 'core'}[testing]"], check=True, timeout=600)
    subprocess.run([uv, "pip", "install", "-q", "--python", str(python), *install[2:]],
                   check=True, timeout=600)  # the hint, as printed
    listed = subprocess.run([str(scripts / "fluentai"), "providers"],
                            capture_output=True, text=True, check=True)
    assert "acme-llm" in listed.stdout and "no: set ACME_LLM_API_KEY" in listed.stdout
    assert "openai" not in listed.stdout  # a clean environment: core and this plugin only
    suite = subprocess.run([str(python), "-m", "pytest", "-p", "no:cacheprovider", *test[1:]],
                           capture_output=True, text=True, cwd=plugin, timeout=300)
    assert suite.returncode == 0, suite.stdout[-3000:]
    assert " passed" in suite.stdout and "configfile: pyproject.toml" in suite.stdout
    assert re.search(r"asyncio: mode=(Mode\.)?auto", suite.stdout, re.IGNORECASE)
    assert 'acme-llm = "fluentai_acme_llm"' in (plugin / "pyproject.toml").read_text()
    wheel_dir = tmp_path / "dist"
    subprocess.run([uv, "build", "-q", "--wheel", "-o", str(wheel_dir), str(plugin)],
                   check=True, timeout=600)
    [wheel] = wheel_dir.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "fluentai_acme_llm/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_the_scaffold_writes_what_a_release_needs(tmp_path: Path) -> None:
    plugin = scaffold("acme-llm", tmp_path, wire="native")
    changelog = (plugin / "CHANGELOG.md").read_text()
    assert "\\n" not in changelog and changelog.splitlines()[:3] == ["# Changelog", "",
                                                                      "## Unreleased"]
    assert (plugin / "LICENSE").read_text().startswith("MIT License")
    assert (plugin / "src/fluentai_acme_llm/py.typed").exists()
    pyproject = (plugin / "pyproject.toml").read_text()
    assert 'asyncio_mode = "auto"' in pyproject and 'license-files = ["LICENSE"]' in pyproject
    assert "Typing :: Typed" in pyproject
    assert "fluentai.testing.pytest_plugin" in (plugin / "tests/conftest.py").read_text()


@pytest.mark.parametrize("name", ["openai", "claude", "http3", "core"])
def test_new_plugin_refuses_a_name_already_taken(tmp_path: Path, name: str) -> None:
    out = subprocess.run([sys.executable, "-m", "fluentai.cli", "new-plugin", name,
                          "--directory", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 3 and f"the name {name!r} is taken" in out.stderr
    assert not (tmp_path / f"fluentai-{name}").exists()


def _native(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    plugin = scaffold("acme-native", tmp_path, wire="native")
    spec = importlib.util.spec_from_file_location(
        "fluentai_acme_native", plugin / "src/fluentai_acme_native/__init__.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # imported, as once installed
    spec.loader.exec_module(module)
    return module


def test_the_native_template_decodes_its_example_format(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """The native template's example format is its own (no provider speaks it), so these
    bodies are written here to its shape: they prove the template's decoders are right
    before an author replaces the format with a real one."""
    module = _native(tmp_path, monkeypatch)
    answer = {"id": "r1", "model": "acme-1", "text": "Paris.", "stop_reason": "end",
              "tool_calls": [{"id": "c1", "name": "lookup", "arguments": {"q": "France"}}],
              "usage": {"input_tokens": 12, "output_tokens": 3}}
    events = [{"type": "start", "id": "r2", "model": "acme-1"},
              {"type": "text", "text": "Par"}, {"type": "text", "text": "is."},
              {"type": "tool_call", "tool_call": {"id": "c2", "name": "lookup",
                                                  "arguments": {"q": "Paris"}}},
              {"type": "done", "stop_reason": "tool_use",
               "usage": {"input_tokens": 12, "output_tokens": 5}}]
    stream = Reply(200, sse_body([json.dumps(e) for e in events]),
                   headers={"content-type": "text/event-stream"}, path="/v1/chat")
    listing = Reply(200, {"data": [{"id": "acme-1"}, {"id": "acme-2"}]}, path="/v1/models")
    with ReplayServer([Reply(200, answer, path="/v1/chat"), stream, listing]) as server:
        client = fluentai.Client(registry=Registry([module]), providers={"acme-native": {
            "api_key": "acme-key-123456", "base_url": server.url + "/v1"}})
        r = client.chat("acme-native/acme-1", "Capital of France?", max_tokens=20)
        streamed = list(client.stream("acme-native/acme-1", "Capital of France?"))
        checked = client.check("acme-native")
        sent = server.requests
    assert r.text == "Paris." and r.usage.output_tokens == 3 and r.id == "r1"
    assert [(c.name, c.arguments) for c in r.tool_calls] == [("lookup", {"q": "France"})]
    check_grammar(streamed)
    assert "".join(e.text for e in streamed if isinstance(e, TextDelta)) == "Paris."
    assert streamed[-1] == Finish("tool_calls", "tool_use")
    assert checked.ok and checked.models == 2
    assert sent[0].json == {"model": "acme-1", "stream": False, "max_tokens": 20,
                            "messages": [{"role": "user", "content": "Capital of France?"}]}
    assert sent[1].headers["accept"] == "text/event-stream"
    assert sent[2].headers["authorization"] == "Bearer acme-key-123456"

"""The conformance kit catches broken plugins, and a scaffolded plugin written only from the
contract installs alone with core and passes it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fluentai.scaffold import scaffold
from fluentai.testing import recordings

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


def test_scaffolded_plugin_installs_alone_and_passes_the_kit(tmp_path: Path) -> None:
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).exists():
        pytest.skip("uv is needed to build a clean environment")
    root = Path(__file__).resolve().parents[1]
    plugin = scaffold("acme-llm", tmp_path)
    env_dir = tmp_path / "env"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    subprocess.run([uv, "pip", "install", "-q", "--python", str(python),
                    f"{root / 'core'}[testing]", "pytest-asyncio", str(plugin)],
                   check=True, timeout=600)
    listed = subprocess.run([str(env_dir / "bin" / "fluentai"), "providers"],
                            capture_output=True, text=True, check=True)
    assert "acme-llm" in listed.stdout and "no: set ACME_LLM_API_KEY" in listed.stdout
    assert "openai" not in listed.stdout  # a clean environment: core and this plugin only
    suite = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "--rootdir", str(plugin), str(plugin / "tests")],
                           capture_output=True, text=True, cwd=plugin, timeout=300)
    assert suite.returncode == 0, suite.stdout[-3000:]
    assert " passed" in suite.stdout
    assert 'acme-llm = "fluentai_acme_llm"' in (plugin / "pyproject.toml").read_text()

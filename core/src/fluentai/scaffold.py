"""``fluentai new-plugin NAME``: a ready third-party provider plugin, written only from the
contract in spec/ — an OpenAI-compatible provider by default, with the conformance suite."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import ConfigurationError

_FILES = {
    "pyproject.toml": '''[build-system]
requires = ["hatchling>=1.24"]
build-backend = "hatchling.build"

[project]
name = "fluentai-{name}"
version = "0.1.0"
description = "{label} provider plugin for fluentai."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["fluentai-core>=0.1,<0.2"]

[project.optional-dependencies]
test = ["fluentai-core[testing]", "pytest-asyncio"]

[project.entry-points."fluentai.providers"]
{name} = "{module}"

[tool.hatch.build.targets.wheel]
packages = ["src/{module}"]
''',
    "src/{module}/__init__.py": '''"""{label} for fluentai (an OpenAI-compatible API).

Docs followed: <the provider's API reference URL>
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class {cls}(OpenAICompatible):
    name = "{name}"
    label = "{label}"
    base_url = "https://api.{name}.example/v1"
    api_key_env = ("{env}",)


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [{cls}]
''',
    "tests/test_conformance.py": '''"""The fluentai conformance suite.

Add cases pointing at recordings of your provider's real traffic (VCR cassettes, raw SSE
bodies...) to cover chat, streaming and tools."""

from __future__ import annotations

from fluentai.testing.conformance import Case, ProviderSuite


class TestConformance(ProviderSuite):
    provider = "{name}"
    capabilities = {{"chat", "stream", "tools"}}
    cases: dict[str, Case] = {{}}
''',
    "README.md": '''# fluentai-{name}

{label} provider plugin for [fluentai](https://pypi.org/project/fluentai-core/).

```
pip install fluentai-core fluentai-{name}
export {env}=...
fluentai chat {name}/<model> "Hello"
```
''',
    "CHANGELOG.md": "# Changelog\\n\\n## 0.1.0\\n- First release.\\n",
}


def scaffold(name: str, directory: str | Path = ".") -> Path:
    """Write the plugin ``fluentai-<name>`` under ``directory`` and return its path."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise ConfigurationError(f"plugin name {name!r}: use lowercase letters, digits and '-'")
    root = Path(directory) / f"fluentai-{name}"
    if root.exists():
        raise ConfigurationError(f"{root} already exists")
    values = {"name": name, "module": f"fluentai_{name.replace('-', '_')}",
              "label": name.replace("-", " ").title(),
              "cls": "".join(p.title() for p in name.split("-")),
              "env": f"{name.upper().replace('-', '_')}_API_KEY"}
    for rel, template in _FILES.items():
        path = root / rel.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values))
    return root

"""Build hook: compile the model catalog (src/fluentai/models.yaml, the file people edit)
to src/fluentai/models.json, which the package reads at run time without parsing YAML.
Runs for wheels, editable installs and wheels built from the sdist."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        package = Path(self.root) / "src" / "fluentai"
        sys.path.insert(0, str(package.parent))
        try:
            from fluentai.catalog import compile_yaml  # validates against the schema
        finally:
            sys.path.pop(0)
        (package / "models.json").write_bytes(compile_yaml((package / "models.yaml")
                                                           .read_bytes()))
        build_data["artifacts"].append("src/fluentai/models.json")

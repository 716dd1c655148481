"""Each plugin's README states the settings its Provider class really accepts (the section
scripts/plugin_settings.py generates), so the documentation cannot drift from the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_plugin_readme_lists_its_settings() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "plugin_settings.py"),
                          "--check"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr

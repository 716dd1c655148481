"""The plugin index: what every installed plugin contributes (its providers and their
aliases, the hooks it implements besides ``fluentai_providers``), cached on disk so that a
process can resolve ``claude`` to the anthropic plugin, or find the plugins that change
another provider's seams, without importing every plugin.

It is built by loading every plugin once (the first process after an install) and kept in
the user's cache directory (``FLUENTAI_CACHE_DIR`` overrides it). It is valid while the
installed distributions (the name and version of every ``*.dist-info`` on ``sys.path``)
and the source files of every plugin are unchanged, so a third-party plugin is indexed
without declaring anything, and an editable install that changes a plugin's aliases is
re-read. Reading it costs a directory listing per ``sys.path`` entry and one ``stat`` per
plugin file; nothing here imports ``importlib.metadata``.
"""

from __future__ import annotations

import logging
import os
import sys
import zlib

import msgspec

VERSION = 1
log = logging.getLogger("fluentai")


class IndexedPlugin(msgspec.Struct, frozen=True, kw_only=True):
    """One entry point of the group ``fluentai.providers`` and what loading it gave."""

    name: str  # the entry-point name: the provider's name for a provider plugin
    value: str  # ``module`` or ``module:attribute``
    distribution: str | None = None
    version: str | None = None
    providers: dict[str, tuple[str, ...]] = {}  # provider name -> its aliases
    hooks: tuple[str, ...] = ()  # implemented hooks other than fluentai_providers
    files: dict[str, int] = {}  # source file -> mtime in ns (editable installs change)
    broken: bool = False

    def claims(self) -> set[str]:
        """Every name (provider or alias) this plugin answers to."""
        return {n for name, aliases in self.providers.items() for n in (name, *aliases)}


class PluginIndex(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    installed: str  # fingerprint of the installed distributions (see ``installed``)
    plugins: tuple[IndexedPlugin, ...]


def installed() -> str:
    """A fingerprint of every distribution on ``sys.path``: the names of the
    ``*.dist-info`` / ``*.egg-info`` folders (name and version), per path entry, and the
    time each was written (a reinstall of the same version rewrites it)."""
    parts: list[str] = []
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as found:
                names = sorted((e.name, e.stat().st_mtime_ns) for e in found
                               if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        parts.append(f"{entry}\0{names}")
    return f"{zlib.crc32(chr(1).join(parts).encode()):08x}:{len(parts)}"


def cache_dir() -> str:
    """``FLUENTAI_CACHE_DIR``, else the platform's user cache directory."""
    configured = os.environ.get("FLUENTAI_CACHE_DIR")
    if configured:
        return configured
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(base, "fluentai", "Cache")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "fluentai")
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"),
                        "fluentai")


def _path() -> str:
    """One file per interpreter and module search path (each virtualenv has its own)."""
    where = f"{sys.executable}\0{sys.prefix}\0{chr(0).join(sys.path)}".encode()
    return os.path.join(cache_dir(), f"plugins-{zlib.crc32(where):08x}.json")


def read() -> tuple[IndexedPlugin, ...] | None:
    """The cached index if it still describes what is installed, else None."""
    try:
        with open(_path(), "rb") as cached:
            index = msgspec.json.decode(cached.read(), type=PluginIndex)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    if index.version != VERSION or index.installed != installed():
        return None
    for plugin in index.plugins:
        for file, mtime in plugin.files.items():
            try:
                if os.stat(file).st_mtime_ns != mtime:
                    return None
            except OSError:
                return None
    return index.plugins


def write(plugins: list[IndexedPlugin]) -> None:
    """Store the index (atomically); a cache that cannot be written only costs speed."""
    path = _path()
    data = msgspec.json.encode(PluginIndex(version=VERSION, installed=installed(),
                                           plugins=tuple(plugins)))
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        log.debug("fluentai: the plugin index could not be cached at %s: %s", path, exc)


def source_files(*objects: object) -> dict[str, int]:
    """The source files of modules and classes, with their modification times."""
    out: dict[str, int] = {}
    for obj in objects:
        module = obj if hasattr(obj, "__file__") else sys.modules.get(
            getattr(obj, "__module__", ""))
        file = getattr(module, "__file__", None)
        if file and file not in out:
            try:
                out[file] = os.stat(file).st_mtime_ns
            except OSError:
                continue
    return out

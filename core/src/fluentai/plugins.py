"""Plugin discovery: entry points in the group ``fluentai.providers`` are loaded on first
need, never at import. A plugin that fails to load is recorded with its distribution name
and the reason, and every other provider keeps working."""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from . import _defaults, hookspecs
from .errors import PluginError, ProviderNotFoundError
from .provider import Provider

ENTRY_POINT_GROUP = "fluentai.providers"


class PluginInfo:
    __slots__ = ("distribution", "error", "name", "version")

    def __init__(self, name: str, distribution: str | None, version: str | None,
                 error: PluginError | None = None) -> None:
        self.name = name
        self.distribution = distribution
        self.version = version
        self.error = error


class Registry:
    """The plugin manager, the loaded plugins and the provider classes they contribute."""

    def __init__(self, plugins: Iterable[Any] = (), *, entry_points: bool = True) -> None:
        self.pm = pluggy.PluginManager("fluentai")
        self.pm.add_hookspecs(hookspecs)
        self.pm.register(_defaults, name="fluentai._defaults")
        self._extra = list(plugins)
        self._use_entry_points = entry_points
        self._lock = threading.Lock()
        self._loaded = False
        self.plugins: list[PluginInfo] = []
        self.providers: dict[str, type[Provider]] = {}
        self.owners: dict[str, PluginInfo] = {}
        self._aliases: dict[str, str] = {}

    @property
    def hook(self) -> Any:
        self.load()
        return self.pm.hook

    def load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            if self._use_entry_points:
                for ep in entry_points(group=ENTRY_POINT_GROUP):
                    self._load_entry_point(ep)
            for i, plugin in enumerate(self._extra):
                name = getattr(plugin, "__name__", None) or f"plugin-{i}"
                info = PluginInfo(name, None, None)
                self._register(plugin, info)
            self._loaded = True

    def _load_entry_point(self, ep: EntryPoint) -> None:
        dist = ep.dist.name if ep.dist else None
        info = PluginInfo(ep.name, dist, ep.dist.version if ep.dist else None)
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken plugin must not break the others
            info.error = PluginError(
                f"plugin {ep.name!r} from {dist or 'an unknown distribution'} failed to load: "
                f"{type(exc).__name__}: {exc}", distribution=dist)
            self.plugins.append(info)
            return
        self._register(plugin, info)

    def _register(self, plugin: Any, info: PluginInfo) -> None:
        try:
            self.pm.register(plugin, name=f"{info.distribution or 'local'}:{info.name}")
            contributed = plugin.fluentai_providers() \
                if hasattr(plugin, "fluentai_providers") else []
        except Exception as exc:
            info.error = PluginError(
                f"plugin {info.name!r} from {info.distribution or 'local code'} is broken: "
                f"{type(exc).__name__}: {exc}", distribution=info.distribution)
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            self.plugins.append(info)
            return
        self.plugins.append(info)
        for cls in contributed or ():
            self.providers[cls.name] = cls
            self.owners[cls.name] = info
            for alias in cls.aliases:
                self._aliases[alias] = cls.name

    def canonical(self, name: str) -> str:
        self.load()
        return self._aliases.get(name, name)

    def provider_class(self, name: str) -> type[Provider]:
        self.load()
        cls = self.providers.get(self._aliases.get(name, name))
        if cls is not None:
            return cls
        known = sorted(set(self.providers) | set(self._aliases))
        close = difflib.get_close_matches(name, known, n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        broken = [p for p in self.plugins if p.error and p.name == name]
        if broken:
            raise ProviderNotFoundError(str(broken[0].error))
        raise ProviderNotFoundError(
            f"No provider named {name!r} is installed.{hint} Install its plugin "
            f"(pip install fluentai-{name}) or see `fluentai providers`.")

    @property
    def broken(self) -> list[PluginInfo]:
        self.load()
        return [p for p in self.plugins if p.error]


_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """The process-wide registry of installed plugins (entry points read once)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Registry()
    return _default

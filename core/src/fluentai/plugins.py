"""Plugin discovery: entry points in the group ``fluentai.providers``, loaded one at a time
as they are needed, never at import.

The entry-point name is the provider's name, so resolving ``openai/...`` imports only the
plugin whose entry point is named ``openai``. Aliases (``claude``), the plugins that change
other providers' seams (auth, transport, ...) and the names for "did you mean" come from
the plugin index (``plugin_index.py``), which needs no import; every plugin is loaded only
when a listing needs them all, or once after an install to build the index.

A plugin that fails to load is recorded with its distribution name and the reason, and
every other provider keeps working. Two installed distributions that claim the same
provider name are an error naming both, until the user picks one with
``FLUENTAI_<NAME>_PLUGIN=<distribution>``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from importlib import import_module
from typing import Any

import pluggy

from . import _defaults, hookspecs, plugin_index
from .errors import ConfigurationError, PluginError, ProviderNotFoundError
from .plugin_index import IndexedPlugin
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
        self._lock = threading.RLock()
        self._loaded = False  # every plugin
        self._seams = False  # every plugin that implements a hook beyond fluentai_providers
        self._extras = False
        self._index: tuple[IndexedPlugin, ...] | None = None
        self._done: set[tuple[str | None, str]] = set()  # (distribution, entry point)
        self.plugins: list[PluginInfo] = []
        self.providers: dict[str, type[Provider]] = {}
        self.owners: dict[str, PluginInfo] = {}
        self._aliases: dict[str, str] = {}
        # every name (provider or alias) -> the classes claiming it and who contributed them
        self._claims: dict[str, list[tuple[type[Provider], PluginInfo]]] = {}

    @property
    def hook(self) -> Any:
        """The hooks, with every plugin that implements one beyond fluentai_providers."""
        if not self._seams:
            self.load_hooks()
        return self.pm.hook

    # --- loading --------------------------------------------------------------------

    def load(self) -> None:
        """Load every plugin (a listing needs them all); builds the index if needed."""
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._load_extras()
            if self._use_entry_points:
                index = self._cached_index()
                if index is not None:
                    for entry in index:
                        self._load(entry)
                else:
                    self._index = self._build_index()
            self._loaded = self._seams = True

    def load_hooks(self) -> None:
        """Load every plugin that implements a hook besides fluentai_providers (an auth
        override, a transport): what a hook call needs, without loading every plugin."""
        with self._lock:
            if self._seams:
                return
            self._load_extras()
            if self._use_entry_points:
                index = self._cached_index()
                if index is None:
                    self.load()
                    return
                for entry in index:
                    if entry.hooks:
                        self._load(entry)
            self._seams = True

    def _load_for(self, name: str) -> None:
        """Load the plugins that claim ``name`` (by the index, or by entry-point name)."""
        with self._lock:
            self._load_extras()
            if self._loaded or not self._use_entry_points:
                return
            index = self._cached_index()
            if index is None:
                self.load()
                return
            for entry in index:
                if name in entry.claims() or (entry.name == name and entry.broken):
                    self._load(entry)

    def _cached_index(self) -> tuple[IndexedPlugin, ...] | None:
        if self._index is None:
            self._index = plugin_index.read()
        return self._index

    def _build_index(self) -> tuple[IndexedPlugin, ...]:
        """Load every entry point and record what each gave (importlib.metadata is read
        only here)."""
        from importlib.metadata import entry_points

        index = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist else None
            entry = IndexedPlugin(name=ep.name, value=ep.value, distribution=dist,
                                  version=ep.dist.version if ep.dist else None)
            index.append(self._load(entry) or entry)
        plugin_index.write(index)
        return tuple(index)

    def _load(self, entry: IndexedPlugin) -> IndexedPlugin | None:
        """Import and register one entry point; returns its index entry (None if it was
        loaded already)."""
        key = (entry.distribution, entry.name)
        if key in self._done:
            return None
        self._done.add(key)
        info = PluginInfo(entry.name, entry.distribution, entry.version)
        try:
            plugin = _import(entry.value)
        except Exception as exc:  # a broken plugin must not break the others
            info.error = PluginError(
                f"plugin {entry.name!r} from {entry.distribution or 'an unknown distribution'}"
                f" failed to load: {type(exc).__name__}: {exc}",
                distribution=entry.distribution)
            self.plugins.append(info)
            return IndexedPlugin(name=entry.name, value=entry.value,
                                 distribution=entry.distribution, version=entry.version,
                                 broken=True)
        contributed = self._register(plugin, info)
        if contributed is None:
            return IndexedPlugin(name=entry.name, value=entry.value,
                                 distribution=entry.distribution, version=entry.version,
                                 broken=True)
        hooks = tuple(sorted(c.name for c in self.pm.get_hookcallers(plugin) or ()
                             if c.name != "fluentai_providers"))
        return IndexedPlugin(name=entry.name, value=entry.value,
                             distribution=entry.distribution, version=entry.version,
                             providers={cls.name: tuple(cls.aliases) for cls in contributed},
                             hooks=hooks,
                             files=plugin_index.source_files(plugin, *contributed))

    def _load_extras(self) -> None:
        """Plugin objects passed in code: registered first, and they win over installed
        plugins that claim the same name (the caller chose them)."""
        if self._extras:
            return
        self._extras = True
        for i, plugin in enumerate(self._extra):
            if self.pm.is_registered(plugin):
                continue
            name = getattr(plugin, "__name__", None) or f"plugin-{i}"
            self._register(plugin, PluginInfo(name, None, None))

    def _register(self, plugin: Any, info: PluginInfo) -> list[type[Provider]] | None:
        try:
            self.pm.register(plugin, name=f"{info.distribution or 'local'}:{info.name}")
            contributed = list(plugin.fluentai_providers()
                               if hasattr(plugin, "fluentai_providers") else ())
        except Exception as exc:
            info.error = PluginError(
                f"plugin {info.name!r} from {info.distribution or 'local code'} is broken: "
                f"{type(exc).__name__}: {exc}", distribution=info.distribution)
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            self.plugins.append(info)
            return None
        self.plugins.append(info)
        for cls in contributed:
            self.providers.setdefault(cls.name, cls)
            self.owners.setdefault(cls.name, info)
            for alias in cls.aliases:
                self._aliases.setdefault(alias, cls.name)
            for claimed in (cls.name, *cls.aliases):
                self._claims.setdefault(claimed, []).append((cls, info))
        return contributed

    # --- resolving ------------------------------------------------------------------

    def canonical(self, name: str, env: Mapping[str, str] | None = None) -> str:
        """The provider name that ``name`` (a name or an alias) resolves to."""
        try:
            return self.provider_class(name, env).name
        except ProviderNotFoundError:
            return name

    def provider_class(self, name: str, env: Mapping[str, str] | None = None
                       ) -> type[Provider]:
        """The class providing ``name``; ``env`` (default: os.environ) may pin the
        distribution with ``FLUENTAI_<NAME>_PLUGIN``."""
        if name not in self._claims:
            self._load_for(name)
        claims = self._claims.get(name)
        if not claims:
            raise self._not_found(name)
        local = [cls for cls, info in claims if info.distribution is None]
        if local:
            return local[-1]
        return _choose(name, claims, os.environ if env is None else env)

    def _not_found(self, name: str) -> ProviderNotFoundError:
        broken = [p for p in self.plugins if p.error and p.name == name]
        if broken:
            return ProviderNotFoundError(str(broken[0].error))
        installed = set(self._claims)
        for entry in (self._cached_index() if self._use_entry_points else None) or ():
            installed |= entry.claims()
        import difflib

        from . import catalog

        available = set(catalog.provider_names()) - installed  # real plugins, not installed
        close = difflib.get_close_matches(name, sorted(installed | available), n=3)
        if name in available:
            return ProviderNotFoundError(
                f"No provider named {name!r} is installed: pip install fluentai-{name}")
        hints = [f"{c!r} (pip install fluentai-{c})" if c in available else repr(c)
                 for c in close]
        hint = f" Did you mean {', '.join(hints)}?" if hints else ""
        return ProviderNotFoundError(
            f"No provider named {name!r} is installed.{hint} See `fluentai providers` for "
            f"the installed ones.")

    @property
    def broken(self) -> list[PluginInfo]:
        self.load()
        return [p for p in self.plugins if p.error]

    @property
    def claims(self) -> dict[str, list[tuple[type[Provider], PluginInfo]]]:
        """Every name (provider or alias) of the loaded plugins -> who claims it."""
        return self._claims

    @property
    def conflicts(self) -> dict[str, list[PluginInfo]]:
        """Names claimed by more than one installed distribution (every plugin loaded)."""
        self.load()
        out = {}
        for name, claims in self._claims.items():
            owners = _owners(claims)
            if len(owners) > 1 and not any(i.distribution is None for _, i in claims):
                out[name] = owners
        return out


def _owners(claims: list[tuple[type[Provider], PluginInfo]]) -> list[PluginInfo]:
    """The distinct distributions behind the claims (one class claimed twice by the same
    distribution is one owner)."""
    seen: dict[str | None, PluginInfo] = {}
    for _, info in claims:
        seen.setdefault(info.distribution, info)
    return sorted(seen.values(), key=lambda info: info.distribution or "")


def _normal(distribution: str) -> str:
    return distribution.lower().replace("_", "-").replace(".", "-")


def _choose(name: str, claims: list[tuple[type[Provider], PluginInfo]],
            env: Mapping[str, str]) -> type[Provider]:
    """One class for ``name``: the only one, or the one the user pinned."""
    variable = f"FLUENTAI_{name.upper().replace('-', '_')}_PLUGIN"
    owners = _owners(claims)
    pinned = env.get(variable)
    if pinned:
        for cls, info in claims:
            if info.distribution and _normal(info.distribution) == _normal(pinned):
                return cls
        raise ConfigurationError(
            f"{variable}={pinned} but that distribution does not provide {name!r}; it is "
            f"provided by {_listing(owners)}.", provider=name, env_var=variable)
    if len(owners) == 1:
        return claims[0][0]
    raise ConfigurationError(
        f"{len(owners)} installed distributions provide {name!r}: {_listing(owners)}. "
        f"Choose one with {variable}=<distribution> (e.g. {variable}="
        f"{owners[0].distribution}), or uninstall the others.", provider=name,
        env_var=variable)


def _listing(owners: list[PluginInfo]) -> str:
    return " and ".join(f"{o.distribution} {o.version or ''}".rstrip() for o in owners)


def _import(value: str) -> Any:
    """What an entry point's value names (``module`` or ``module:attribute``), as
    importlib.metadata's EntryPoint.load does."""
    module, _, attribute = value.partition("[")[0].partition(":")
    found: Any = import_module(module.strip())
    for part in filter(None, attribute.strip().split(".")):
        found = getattr(found, part)
    return found


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

"""No API key appears in a span, log line, repr or error message, for every installed
provider: each is given a recognizable key and sent to a local server that echoes the key
back in its error body."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest

import fluentai
from fluentai import log
from fluentai.errors import FluentAIError
from fluentai.plugins import Registry
from fluentai.testing import ReplayServer, Reply

KEY = "sk-SECRET-never-shown-0123456789"


def _call(client: fluentai.Client, name: str) -> Any:
    model = f"{name}/some-model"
    try:
        return client.chat(model, "hi", retry=0)
    except fluentai.errors.UnsupportedError:
        try:
            return client.embed(model, "hi", retry=0)
        except fluentai.errors.UnsupportedError:
            return client.rerank(model, "q", ["d"])


def _installed() -> list[str]:
    registry = Registry()
    registry.load()  # a name two test distributions claim has no one provider to test
    return sorted(set(registry.providers) - set(registry.conflicts))


@pytest.mark.parametrize("name", _installed())
def test_no_key_in_reprs_errors_or_logs(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    log.configure(json=True)
    echo = {"error": {"message": f"Incorrect API key provided: {KEY}", "type": "auth"}}
    try:
        with ReplayServer([Reply(401, echo, repeat=True)]) as server:
            wanted = {"api_key": KEY, "base_url": server.url, "account_id": "acc",
                      "project": "p", "location": "us-central1"}
            accepted = Registry().provider_class(name).accepted_settings()
            settings: dict[str, Any] = {k: v for k, v in wanted.items() if k in accepted}
            client = fluentai.Client(providers={name: settings}, retry=0)
            provider = client.provider(name)
            shown = [repr(provider), str(provider), repr(provider.options)]
            try:
                shown.append(repr(provider.auth()))
            except FluentAIError as exc:
                shown.append(str(exc))
            with pytest.raises(FluentAIError) as info:
                _call(client, name)
            shown += [str(info.value), repr(info.value), repr(info.value.args)]
    finally:
        log._logger = None
    logged = stderr.getvalue()
    assert logged, "the request was not logged"
    for text in [*shown, logged]:
        assert KEY not in text, f"{name}: the key appears in {text[:120]!r}"

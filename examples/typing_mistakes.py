"""Mistakes a type checker catches before anything runs, and the TypeError each raises if
it runs anyway (naming the public method and the closest real name).

Every ``# type: ignore[...]`` below must be needed: mypy --strict (warn_unused_ignores) and
pyright (reportUnnecessaryTypeIgnoreComment) fail the lint session if a line stops being an
error, so this file proves the typed surface stays typed.
"""

from __future__ import annotations

import fluentai

client = fluentai.Client(providers={"openai": {"api_key": "sk-not-used"}})

try:
    fluentai.Client(retires=2)  # type: ignore[call-arg]
except TypeError as exc:
    print(exc)  # Client() got an unexpected keyword argument 'retires'; did you mean 'retry'?
    assert "Client()" in str(exc) and "'retry'" in str(exc)
else:
    raise AssertionError("a misspelt keyword must raise TypeError")

try:
    client.chat("openai/gpt-4o-mini", "Hi", temprature=0.2)  # type: ignore[call-arg]
except TypeError as exc:
    print(exc)  # Client.chat() got an unexpected keyword argument 'temprature'; ...
    assert "Client.chat()" in str(exc) and "'temperature'" in str(exc)
else:
    raise AssertionError("a misspelt keyword must raise TypeError")

try:
    client.model("openai/gpt-4o-mini").stream("Hi", max_token=5)  # type: ignore[call-arg]
except TypeError as exc:
    print(exc)
    assert "'max_tokens'" in str(exc)
else:
    raise AssertionError("a misspelt keyword must raise TypeError")

try:
    client.embed("openai/text-embedding-3-small", "a", dimension=8)  # type: ignore[call-arg]
except TypeError as exc:
    print(exc)
    assert "Client.embed()" in str(exc) and "'dimensions'" in str(exc)
else:
    raise AssertionError("a misspelt keyword must raise TypeError")


def wrong_types(c: fluentai.Client) -> None:
    """Never called: each line is a type error, not a misspelling."""
    c.chat("openai/gpt-4o-mini", "Hi", max_tokens="100")  # type: ignore[arg-type]
    c.model("openai/gpt-4o-mini").temperature("hot")  # type: ignore[arg-type]
    r = c.chat("openai/gpt-4o-mini", "Hi")
    r.txt  # type: ignore[attr-defined]  # noqa: B018


client.close()

"""Scrubbing an error chain walks every argument of every chained exception: a transport's
exception may carry a namedtuple (aiohttp's ConnectionKey does), which must be rebuilt
field by field, not crash the scrubber."""

from __future__ import annotations

from typing import NamedTuple

from fluentai.errors import APIConnectionError
from fluentai.redact import scrub_error

KEY = "sk-namedtuple-secret-1234"


class Key(NamedTuple):
    host: str
    token: str


def test_a_chained_exception_with_a_namedtuple_argument_is_scrubbed() -> None:
    try:
        try:
            raise OSError(Key("127.0.0.1", KEY), "connect failed")
        except OSError:
            raise APIConnectionError(f"could not reach with {KEY}") from None
    except APIConnectionError as error:
        scrubbed = scrub_error(error, [KEY])
    assert KEY not in str(scrubbed) and KEY not in repr(scrubbed.__context__)
    assert isinstance(scrubbed.__context__, OSError)
    assert scrubbed.__context__.args[0] == Key("127.0.0.1", "**********")

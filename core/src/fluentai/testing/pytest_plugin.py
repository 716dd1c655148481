"""pytest support for recording real traffic: enable it in a ``conftest.py`` with
``pytest_plugins = ["fluentai.testing.pytest_plugin"]`` (``fluentai new-plugin`` does).

``fluentai_recorder`` is a ``Recorder`` to pass as a plugin; when the test ends, whatever
it captured is written, credentials redacted, to
``<test dir>/recordings/<test module>/<test name>.yaml`` (or to ``fluentai_recorder.path``
if the test set one), ready for ``load_cassette`` and the conformance kit::

    def test_say_hi(fluentai_recorder):           # run once with a real key set
        client = fluentai.Client(plugins=[fluentai_recorder])
        assert client.chat("acme/acme-1", "Say hi").text
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .cassettes import recordings
from .recorder import Recorder


class TestRecorder(Recorder):
    """A Recorder that knows where its cassette goes."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path


@pytest.fixture
def fluentai_recorder(request: pytest.FixtureRequest) -> Iterator[TestRecorder]:
    test_file = Path(str(request.node.path))
    name = re.sub(r"[^\w.\-\[\]]+", "_", request.node.name)
    recorder = TestRecorder(recordings(test_file) / test_file.stem / f"{name}.yaml")
    yield recorder
    if recorder.interactions:
        recorder.save(recorder.path)

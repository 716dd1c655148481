"""A long answer costs its text, not one Python object per token: the collector joins
its deltas as they accumulate (the bench's stream-length table measures the peak RSS)."""

from __future__ import annotations

from fluentai.events import COMPACT, Collector, Finish, ReasoningDelta, TextDelta


def test_many_deltas_are_kept_compact_and_complete() -> None:
    collector = Collector("openai", "gpt-4o")
    pieces = [f"tok{i % 10} " for i in range(COMPACT * 5 + 7)]
    for piece in pieces[:100]:
        collector.add(ReasoningDelta(piece))
    for piece in pieces:
        collector.add(TextDelta(piece))
        assert len(collector._text) <= COMPACT + 1
    collector.add(Finish("stop"))
    response = collector.response()
    assert response.text == "".join(pieces)
    assert response.reasoning == "".join(pieces[:100])

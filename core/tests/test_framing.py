"""SSE and NDJSON framing: the WHATWG rules, and any split of real recorded streams."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fluentai.framing import NDJSONParser, SSEParser
from fluentai.testing import load_cassette, recordings


def feed_all(parser: SSEParser, *chunks: bytes) -> list[tuple[str, bytes]]:
    out = []
    for c in chunks:
        out.extend(parser.feed(c))
    out.extend(parser.close())
    return out


def test_multiline_data_comments_and_fields() -> None:
    body = b": keep-alive\nevent: delta\nid: 7\nretry: 1500\ndata: first\ndata: second\n\n"
    p = SSEParser()
    assert feed_all(p, body) == [("delta", b"first\nsecond")]
    assert p.last_event_id == "7"
    assert p.retry == 1500


def test_cr_lf_and_crlf_line_ends_are_equal() -> None:
    for sep in (b"\n", b"\r", b"\r\n"):
        body = b"data: a" + sep + b"data: b" + sep + sep + b"data: c" + sep + sep
        assert feed_all(SSEParser(), body) == [("message", b"a\nb"), ("message", b"c")]


def test_crlf_split_between_reads() -> None:
    assert feed_all(SSEParser(), b"data: x\r", b"\n\r", b"\n") == [("message", b"x")]


def test_bom_field_without_colon_and_no_space() -> None:
    body = b"\xef\xbb\xbfdata:tight\n\ndata\n\n"
    assert feed_all(SSEParser(), body[:2], body[2:]) == [("message", b"tight"),
                                                         ("message", b"")]


def test_event_name_resets_after_dispatch_and_unfinished_event_is_dropped() -> None:
    body = b"event: a\ndata: 1\n\ndata: 2\n\ndata: never-finished\n"
    p = SSEParser()
    assert feed_all(p, body) == [("a", b"1"), ("message", b"2")]


def test_pending_reports_a_cut_event() -> None:
    p = SSEParser()
    p.feed(b"data: {\"partial\":")
    assert p.pending


def _recorded_stream() -> bytes:
    path = recordings(__file__) / "openai" / "test_complex_agent_run.yaml"
    return load_cassette(path)[0].response_body


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=1), min_size=1, max_size=400))
def test_any_split_of_a_recorded_stream_gives_the_same_events(cuts: list[int]) -> None:
    body = _recorded_stream()
    whole = feed_all(SSEParser(), body)
    step = max(len(body) // len(cuts), 1)
    pieces, pos = [], 0
    for i, c in enumerate(cuts):
        end = min(len(body), pos + step + c * (i % 7))
        pieces.append(body[pos:end])
        pos = end
    pieces.append(body[pos:])
    assert feed_all(SSEParser(), *pieces) == whole
    assert len(whole) >= 8


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_arbitrary_byte_boundaries(data: st.DataObject) -> None:
    body = _recorded_stream()
    points = sorted(data.draw(st.sets(st.integers(0, len(body)), max_size=60)))
    pieces = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    assert feed_all(SSEParser(), *pieces) == feed_all(SSEParser(), body)


def test_ndjson_lines_split_anywhere_and_last_line_without_newline() -> None:
    p = NDJSONParser()
    out = p.feed(b'{"a":1}\n{"b"') + p.feed(b':2}\n\n{"c":3}')
    out += p.close()
    assert out == [b'{"a":1}', b'{"b":2}', b'{"c":3}']

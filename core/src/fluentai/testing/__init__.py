"""Test support shipped with core (extra ``fluentai-core[testing]``): recorded-traffic
loaders, a real HTTP replay server on 127.0.0.1 used by every plugin's tests and by the
conformance kit, and a recorder that captures real traffic into cassettes."""

from .cassettes import Interaction, find_recording, load_cassette, recordings, sse_body
from .faults import RawServer
from .recorder import Recorder
from .server import ReplayServer, Reply
from .tls import TLS, make_tls

__all__ = ["TLS", "Interaction", "RawServer", "Recorder", "ReplayServer", "Reply",
           "find_recording", "load_cassette", "make_tls", "recordings", "sse_body"]

"""Certificates for local TLS, HTTP/2 and HTTP/3 test servers, made fresh by trustme: a
throwaway CA and a server certificate for 127.0.0.1 and localhost."""

from __future__ import annotations

import ssl
import tempfile
from pathlib import Path


class TLS:
    """Files on disk (hypercorn and aioquic read paths) plus a client-side SSL context."""

    def __init__(self, directory: Path) -> None:
        from ..optional import requires

        with requires("'fluentai-core[testing]'", "make_tls"):
            import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = directory / "ca.pem"
        self.cert_file = directory / "server.pem"
        self.key_file = directory / "server.key"
        ca.cert_pem.write_to_path(str(self.ca_file))
        cert.cert_chain_pems[0].write_to_path(str(self.cert_file))
        for extra in cert.cert_chain_pems[1:]:
            extra.write_to_path(str(self.cert_file), append=True)
        cert.private_key_pem.write_to_path(str(self.key_file))

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def make_tls(directory: Path | None = None) -> TLS:
    """A fresh CA and server certificate in ``directory`` (a new temporary one by default)."""
    return TLS(directory or Path(tempfile.mkdtemp(prefix="fluentai-tls-")))

"""HTTPS to an address checked by the guard: SNI and the certificate still name the host."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from outcomes.transport import TransportError, http_post


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_pem(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


@dataclass
class TlsFiles:
    ca: str
    certificate: str
    key: str


def _tls_files(directory: Path, host_name: str) -> TlsFiles:
    """Write a test CA and a server certificate for host_name, signed by it."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("outcomes test CA"))
        .issuer_name(_name("outcomes test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(host_name))
        .issuer_name(ca_certificate.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host_name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return TlsFiles(
        ca=_write_pem(directory / "ca.pem", ca_certificate.public_bytes(pem)),
        certificate=_write_pem(directory / "server.pem", server_certificate.public_bytes(pem)),
        key=_write_pem(
            directory / "server.key",
            server_key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        ),
    )


@dataclass
class TlsServer:
    port: int
    files: TlsFiles
    server_names: list[str | None]
    host_headers: list[str]


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[TlsServer]:
    """An HTTPS server on 127.0.0.1 whose certificate names localhost."""
    files = _tls_files(tmp_path, "localhost")
    server_names: list[str | None] = []
    host_headers: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            host_headers.append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.certificate, files.key)
    context.sni_callback = lambda _socket, name, _context: server_names.append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield TlsServer(server.server_port, files, server_names, host_headers)
    server.shutdown()
    server.server_close()


def test_https_post_sends_host_name_in_sni(tls_server: TlsServer) -> None:
    reply = http_post(
        f"https://localhost:{tls_server.port}/outcomes",
        b"{}",
        {},
        connect_timeout=2,
        read_timeout=5,
        allow_private=True,
        ca_certs=tls_server.files.ca,
    )

    assert reply.status == 200
    assert reply.body == b"ok"
    assert tls_server.server_names == ["localhost"]
    assert tls_server.host_headers == [f"localhost:{tls_server.port}"]


def test_https_post_rejects_untrusted_certificate(tls_server: TlsServer) -> None:
    with pytest.raises(TransportError) as failed:
        http_post(
            f"https://localhost:{tls_server.port}/outcomes",
            b"{}",
            {},
            connect_timeout=2,
            read_timeout=5,
            allow_private=True,
        )

    assert failed.value.retryable is True
    assert "CERTIFICATE_VERIFY_FAILED" in str(failed.value)
    assert tls_server.host_headers == []


def test_https_post_rejects_certificate_for_other_host(tls_server: TlsServer) -> None:
    with pytest.raises(TransportError) as failed:
        http_post(
            f"https://127.0.0.1:{tls_server.port}/outcomes",
            b"{}",
            {},
            connect_timeout=2,
            read_timeout=5,
            allow_private=True,
            ca_certs=tls_server.files.ca,
        )

    assert "127.0.0.1" in str(failed.value)
    assert tls_server.host_headers == []

"""The HTTP sender for outcomes, with the address guard.

The host of an outcomes URL is resolved once, every resolved address is
checked, and the connection goes to the checked address. There is no second
lookup between check and connect, so a DNS answer that changes in between
(DNS rebinding) cannot point the request at a private address. The original
host name still goes in the Host header, in TLS SNI and in certificate checks.
Redirects are never followed and every request has connect and read timeouts.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import certifi
import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, ReadTimeoutError

# The largest reply body read; outcome replies are a few hundred bytes.
MAX_REPLY_BYTES = 64 * 1024

# Allowed only when the deployment allows private networks. Link-local
# (including the 169.254.169.254 cloud metadata address), unspecified,
# multicast and reserved addresses are refused even then.
PRIVATE_NETWORKS = [
    ipaddress.ip_network(network)
    for network in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "::1/128",
        "fc00::/7",
    )
]
NAT64_NETWORK = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TransportError(Exception):
    """A request that produced no HTTP reply; retryable is True when a later try may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class AddressRejectedError(TransportError):
    """An outcomes URL whose host is, or resolves to, an address that the guard rejects."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _embedded_ipv4(address: IPAddress) -> IPAddress:
    """Return the IPv4 address inside an IPv4-mapped or NAT64 IPv6 address, else the address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64_NETWORK:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_rejection_reason(address: str, *, allow_private: bool) -> str | None:
    """Return why an IP address is rejected as an outcomes target, or None when it is allowed."""
    ip = _embedded_ipv4(ipaddress.ip_address(address.split("%", 1)[0]))
    if ip.is_link_local:
        return f"{ip} is a link-local or cloud metadata address"
    if ip.is_unspecified or ip.is_multicast:
        return f"{ip} is not a unicast address"
    if ip.is_global:
        return None
    if allow_private and any(ip in network for network in PRIVATE_NETWORKS):
        return None
    return f"{ip} is a loopback, private, shared or reserved address, not global unicast"


def resolve_checked(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Resolve host and return its addresses in resolver order, after checking every one.

    Raises AddressRejectedError when any address is rejected, and a retryable
    TransportError when the name does not resolve.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TransportError(f"Could not resolve {host}: {error}", retryable=True) from None

    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        reason = address_rejection_reason(address, allow_private=allow_private)
        if reason:
            if address_rejection_reason(address, allow_private=True) is None:
                advice = (
                    "OUTCOMES_ALLOW_PRIVATE_NETWORKS=1 allows loopback, private and shared "
                    "addresses; set it only where the LMS runs on a private network."
                )
            else:
                advice = "No setting allows this address."
            raise AddressRejectedError(
                f"Not sending to {host}: the address guard rejected it, as {reason}. {advice}"
            )
    return addresses


def _host_header(hostname: str, port: int | None) -> str:
    host = f"[{hostname}]" if ":" in hostname else hostname
    return f"{host}:{port}" if port else host


def http_post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    connect_timeout: float,
    read_timeout: float,
    allow_private: bool,
    ca_certs: str | None = None,
) -> HttpReply:
    """POST body to url once and return the reply, with at most MAX_REPLY_BYTES of its body.

    Redirects are returned as replies, not followed. Raises AddressRejectedError
    before connecting to a rejected address, and TransportError for an invalid
    URL (not retryable), a timeout or a connection error (retryable). HTTPS
    certificates are checked against ca_certs, by default certifi's bundle.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise TransportError(f"The outcomes URL {url!r} is not an http or https URL.", retryable=False)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TransportError(f"The outcomes URL {url!r} has an invalid port.", retryable=False) from None
    hostname = parts.hostname
    addresses = resolve_checked(hostname, port, allow_private=allow_private)
    request = _Request(
        scheme=parts.scheme,
        hostname=hostname,
        port=port,
        path=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
        headers={**headers, "Host": _host_header(hostname, parts.port)},
        body=body,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        ca_certs=ca_certs or certifi.where(),
    )

    # A refused or unreachable address moves on to the next checked one, as
    # socket.create_connection does; a timeout does not, so a try stays bounded.
    failures: list[str] = []
    for address in addresses:
        try:
            return _post_to_address(request, address)
        except NewConnectionError as error:
            failures.append(str(error))
    raise TransportError(
        f"Connection to {hostname} failed: {'; '.join(failures)}", retryable=True
    )


@dataclass(frozen=True)
class _Request:
    scheme: str
    hostname: str
    port: int
    path: str
    headers: dict[str, str]
    body: bytes
    connect_timeout: float
    read_timeout: float
    ca_certs: str


def _post_to_address(request: _Request, address: str) -> HttpReply:
    """POST to one checked address; raises NewConnectionError as is, other failures as TransportError."""
    connect_timeout = request.connect_timeout
    read_timeout = request.read_timeout
    hostname = request.hostname
    # The total bounds connect plus the wait for the reply headers, which keeps
    # a try shorter than OUTCOMES_STUCK_AFTER.
    timeout = urllib3.Timeout(
        connect=connect_timeout, read=read_timeout, total=connect_timeout + read_timeout
    )
    pool: urllib3.HTTPConnectionPool
    if request.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            request.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=request.ca_certs,
            assert_hostname=hostname,
            server_hostname=hostname,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, request.port, timeout=timeout, retries=False)

    try:
        response = pool.urlopen(
            "POST",
            request.path,
            body=request.body,
            headers=request.headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            reply_body = response.read(MAX_REPLY_BYTES)
        finally:
            response.close()
    except NewConnectionError:
        # urllib3 derives it from ConnectTimeoutError; the caller tries the next address.
        raise
    except ConnectTimeoutError:
        raise TransportError(
            f"Connecting to {hostname} timed out after {connect_timeout:g} s.", retryable=True
        ) from None
    except ReadTimeoutError:
        raise TransportError(
            f"{hostname} sent no reply within {read_timeout:g} s.", retryable=True
        ) from None
    except HTTPError as error:
        raise TransportError(f"Connection to {hostname} failed: {error}", retryable=True) from None
    finally:
        pool.close()

    return HttpReply(
        status=response.status,
        body=reply_body,
        headers={name.lower(): value for name, value in response.headers.items()},
    )

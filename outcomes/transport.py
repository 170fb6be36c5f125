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


def resolve_checked(host: str, port: int, *, allow_private: bool) -> str:
    """Resolve host and return the address to connect to, after checking every resolved address.

    Raises AddressRejectedError when any address is refused, and a retryable
    TransportError when the name does not resolve.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TransportError(f"Could not resolve {host}: {error}", retryable=True) from None

    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        reason = address_rejection_reason(address, allow_private=allow_private)
        if reason:
            raise AddressRejectedError(
                f"Not sending to {host}: {reason}. "
                "Set OUTCOMES_ALLOW_PRIVATE_NETWORKS=1 only where the LMS runs on a private network."
            )
    return addresses[0]


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
) -> HttpReply:
    """POST body to url once and return the reply, with at most MAX_REPLY_BYTES of its body.

    Redirects are returned as replies, not followed. Raises AddressRejectedError
    before connecting to a refused address, and TransportError for an invalid
    URL (not retryable), a timeout or a connection error (retryable).
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise TransportError(f"The outcomes URL {url!r} is not an http or https URL.", retryable=False)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TransportError(f"The outcomes URL {url!r} has an invalid port.", retryable=False) from None
    hostname = parts.hostname
    address = resolve_checked(hostname, port, allow_private=allow_private)

    # The total bounds connect plus the wait for the reply headers, which keeps
    # a try shorter than OUTCOMES_STUCK_AFTER.
    timeout = urllib3.Timeout(
        connect=connect_timeout, read=read_timeout, total=connect_timeout + read_timeout
    )
    pool: urllib3.HTTPConnectionPool
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            assert_hostname=hostname,
            server_hostname=hostname,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = {**headers, "Host": _host_header(hostname, parts.port)}

    try:
        response = pool.urlopen(
            "POST",
            path,
            body=body,
            headers=request_headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            reply_body = response.read(MAX_REPLY_BYTES)
        finally:
            response.close()
    except NewConnectionError as error:
        # urllib3 derives NewConnectionError (refused, unreachable) from ConnectTimeoutError.
        raise TransportError(f"Connection to {hostname} failed: {error}", retryable=True) from None
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

"""The public URL of a request: the one an LMS signs and links to.

Behind a TLS-terminating proxy, Django receives plain http on an internal host,
but the LMS signed https on the public host. The public origin comes from, in order:
LTI_PUBLIC_BASE_URL when set; the first value of X-Forwarded-Proto, -Host and
-Port when TRUST_PROXY_HEADERS is on; otherwise the request itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host
from django.urls import get_script_prefix
from django.utils.encoding import escape_uri_path

_DEFAULT_PORTS = {"http": "80", "https": "443"}


@dataclass(frozen=True)
class PublicOrigin:
    """A scheme and a host with its port, which is left out when it is the scheme's default."""

    scheme: str
    netloc: str

    def __str__(self) -> str:
        return f"{self.scheme}://{self.netloc}"


def _first_value(header: str | None) -> str:
    """Return the first item of a comma-separated header that each proxy may append to."""
    return (header or "").split(",", 1)[0].strip()


def _allowed_hosts() -> list[str]:
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        # The same fallback as django.http.HttpRequest.get_host() in DEBUG.
        return [".localhost", "127.0.0.1", "[::1]"]
    return list(settings.ALLOWED_HOSTS)


def _netloc(scheme: str, host: str, port: str = "") -> str:
    """Join host and port; port, when given, overrides a port in host.

    Raises DisallowedHost when the host is malformed or not in ALLOWED_HOSTS.
    """
    domain, host_port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        raise DisallowedHost(f"Invalid public host {host!r}: add it to ALLOWED_HOSTS.")
    port = port or host_port
    if port and port != _DEFAULT_PORTS.get(scheme):
        return f"{domain}:{port}"
    return domain


def _base_url_origin() -> PublicOrigin | None:
    if not settings.LTI_PUBLIC_BASE_URL:
        return None
    parts = urlsplit(settings.LTI_PUBLIC_BASE_URL)
    scheme = parts.scheme.lower()
    port = str(parts.port) if parts.port else ""
    netloc = (parts.hostname or "").lower()
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    return PublicOrigin(scheme, netloc)


def public_origin(request: HttpRequest) -> PublicOrigin:
    """Return the scheme and host that browsers and LMSs use for this service.

    Raises DisallowedHost (which Django turns into a 400 response) when the host is not allowed.
    """
    configured = _base_url_origin()
    if configured is not None:
        return configured

    if settings.TRUST_PROXY_HEADERS:
        scheme = _first_value(request.META.get("HTTP_X_FORWARDED_PROTO")).lower()
        if scheme not in _DEFAULT_PORTS:
            scheme = request.scheme or "http"
        host = (
            _first_value(request.META.get("HTTP_X_FORWARDED_HOST"))
            or request.META.get("HTTP_HOST", "")
            or request.META.get("SERVER_NAME", "")
        )
        port = _first_value(request.META.get("HTTP_X_FORWARDED_PORT"))
        if not port.isdigit():
            port = ""
        return PublicOrigin(scheme, _netloc(scheme, host, port))

    scheme = request.scheme or "http"
    return PublicOrigin(scheme, _netloc(scheme, request.get_host()))


def public_url(request: HttpRequest) -> str:
    """Return the public URL of the request without its query string.

    With LTI_PUBLIC_BASE_URL, the URL is that base followed by the path that
    the application routes, so a base with a path prefix replaces the prefix
    that a proxy strips.
    """
    if settings.LTI_PUBLIC_BASE_URL:
        return settings.LTI_PUBLIC_BASE_URL + escape_uri_path(request.path_info)
    return f"{public_origin(request)}{escape_uri_path(request.path)}"


def public_url_for_path(request: HttpRequest, path: str) -> str:
    """Return the public absolute URL of a path that reverse() built."""
    if settings.LTI_PUBLIC_BASE_URL:
        return settings.LTI_PUBLIC_BASE_URL + "/" + path.removeprefix(get_script_prefix())
    return f"{public_origin(request)}{path}"


def forwarded_headers_ignored(request: HttpRequest) -> list[str]:
    """Return the X-Forwarded-* headers present while TRUST_PROXY_HEADERS is off."""
    if settings.TRUST_PROXY_HEADERS or settings.LTI_PUBLIC_BASE_URL:
        return []
    names = ("Proto", "Host", "Port")
    return [
        f"X-Forwarded-{name}: {request.META[key]}"
        for name in names
        if (key := f"HTTP_X_FORWARDED_{name.upper()}") in request.META
    ]

"""Who the client is: its address, believing X-Forwarded-For only from trusted proxies.

The client IP is REMOTE_ADDR, or, when REMOTE_ADDR is one of AI_ASSISTANT_TRUSTED_PROXIES, the
right-most X-Forwarded-For hop that is not itself a trusted proxy (the left-most hops are
whatever the client chose to send). The public chat's identities and the login's guessing
limits both take the client from here.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress

from django.conf import settings


@functools.lru_cache(maxsize=32)
def _trusted_networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _trusted_networks(tuple(settings.AI_ASSISTANT_TRUSTED_PROXIES)))


def is_trusted_proxy(address: str) -> bool:
    """Whether `address` is one of AI_ASSISTANT_TRUSTED_PROXIES."""
    return _is_trusted(address.strip())


def client_ip(meta: dict) -> str | None:
    """The caller's address; a forged X-Forwarded-For from an untrusted peer changes nothing."""
    remote = (meta.get("REMOTE_ADDR") or "").strip()
    if not remote:
        return None
    if not _is_trusted(remote):
        return remote
    hops = [h.strip() for h in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return None  # garbage in the header: no usable identity
    return remote


def request_client_key(request, credentials=None) -> str | None:
    """A keyed hash of the request's client address: what the login's guessing limits count by
    (django-axes calls AXES_CLIENT_IP_CALLABLE so), so that no address is stored."""
    address = client_ip(request.META)
    if address is None:
        return None
    key = settings.LOGIN_CLIENT_KEY_SECRET.encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()

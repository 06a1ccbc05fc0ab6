"""Who an anonymous caller is, without keeping their address.

The client IP comes from config.clients (trusted proxies only). An IPv6 client is bucketed by
its /64 (one household or host), an IPv4 client by its address. From the bucket derive:
- `caller_key`: HMAC-SHA256 of the bucket, the key of bindings, budgets and tokens;
- `user_slug`: scrypt of the bucket with a secret salt, the pseudonym staff see.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from django.conf import settings

from config.clients import client_ip
from config.settings import derived_secret

SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2**14, 8, 1, 32


def _secret(name: str) -> str:
    """The setting, or (when unset) a secret derived from SECRET_KEY for that purpose."""
    return getattr(settings, name, "").strip() or derived_secret(name)


def ip_bucket(address: str) -> str:
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is an IPv4 client
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def caller_key(bucket: str) -> str:
    key = _secret("ANONYMOUS_CHAT_USER_SLUG_SALT").encode()
    return hmac.new(key, f"caller:{bucket}".encode(), hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=4096)
def _scrypt(salt: str, bucket: str) -> str:
    digest = hashlib.scrypt(
        bucket.encode(), salt=salt.encode(), n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_LEN
    )
    return digest.hex()


def user_slug(bucket: str) -> str:
    """About 30 ms of CPU the first time per (salt, bucket), cached afterwards."""
    if not bucket:
        return ""
    return _scrypt(_secret("ANONYMOUS_CHAT_USER_SLUG_SALT"), bucket)


def feedback_token(*, interaction_uuid: str, session_id: str, key: str) -> str:
    secret = _secret("ANONYMOUS_CHAT_FEEDBACK_TOKEN_SECRET")
    if not (secret and interaction_uuid and session_id and key):
        return ""
    message = f"{interaction_uuid}\n{session_id}\n{key}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_feedback_token(token: str, *, interaction_uuid: str, session_id: str, key: str) -> bool:
    expected = feedback_token(interaction_uuid=interaction_uuid, session_id=session_id, key=key)
    return bool(expected) and hmac.compare_digest(expected, token or "")


@dataclass(frozen=True)
class Caller:
    ip: str  # kept in memory for this request only
    bucket: str
    key: str

    @property
    def slug(self) -> str:
        return user_slug(self.bucket)


def caller_from(meta: dict) -> Caller | None:
    ip = client_ip(meta)
    if ip is None:
        return None
    try:
        bucket = ip_bucket(ip)
    except ValueError:
        return None
    return Caller(ip=ip, bucket=bucket, key=caller_key(bucket))

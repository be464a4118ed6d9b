"""Keep secrets out of what aisci prints or writes.

One rule says which names are secret (``is_secret_name``: used to refuse keys in config files
and to mask values); ``redact`` masks the values of secret-looking environment variables and
the credentials of URLs (``https://user:pass@host``) in any text.
"""

from __future__ import annotations

import os
import re

#: A part of a name (split at non-alphanumerics) that contains one of these is secret.
SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
#: Parts that contain a secret word but name no secret (``max_tokens``).
NOT_SECRET_PARTS = frozenset({"TOKENS"})
MASK = "***"
#: A URL user name this long is taken for a token.
TOKEN_CHARS = 16
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/\s:@]+(?::[^/\s@]*)?)@")


def is_secret_name(name: str) -> bool:
    """``OPENAI_API_KEY``, ``hf_token``, ``password``: yes. ``max_tokens``: no.

        >>> is_secret_name("OPENAI_API_KEY"), is_secret_name("max_tokens")
        (True, False)
    """
    parts = [p for p in re.split(r"[^A-Z0-9]+", name.upper()) if p]
    return any(word in part for part in parts if part not in NOT_SECRET_PARTS
               for word in SECRET_WORDS)


def redact_url(url: str) -> str:
    """A URL without its credentials: ``user:password@`` (or a token as the user name) is
    masked; a plain user name (``postgres@``) is not a secret and stays.

        >>> redact_url("http://me:s3cret@host/v1"), redact_url("postgresql://postgres@db/x")
        ('http://***@host/v1', 'postgresql://postgres@db/x')
    """
    def mask(match: re.Match[str]) -> str:
        userinfo = match.group("userinfo")
        if ":" in userinfo or len(userinfo) >= TOKEN_CHARS:
            return f"{match.group('scheme')}{MASK}@"
        return match.group(0)

    return _URL_CREDENTIALS.sub(mask, url)


def redact(text: str) -> str:
    """``text`` with secret environment values and URL credentials masked."""
    for name, value in os.environ.items():
        if len(value) >= 8 and is_secret_name(name):
            text = text.replace(value, MASK)
    return redact_url(text)

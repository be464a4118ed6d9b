"""Keep secrets out of what aisci prints or writes.

One rule says which names are secret (``is_secret_name``: used to refuse keys in config files
and to mask values); ``redact`` masks the values of secret-looking environment variables and
the credentials of URLs in any text: ``https://user:pass@host``, a secret query parameter
(``?password=``, ``&api_key=``, ``;token=``) and a secret ``key=value`` pair of a libpq DSN
(``host=db password=...``). ``redact_settings`` applies the URL rule to every string of a
settings record before it is written anywhere.
"""

from __future__ import annotations

import os
import re

#: A part of a name (split at non-alphanumerics) that contains one of these is secret.
SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
#: Parts that contain a secret word but name no secret (``max_tokens``).
NOT_SECRET_PARTS = frozenset({"TOKENS"})
#: Short URL parameter and DSN keyword names that are secret (``?pwd=``, ``&sig=``).
SECRET_PARAMS = frozenset({"pwd", "pass", "auth", "sig", "signature", "sas", "code"})
MASK = "***"
#: A URL user name this long is taken for a token.
TOKEN_CHARS = 16
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/\s:@]+(?::[^/\s@]*)?)@")
#: ``name=value`` in a query string (``?``, ``&``, ``;``) or a libpq DSN (spaces, quotes).
_PAIR = re.compile(r"(?P<lead>^|[?&;\s,(])(?P<name>[A-Za-z_][\w.-]*)\s*=\s*"
                   r"(?P<value>'(?:[^'\\]|\\.)*'|\"[^\"]*\"|[^\s&#;,)'\"]+)")


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

    return redact_pairs(_URL_CREDENTIALS.sub(mask, url))


def redact_pairs(text: str) -> str:
    """``text`` with the value of every secret-named ``name=value`` pair masked: a URL's
    query parameters and a libpq DSN's keywords alike.

        >>> redact_pairs("postgresql://db/x?sslmode=require&password=s3cret")
        'postgresql://db/x?sslmode=require&password=***'
        >>> redact_pairs("host=db user=me password='a b' dbname=x")
        'host=db user=me password=*** dbname=x'
    """
    def mask(match: re.Match[str]) -> str:
        name = match.group("name")
        if not (is_secret_name(name) or name.lower() in SECRET_PARAMS):
            return match.group(0)
        return f"{match.group('lead')}{match.group('name')}={MASK}"

    return _PAIR.sub(mask, text)


def redact_settings(value: object) -> object:
    """A JSON-like settings record with ``redact_url`` applied to every string in it."""
    if isinstance(value, str):
        return redact_url(value)
    if isinstance(value, dict):
        return {k: redact_settings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_settings(v) for v in value]
    return value


def redact(text: str) -> str:
    """``text`` with secret environment values and URL credentials masked."""
    for name, value in os.environ.items():
        if len(value) >= 8 and is_secret_name(name):
            text = text.replace(value, MASK)
    return redact_url(text)

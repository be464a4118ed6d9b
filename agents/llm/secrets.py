"""Keep secrets out of what aisci prints or writes: mask the values of secret-looking variables."""

from __future__ import annotations

import os

SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD")


def is_secret_name(name: str) -> bool:
    return any(word in name.upper() for word in SECRET_WORDS)


def redact(text: str) -> str:
    """``text`` with the value of every secret-looking environment variable masked."""
    for name, value in os.environ.items():
        if len(value) >= 8 and is_secret_name(name):
            text = text.replace(value, "***")
    return text

"""Which setting names hold credentials, and how to mask them wherever settings become text.

Names are split into words so `api_key`, `apiKey`, `HF_TOKEN` and `db_password` are secrets
while `max_tokens` and `keymap` are not. Every layer that logs, stores or shows settings uses
this one rule. Values in free text are masked by `mask_secrets` (`protocol.masking`, which
the workers share).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from mosaic_tui.protocol.masking import REDACTED, mask_secrets

__all__ = ["REDACTED", "is_secret_key", "mask_secrets", "redact_secrets"]

_SECRET_WORDS = frozenset(
    {
        "key",
        "keys",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "credentials",
        "auth",
        "authorization",
    }
)


def is_secret_key(name: object) -> bool:
    """True for setting names that look like credentials."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name)).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w]
    return any(w in _SECRET_WORDS for w in words) or "apikey" in text.replace("_", "")


def redact_secrets(value: Any) -> Any:
    """Deep copy of `value` with every value under a secret-looking key masked, at any depth."""
    if isinstance(value, Mapping):
        return {k: REDACTED if is_secret_key(k) else redact_secrets(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_secrets(v) for v in value)
    return copy.deepcopy(value)

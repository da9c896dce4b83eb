"""Secret values out of free text: an error that quotes an API key is stored without it.

Settings are redacted by name (`core.secrets`); error texts are not structured, so here the
values of the credentials this process holds (environment variables with secret-looking names,
such as MOSAIC_TUI_LLM_API_KEY or OPENAI_API_KEY) are masked wherever they appear.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from mosaic_tui.core.secrets import is_secret_key, mask_secrets

#: Shorter values are not masked: they would match ordinary words and numbers.
MIN_SECRET_LENGTH = 6


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of secret-looking environment variables, longest first."""
    env = os.environ if environ is None else environ
    found = {v for k, v in env.items() if is_secret_key(k) and len(v) >= MIN_SECRET_LENGTH}
    return sorted(found, key=len, reverse=True)


def redact_text(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with every secret value from the environment replaced by ***, and pieces
    and abbreviations of one (`sk-QA-SE...f3a9`) too (`core.secrets.mask_secrets`)."""
    return mask_secrets(text, secret_values(environ))

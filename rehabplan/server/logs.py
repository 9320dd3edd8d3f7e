"""Access logging without secrets: feed and check-in tokens are masked before a line is written.

Anyone who can read a log file must not be able to subscribe to a runner's calendar, so the
token part of ``/feeds/<token>.ics`` and ``/c/<token>`` is replaced before formatting.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_TOKEN_PATH = re.compile(r"(/feeds/|/c/)[^/?\s\"]+")


def redact(text: str) -> str:
    return _TOKEN_PATH.sub(lambda m: m.group(1) + "[token]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's default logging, plus the token filter on the access and error loggers."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {
        **LOGGING_CONFIG,
        "filters": {"redact": {"()": "rehabplan.server.logs.RedactTokens"}},
        "handlers": {
            name: {**handler, "filters": ["redact"]}
            for name, handler in LOGGING_CONFIG["handlers"].items()
        },
    }
    return config

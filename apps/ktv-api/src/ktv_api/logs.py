"""Structured logging, configured once: structlog over the standard library.

Every line carries the request id bound in context variables; JSON when not
on a terminal (or ``LOG_FORMAT=json``). Values under secret-looking keys are
replaced, and anything that looks like a bearer token, a JWT, a password in a
URL or an ``api_key`` parameter is masked wherever it appears, so a careless
``log.info(...)`` cannot leak one.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

__all__ = ["configure_logging", "redact_text"]

_SECRET_KEYS = re.compile(
    r"pass(word)?|secret|token|authorization|api[_-]?key|cookie|dsn|credential", re.I)
#: (pattern, replacement, a literal every match contains). The literal is a cheap
#: first test; a pattern is only substituted where it matches (``sub`` costs ~1 us
#: even when nothing matches, and every string of every log line passes here).
_PATTERNS = (
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer [redacted]", ""),
    (re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[redacted-jwt]",
     "eyJ"),
    (re.compile(r"(?i)(api_key|token|access_token|password|sig)=[^&\s\"']+"), r"\1=[redacted]",
     "="),
    (re.compile(r"(?i)(MediaBrowser\s+Token=)\"?[^\",\s]+\"?"), r"\1[redacted]", "="),
    (re.compile(r"(://[^:/@\s]+):[^@\s/]+@"), r"\1:[redacted]@", "@"),
    (re.compile(r"(/iptv/)[^/\s]+"), r"\1[redacted]", "/iptv/"),
)


def redact_text(text: str) -> str:
    """``text`` with anything secret-looking masked."""
    for pattern, repl, literal in _PATTERNS:
        if literal in text and pattern.search(text) is not None:
            text = pattern.sub(repl, text)
    return text


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: "[redacted]" if _SECRET_KEYS.search(str(k)) and v else _redact(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact(v) for v in value)
    return value


def _redact_event(_logger: Any, _name: str,
                  event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if key != "event" and _SECRET_KEYS.search(key) and value and not isinstance(value, bool):
            event[key] = "[redacted]"
        else:
            event[key] = _redact(value)
    return event


def configure_logging(level: str = "info", fmt: str = "auto") -> None:
    """Route structlog and the standard library (uvicorn, sqlalchemy) through one pipeline."""
    json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info if json else structlog.processors.StackInfoRenderer(),
        _redact_event,
    ]
    renderer: Any = (structlog.processors.JSONRenderer() if json
                     else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()))
    structlog.configure(
        # Level first: a disabled call (the access line of a health check) skips the chain.
        processors=[structlog.stdlib.filter_by_level, *shared,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our access line replaces it
    logging.getLogger("httpx").setLevel(logging.WARNING)

"""Structured logging, configured once, for structlog and the standard library.

Every line carries the request id bound in context variables; JSON when not
on a terminal (or ``LOG_FORMAT=json``). Values under secret-looking keys are
replaced, and anything that looks like a bearer token, a JWT, a password in a
URL, an ``api_key`` parameter, an IPTV feed token (``ktvf_...``) or the token
segment of an ``/iptv/<token>/...`` path is masked wherever it appears, so a
careless ``log.info(...)`` cannot leak one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, MutableMapping
from types import FrameType
from typing import Any, TextIO

import msgspec
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
    (re.compile(r"ktvf_[A-Za-z0-9_-]+"), "ktvf_[redacted]", "ktvf_"),
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


#: key -> whether it names a secret; the keys of log calls are a small set.
_SECRET_KEY_CACHE: dict[str, bool] = {}


def _is_secret_key(key: str) -> bool:
    secret = _SECRET_KEY_CACHE.get(key)
    if secret is None:
        secret = key != "event" and _SECRET_KEYS.search(key) is not None
        if len(_SECRET_KEY_CACHE) < 4096:
            _SECRET_KEY_CACHE[key] = secret
    return secret


def _redact_event(_logger: Any, _name: str,
                  event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if _is_secret_key(key) and value and not isinstance(value, bool):
            event[key] = "[redacted]"
        else:
            event[key] = _redact(value)
    return event


_second = -1
_second_text = ""


def _add_timestamp(_logger: Any, _name: str,
                   event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """``timestamp``: ISO 8601 in UTC with microseconds, ``2026-11-21T06:23:32.962514Z``.

    structlog's ``TimeStamper`` builds a ``datetime`` per line (~2 us); the
    date and time of the current second are formatted once."""
    global _second, _second_text
    now = time.time()
    second = int(now)
    if second != _second:
        _second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second = second
    event["timestamp"] = f"{_second_text}.{int((now - second) * 1e6):06d}Z"
    return event


def _add_logger_name(logger: Any, _name: str,
                     event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    record = event.get("_record")
    event["logger"] = record.name if record is not None else logger.name
    return event


_ENCODER = msgspec.json.Encoder(enc_hook=repr)


def _render_json(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> bytes:
    try:
        return _ENCODER.encode(event)
    except (msgspec.EncodeError, TypeError, ValueError, OverflowError):
        # Keys msgspec cannot encode (a tuple), integers over 64 bits: the slow path.
        return json.dumps(event, default=repr).encode()


def _render_json_text(logger: Any, name: str, event: MutableMapping[str, Any]) -> str:
    return _render_json(logger, name, event).decode()


def _writer(stream: TextIO) -> Callable[[bytes], None]:
    """One ``write`` syscall per line straight to ``stream``'s file descriptor.

    No buffer between the line and the descriptor, so a line is visible at
    once and lines from both paths (structlog's and the standard library's)
    keep their order. A stream without a descriptor (pytest's ``capsys``)
    gets text writes."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        def write_text(data: bytes) -> None:
            stream.write(data.decode())
            stream.flush()
        return write_text
    stream.flush()  # whatever the text layer holds goes first

    def write(data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    return write


class _LineLogger:
    """The logger under structlog's bound loggers: writes each rendered line."""

    __slots__ = ("_write", "name")

    def __init__(self, name: str, write: Callable[[bytes], None]) -> None:
        self.name = name
        self._write = write

    def msg(self, line: str | bytes) -> None:
        self._write((line.encode() if isinstance(line, str) else line) + b"\n")

    log = debug = info = warn = warning = error = err = critical = exception = fatal = msg


def _caller_module() -> str:
    """The first module outside structlog and this one (``structlog.get_logger()``)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if not (module == __name__ or module.startswith("structlog")):
            return module
        frame = frame.f_back
    return "root"


class _StdlibHandler(logging.Handler):
    """Formats a standard-library record and writes it like a structlog line."""

    def __init__(self, write: Callable[[bytes], None]) -> None:
        super().__init__()
        self._write = write

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._write((self.format(record) + "\n").encode(errors="backslashreplace"))
        except Exception:
            self.handleError(record)


def configure_logging(level: str = "info", fmt: str = "auto") -> None:
    """One pipeline for structlog and the standard library (uvicorn, sqlalchemy, httpx).

    structlog's own loggers skip the standard library: a level-filtering bound
    logger (a call below the level returns at once) runs the processors and
    writes the rendered line itself. Standard-library records go through a
    handler whose ``ProcessorFormatter`` runs the same processors, so every
    line has the same fields and shape."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    json_lines = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        (structlog.processors.format_exc_info if json_lines
         else structlog.processors.StackInfoRenderer()),
        _redact_event,
        # Fields made here, not by the caller: nothing to redact in them.
        structlog.processors.add_log_level,
        _add_logger_name,
        _add_timestamp,
    ]
    console = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    write = _writer(sys.stderr)

    def line_logger(*args: Any) -> _LineLogger:
        return _LineLogger(str(args[0]) if args and args[0] else _caller_module(), write)

    structlog.configure(
        processors=[*shared, _render_json if json_lines else console],
        logger_factory=line_logger,
        wrapper_class=structlog.make_filtering_bound_logger(root.getEffectiveLevel()),
        cache_logger_on_first_use=True,
    )
    handler = _StdlibHandler(write)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    _render_json_text if json_lines else console]))
    root.handlers[:] = [handler]
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our access line replaces it
    logging.getLogger("httpx").setLevel(logging.WARNING)

"""Settings: every variable of docs/api.md, read from the environment and ``.env``.

All problems are collected and reported together, one line each, at start-up
(:class:`SettingsError`); nothing is read later. Secrets never appear in
``repr`` or in logs.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from dotenv import dotenv_values

from ktv_localmedia import SHORT_MAX_SECS
from ktv_sql import DatabaseUrlError, parse_database_url

__all__ = ["DEV_COOKIE_SECRET", "DEV_JWT_SECRET", "Settings", "SettingsError", "load_settings"]

#: Insecure development defaults; ``PRODUCTION=true`` refuses them.
DEV_JWT_SECRET = "k-tv-insecure-development-jwt-secret-change-me"
DEV_COOKIE_SECRET = "k-tv-insecure-development-cookie-secret-change-me-" + "0" * 16
MIN_JWT_SECRET = 32
MIN_COOKIE_SECRET = 64
#: A secret with fewer distinct characters than this is a placeholder ("x" * 64).
MIN_DISTINCT_SECRET_CHARS = 8

LogFormat = Literal["auto", "json", "console"]
StreamProfileName = Literal["transcode", "copy"]
T = TypeVar("T")


class SettingsError(Exception):
    """Invalid configuration: ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


def _secret(default: str = "") -> str:
    return field(default=default, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 3000
    database_url: str = field(default="sqlite:data.db?mode=rwc", repr=False)
    db_max_connections: int = 5
    db_min_connections: int = 1
    jwt_secret: str = _secret(DEV_JWT_SECRET)
    jwt_expiry_hours: int = 24
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    cookie_secret: str = _secret(DEV_COOKIE_SECRET)
    secure_cookie: bool = False
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = _secret(None)  # type: ignore[arg-type]
    oidc_redirect_url: str | None = None
    oidc_resource_id: str | None = None
    oidc_post_login_redirect: str | None = None
    jellyfin_base_url: str | None = None
    jellyfin_api_key: str | None = _secret(None)  # type: ignore[arg-type]
    jellyfin_user_id: str | None = None
    media_dirs: tuple[str, ...] = ()
    allow_registration: bool = True
    public_base_url: str | None = None
    #: Proxies whose X-Forwarded-For/-Proto/-Host are believed (IPs, networks, ``*``).
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1",)
    schedule_horizon_hours: int = 48
    #: Local files at most this long (seconds) without episode naming are shorts.
    short_max_secs: float = SHORT_MAX_SECS
    #: Minutes between background rescans of MEDIA_DIRS; 0: only at start-up and on demand.
    library_scan_interval_mins: int = 60
    #: The keeper keeps every enabled channel scheduled this many days ahead (the guide).
    guide_days: int = 7
    #: XMLTV: one "Off air" programme per gap between blocks instead of nothing.
    guide_fill_gaps: bool = False
    #: Tuners the emulated HDHomeRun announces; None: as many as STREAM_MAX_SESSIONS.
    hdhr_tuner_count: int | None = None
    ffmpeg_path: str | None = None
    #: Channel streams: how they are made, their picture height, when an unwatched
    #: pipeline stops, how many run at once (docs/streaming.md).
    stream_profile: StreamProfileName = "transcode"
    stream_height: int = 720
    stream_idle_secs: int = 15
    stream_max_sessions: int = 4
    stream_hls_window_secs: int = 180
    cors_allowed_origins: tuple[str, ...] = ("http://localhost:5173",)
    production: bool = False
    log_level: str = "info"
    log_format: LogFormat = "auto"
    auth_rate_limit_per_minute: int = 10

    @property
    def media_source(self) -> str | None:
        """Which media source is configured: ``jellyfin``, ``local`` or None."""
        if self.jellyfin_base_url and self.jellyfin_api_key:
            return "jellyfin"
        if self.media_dirs:
            return "local"
        return None

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    def redacted(self) -> dict[str, object]:
        """Every setting for a start-up log line, secrets and DSN passwords hidden."""
        from ktv_sql import redact_url

        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "database_url":
                value = redact_url(value)
            elif not f.repr:
                value = "[set]" if value else "[unset]"
            out[f.name] = value
        return out


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_LEVELS = {"debug", "info", "warning", "error", "critical"}


class _Reader:
    """Reads typed values from the merged environment, collecting problems."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []
        self.values: dict[str, object] = {}

    def raw(self, name: str) -> str | None:
        value = self.env.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def text(self, name: str) -> None:
        value = self.raw(name)
        if value is not None:
            self.values[name.lower()] = value

    def parsed(self, name: str, parse: Callable[[str], T], expected: str) -> None:
        value = self.raw(name)
        if value is None:
            return
        try:
            self.values[name.lower()] = parse(value)
        except ValueError:
            self.problems.append(f"{name}={value!r} is not valid: expected {expected}")

    def integer(self, name: str, low: int, high: int) -> None:
        def parse(v: str) -> int:
            n = int(v)
            if not low <= n <= high:
                raise ValueError
            return n
        self.parsed(name, parse, f"a whole number from {low} to {high}")

    def boolean(self, name: str) -> None:
        def parse(v: str) -> bool:
            if v.lower() in _TRUE:
                return True
            if v.lower() in _FALSE:
                return False
            raise ValueError
        self.parsed(name, parse, "true or false")

    def url(self, name: str) -> None:
        def parse(v: str) -> str:
            parts = urlsplit(v)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError
            return v.rstrip("/")
        self.parsed(name, parse, "an http(s) URL")

    def listing(self, name: str, separators: str = ",") -> None:
        value = self.raw(name)
        if value is None:
            return
        for sep in separators[1:]:
            value = value.replace(sep, separators[0])
        self.values[name.lower()] = tuple(
            p.strip() for p in value.split(separators[0]) if p.strip())


def load_settings(environ: Mapping[str, str] | None = None,
                  env_file: str | Path | None = ".env") -> Settings:
    """Settings from ``environ`` (default: the process environment) over ``env_file``."""
    merged: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    r = _Reader(merged)
    r.text("HOST")
    r.integer("PORT", 0, 65535)
    r.text("DATABASE_URL")
    r.integer("DB_MAX_CONNECTIONS", 1, 1000)
    r.integer("DB_MIN_CONNECTIONS", 0, 1000)
    for name in ("JWT_SECRET", "JWT_ISSUER", "JWT_AUDIENCE", "COOKIE_SECRET", "OIDC_CLIENT_ID",
                 "OIDC_CLIENT_SECRET", "OIDC_RESOURCE_ID", "JELLYFIN_API_KEY",
                 "JELLYFIN_USER_ID", "FFMPEG_PATH"):
        r.text(name)
    r.integer("JWT_EXPIRY_HOURS", 1, 24 * 365)
    r.boolean("SECURE_COOKIE")
    for name in ("OIDC_ISSUER", "OIDC_REDIRECT_URL", "OIDC_POST_LOGIN_REDIRECT",
                 "JELLYFIN_BASE_URL", "PUBLIC_BASE_URL"):
        r.url(name)
    r.listing("MEDIA_DIRS", "," + os.pathsep)
    r.boolean("ALLOW_REGISTRATION")
    r.integer("SCHEDULE_HORIZON_HOURS", 1, 24 * 14)
    r.parsed("SHORT_MAX_SECS", _seconds, "a number of seconds from 0 to 86400")
    r.integer("LIBRARY_SCAN_INTERVAL_MINS", 0, 7 * 24 * 60)
    r.integer("GUIDE_DAYS", 1, 14)
    r.boolean("GUIDE_FILL_GAPS")
    r.integer("HDHR_TUNER_COUNT", 1, 64)
    r.parsed("FORWARDED_ALLOW_IPS", _trusted_proxies,
             "a comma-separated list of IP addresses, networks (10.0.0.0/8) or *")
    r.listing("CORS_ALLOWED_ORIGINS")
    r.boolean("PRODUCTION")
    r.parsed("LOG_LEVEL", _log_level, "one of " + ", ".join(sorted(_LEVELS)))
    r.parsed("LOG_FORMAT", _log_format, "auto, json or console")
    r.integer("AUTH_RATE_LIMIT_PER_MINUTE", 1, 100_000)
    r.parsed("STREAM_PROFILE", _stream_profile, "transcode or copy")
    r.integer("STREAM_HEIGHT", 144, 2160)
    r.integer("STREAM_IDLE_SECS", 1, 3600)
    r.integer("STREAM_MAX_SESSIONS", 1, 256)
    r.integer("STREAM_HLS_WINDOW_SECS", 6, 3600)
    settings = Settings(**r.values)  # type: ignore[arg-type]
    problems = r.problems + _consistency(settings)
    if problems:
        raise SettingsError(problems)
    return settings


def _seconds(value: str) -> float:
    secs = float(value)
    if not 0 <= secs <= 86_400:  # also refuses nan
        raise ValueError
    return secs
def _trusted_proxies(value: str) -> tuple[str, ...]:
    entries = tuple(p.strip() for p in value.split(",") if p.strip())
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            # A literal peer name (a unix socket path, the test client's "testclient").
            if not re.fullmatch(r"[A-Za-z0-9_./:-]{1,255}", entry):
                raise
    return entries


def _log_level(value: str) -> str:
    if value.lower() not in _LEVELS:
        raise ValueError
    return value.lower()


def _stream_profile(value: str) -> StreamProfileName:
    lowered = value.lower()
    if lowered == "transcode":
        return "transcode"
    if lowered == "copy":
        return "copy"
    raise ValueError


def _log_format(value: str) -> LogFormat:
    lowered = value.lower()
    if lowered == "json":
        return "json"
    if lowered == "console":
        return "console"
    if lowered == "auto":
        return "auto"
    raise ValueError


def _consistency(s: Settings) -> list[str]:
    problems: list[str] = []
    try:
        parse_database_url(s.database_url)
    except DatabaseUrlError as exc:
        problems.append(f"DATABASE_URL is not valid: {exc}")
    if s.db_min_connections > s.db_max_connections:
        problems.append("DB_MIN_CONNECTIONS must not exceed DB_MAX_CONNECTIONS")
    for origin in s.cors_allowed_origins:
        parts = urlsplit(origin)
        if origin == "*":
            problems.append("CORS_ALLOWED_ORIGINS must list exact origins; '*' (any site) "
                            "is not allowed")
        elif (parts.scheme not in ("http", "https") or not parts.netloc
                or parts.path not in ("", "/") or parts.query or parts.fragment):
            problems.append(f"CORS_ALLOWED_ORIGINS entry {origin!r} is not an origin "
                            "like https://tv.example.com")
    if s.jellyfin_user_id and not re.fullmatch(r"[0-9a-fA-F]{32}",
                                               s.jellyfin_user_id.replace("-", "")):
        problems.append("JELLYFIN_USER_ID must be a Jellyfin user id (32 hex digits)")
    if bool(s.jellyfin_base_url) != bool(s.jellyfin_api_key):
        problems.append("JELLYFIN_BASE_URL and JELLYFIN_API_KEY must be set together")
    if s.oidc_issuer:
        if not s.oidc_client_id:
            problems.append("OIDC_ISSUER is set but OIDC_CLIENT_ID is missing (the client id "
                            "registered at the identity provider)")
        if not s.oidc_redirect_url:
            problems.append("OIDC_ISSUER is set but OIDC_REDIRECT_URL is missing (e.g. "
                            "https://tv.example.com/api/v1/auth/callback)")
    else:
        stray = [name.upper() for name in ("oidc_client_id", "oidc_client_secret",
                                           "oidc_redirect_url", "oidc_resource_id",
                                           "oidc_post_login_redirect") if getattr(s, name)]
        if stray:
            problems.append(f"{', '.join(stray)} set but OIDC_ISSUER is missing "
                            "(single sign-on needs the provider's issuer URL)")
    if s.production:
        problems.extend(_production(s))
    return problems


def _production(s: Settings) -> list[str]:
    problems: list[str] = []
    if s.jwt_secret == DEV_JWT_SECRET:
        problems.append("PRODUCTION=true: JWT_SECRET is missing (the insecure development "
                        "default is refused)")
    elif len(s.jwt_secret) < MIN_JWT_SECRET:
        problems.append(f"PRODUCTION=true: JWT_SECRET is too short "
                        f"({len(s.jwt_secret)} characters, at least {MIN_JWT_SECRET})")
    elif len(set(s.jwt_secret)) < MIN_DISTINCT_SECRET_CHARS:
        problems.append(_PLACEHOLDER.format("JWT_SECRET"))
    if s.cookie_secret == DEV_COOKIE_SECRET:
        problems.append("PRODUCTION=true: COOKIE_SECRET is missing (the insecure development "
                        "default is refused)")
    elif len(s.cookie_secret) < MIN_COOKIE_SECRET:
        problems.append(f"PRODUCTION=true: COOKIE_SECRET is too short "
                        f"({len(s.cookie_secret)} characters, at least {MIN_COOKIE_SECRET})")
    elif len(set(s.cookie_secret)) < MIN_DISTINCT_SECRET_CHARS:
        problems.append(_PLACEHOLDER.format("COOKIE_SECRET"))
    if s.jwt_secret == s.cookie_secret:
        problems.append("PRODUCTION=true: JWT_SECRET and COOKIE_SECRET must differ")
    if not s.secure_cookie:
        https = [name for name, url in (("PUBLIC_BASE_URL", s.public_base_url),
                                        ("OIDC_REDIRECT_URL", s.oidc_redirect_url))
                 if url is not None and urlsplit(url).scheme == "https"]
        if https:
            problems.append(f"PRODUCTION=true: SECURE_COOKIE=true is required when "
                            f"{' and '.join(https)} {'use' if len(https) > 1 else 'uses'} "
                            "https (else cookies also travel over plain HTTP and HSTS is "
                            "not sent)")
    return problems


_PLACEHOLDER = ("PRODUCTION=true: {} looks like a placeholder (fewer than "
                f"{MIN_DISTINCT_SECRET_CHARS} distinct characters); generate one, "
                "e.g. `openssl rand -base64 48`")

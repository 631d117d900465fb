"""Settings: defaults, parsing, one problem line each, production secret checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ktv_api.settings import DEV_JWT_SECRET, Settings, SettingsError, load_settings


def test_defaults_match_the_documented_ones() -> None:
    s = load_settings({}, env_file=None)
    assert (s.host, s.port, s.database_url) == ("127.0.0.1", 3000, "sqlite:data.db?mode=rwc")
    assert (s.db_max_connections, s.db_min_connections, s.jwt_expiry_hours) == (5, 1, 24)
    assert s.cors_allowed_origins == ("http://localhost:5173",)
    assert s.allow_registration
    assert not s.production
    assert s.schedule_horizon_hours == 48
    assert s.media_source is None
    assert not s.oidc_enabled
    assert (s.short_max_secs, s.library_scan_interval_mins) == (600.0, 60)


def test_library_settings() -> None:
    s = load_settings({"SHORT_MAX_SECS": "90.5", "LIBRARY_SCAN_INTERVAL_MINS": "0"},
                      env_file=None)
    assert (s.short_max_secs, s.library_scan_interval_mins) == (90.5, 0)
    with pytest.raises(SettingsError) as exc:
        load_settings({"SHORT_MAX_SECS": "nan", "LIBRARY_SCAN_INTERVAL_MINS": "-1"},
                      env_file=None)
    assert exc.value.problems == [
        "SHORT_MAX_SECS='nan' is not valid: expected a number of seconds from 0 to 86400",
        "LIBRARY_SCAN_INTERVAL_MINS='-1' is not valid: expected a whole number from 0 to "
        "10080"]


def test_values_are_parsed() -> None:
    s = load_settings({
        "PORT": "8080", "ALLOW_REGISTRATION": "false", "MEDIA_DIRS": "/a, /b:/c",
        "CORS_ALLOWED_ORIGINS": "https://tv.example.com, http://localhost:5173",
        "JELLYFIN_BASE_URL": "http://jf:8096/", "JELLYFIN_API_KEY": "k", "LOG_FORMAT": "JSON",
        "SCHEDULE_HORIZON_HOURS": "72", "JWT_ISSUER": " k-tv ",
    }, env_file=None)
    assert s.port == 8080
    assert s.allow_registration is False
    assert s.media_dirs == ("/a", "/b", "/c")
    assert s.cors_allowed_origins == ("https://tv.example.com", "http://localhost:5173")
    assert s.jellyfin_base_url == "http://jf:8096"
    assert s.media_source == "jellyfin"
    assert s.log_format == "json"
    assert s.schedule_horizon_hours == 72
    assert s.jwt_issuer == "k-tv"


def test_every_problem_is_reported_at_once_one_line_each() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"PORT": "abc", "DB_MAX_CONNECTIONS": "0", "SECURE_COOKIE": "maybe",
                       "DATABASE_URL": "mysql://x/y", "CORS_ALLOWED_ORIGINS": "*",
                       "JELLYFIN_BASE_URL": "http://jf:8096", "LOG_LEVEL": "loud",
                       "JELLYFIN_USER_ID": "not-an-id"},
                      env_file=None)
    problems = info.value.problems
    for name in ("PORT", "DB_MAX_CONNECTIONS", "SECURE_COOKIE", "DATABASE_URL",
                 "CORS_ALLOWED_ORIGINS", "JELLYFIN_API_KEY", "JELLYFIN_USER_ID", "LOG_LEVEL"):
        assert sum(name in p for p in problems) >= 1, (name, problems)
    assert all("\n" not in p for p in problems)


def test_production_refuses_missing_default_and_short_secrets() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"PRODUCTION": "true"}, env_file=None)
    text = "\n".join(info.value.problems)
    assert "JWT_SECRET is missing" in text
    assert "COOKIE_SECRET is missing" in text
    with pytest.raises(SettingsError) as info:
        load_settings({"PRODUCTION": "true", "JWT_SECRET": "s" * 31,
                       "COOKIE_SECRET": "c" * 63}, env_file=None)
    text = "\n".join(info.value.problems)
    assert "JWT_SECRET is too short (31 characters, at least 32)" in text
    assert "COOKIE_SECRET is too short (63 characters, at least 64)" in text
    ok = load_settings({"PRODUCTION": "true", "JWT_SECRET": "0123456789abcdef" * 2,
                        "COOKIE_SECRET": "fedcba9876543210" * 4}, env_file=None)
    assert ok.production


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("PORT=4000\nHOST=0.0.0.0\n# comment\nJWT_SECRET=from-file\n")
    s = load_settings({"PORT": "5000"}, env_file=env)
    assert (s.port, s.host, s.jwt_secret) == (5000, "0.0.0.0", "from-file")


def test_secrets_stay_out_of_repr_and_the_redacted_view() -> None:
    s = Settings(jwt_secret="super-secret-jwt-value", jellyfin_api_key="jf-key-123",
                 database_url="postgresql://ktv:hunter2@db/ktv")
    for text in (repr(s), str(s.redacted())):
        assert "super-secret-jwt-value" not in text
        assert "jf-key-123" not in text
        assert "hunter2" not in text
    assert s.redacted()["jwt_secret"] == "[set]"
    assert Settings().jwt_secret == DEV_JWT_SECRET


def test_oidc_settings_are_checked_one_line_per_problem() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"OIDC_ISSUER": "https://idp.example.com"}, env_file=None)
    problems = info.value.problems
    assert any("OIDC_CLIENT_ID is missing" in p for p in problems)
    assert any("OIDC_REDIRECT_URL is missing" in p for p in problems)
    assert len(problems) == 2
    with pytest.raises(SettingsError) as info:
        load_settings({"OIDC_CLIENT_ID": "k-tv", "OIDC_CLIENT_SECRET": "s"}, env_file=None)
    assert info.value.problems == [
        "OIDC_CLIENT_ID, OIDC_CLIENT_SECRET set but OIDC_ISSUER is missing (single sign-on "
        "needs the provider's issuer URL)"]
    with pytest.raises(SettingsError) as info:
        load_settings({"OIDC_ISSUER": "idp.example.com", "OIDC_CLIENT_ID": "k-tv",
                       "OIDC_REDIRECT_URL": "https://tv.example.com/api/v1/auth/callback"},
                      env_file=None)
    assert any(p.startswith("OIDC_ISSUER=") for p in info.value.problems)
    ok = load_settings({"OIDC_ISSUER": "https://idp.example.com/realms/home/",
                        "OIDC_CLIENT_ID": "k-tv", "OIDC_CLIENT_SECRET": "shh",
                        "OIDC_REDIRECT_URL": "https://tv.example.com/api/v1/auth/callback"},
                       env_file=None)
    assert ok.oidc_enabled
    assert "shh" not in repr(ok)
    assert ok.redacted()["oidc_client_secret"] == "[set]"

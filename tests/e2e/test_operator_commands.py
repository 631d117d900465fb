"""``ktv user ...`` and ``ktv backup`` end to end, on SQLite and on PostgreSQL.

The commands run through ``ktv_api.cli.main`` (what the ``ktv`` script calls)
against a real database; their effect is checked through a real app on the
same database, as a user of a running server would see it.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from fakes import FakeMonotonic
from integration.pg import postgres_server
from ktv_api import Overrides, create_app, load_settings
from ktv_api.cli import main
from ktv_auth import Argon2PasswordHasher

from .process import clean_env, ktv_command

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
COMMANDS = [["user"], ["user", "list"], ["user", "create"], ["user", "set-password"],
            ["user", "promote"], ["user", "demote"], ["user", "delete"], ["backup"]]


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database; ``DATABASE_URL`` set for the commands."""
    if request.param == "sqlite":
        url = f"sqlite:{tmp_path / 'ktv.db'}?mode=rwc"
        monkeypatch.setenv("DATABASE_URL", url)
        yield url
        return
    with postgres_server() as server, server.database() as url:
        monkeypatch.setenv("DATABASE_URL", url)
        yield url


def ktv(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
        stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    capsys.readouterr()  # what a running app logged before: not the command's output
    code = main(["--env-file", "/dev/null", *args])
    out, err = capsys.readouterr()
    return code, out, err


def app_on(url: str, monotonic: FakeMonotonic | None = None) -> Any:
    settings = load_settings({"DATABASE_URL": url, "LOG_LEVEL": "warning",
                              "AUTH_RATE_LIMIT_PER_MINUTE": "1000"}, env_file=None)
    return create_app(settings, keeper=False, overrides=Overrides(
        hasher=Argon2PasswordHasher.fast_for_tests(), monotonic=monotonic))


def login(client: Any, email: str, password: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: ktv {' '.join(command)}")
    assert len(out.splitlines()) > 4


def test_user_commands(database_url: str, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = ktv(capsys, monkeypatch, "user", "list")
    assert (code, out.split()) == (0, ["EMAIL", "ADMIN", "SIGN-IN", "CREATED"])
    assert ktv(capsys, monkeypatch, "user", "create", "Ann@Example.com",
               stdin="first-password\n")[:2] == (0, "created ann@example.com (admin)\n")
    assert ktv(capsys, monkeypatch, "user", "create", "bob@example.com",
               stdin="second-password\n")[:2] == (0, "created bob@example.com\n")
    assert ktv(capsys, monkeypatch, "user", "create", "cy@example.com", "--admin",
               stdin="third-password\n")[:2] == (0, "created cy@example.com (admin)\n")
    code, _, err = ktv(capsys, monkeypatch, "user", "create", "bob@example.com",
                       stdin="another-password\n")
    assert (code, err) == (1, "ktv: an account with this email already exists\n")
    code, _, err = ktv(capsys, monkeypatch, "user", "create", "dee@example.com", stdin="short\n")
    assert (code, err) == (1, "ktv: password: must be 8..1024 characters\n")
    code, _, err = ktv(capsys, monkeypatch, "user", "create", "dee@example.com")
    assert (code, err) == (2, "ktv: no password on standard input\n")

    assert ktv(capsys, monkeypatch, "user", "promote", "BOB@example.com")[0] == 0
    assert ktv(capsys, monkeypatch, "user", "demote", "ann@example.com")[0] == 0
    assert ktv(capsys, monkeypatch, "user", "set-password", "bob@example.com",
               stdin="brand-new-password\n")[0] == 0
    code, _, err = ktv(capsys, monkeypatch, "user", "promote", "nobody@example.com")
    assert (code, err) == (1, "ktv: no account with the email nobody@example.com\n")
    rows = [line.split() for line in ktv(capsys, monkeypatch, "user", "list")[1].splitlines()]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("ann@example.com", "no", "password"), ("bob@example.com", "yes", "password"),
        ("cy@example.com", "yes", "password")]

    with TestClient(app_on(database_url)) as client:
        bob = login(client, "bob@example.com", "brand-new-password")
        assert client.get("/api/v1/auth/me", headers=bob).json()["is_admin"] is True
        r = client.post("/api/v1/auth/login", json={"email": "bob@example.com",
                                                    "password": "second-password"})
        assert r.status_code == 401


def test_deleting_a_user_cascades_and_running_servers_refuse_its_tokens_within_seconds(
        database_url: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    ktv(capsys, monkeypatch, "user", "create", "ann@example.com", stdin="first-password\n")
    ktv(capsys, monkeypatch, "user", "create", "bob@example.com", stdin="second-password\n")
    seconds = FakeMonotonic()
    with TestClient(app_on(database_url, seconds)) as client:
        ann = login(client, "ann@example.com", "first-password")
        bob = login(client, "bob@example.com", "second-password")
        cid = client.post("/api/v1/channels", json={"name": "Ann's"}, headers=ann).json()["id"]
        assert client.post("/api/v1/auth/feed-token", headers=ann).status_code == 201
        assert client.get("/api/v1/auth/me", headers=ann).status_code == 200  # now cached

        assert ktv(capsys, monkeypatch, "user", "delete", "ann@example.com")[:2] == (
            0, "deleted ann@example.com and everything it owned\n")
        seconds.t += 10.0  # the server's user cache lives 10 s
        assert client.get("/api/v1/auth/me", headers=ann).status_code == 401
        assert client.get(f"/api/v1/channels/{cid}", headers=ann).status_code == 401
        assert client.get(f"/api/v1/channels/{cid}", headers=bob).status_code == 404
        assert client.get("/api/v1/auth/me", headers=bob).status_code == 200
    rows = ktv(capsys, monkeypatch, "user", "list")[1].splitlines()
    assert [r.split()[0] for r in rows[1:]] == ["bob@example.com"]
    code, _, err = ktv(capsys, monkeypatch, "user", "delete", "ann@example.com")
    assert (code, err) == (1, "ktv: no account with the email ann@example.com\n")


def test_backup(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "backup" / "ktv-backup.db"
    target.parent.mkdir()
    if database_url.startswith("postgresql"):
        code, _, err = ktv(capsys, monkeypatch, "backup", str(target))
        assert code == 2
        assert "pg_dump" in err
        assert "docs/operations.md" in err
        assert not target.exists()
        return
    ktv(capsys, monkeypatch, "user", "create", "ann@example.com", stdin="first-password\n")
    with TestClient(app_on(database_url)) as client:  # the server runs during the backup
        ann = login(client, "ann@example.com", "first-password")
        cid = client.post("/api/v1/channels", json={"name": "Kept"}, headers=ann).json()["id"]
        code, out, _ = ktv(capsys, monkeypatch, "backup", str(target))
        assert code == 0, out
        assert out.startswith(f"backed up to {target} (")
        client.post("/api/v1/channels", json={"name": "After the backup"}, headers=ann)
    assert [p.name for p in target.parent.iterdir()] == ["ktv-backup.db"]  # no leftovers
    code, _, err = ktv(capsys, monkeypatch, "backup", str(target))
    assert (code, err) == (1, f"ktv: {target} exists: back up to a new file\n")

    # The backup restores to a working server: the account and the channel of that moment.
    with TestClient(app_on(f"sqlite:{target}?mode=rw")) as client:
        ann = login(client, "ann@example.com", "first-password")
        channels = client.get("/api/v1/channels", headers=ann).json()
        assert [ch["id"] for ch in channels] == [cid]
        assert client.post(f"/api/v1/channels/{cid}/schedule", headers=ann).status_code == 503


def test_the_installed_script_reads_the_password_from_a_pipe(tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=f"sqlite:{tmp_path / 'ktv.db'}?mode=rwc")
    done = subprocess.run(ktv_command("user", "create", "pipe@example.com", "--admin"),
                          input="piped-password\n", capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, "created pipe@example.com (admin)\n"), \
        done.stderr
    done = subprocess.run(ktv_command("backup", str(tmp_path / "copy.db")), capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "copy.db").stat().st_size > 0

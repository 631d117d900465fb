"""The real ``ktv`` command as a subprocess: start ``ktv serve``, wait until it is live,
and stop it the way a user does (Ctrl-C), asserting a clean exit."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

#: Settings a developer's shell may carry that would change what the server does.
_SETTINGS = (
    "HOST", "PORT", "DATABASE_URL", "DB_MAX_CONNECTIONS", "DB_MIN_CONNECTIONS", "JWT_SECRET",
    "JWT_EXPIRY_HOURS", "JWT_ISSUER", "JWT_AUDIENCE", "COOKIE_SECRET", "SECURE_COOKIE",
    "MEDIA_DIRS", "ALLOW_REGISTRATION", "PUBLIC_BASE_URL", "SCHEDULE_HORIZON_HOURS",
    "FFMPEG_PATH", "CORS_ALLOWED_ORIGINS", "PRODUCTION", "LOG_LEVEL", "LOG_FORMAT",
    "AUTH_RATE_LIMIT_PER_MINUTE",
)
_PREFIXES = ("JELLYFIN_", "OIDC_", "KTV_")


def ktv_command(*args: str) -> list[str]:
    """``ktv <args>`` with the workspace's own interpreter (the installed script if present)."""
    script = Path(sys.executable).with_name("ktv")
    if script.is_file():
        return [str(script), *args]
    return [sys.executable, "-m", "ktv_api.cli", *args]


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without any K-TV settings, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items()
           if k not in _SETTINGS and not k.startswith(_PREFIXES)}
    env.update(overrides)
    return env


def run_ktv(args: Sequence[str], *, env: dict[str, str], cwd: Path,
            timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(ktv_command(*args), env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, check=False)


@dataclass
class KtvServer:
    """A running ``ktv serve``; its stderr goes to ``log_path``."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    env: dict[str, str]
    workdir: Path
    _log_file: IO[bytes] = field(repr=False)
    exit_code: int | None = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def describe(self) -> str:
        return f"ktv serve stderr ({self.log_path}):\n{self.log()}"

    def stop(self) -> int:
        """Ctrl-C, then wait; fails unless the process exits 0 within STOP_TIMEOUT."""
        if self.exit_code is not None:
            return self.exit_code
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.exit_code = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self._log_file.close()
            pytest.fail(f"ktv serve did not exit within {STOP_TIMEOUT} s of Ctrl-C\n"
                        + self.describe())
        self._log_file.close()
        assert self.exit_code == 0, (
            f"ktv serve exited with {self.exit_code} after Ctrl-C\n" + self.describe())
        return self.exit_code


#: uvicorn's start-up line, which names the port it bound (``--port 0``: the kernel's pick).
_LISTENING = re.compile(r"Uvicorn running on (http://[^\s]+) \(Press CTRL\+C")


def start_server(workdir: Path, **env_overrides: str) -> KtvServer:
    """Start ``ktv serve --port 0`` in ``workdir`` (no .env there) and wait until
    /health/live is 200.

    The server binds a port of the kernel's choosing and reports it in its start-up
    log line, so no port is picked here and released for another process to take.
    """
    env = clean_env(DATABASE_URL=f"sqlite:{workdir / 'ktv.db'}", HOST="127.0.0.1",
                    LOG_FORMAT="json", LOG_LEVEL="info", **env_overrides)
    if env["LOG_LEVEL"] not in ("debug", "info"):
        raise ValueError("start_server reads the port from an info log line")
    log_path = workdir / "ktv-serve.stderr.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(ktv_command("serve", "--port", "0"), cwd=workdir,
                               env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=log_file)
    server = KtvServer(process=process, base_url="", log_path=log_path, env=env,
                       workdir=workdir, _log_file=log_file)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        code = process.poll()
        if code is not None:
            log_file.close()
            pytest.fail(f"ktv serve exited with {code} before it was live\n"
                        + server.describe())
        if not server.base_url:
            listening = _LISTENING.search(server.log())
            if listening:
                server.base_url = listening.group(1)
        if server.base_url:
            try:
                live = httpx.get(f"{server.base_url}/api/v1/health/live", timeout=1.0,
                                 trust_env=False)
                if live.status_code == 200:
                    return server
            except httpx.TransportError:
                pass
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            log_file.close()
            pytest.fail(f"ktv serve was not live within {START_TIMEOUT} s\n"
                        + server.describe())
        time.sleep(0.05)

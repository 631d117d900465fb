"""ffmpeg child processes: start, read MPEG-TS from stdout, log stderr, stop.

A source's secret (a media server's API key travels in an ``-headers``
argument) never reaches a log line: the command is logged with every header
value masked, and stderr lines are scrubbed of the given secrets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence

from .errors import StreamingError

__all__ = ["FfmpegProcess", "redact_command", "run_to_end"]

_log = logging.getLogger("ktv.streaming.ffmpeg")
_READ_SIZE = 64 * 1024


def redact_command(args: Sequence[str]) -> list[str]:
    """The command with ``-headers`` values masked (for logs)."""
    out = list(args)
    for i, arg in enumerate(out[:-1]):
        if arg == "-headers":
            out[i + 1] = "<redacted>"
    return out


def _scrub(line: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            line = line.replace(secret, "<redacted>")
    return line


class FfmpegProcess:
    """One running ffmpeg whose stdout is an MPEG-TS stream."""

    def __init__(self, proc: asyncio.subprocess.Process, label: str,
                 secrets: Sequence[str], context: dict[str, str]) -> None:
        self._proc = proc
        self.label = label
        self._secrets = tuple(secrets)
        self._context = context
        self.stderr_tail: deque[str] = deque(maxlen=8)
        self._stderr_task = asyncio.create_task(self._pump_stderr(), name=f"ffmpeg-stderr-{label}")

    @classmethod
    async def start(cls, args: Sequence[str], *, label: str, secrets: Sequence[str] = (),
                    context: dict[str, str] | None = None) -> FfmpegProcess:
        ctx = dict(context or {})
        _log.debug("ffmpeg start %s: %s", label, " ".join(redact_command(args)), extra=ctx)
        try:
            proc = await _spawn(args)
        except OSError as exc:
            raise StreamingError(f"cannot run ffmpeg: {exc.strerror or exc}") from exc
        return cls(proc, label, secrets, ctx)

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode

    async def read(self, size: int = _READ_SIZE) -> bytes:
        """The next bytes of stdout; empty at the end."""
        assert self._proc.stdout is not None
        try:
            return await self._proc.stdout.read(size)
        except (ConnectionResetError, BrokenPipeError):
            return b""

    async def wait(self) -> int:
        code = await self._proc.wait()
        await asyncio.wait([self._stderr_task])  # stderr ends with the process
        return code

    async def stop(self) -> None:
        """Kill it (it holds nothing worth a graceful end) and reap it."""
        if self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
        # Drain stdout to its end: asyncio (3.11) reports the exit only once every pipe
        # is closed, and a pipe paused with unread data never closes by itself.
        assert self._proc.stdout is not None
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            while await self._proc.stdout.read(_READ_SIZE):
                pass
        await self._proc.wait()
        self._stderr_task.cancel()
        # asyncio.wait, not await: the task's own cancellation must not swallow ours.
        await asyncio.wait([self._stderr_task])

    def failure(self) -> str:
        """A short reason from ffmpeg's last lines (secrets scrubbed)."""
        lines = [line for line in self.stderr_tail if line.strip()]
        return lines[-1][:300] if lines else f"ffmpeg exited with {self._proc.returncode}"

    async def _pump_stderr(self) -> None:
        assert self._proc.stderr is not None
        while True:
            raw = await self._proc.stderr.readline()
            if not raw:
                return
            line = _scrub(raw.decode("utf-8", "replace").rstrip(), self._secrets)
            if not line:
                continue
            self.stderr_tail.append(line)
            _log.warning("ffmpeg %s: %s", self.label, line, extra=self._context)


async def _spawn(args: Sequence[str]) -> asyncio.subprocess.Process:
    """Start ffmpeg; if the caller is cancelled meanwhile, the child is still reaped (a
    child never waited for outlives its event loop)."""
    spawning = asyncio.ensure_future(asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, start_new_session=True))
    try:
        return await asyncio.shield(spawning)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await _reap(await spawning)
        raise


async def _reap(proc: asyncio.subprocess.Process) -> None:
    """Kill and wait, draining the pipes (asyncio reports the exit once they close)."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    with contextlib.suppress(ConnectionResetError, BrokenPipeError):
        await proc.communicate()


async def run_to_end(args: Sequence[str], *, what: str, limit_secs: float = 60.0,
                     secrets: Sequence[str] = ()) -> bytes:
    """Run ffmpeg to completion and return its stdout (StreamingError on failure, its
    message scrubbed of ``secrets``)."""
    try:
        proc = await _spawn(args)
    except OSError as exc:
        raise StreamingError(f"cannot run ffmpeg: {exc.strerror or exc}") from exc
    try:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
        async with asyncio.timeout(limit_secs):
            out, err = await proc.communicate()
    except TimeoutError:
        await _reap(proc)
        raise StreamingError(f"ffmpeg took too long to make the {what}") from None
    except asyncio.CancelledError:
        await asyncio.shield(_reap(proc))
        raise
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise StreamingError(
            f"ffmpeg could not make the {what}: {_scrub(tail[0], secrets)[:200]}")
    return out

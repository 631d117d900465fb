"""``ktv demo`` from nothing (run: ``uv run python bench/bench_demo.py``).

The figure the demo's end-to-end test used to assert (the spec: on the air in under
a minute) lives here, where a slow shared machine makes a number, not a failure:

- first run in an empty folder: sample library made with ffmpeg, scanned, account,
  channels and schedules set up, until the summary is printed;
- second run in the same folder (everything reused), until the summary;
- the baseline beside them: a bare ``ktv serve`` over a fresh SQLite file until it
  reports its port, in the same run, and the ratio of each demo run to it.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECS = 60.0
_BIN = Path(sys.executable).parent


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "HOME", "LANG", "TZ", "PYTHONPATH", "FFMPEG_PATH")}
    env.update(extra)
    return env


def _timed(argv: list[str], cwd: Path, env: dict[str, str], *, until: str,
           stream: str) -> float:
    """Seconds from spawning ``argv`` until a line containing ``until`` appears on its
    ``stream`` (stdout or stderr); then Ctrl-C and wait for a clean exit."""
    out = subprocess.PIPE if stream == "stdout" else subprocess.DEVNULL
    err = subprocess.PIPE if stream == "stderr" else subprocess.DEVNULL
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                            stderr=err, text=True)
    pipe = proc.stdout if stream == "stdout" else proc.stderr
    assert pipe is not None
    try:
        for line in pipe:
            if until in line:
                return time.perf_counter() - started
        raise RuntimeError(f"{argv[1]} exited ({proc.wait()}) before printing {until!r}")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat everything this many times (fresh folders each time)")
    args = parser.parse_args()
    ktv = str(_BIN / "ktv")
    for n in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="ktv-bench-demo-") as tmp:
            root = Path(tmp)
            serve_dir = root / "serve"
            serve_dir.mkdir()
            (serve_dir / "no.env").write_text("")
            baseline = _timed(
                [ktv, "--env-file", str(serve_dir / "no.env"), "serve", "--host", "127.0.0.1",
                 "--port", "0"], serve_dir,
                _env(DATABASE_URL=f"sqlite:{serve_dir / 'ktv.db'}", LOG_LEVEL="info",
                     LOG_FORMAT="json", JWT_SECRET="bench-demo-jwt-secret-0123456789abcdef"),
                until="Uvicorn running on", stream="stderr")
            demo_env = _env(LOG_LEVEL="warning", LOG_FORMAT="json")
            argv = [ktv, "demo", "--port", "0"]
            first = _timed(argv, root, demo_env, until="Try it:", stream="stdout")
            again = _timed(argv, root, demo_env, until="Try it:", stream="stdout")
        print(f"round {n + 1}: ktv serve to live (baseline) {baseline:.2f} s")
        print(f"  ktv demo from nothing      {first:6.1f} s  ({first / baseline:.0f}x the "
              f"baseline; target <= {TARGET_SECS:.0f} s: "
              f"{'met' if first <= TARGET_SECS else 'MISSED'})")
        print(f"  ktv demo again (reused)    {again:6.1f} s  ({again / baseline:.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

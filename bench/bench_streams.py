"""Channel stream benchmarks against the real ``ktv serve`` process.

    uv run python bench/bench_streams.py            # everything (~6 min)
    uv run python bench/bench_streams.py --quick    # fewer rounds, shorter windows

Setup: a library of two 720p30 H.264/AAC clips (``testsrc2`` with moving
noise, ~3 Mb/s, so the encoder works as on real footage), a fresh SQLite
database, one user, channels playing the library all day (half of them
``copy``, half ``transcode`` at ``STREAM_HEIGHT=720``), each generated.
The server's clock is the real one: what is measured is what a viewer gets.

(a) Tune-in, cold (no session running for the channel): request to the first
    MPEG-TS byte and to the first decodable video frame (the received bytes
    demuxed and fed to an H.264 decoder as they arrive), ``copy`` and
    ``transcode``, beside bare ffmpeg started on the same file at the same
    offset with the same arguments (the baseline: what the fastest possible
    "spawn ffmpeg per viewer" server would give). Targets: first byte
    <= 300 ms and <= 1.5x bare ffmpeg; first frame <= 1 s. The same for HLS:
    an idle channel's first playlist request to its first segment downloaded
    (target <= 1 s).
(b) Sharing: one ``transcode`` channel watched by 1 viewer, then by 20
    viewers (CPU of the server and its ffmpeg over the same window; target
    20 viewers <= 1.2x one viewer), beside 20 separate bare ffmpeg processes
    doing the same work in real time (``-re``), as a per-viewer server would.
(c) Capacity: N channels each with one viewer, N rising, for ``transcode``
    and ``copy``: the largest N for which every viewer's picture stays ahead
    of the wall clock for the whole window (the received video timestamps are
    the guide's instants, so a viewer knows exactly how far ahead of "now" its
    buffer is; falling behind means the picture would stall).

Viewers run in another process, so their reading costs no server CPU.
A measurement, not a test: the exit code is 0 even when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import av
import httpx

from ktv_localmedia.sample import resolve_ffmpeg
from ktv_streaming import ProfileName, StreamProfile
from ktv_streaming.probe import probe
from ktv_streaming.ts import (
    PACKET_SIZE,
    parse_pat,
    parse_pmt,
    payload_offset,
    pes_timestamps,
    pid_of,
)

_BIN = Path(sys.executable).parent
_LISTENING = re.compile(r"Uvicorn running on (http://[^\s]+) \(Press CTRL\+C")
_TICK = os.sysconf("SC_CLK_TCK")
_WRAP = 1 << 33
PASSWORD = "bench-k-tv-streams-1"
CLIP_SECS = 120


def ffmpeg_exe() -> str:
    return resolve_ffmpeg()


# -- the library ----------------------------------------------------------------------------


def make_library(folder: Path) -> dict[str, Path]:
    """Two 720p30 clips with moving noise (~3 Mb/s H.264, AAC): title -> file. Clips
    already in ``folder`` are kept (``--library`` reuses them between runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for n, freq in ((1, 440), (2, 660)):
        path = folder / f"Bench {n}.mp4"
        out[f"Bench {n}"] = path
        if path.exists():
            continue
        subprocess.run([ffmpeg_exe(), "-v", "error", "-y",
                        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:d={CLIP_SECS}",
                        "-f", "lavfi", "-i",
                        f"sine=frequency={freq}:sample_rate=48000:d={CLIP_SECS}",
                        "-vf", "noise=alls=10:allf=t", "-c:v", "libx264", "-preset", "veryfast",
                        "-b:v", "3M", "-maxrate", "3M", "-bufsize", "6M", "-g", "60",
                        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
                        "-movflags", "+faststart", str(path)], check=True)
    return out


# -- the server -----------------------------------------------------------------------------


def tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid``, its reaped children and its live children (ffmpeg)."""
    def stat(p: int) -> list[str]:
        return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()

    fields = stat(pid)
    total = sum(int(fields[k]) for k in (11, 12, 13, 14))
    for child in children(pid):
        try:
            f = stat(child)
        except OSError:
            continue
        total += int(f[11]) + int(f[12])
    return total / _TICK


def children(pid: int) -> list[int]:
    """Every live child, whichever of the process's threads started it."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


class Server:
    """``ktv serve --port 0`` over a fresh SQLite file; the port read from its log."""

    def __init__(self, tmp: Path, library: Path, **env: str) -> None:
        self.log = tmp / "serve.log"
        base = {k: v for k, v in os.environ.items()
                if k in ("PATH", "HOME", "LANG", "TZ", "PYTHONPATH", "FFMPEG_PATH")}
        base.update({"DATABASE_URL": f"sqlite:{tmp / 'ktv.db'}", "MEDIA_DIRS": str(library),
                     "LOG_LEVEL": "info", "LOG_FORMAT": "json", "STREAM_IDLE_SECS": "1",
                     "STREAM_MAX_SESSIONS": "48", "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
                     "JWT_SECRET": "bench-streams-secret-0123456789abcdef",
                     # The keeper's first pass tops every channel up to GUIDE_DAYS ahead:
                     # seconds of CPU that would land in a measurement window.
                     "GUIDE_DAYS": "2", **env})
        self._log_file = self.log.open("wb")
        self.proc = subprocess.Popen([str(_BIN / "ktv"), "--env-file", str(tmp / "no.env"),
                                      "serve", "--host", "127.0.0.1", "--port", "0"],
                                     cwd=tmp, env=base, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self._log_file)
        deadline = time.monotonic() + 60
        self.url = ""
        while not self.url:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("ktv serve did not start:\n" + self.log.read_text()[-3000:])
            m = _LISTENING.search(self.log.read_text(errors="replace"))
            if m:
                self.url = m.group(1)
            time.sleep(0.05)

    def cpu(self) -> float:
        return tree_cpu(self.proc.pid)

    def quiet(self, timeout: float = 180.0) -> None:
        """Wait until the server idles (its keeper's first pass done): under 0.05 core
        over 2 s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self.cpu()
            time.sleep(2.0)
            if self.cpu() - before < 0.1:
                return
        print("(the server did not go quiet; figures may include its background work)")

    def ffmpegs(self) -> int:
        return len(children(self.proc.pid))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()


@dataclass
class Setup:
    server: Server
    headers: dict[str, str]
    files: dict[str, Path]
    #: profile -> channel ids
    channels: dict[str, list[str]]

    def api(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        r = httpx.request(method, self.server.url + path, headers=self.headers,
                          timeout=30, trust_env=False, **kw)
        if r.status_code != status:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")
        return r.json() if r.content else None

    def live_url(self, cid: str) -> str:
        return f"{self.server.url}/api/v1/channels/{cid}/live.ts"

    def idle(self, timeout: float = 20.0) -> None:
        """Stop every session and wait until no ffmpeg runs."""
        for s in self.api("GET", "/api/v1/streams"):
            httpx.delete(f"{self.server.url}/api/v1/streams/{s['channel_id']}",
                         headers=self.headers, trust_env=False)
        deadline = time.monotonic() + timeout
        while self.api("GET", "/api/v1/streams") or self.server.ffmpegs():
            if time.monotonic() > deadline:
                raise RuntimeError("sessions did not stop")
            time.sleep(0.05)

    def on_air(self, cid: str) -> tuple[Path, float]:
        """The file on air on a channel and its offset now."""
        slot = self.api("GET", f"/api/v1/channels/{cid}/now")["slot"]
        offset = (datetime.now(UTC) - datetime.fromisoformat(slot["start_at"])).total_seconds()
        return self.files[slot["item"]["title"]], offset


def setup(tmp: Path, files: dict[str, Path], per_profile: dict[str, int]) -> Setup:
    server = Server(tmp, next(iter(files.values())).parent)
    r = httpx.post(server.url + "/api/v1/auth/register", trust_env=False, timeout=30,
                   json={"email": "bench@example.com", "password": PASSWORD})
    r.raise_for_status()
    s = Setup(server, {"Authorization": f"Bearer {r.json()['access_token']}"}, files, {})
    deadline = time.monotonic() + 60
    while not (st := s.api("GET", "/api/v1/library/scan")).get("items"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"scan did not finish: {st}")
        time.sleep(0.1)
    block = {"name": "All day", "start_time": "00:00:00", "duration_mins": 1440,
             "content": {"type": "algorithmic", "strategy": "sequential", "filter": {}}}
    for profile, count in per_profile.items():
        for i in range(count):
            ch = s.api("POST", "/api/v1/channels", 201, json={
                "name": f"{profile} {i + 1}", "stream_profile": profile,
                "schedule_config": {"blocks": [block]}})
            s.api("POST", f"/api/v1/channels/{ch['id']}/schedule", 201)
            s.channels.setdefault(profile, []).append(ch["id"])
    server.quiet()
    return s


@contextmanager
def running(tmp: Path, files: dict[str, Path], per_profile: dict[str, int]) -> Iterator[Setup]:
    s = setup(tmp, files, per_profile)
    try:
        yield s
    finally:
        s.server.stop()


# -- reading a transport stream -------------------------------------------------------------


class TsReader:
    """Incremental demux of the video PID: its PTS, and (optionally) H.264 decoding."""

    def __init__(self, decode: bool) -> None:
        self._rest = bytearray()
        self._pmt: int | None = None
        self.video: int | None = None
        self._codec = av.CodecContext.create("h264", "r") if decode else None
        self.frames = 0
        self.last_pts: int | None = None

    def feed(self, data: bytes) -> None:
        buf = self._rest + data
        end = len(buf) - len(buf) % PACKET_SIZE
        i = 0
        while i < end:
            if buf[i] != 0x47:  # resynchronise
                i += 1
                continue
            self._packet(buf, i)
            i += PACKET_SIZE
        self._rest = buf[i:]

    def _packet(self, buf: bytearray, i: int) -> None:
        pid = pid_of(buf, i)
        start = bool(buf[i + 1] & 0x40)
        if pid == 0 and start:
            pmts = parse_pat(buf, i)
            self._pmt = pmts[0] if pmts else self._pmt
        elif pid == self._pmt and start:
            pm = parse_pmt(buf, i)
            if pm is not None:
                self.video = pm.video_pid
        elif pid == self.video and self.video is not None:
            p = payload_offset(buf, i)
            if start:
                pts, _ = pes_timestamps(buf, i)
                if pts is not None:
                    self.last_pts = pts
                if p + 9 > i + PACKET_SIZE:
                    return
                p += 9 + buf[p + 8]
            if self._codec is not None and not self.frames and p < i + PACKET_SIZE:
                for packet in self._codec.parse(bytes(buf[p:i + PACKET_SIZE])):
                    try:
                        self.frames += len(self._codec.decode(packet))
                    except av.error.InvalidDataError:
                        continue

    def lead_secs(self) -> float | None:
        """How far the latest video timestamp (a guide instant) is ahead of now."""
        if self.last_pts is None:
            return None
        now = int(time.time() * 90_000) % _WRAP
        diff = (self.last_pts - now + _WRAP // 2) % _WRAP - _WRAP // 2
        return diff / 90_000


@dataclass
class TuneIn:
    first_byte: float
    first_frame: float


async def _until_frame(pieces: AsyncIterator[bytes], started: float) -> TuneIn:
    """Read ``pieces`` until a video frame decodes: when the first byte and that came."""
    reader = TsReader(decode=True)
    first_byte = None
    async for data in pieces:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        reader.feed(data)
        if reader.frames:
            return TuneIn(first_byte, time.perf_counter() - started)
    raise RuntimeError("the stream ended before a frame")


async def _tune_http(url: str, headers: dict[str, str]) -> TuneIn:
    async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
        started = time.perf_counter()
        async with client.stream("GET", url, headers=headers) as r:
            r.raise_for_status()
            return await _until_frame(r.aiter_raw(), started)


async def _tune_ffmpeg(argv: list[str]) -> TuneIn:
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(*argv, stdout=subprocess.PIPE,
                                                stdin=subprocess.DEVNULL)
    stdout = proc.stdout
    assert stdout is not None

    async def pieces() -> AsyncIterator[bytes]:
        while data := await stdout.read(65536):
            yield data

    try:
        return await _until_frame(pieces(), started)
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


def bare_command(profile: str, path: Path, offset: float) -> list[str]:
    """What K-TV runs for that file and offset: the same profile, the same arguments."""
    info = probe(str(path))
    return StreamProfile(name=ProfileName(profile), height=720).item_command(
        ffmpeg_exe(), str(path), {}, info, offset=offset, length=CLIP_SECS - offset)


async def _tune_hls(base: str, cid: str, headers: dict[str, str]) -> float:
    async with httpx.AsyncClient(trust_env=False, timeout=30, base_url=base) as client:
        started = time.perf_counter()
        url = f"/api/v1/channels/{cid}/hls/live.m3u8"
        while True:
            r = await client.get(url, headers=headers)
            r.raise_for_status()
            uris = [ln for ln in r.text.splitlines() if ln and not ln.startswith("#")]
            if uris:
                break
            await asyncio.sleep(0.05)
        seg = await client.get(httpx.URL(str(r.url)).join(uris[0]))
        seg.raise_for_status()
        assert seg.content[:1] == b"\x47", "a transport stream segment"
        return time.perf_counter() - started


# -- viewers (in another process) -----------------------------------------------------------


@dataclass
class ViewerReport:
    bytes: int
    #: The smallest lead of the picture over the wall clock seen after the warm-up (s).
    min_lead: float | None
    ended: bool


async def _viewers(urls: Sequence[str], headers: dict[str, str], secs: float, warmup: float,
                   track: bool) -> list[ViewerReport]:
    async def one(client: httpx.AsyncClient, url: str) -> ViewerReport:
        reader = TsReader(decode=False)
        size, min_lead, ended = 0, None, True
        started = time.monotonic()
        next_sample = started + warmup
        async with client.stream("GET", url, headers=headers) as r:
            r.raise_for_status()
            async for data in r.aiter_raw():
                size += len(data)
                now = time.monotonic()
                if track:
                    reader.feed(data)
                    if now >= next_sample:
                        lead = reader.lead_secs()
                        if lead is not None:
                            min_lead = lead if min_lead is None else min(min_lead, lead)
                        next_sample = now + 0.25
                if now - started >= secs:
                    ended = False
                    break
        return ViewerReport(size, min_lead, ended)

    limits = httpx.Limits(max_connections=len(urls) + 4)
    async with httpx.AsyncClient(trust_env=False, timeout=30, limits=limits) as client:
        return list(await asyncio.gather(*(one(client, u) for u in urls)))


def run_viewers(urls: Sequence[str], headers: dict[str, str], secs: float, warmup: float,
                track: bool) -> list[ViewerReport]:
    return asyncio.run(_viewers(urls, headers, secs, warmup, track))


# -- scenarios ------------------------------------------------------------------------------


def ms(v: float) -> str:
    return f"{v * 1000:.0f} ms"


def tune_in(s: Setup, rounds: int) -> None:
    print("\n(a) tune-in, cold (median of", rounds, "rounds; first round in brackets)")
    print(f"{'':12} {'first byte':>22} {'first frame':>22} {'bare ffmpeg byte':>18} "
          f"{'bare frame':>12} {'byte ratio':>10}")
    for profile in ("copy", "transcode"):
        ours: list[TuneIn] = []
        bare: list[TuneIn] = []
        cid = s.channels[profile][0]
        for _ in range(rounds):
            s.idle()
            ours.append(asyncio.run(_tune_http(s.live_url(cid), s.headers)))
            s.idle()
            path, offset = s.on_air(cid)
            bare.append(asyncio.run(_tune_ffmpeg(bare_command(profile, path, offset))))
        med = [statistics.median(x) for x in (
            [t.first_byte for t in ours], [t.first_frame for t in ours],
            [t.first_byte for t in bare], [t.first_frame for t in bare])]
        print(f"{profile:12} {ms(med[0]):>10} [{ms(ours[0].first_byte):>8}] "
              f"{ms(med[1]):>10} [{ms(ours[0].first_frame):>8}] {ms(med[2]):>18} "
              f"{ms(med[3]):>12} {med[0] / med[2]:>9.2f}x")
    for profile in ("copy", "transcode"):
        times = []
        for _ in range(rounds):
            s.idle()
            times.append(asyncio.run(_tune_hls(s.server.url, s.channels[profile][0],
                                               s.headers)))
        print(f"HLS {profile:8} idle channel -> first segment downloaded: "
              f"{ms(statistics.median(times))} median, [{ms(times[0])}] first")


def cpu_window(s: Setup, pool: ProcessPoolExecutor, urls: Sequence[str], secs: float,
               warmup: float) -> tuple[float, list[ViewerReport]]:
    """CPU cores the server (and its ffmpeg) used while ``urls`` were watched, measured
    after ``warmup`` s for ``secs`` s."""
    future = pool.submit(run_viewers, urls, s.headers, warmup + secs + 1, warmup, False)
    time.sleep(warmup)
    c0, t0 = s.server.cpu(), time.monotonic()
    time.sleep(secs)
    c1, t1 = s.server.cpu(), time.monotonic()
    reports = future.result()
    return (c1 - c0) / (t1 - t0), reports


def bare_cpu(argv: list[str], n: int, secs: float, warmup: float) -> tuple[float, float]:
    """CPU cores ``n`` real-time ffmpeg processes used, and the slowest one's speed
    (content seconds per wall second, from ``-progress``; 1.0 = real time)."""
    argv = [*argv[:-1], "-progress", "pipe:2", "-stats_period", "0.5", argv[-1]]
    procs = [subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(n)]
    out_us = [0] * n

    def drain(k: int) -> None:
        out = procs[k].stdout
        assert out is not None
        while out.read(65536):
            pass

    def progress(k: int) -> None:
        err = procs[k].stderr
        assert err is not None
        for line in err:
            if line.startswith(b"out_time_us=") and line[12:].strip().isdigit():
                out_us[k] = int(line[12:])

    for k in range(n):
        threading.Thread(target=drain, args=(k,), daemon=True).start()
        threading.Thread(target=progress, args=(k,), daemon=True).start()
    time.sleep(warmup)
    c0, p0, t0 = sum(tree_cpu(p.pid) for p in procs), list(out_us), time.monotonic()
    time.sleep(secs)
    c1, p1, t1 = sum(tree_cpu(p.pid) for p in procs), list(out_us), time.monotonic()
    for p in procs:
        p.kill()
        p.wait()
    speed = min((p1[k] - p0[k]) / 1e6 / (t1 - t0) for k in range(n))
    return (c1 - c0) / (t1 - t0), speed


def sharing(s: Setup, pool: ProcessPoolExecutor, secs: float, viewers: int,
            rounds: int) -> None:
    print(f"\n(b) one transcode channel, CPU over {secs:.0f} s windows (cores; 1.0 = one "
          f"core; median of {rounds} interleaved rounds)")
    cid = s.channels["transcode"][0]
    one: list[float] = []
    many: list[float] = []
    short = 0
    for _ in range(rounds):
        s.idle()
        one.append(cpu_window(s, pool, [s.live_url(cid)], secs, 5.0)[0])
        s.idle()
        cores, reports = cpu_window(s, pool, [s.live_url(cid)] * viewers, secs, 5.0)
        many.append(cores)
        short += sum(1 for r in reports if r.ended)
    s.idle()
    # The same work per viewer, as a server spawning ffmpeg per viewer would do it.
    path = next(iter(s.files.values()))
    argv = bare_command("transcode", path, 0.0)
    argv.insert(argv.index("-i"), "-re")
    separate, speed = bare_cpu(argv, viewers, secs, 5.0)
    m1, mn = statistics.median(one), statistics.median(many)
    print(f"1 viewer: {m1:.2f} {fmt(one)}  {viewers} viewers: {mn:.2f} {fmt(many)}  -> "
          f"{mn / m1:.2f}x (target <= 1.2x; {short} viewers cut off)")
    print(f"{viewers} separate real-time ffmpeg (-re): {separate:.2f} cores -> "
          f"{separate / mn:.1f}x ours, and the slowest ran at {speed:.2f}x real time"
          + (" (the machine cannot keep up: they would stall)" if speed < 0.97 else ""))


def fmt(values: Sequence[float]) -> str:
    return "[" + " ".join(f"{v:.2f}" for v in values) + "]"


def capacity(s: Setup, pool: ProcessPoolExecutor, profile: str, counts: Sequence[int],
             secs: float) -> None:
    warmup = 6.0
    best = 0
    for n in counts:
        if n > len(s.channels[profile]):
            break
        s.idle()
        urls = [s.live_url(c) for c in s.channels[profile][:n]]
        cores, reports = cpu_window_tracked(s, pool, urls, secs, warmup)
        leads = [r.min_lead for r in reports]
        ok = all(r.min_lead is not None and r.min_lead > 0 and not r.ended for r in reports)
        worst = min((x for x in leads if x is not None), default=float("nan"))
        mbps = sum(r.bytes for r in reports) * 8 / (warmup + secs) / 1e6 / n
        print(f"{profile:9} N={n:<2} cores {cores:4.2f}  worst lead over the clock "
              f"{worst:+5.2f} s  {mbps:4.1f} Mb/s each  {'real time' if ok else 'FALLS BEHIND'}")
        if not ok:
            break
        best = n
    print(f"-> {profile}: {best} sessions in real time on this machine"
          + (" (the most tried)" if best == max(c for c in counts
                                               if c <= len(s.channels[profile])) else ""))


def cpu_window_tracked(s: Setup, pool: ProcessPoolExecutor, urls: Sequence[str], secs: float,
                       warmup: float) -> tuple[float, list[ViewerReport]]:
    future = pool.submit(run_viewers, urls, s.headers, warmup + secs, warmup, True)
    time.sleep(warmup)
    c0, t0 = s.server.cpu(), time.monotonic()
    reports = future.result()
    c1, t1 = s.server.cpu(), time.monotonic()
    return (c1 - c0) / max(t1 - t0, 1e-9), reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["tune", "share", "capacity"])
    parser.add_argument("--library", type=Path,
                        help="a folder to keep the generated clips in between runs")
    args = parser.parse_args()
    rounds, secs = (3, 10.0) if args.quick else (7, 20.0)
    print(f"machine: {os.cpu_count()} CPUs; ffmpeg {ffmpeg_exe()}")
    with tempfile.TemporaryDirectory(prefix="bench-streams-") as d:
        tmp = Path(d)
        t = time.perf_counter()
        files = make_library(args.library or tmp / "library")
        print(f"library: 2 x {CLIP_SECS} s 720p30 clips made in {time.perf_counter() - t:.0f} s")
        ctx = get_context("spawn")
        with running(tmp, files, per_profile={"copy": 32, "transcode": 6}) as s, \
                ProcessPoolExecutor(1, mp_context=ctx) as pool:
            steps: list[Callable[[], None]] = []
            if args.only in (None, "tune"):
                steps.append(lambda: tune_in(s, rounds))
            if args.only in (None, "share"):
                steps.append(lambda: sharing(s, pool, secs, 20, 2 if args.quick else 3))
            if args.only in (None, "capacity"):
                steps.append(lambda: print(f"\n(c) sessions sustained in real time "
                                           f"({secs:.0f} s windows, one viewer each)"))
                steps.append(lambda: capacity(s, pool, "transcode", [1, 2, 3, 4, 5, 6], secs))
                steps.append(lambda: capacity(s, pool, "copy", [1, 8, 16, 24, 32], secs))
            for step in steps:
                step()


if __name__ == "__main__":
    main()

"""HTTP API benchmarks against the real ``ktv serve`` process.

    uv run python bench/bench_api.py            # full run (~2 min)
    uv run python bench/bench_api.py --quick    # shorter rounds, fewer requests

Setup: a temporary SQLite database (``ktv migrate``), one user and 50 channels
whose four 6-hour blocks cover the whole day, each given the default 48 h
schedule by the domain ``ScheduleService`` over an in-memory library of 3,000
items, stored with the SQL unit of work; a JWT minted for the user with the
secret the server is given.

(a) Throughput: ``GET /api/v1/health/live`` (baseline) against the
    authenticated ``GET /api/v1/channels/{id}/now`` (cycling through the 50
    channels), same load generator and concurrency, interleaved rounds;
    req/s, p50/p99 and the ratio now/live (target >= 0.5). The server runs
    with ``LOG_LEVEL=warning`` (no access lines); one more round runs against
    a server with ``LOG_LEVEL=info`` (one JSON access line per request).
    Load generator: ``wrk`` when installed (``apt-get install wrk``), else
    several processes of raw keep-alive asyncio connections (printed).
(b) EPG: ``GET /channels/{id}/epg`` for a 24 h window cycling through the 50
    channels, sequential on one keep-alive connection (latency, not
    throughput), p50/p99 (target p99 <= 20 ms), beside the database-only
    path (``ScheduleService.epg`` on the same SQLite file, same windows).
(c) Cold start: spawning ``ktv serve`` (migrated database) to the first 200
    from ``/health/live``, median of 5 (target <= 1.5 s), and the idle RSS
    of the warmed-up server (target <= 120 MiB). When the start misses its
    target, the top imports of ``import ktv_api.app`` (``-X importtime``).

Options: ``--generator python`` forces the fallback client, ``--connections``
(default 16), ``--importtime`` prints the import costs anyway. PYTHONPATH passes
through to the server, so a modified copy of ``ktv_api`` can be compared.

A measurement, not a test: the exit code is 0 even when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import quote

from ktv_auth import JwtSettings, JwtTokens
from ktv_domain import (
    AlgorithmicContent,
    BlockId,
    Channel,
    ChannelId,
    ContentType,
    Email,
    FillStrategy,
    LibraryCollection,
    MediaFilter,
    MediaItem,
    MediaItemId,
    MediaPool,
    NotFound,
    PlayableSource,
    ProgrammingBlock,
    ScheduleConfig,
    User,
    UserId,
)
from ktv_domain.services import ScheduleService
from ktv_sql import SqlUnitOfWorkFactory, create_engine

CHANNELS = 50
ITEMS = 3_000
GENRES = ("Comedy", "Drama", "Action", "Horror", "Documentary", "Animation", "Sci-Fi", "Crime")
ZONES = ("UTC", "America/New_York", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney")
JWT_SECRET = "bench-" + "k" * 40
API = "/api/v1"
LIVE = f"{API}/health/live"
TARGET_NOW_RATIO = 0.5
TARGET_EPG_P99_MS = 20.0
TARGET_START_S = 1.5
TARGET_RSS_MIB = 120.0
VENV_BIN = Path(sys.executable).parent  # not resolved: the venv's bin, not the base python's


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class BenchMedia:
    """An in-memory media library that caches one pool per filter, like a real provider."""

    def __init__(self, items: Sequence[MediaItem]) -> None:
        self._items = {it.id: it for it in items}
        self._catalog = MediaPool(sorted(items, key=lambda it: it.id))

    async def find_items(self, media_filter: MediaFilter) -> Sequence[MediaItem]:
        return self._catalog.matching(media_filter)

    async def get_items(self, ids: Sequence[MediaItemId]) -> Sequence[MediaItem]:
        return [self._items[i] for i in ids if i in self._items]

    async def playable_source(self, item_id: MediaItemId) -> PlayableSource:
        if item_id not in self._items:
            raise NotFound(f"media item {item_id} not found")
        return PlayableSource(url=f"http://media.bench/{item_id}", mime_type="video/mp4")

    async def catalog(self) -> Sequence[MediaItem]:
        return self._catalog

    async def collections(self) -> Sequence[LibraryCollection]:
        return []


def library(n: int, seed: int = 5) -> list[MediaItem]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        movie, short = i % 4 == 0, i % 10 == 1  # shorts fill the ends of blocks
        out.append(MediaItem(
            id=MediaItemId(f"{rng.getrandbits(128):032x}"), title=f"Title {i}",
            content_type=ContentType.MOVIE if movie else ContentType.EPISODE,
            duration_secs=round(rng.uniform(80 * 60, 150 * 60) if movie
                                else rng.uniform(2 * 60, 8 * 60) if short
                                else rng.uniform(20 * 60, 50 * 60), 3),
            series_name=None if movie else f"Series {i % 150}",
            season_number=None if movie else 1 + i % 5,
            episode_number=None if movie else 1 + i % 22,
            year=rng.randint(1960, 2025), genres=tuple(rng.sample(GENRES, 2)),
            overview="A plot summary of a sensible length for an EPG entry. " * 3,
            image_url=f"http://media.bench/images/{i}.jpg"))
    return out


@dataclass(slots=True)
class Fixture:
    url: str
    owner: User
    channel_ids: list[ChannelId]
    token: str
    slots: int


async def populate(url: str) -> Fixture:
    rng = random.Random(11)
    engine = create_engine(url)
    uow = SqlUnitOfWorkFactory(engine)
    clock = Clock()
    now = clock.now()
    owner = User(id=UserId(uuid.uuid4()), email=Email("bench@example.com"), created_at=now,
                 password_hash="unused")
    # No sequential blocks: they end where the next episode does not fit, and /now
    # would answer 204 (no signal) more often than a real guide's few seconds.
    strategies = (FillStrategy.BEST_FIT, FillStrategy.RANDOM)
    ids = [ChannelId(uuid.uuid4()) for _ in range(CHANNELS)]
    try:
        async with uow() as u:
            await u.users.add(owner)
            for n, cid in enumerate(ids):
                blocks = tuple(ProgrammingBlock(
                    id=BlockId(uuid.uuid4()), name=f"Block {h}", start_time=day_time(h),
                    duration_mins=360, content=AlgorithmicContent(
                        filter=MediaFilter(genres=tuple(rng.sample(GENRES, 3))),
                        strategy=strategies[(n + h // 6) % 2]))
                    for h in (0, 6, 12, 18))
                await u.channels.add(Channel(
                    id=cid, owner_id=owner.id, name=f"Bench {n + 1}", number=str(n + 1),
                    created_at=now, updated_at=now, timezone=ZONES[n % len(ZONES)],
                    schedule_config=ScheduleConfig(blocks=blocks)))
            await u.commit()
        schedules = ScheduleService(uow, BenchMedia(library(ITEMS)), clock,
                                    horizon=timedelta(hours=48))
        slots = 0
        for cid in ids:
            slots += len((await schedules.generate(owner.id, cid)).slots)
    finally:
        await engine.dispose()
    token = JwtTokens(JwtSettings(secret=JWT_SECRET), clock).issue(owner).token
    return Fixture(url=url, owner=owner, channel_ids=ids, token=token, slots=slots)


# -- the server process -------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_env(database_url: str, log_level: str) -> dict[str, str]:
    """Only what the server needs: a developer's own K-TV variables stay out.

    PYTHONPATH passes through, so a modified copy of the app can be compared."""
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "HOME", "LANG", "TZ", "PYTHONPATH")}
    env.update(DATABASE_URL=database_url, JWT_SECRET=JWT_SECRET, LOG_LEVEL=log_level)
    return env


class Server:
    """``ktv serve`` as a child process, its stderr in a file."""

    def __init__(self, tmp: Path, database_url: str, log_level: str) -> None:
        self.port = free_port()
        self.log = tmp / f"server-{self.port}.log"
        self._log_file = self.log.open("wb")
        argv = [str(VENV_BIN / "ktv"), "--env-file", str(tmp / "no.env"), "serve",
                "--host", "127.0.0.1", "--port", str(self.port)]
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, cwd=tmp, env=server_env(database_url, log_level),
                                     stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=subprocess.STDOUT)

    def wait_live(self, timeout: float = 30.0) -> float:
        """Seconds from spawning to the first 200 from ``/health/live``."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ktv serve exited ({self.proc.returncode}): "
                                   + self.log.read_text(errors="replace")[-2000:])
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", LIVE)
                if conn.getresponse().status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.005)
            finally:
                conn.close()
        raise RuntimeError("ktv serve did not answer /health/live in time")

    def status(self, key: str) -> float:
        """A ``/proc/<pid>/status`` size (VmRSS, VmHWM) in MiB."""
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
        return int(match.group(1)) / 1024 if match else float("nan")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()


@contextlib.contextmanager
def running(tmp: Path, database_url: str, log_level: str) -> Iterator[Server]:
    server = Server(tmp, database_url, log_level)
    try:
        server.wait_live()
        yield server
    finally:
        server.stop()


def get(port: int, path: str, token: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# -- load generators ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu: float = 0.0  # share of one core the server used during the round

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


_WRK_SCRIPT = """
local paths = {%s}
local reqs, i = {}, 0
function init(args)
  for n, p in ipairs(paths) do reqs[n] = wrk.format("GET", p) end
end
function request()
  i = i %% #reqs + 1
  return reqs[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("KTV-RESULT %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


class Generator:
    name = ""

    def run(self, port: int, paths: Sequence[str], token: str | None, connections: int,
            seconds: float) -> Load:
        raise NotImplementedError


class Wrk(Generator):
    def __init__(self, tmp: Path, exe: str) -> None:
        self.tmp = tmp
        self.exe = exe
        self.name = f"wrk (1 thread; {exe})"

    def run(self, port: int, paths: Sequence[str], token: str | None, connections: int,
            seconds: float) -> Load:
        script = self.tmp / f"paths-{abs(hash(tuple(paths)))}.lua"
        script.write_text(_WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
        argv = [self.exe, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
                "-s", str(script)]
        if token:
            argv += ["-H", f"Authorization: Bearer {token}"]
        out = subprocess.run([*argv, f"http://127.0.0.1:{port}/"], capture_output=True,
                             text=True, check=True).stdout
        match = re.search(r"KTV-RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", out)
        if match is None:
            raise RuntimeError(f"unexpected wrk output:\n{out}")
        n, dur_us, p50, p99, errors = (int(g) for g in match.groups())
        return Load(n, dur_us / 1e6, p50 / 1000, p99 / 1000, errors)


def _py_worker(port: int, paths: Sequence[str], token: str | None, connections: int,
               seconds: float) -> tuple[int, int, list[float]]:
    """One process: ``connections`` raw keep-alive connections in one asyncio loop."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    reqs = [f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode() for p in paths]

    async def one(offset: int, deadline: float, lat: list[float]) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        errors, i = 0, offset
        try:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                writer.write(reqs[i % len(reqs)])
                i += 1
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                if length:
                    await reader.readexactly(int(length.group(1)))
                lat.append(time.perf_counter() - t)
                if not head.startswith((b"HTTP/1.1 2", b"HTTP/1.1 3")):
                    errors += 1
        finally:
            writer.close()
        return errors

    async def main() -> tuple[int, int, list[float]]:
        lat: list[float] = []
        deadline = time.perf_counter() + seconds
        errors = await asyncio.gather(*(one(c * 7, deadline, lat) for c in range(connections)))
        return len(lat), sum(errors), lat

    return asyncio.run(main())


class PythonClient(Generator):
    def __init__(self, processes: int, why: str) -> None:
        self.processes = processes
        self.name = (f"Python fallback: {processes} processes of raw keep-alive asyncio "
                     f"connections ({why})")

    def run(self, port: int, paths: Sequence[str], token: str | None, connections: int,
            seconds: float) -> Load:
        per = max(1, connections // self.processes)
        with ProcessPoolExecutor(self.processes, mp_context=get_context("spawn")) as pool:
            # Start the workers before the clock runs: spawning costs ~100 ms each.
            list(pool.map(abs, range(self.processes)))
            t = time.perf_counter()
            results = list(pool.map(_py_worker, *zip(
                *[(port, paths, token, per, seconds)] * self.processes, strict=True)))
            wall = time.perf_counter() - t
        lat = sorted(x for r in results for x in r[2])
        q = statistics.quantiles(lat, n=100)
        return Load(sum(r[0] for r in results), wall, statistics.median(lat) * 1000,
                    q[98] * 1000, sum(r[1] for r in results))


def pick_generator(tmp: Path, choice: str) -> Generator:
    exe = shutil.which("wrk")
    if choice == "wrk" and exe is None:
        raise SystemExit("--generator wrk: wrk is not installed (apt-get install wrk)")
    if exe is not None and choice != "python":
        return Wrk(tmp, exe)
    # On the 2-vCPU machine of docs/benchmarks.md both generators measured the same
    # figures (the one-process server is the bottleneck); wrk leaves more CPU to it.
    return PythonClient(processes=2, why="wrk not installed" if exe is None
                        else "--generator python")


def measured(gen: Generator, server: Server, paths: Sequence[str], token: str | None,
             connections: int, seconds: float) -> Load:
    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    load = gen.run(server.port, paths, token, connections, seconds)
    cpu = (server.cpu_seconds() - cpu0) / (time.perf_counter() - t0)
    return Load(load.requests, load.seconds, load.p50_ms, load.p99_ms, load.errors, cpu)


# -- the scenarios ------------------------------------------------------------------------

@dataclass(slots=True)
class Row:
    scenario: str
    figure: str
    target: str
    baseline: str
    ratio: str
    missed: bool | None  # None: no target


@dataclass(slots=True)
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, scenario: str, figure: str, target: str = "-", baseline: str = "-",
            ratio: str = "-", missed: bool | None = None) -> None:
        self.rows.append(Row(scenario, figure, target, baseline, ratio, missed))

    def print(self) -> None:
        head = ("scenario", "figure", "target", "baseline", "ratio", "")
        cells = [head, *((r.scenario, r.figure, r.target, r.baseline, r.ratio,
                          "" if r.missed is None else "MISSED" if r.missed else "ok")
                         for r in self.rows)]
        widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
        for n, c in enumerate(cells):
            print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())
            if n == 0:
                print("  ".join("-" * w for w in widths))


def throughput(gen: Generator, server: Server, fx: Fixture, *, rounds: int, seconds: float,
               connections: int, label: str) -> tuple[list[Load], list[Load]]:
    now_paths = [f"{API}/channels/{c}/now" for c in fx.channel_ids]
    gaps = 0
    for path in (LIVE, *now_paths):
        status, _ = get(server.port, path, fx.token)
        if status not in (200, 204):
            raise RuntimeError(f"{path} answered {status}")
        gaps += status == 204
    # Warm-up: every channel's schedule loaded into memory, code paths hot.
    measured(gen, server, [LIVE], None, connections, 1)
    measured(gen, server, now_paths, fx.token, connections, 1)
    live: list[Load] = []
    now: list[Load] = []
    print(f"\n(a) throughput, {label}: {connections} connections, {rounds} interleaved "
          f"round(s) of {seconds:g} s each; /now cycles through the {CHANNELS} channels "
          f"({gaps} in a gap between items at the start: 204 No Content)")
    for r in range(rounds):
        for name, paths, token, out in (("/health/live", [LIVE], None, live),
                                        ("/channels/{id}/now", now_paths, fx.token, now)):
            load = measured(gen, server, paths, token, connections, seconds)
            out.append(load)
            print(f"  round {r + 1} {name:<19} {load.rps:8,.0f} req/s   p50 {load.p50_ms:6.2f} ms"
                  f"   p99 {load.p99_ms:6.2f} ms   errors {load.errors}   "
                  f"server CPU {load.server_cpu:4.0%} of a core")
            if load.errors:
                print("  WARNING: errors or non-2xx answers: the figures are not valid")
    return live, now


def _lat(loads: Sequence[Load]) -> str:
    return (f"{statistics.median(x.p50_ms for x in loads):.1f}/"
            f"{statistics.median(x.p99_ms for x in loads):.1f} ms")


def summarise(report: Report, live: list[Load], now: list[Load], label: str,
              target: bool) -> None:
    live_rps = statistics.median(x.rps for x in live)
    now_rps = statistics.median(x.rps for x in now)
    ratio = now_rps / live_rps
    print(f"  median: live {live_rps:,.0f} req/s, now {now_rps:,.0f} req/s, "
          f"ratio now/live {ratio:.2f}" + ("   target >= 0.50" if target else ""))
    report.add(f"GET /now throughput, {label}",
               f"{now_rps:,.0f} req/s (p50/p99 {_lat(now)})",
               ">= 0.50 x live" if target else "-",
               f"/health/live {live_rps:,.0f} req/s (p50/p99 {_lat(live)})",
               f"{ratio:.2f}", ratio < TARGET_NOW_RATIO if target else None)


def epg_http(server: Server, fx: Fixture, windows: Sequence[tuple[ChannelId, str]],
             ) -> tuple[list[float], float]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Authorization": f"Bearer {fx.token}"}
    times: list[float] = []
    sizes: list[int] = []
    try:
        for n, (cid, query) in enumerate([*windows[:CHANNELS], *windows]):  # warm-up first
            t = time.perf_counter()
            conn.request("GET", f"{API}/channels/{cid}/epg?{query}", headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            elapsed = time.perf_counter() - t
            if resp.status != 200:
                raise RuntimeError(f"/epg answered {resp.status}: {body[:200]!r}")
            if n >= CHANNELS:
                times.append(elapsed)
                if n % 97 == 0:
                    sizes.append(len(json.loads(body)))
    finally:
        conn.close()
    return times, statistics.mean(sizes)


async def epg_db(fx: Fixture, windows: Sequence[tuple[ChannelId, datetime, datetime]],
                 ) -> list[float]:
    engine = create_engine(fx.url)
    service = ScheduleService(SqlUnitOfWorkFactory(engine), None, Clock())
    times: list[float] = []
    try:
        for n, (cid, start, until) in enumerate([*windows[:CHANNELS], *windows]):
            t = time.perf_counter()
            await service.epg(fx.owner.id, cid, start, until)
            if n >= CHANNELS:
                times.append(time.perf_counter() - t)
    finally:
        await engine.dispose()
    return times


def pct(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def bench_epg(report: Report, server: Server, fx: Fixture, requests: int) -> None:
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    until = start + timedelta(hours=24)
    query = f"from={quote(start.isoformat())}&until={quote(until.isoformat())}"
    cids = [fx.channel_ids[i % CHANNELS] for i in range(requests)]
    http_times, mean_slots = epg_http(server, fx, [(c, query) for c in cids])
    db_times = asyncio.run(epg_db(fx, [(c, start, until) for c in cids]))
    h50, h99 = pct(http_times, 50), pct(http_times, 99)
    d50, d99 = pct(db_times, 50), pct(db_times, 99)
    print(f"\n(b) EPG 24 h window, {CHANNELS} channels cycled, {requests:,} sequential requests "
          f"on one keep-alive connection (~{mean_slots:.0f} slots per answer)")
    print(f"  HTTP (in-memory view)          p50 {h50:6.2f} ms   p99 {h99:6.2f} ms   "
          f"target p99 <= {TARGET_EPG_P99_MS:g} ms")
    print(f"  DB-only ScheduleService.epg    p50 {d50:6.2f} ms   p99 {d99:6.2f} ms   (baseline, "
          "in-process, same windows, no HTTP)")
    print(f"  ratio DB p99 / HTTP p99        {d99 / h99:6.1f}x")
    report.add("GET /epg 24 h, 50 channels", f"p50 {h50:.2f} / p99 {h99:.2f} ms",
               f"p99 <= {TARGET_EPG_P99_MS:g} ms",
               f"DB-only p50 {d50:.2f} / p99 {d99:.2f} ms", f"{d99 / h99:.1f}x faster",
               h99 > TARGET_EPG_P99_MS)


def bench_cold_start(report: Report, tmp: Path, fx: Fixture, runs: int,
                     idle_rss: float) -> bool:
    print(f"\n(c) cold start: spawn `ktv serve` -> first 200 from /health/live, {runs} runs")
    times, rss = [], []
    for _ in range(runs):
        server = Server(tmp, fx.url, "warning")
        try:
            times.append(server.wait_live())
            rss.append(server.status("VmRSS"))
        finally:
            server.stop()
        print(f"  {times[-1]:6.3f} s   RSS at first 200 {rss[-1]:5.1f} MiB")
    med = statistics.median(times)
    print(f"  median {med:.3f} s   target <= {TARGET_START_S:g} s")
    print(f"  idle RSS after warm-up (the server of (a)/(b)): {idle_rss:.1f} MiB   "
          f"target <= {TARGET_RSS_MIB:g} MiB")
    report.add("cold start -> /health/live 200", f"{med:.2f} s (median of {runs})",
               f"<= {TARGET_START_S:g} s", missed=med > TARGET_START_S)
    report.add("idle RSS after warm-up", f"{idle_rss:.0f} MiB (at first 200: "
               f"{statistics.median(rss):.0f} MiB)", f"<= {TARGET_RSS_MIB:g} MiB",
               missed=idle_rss > TARGET_RSS_MIB)
    return med > TARGET_START_S


def import_costs(top: int = 10) -> None:
    """The top modules by cumulative import time of ``import ktv_api.app``."""
    code = "import ktv_api.app"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    wall = time.perf_counter() - t
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], check=True,
                         capture_output=True, text=True).stderr
    rows = []
    for line in err.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            rows.append((int(match.group(2)), int(match.group(1)), len(match.group(3)) // 2,
                         match.group(4)))
    rows.sort(reverse=True)
    first: dict[str, tuple[int, int, int, str]] = {}
    for row in rows:  # a module imported through its package appears twice
        first.setdefault(row[3], row)
    rows = list(first.values())
    print(f"\n  `python -c '{code}'` takes {wall:.2f} s wall; top {top} imports by cumulative "
          "time (-X importtime, depth = nesting):")
    for cum, self_us, depth, name in rows[:top]:
        print(f"    {cum / 1000:7.1f} ms cumulative  {self_us / 1000:6.1f} ms self  "
              f"depth {depth}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short rounds, fewer requests")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator for (a) (default: wrk when installed)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--importtime", action="store_true",
                        help="print the import costs even when the cold start meets its target")
    args = parser.parse_args()
    rounds, seconds = (1, 2.0) if args.quick else (3, 5.0)
    epg_requests = 300 if args.quick else 2_000
    starts = 3 if args.quick else 5

    print(f"K-TV HTTP API benchmark - python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC{' (quick)' if args.quick else ''}")
    report = Report()
    with tempfile.TemporaryDirectory(prefix="ktv-bench-") as name:
        tmp = Path(name)
        url = f"sqlite:{tmp / 'bench.db'}"
        subprocess.run([str(VENV_BIN / "ktv"), "--env-file", str(tmp / "no.env"), "migrate"],
                       cwd=tmp, env=server_env(url, "warning"), check=True,
                       stdout=subprocess.DEVNULL)
        t = time.perf_counter()
        fx = asyncio.run(populate(url))
        print(f"setup: `ktv migrate`, 1 user, {CHANNELS} channels (4 x 6 h blocks), "
              f"48 h schedules by ScheduleService over {ITEMS:,} items: {fx.slots:,} slots "
              f"in {time.perf_counter() - t:.1f} s")
        gen = pick_generator(tmp, args.generator)
        print(f"load generator: {gen.name}")
        print("server: `ktv serve` (uvicorn, one process), LOG_LEVEL=warning: no access "
              "lines are written")

        with running(tmp, url, "warning") as server:
            live, now = throughput(gen, server, fx, rounds=rounds, seconds=seconds,
                                   connections=args.connections, label="LOG_LEVEL=warning")
            summarise(report, live, now, "LOG_LEVEL=warning", target=True)
            bench_epg(report, server, fx, epg_requests)
            time.sleep(1.0)
            idle_rss = server.status("VmRSS")
            peak_rss = server.status("VmHWM")

        with running(tmp, url, "info") as server:
            live, now = throughput(gen, server, fx, rounds=1, seconds=seconds,
                                   connections=args.connections,
                                   label="LOG_LEVEL=info (one JSON access line per request)")
            summarise(report, live, now, "LOG_LEVEL=info", target=False)

        missed_start = bench_cold_start(report, tmp, fx, starts, idle_rss)
        print(f"  peak RSS of the warmed-up server (VmHWM): {peak_rss:.1f} MiB")
        if missed_start or args.importtime:
            import_costs()

    print(f"\nSummary (load generator: {gen.name}; {args.connections} connections)\n")
    report.print()


if __name__ == "__main__":
    main()

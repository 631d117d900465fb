"""Local library scan benchmark (run: ``uv run python bench/bench_scan.py [--files 300]``).

Makes ``--files`` small videos (copies of ffmpeg-made clips with distinct
bytes, in show/season folders with ``.nfo`` files), then measures, on a
SQLite index:

- the first scan (walk + PyAV probe in worker threads + index writes): files/s;
- a rescan with nothing changed (walk + compare, no probe): files/s;
- the baseline beside it: probing the same files the common way, one
  ``ffmpeg -i`` subprocess per file (what a scanner shelling out to
  ffprobe/ffmpeg pays), files/s, and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg

from ktv_api.app import SystemClock
from ktv_domain import MediaItemId
from ktv_localmedia import LocalLibrary
from ktv_sql import SqlUnitOfWorkFactory, create_engine, find_migrations_dir, migrate


def make_library(root: Path, n: int, ffmpeg: str) -> list[Path]:
    clip = root / "clip.mp4"
    subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=160x90:rate=10", "-f", "lavfi", "-i", "sine", "-c:a", "aac",
                    "-c:v", "libx264", "-preset", "ultrafast", "-t", "3", str(clip)], check=True)
    data = clip.read_bytes()
    media = root / "media"
    files: list[Path] = []
    for i in range(n):
        show, season, ep = i // 50, (i // 10) % 5 + 1, i % 10 + 1
        folder = media / f"Show {show}" / f"Season {season:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        if not (media / f"Show {show}" / "tvshow.nfo").exists():
            (media / f"Show {show}" / "tvshow.nfo").write_text(
                f"<tvshow><title>Show {show}</title><genre>Comedy</genre></tvshow>")
        path = folder / f"Show {show} - S{season:02d}E{ep:02d} - Episode {i}.mp4"
        path.write_bytes(data + i.to_bytes(4, "big"))  # distinct files, same duration
        files.append(path)
    return files


async def scan(media: Path, db: Path) -> tuple[float, float, int]:
    engine = create_engine(f"sqlite:{db}")
    await migrate(engine, find_migrations_dir("sqlite"))
    try:
        lib = LocalLibrary([media], SqlUnitOfWorkFactory(engine), SystemClock(),
                           stream_url=lambda i, d: f"/x/{MediaItemId(i)}",
                           probe_jobs=os.cpu_count() or 2)
        t0 = time.perf_counter()
        first = await lib.scan()
        t1 = time.perf_counter()
        again = await lib.scan()
        t2 = time.perf_counter()
        assert first.probed == first.files_seen
        assert again.probed == 0
        return t1 - t0, t2 - t1, first.items
    finally:
        await engine.dispose()


def baseline(files: list[Path], ffmpeg: str) -> float:
    t0 = time.perf_counter()
    for path in files:
        out = subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-i", str(path)],
                             capture_output=True, text=True, check=False)
        assert "Duration:" in out.stderr
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=300)
    args = parser.parse_args()
    ffmpeg = os.environ.get("FFMPEG_PATH") or imageio_ffmpeg.get_ffmpeg_exe()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = make_library(root, args.files, ffmpeg)
        first, rescan, items = asyncio.run(scan(root / "media", root / "ktv.db"))
        base = baseline(files, ffmpeg)
    n = len(files)
    print(f"{n} files, {items} items indexed")
    print(f"first scan (probe + index):   {first:6.2f} s  {n / first:8.0f} files/s")
    print(f"rescan, nothing changed:      {rescan:6.2f} s  {n / rescan:8.0f} files/s")
    print(f"baseline, ffmpeg -i per file: {base:6.2f} s  {n / base:8.0f} files/s")
    print(f"first scan vs baseline: {base / first:.1f}x faster")


if __name__ == "__main__":
    main()

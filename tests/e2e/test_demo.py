"""``ktv demo`` as a newcomer runs it: a fresh folder, nothing configured, any free port.

How long the demo takes is a figure for ``bench/bench_demo.py``, not an assertion here
(a shared machine makes wall-clock budgets flaky); this test only gives up when the
set-up has clearly hung.
"""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

import httpx
import pytest
from ipytv import playlist

from api.iptv_helpers import parse_guide
from e2e.process import clean_env, ktv_command

#: A hang, not a budget: generation (about 15 s here) plus scan, set-up and start-up.
READY_TIMEOUT = 180.0
_API = re.compile(r"API docs:\s+(http://\S+)/api/v1/docs")


def _lines(stream: IO[str]) -> queue.Queue[str | None]:
    """The lines of ``stream`` as they arrive (None at its end), read in a thread so a
    silent process cannot block the reader past its deadline."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _run_demo(workdir: Path) -> tuple[subprocess.Popen[str], list[str], str]:
    """Start ``ktv demo --port 0`` and read its stdout until the summary is printed;
    returns the process, the lines, and the API base URL the summary names."""
    process = subprocess.Popen(
        ktv_command("demo", "--port", "0"), cwd=workdir,
        env=clean_env(LOG_FORMAT="json", LOG_LEVEL="warning"), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=(workdir / "demo.stderr.log").open("w"), text=True)
    assert process.stdout is not None
    incoming = _lines(process.stdout)
    lines: list[str] = []
    deadline = time.monotonic() + READY_TIMEOUT
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = incoming.get(timeout=left)
        except queue.Empty:
            break
        if line is None:  # the demo exited before its summary
            break
        lines.append(line)
        if "Try it:" in line:
            # The rest of the summary follows in the same write.
            lines += [incoming.get(timeout=10) or "" for _ in range(4)]
            api = _API.search("\n".join(lines))
            assert api is not None, "\n".join(lines)
            return process, lines, f"{api.group(1)}/api/v1"
    process.kill()
    process.wait()
    log = (workdir / "demo.stderr.log").read_text()
    pytest.fail(f"ktv demo did not finish its set-up within {READY_TIMEOUT:.0f} s\n"
                + "\n".join(lines) + "\n" + log)


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0


def test_demo_from_nothing_then_again(tmp_path: Path) -> None:
    process, lines, base = _run_demo(tmp_path)
    try:
        text = "\n".join(lines)
        token = re.search(r"Token:\s+(\S+)", text)
        assert token is not None, text
        assert "demo@example.com / watch-k-tv" in text
        # The web player is the first URL of the summary, and it is there.
        summary = text[text.index("is on the air"):]
        root = base.removesuffix("/api/v1")
        assert re.findall(r"https?://\S+", summary)[0] == f"{root}/watch", summary
        page = httpx.get(f"{root}/watch", trust_env=False)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert (tmp_path / "ktv-demo" / "ktv-demo.db").is_file()
        # Each channel's printed stream URL plays as is (what mpv or VLC is given).
        watch = re.findall(r"watch:\s+(http\S+)", text)
        assert [w.rsplit("/", 1)[1] for w in watch] == ["101.ts", "102.ts", "103.ts"]
        with httpx.stream("GET", watch[0], trust_env=False, timeout=30) as r:
            assert (r.status_code, r.headers["content-type"]) == (200, "video/mp2t")
            first = next(r.iter_raw())
            assert first[0] == 0x47  # MPEG-TS sync byte
        headers = {"Authorization": f"Bearer {token.group(1)}"}
        with httpx.Client(base_url=base, headers=headers, trust_env=False, timeout=10) as c:
            channels = c.get("/channels").json()
            assert [ch["number"] for ch in channels] == ["101", "102", "103"]
            kinds = {b["content"].get("filter", {}).get("content_type", b["content"]["type"])
                     for ch in channels for b in ch["schedule_config"]["blocks"]}
            assert kinds == {"episode", "movie", "short", "manual"}
            for ch in channels:
                blocks = ch["schedule_config"]["blocks"]
                assert sum(b["duration_mins"] for b in blocks) == 1440  # the whole day
            now = c.get(f"/channels/{channels[0]['id']}/now")
            assert now.status_code == 200, now.text
            assert now.json()["offset_secs"] >= 0
            stream = c.get(f"/channels/{channels[0]['id']}/stream")
            assert stream.status_code == 307
            location = stream.headers["location"]
            assert "/api/v1/media/" in location
            media = httpx.get(httpx.URL(base).join(location.split("#")[0]),
                              headers={"Range": "bytes=0-1023"}, trust_env=False)
            assert media.status_code == 206
            assert media.content[4:8] == b"ftyp"  # an MP4 file
            assert media.headers["content-type"] == "video/mp4"
            library = c.get("/library/items", params={"limit": 500}).json()
            assert library["total"] == 25
        m3u_url = _iptv_urls_work(text, base)
    finally:
        _stop(process)

    # A second run reuses the videos, the account, the channels and their schedules.
    again, lines, base = _run_demo(tmp_path)
    try:
        text = "\n".join(lines)
        assert "0 files made" in text, text
        token = re.search(r"Token:\s+(\S+)", text)
        assert token is not None
        with httpx.Client(base_url=base, trust_env=False,
                          headers={"Authorization": f"Bearer {token.group(1)}"}) as c:
            assert len(c.get("/channels").json()) == 3
            status = c.get("/library/scan").json()
            assert (status["probed"], status["unchanged"]) == (0, 25)
        assert _iptv_urls_work(text, base) != m3u_url  # a new feed token each run
        # The first run's token no longer works (this run listens on another port).
        old = base.removesuffix("/api/v1") + httpx.URL(m3u_url).path
        assert httpx.get(old, trust_env=False).status_code == 404
    finally:
        _stop(again)


def _iptv_urls_work(text: str, base: str) -> str:
    """The printed M3U, XMLTV and HDHomeRun URLs answer; returns the M3U URL."""
    urls = {name: re.search(rf"{name}:\s+(http\S+)", text) for name in
            ("M3U", "XMLTV", "HDHomeRun")}
    assert all(urls.values()), text
    m3u, xmltv, hdhr = (m.group(1) for m in urls.values() if m is not None)
    assert m3u.startswith(f"{base.removesuffix('/api/v1')}/iptv/ktvf_")
    pl = playlist.loads(httpx.get(m3u, trust_env=False).text)
    assert [ch.attributes["tvg-chno"] for ch in pl] == ["101", "102", "103"]
    guide = parse_guide(httpx.get(xmltv, trust_env=False).content)
    assert len(guide.channels) == 3
    assert guide.programmes
    discover = httpx.get(hdhr.rstrip("/") + "/discover.json", trust_env=False).json()
    assert discover["LineupURL"].startswith(hdhr.rstrip("/"))
    return m3u

"""Helpers for the IPTV tests: feed tokens, XMLTV parsing and validation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from api.helpers import Api, Json

DTD_PATH = Path(__file__).resolve().parents[1] / "support" / "specs" / "xmltv.dtd"
_DTD = etree.DTD(str(DTD_PATH))


async def feed_token(api: Api, headers: dict[str, str], name: str | None = None) -> str:
    """A new feed token of the caller (the default one, or a named one)."""
    if name is None:
        r = await api.client.post("/api/v1/auth/feed-token", headers=headers)
    else:
        r = await api.client.post("/api/v1/auth/feed-tokens", headers=headers,
                                  json={"name": name})
    assert r.status_code == 201, r.text
    token: str = r.json()["token"]
    return token


def xmltv_instant(text: str) -> datetime:
    assert text.endswith(" +0000"), text
    return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def floor_second(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC).replace(microsecond=0)


@dataclass
class Programme:
    channel: str
    start: datetime
    stop: datetime
    children: list[str]
    title: str
    element: Any

    def texts(self, tag: str) -> list[str]:
        return [e.text or "" for e in self.element.findall(tag)]

    def episode(self, system: str) -> str | None:
        found = self.element.find(f"episode-num[@system='{system}']")
        return None if found is None else str(found.text)


@dataclass
class Guide:
    root: Any
    channels: dict[str, list[str]]  # id -> display-names
    icons: dict[str, str | None]
    programmes: list[Programme]

    def of(self, channel_id: str) -> list[Programme]:
        return [p for p in self.programmes if p.channel == channel_id]


def parse_guide(body: bytes) -> Guide:
    """The guide, after checking it against the XMLTV DTD (lxml) and well-formedness."""
    root = etree.fromstring(body)
    assert _DTD.validate(root), _DTD.error_log.filter_from_errors()
    channels = {c.get("id"): [d.text for d in c.findall("display-name")]
                for c in root.findall("channel")}
    icons = {c.get("id"): (c.find("icon").get("src") if c.find("icon") is not None else None)
             for c in root.findall("channel")}
    programmes = [Programme(channel=p.get("channel"), start=xmltv_instant(p.get("start")),
                            stop=xmltv_instant(p.get("stop")),
                            children=[c.tag for c in p], title=p.findtext("title"),
                            element=p)
                  for p in root.findall("programme")]
    return Guide(root=root, channels=channels, icons=icons, programmes=programmes)


async def guide(api: Api, token: str, **headers: str) -> Guide:
    r = await api.client.get(f"/iptv/{token}/xmltv.xml", headers=headers)
    assert r.status_code == 200, r.text
    return parse_guide(r.content)


async def epg(api: Api, headers: dict[str, str], channel_id: str, start: datetime,
              until: datetime) -> list[Json]:
    r = await api.client.get(f"/api/v1/channels/{channel_id}/epg", headers=headers,
                             params={"from": start.isoformat(), "until": until.isoformat()})
    assert r.status_code == 200, r.text
    slots: list[Json] = r.json()
    return slots

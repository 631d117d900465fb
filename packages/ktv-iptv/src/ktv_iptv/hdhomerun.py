"""An emulated HDHomeRun tuner's documents (protocols.md section 4).

Plex and Jellyfin read ``discover.json`` (the device), ``lineup.json`` (the
channels), ``lineup_status.json`` and ``device.xml`` (UPnP) under the URL the
user enters. The model is an ``HDTC-2US`` (the one every emulator claims): with
"hdtc" in the model Jellyfin appends ``?transcode=...`` to lineup URLs, so those
URLs carry no query string of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .text import escape, one_line

__all__ = ["FIRMWARE_NAME", "FIRMWARE_VERSION", "MODEL_NUMBER", "LineupEntry", "Tuner",
           "device_xml", "discover", "lineup", "lineup_status"]

MODEL_NUMBER = "HDTC-2US"
FIRMWARE_NAME = "hdhomeruntc_atsc"
FIRMWARE_VERSION = "20200101"
MANUFACTURER = "Silicondust"


@dataclass(frozen=True, slots=True, kw_only=True)
class Tuner:
    #: Absolute URL the documents live under (``.../iptv/{token}/hdhr``), no slash.
    base_url: str
    device_id: str
    device_auth: str
    udn: uuid.UUID
    tuner_count: int
    friendly_name: str = "K-TV"


@dataclass(frozen=True, slots=True, kw_only=True)
class LineupEntry:
    number: str
    name: str
    #: Absolute stream URL without a query string.
    url: str


def discover(t: Tuner) -> dict[str, Any]:
    return {
        "FriendlyName": t.friendly_name,
        "Manufacturer": MANUFACTURER,
        "ManufacturerURL": "https://github.com/k-tv",
        "ModelNumber": MODEL_NUMBER,
        "FirmwareName": FIRMWARE_NAME,
        "FirmwareVersion": FIRMWARE_VERSION,
        "DeviceID": t.device_id,
        "DeviceAuth": t.device_auth,
        "BaseURL": t.base_url,
        "LineupURL": f"{t.base_url}/lineup.json",
        "TunerCount": t.tuner_count,
    }


def lineup(entries: Iterable[LineupEntry]) -> list[dict[str, Any]]:
    """``GuideNumber`` is a string ("101", "2.1"), as real tuners send it."""
    return [{"GuideNumber": e.number, "GuideName": one_line(e.name), "URL": e.url}
            for e in entries]


def lineup_status() -> dict[str, Any]:
    return {"ScanInProgress": 0, "ScanPossible": 1, "Source": "Cable", "SourceList": ["Cable"]}


def device_xml(t: Tuner) -> str:
    """The UPnP root device description (Plex reads it during discovery)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<root xmlns="urn:schemas-upnp-org:device-1-0">\n'
        f"  <URLBase>{escape(t.base_url)}</URLBase>\n"
        "  <specVersion><major>1</major><minor>0</minor></specVersion>\n"
        "  <device>\n"
        "    <deviceType>urn:schemas-upnp-org:device:MediaServer:1</deviceType>\n"
        f"    <friendlyName>{escape(t.friendly_name)}</friendlyName>\n"
        f"    <manufacturer>{MANUFACTURER}</manufacturer>\n"
        f"    <modelName>{MODEL_NUMBER}</modelName>\n"
        f"    <modelNumber>{MODEL_NUMBER}</modelNumber>\n"
        f"    <serialNumber>{t.device_id}</serialNumber>\n"
        f"    <UDN>uuid:{t.udn}</UDN>\n"
        "  </device>\n"
        "</root>\n")

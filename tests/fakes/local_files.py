"""An in-memory ``ktv_api.local_files.LocalFiles``: indexed ids mapped to files."""

from __future__ import annotations

from pathlib import Path

from ktv_domain import MediaItemId, NotFound

__all__ = ["FakeLocalFiles"]


class FakeLocalFiles:
    """Knows only the ids it was given, like the local library's index."""

    def __init__(self, files: dict[str, Path] | None = None) -> None:
        self.files: dict[str, Path] = dict(files or {})
        self.lookups: list[str] = []

    def add(self, item_id: str, path: Path) -> None:
        self.files[item_id] = path

    async def local_file(self, item_id: MediaItemId) -> Path:
        self.lookups.append(item_id)
        try:
            return self.files[item_id]
        except KeyError:
            raise NotFound("no such media item") from None

"""Kodi/Jellyfin .nfo parsing: fields, quirks, and refusals that never raise."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ktv_localmedia import MAX_NFO_BYTES, NfoData, NfoKind, find_nfo, parse_nfo, read_nfo

MOVIE = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<movie>
  <title>The Movie</title>
  <plot>Things happen.</plot>
  <genre>Drama</genre><genre>Comedy</genre><genre>drama</genre><genre> </genre>
  <tag>favourite</tag><tag>4k</tag>
  <year>1999</year>
  <premiered>1999-03-31</premiered>
  <runtime>120</runtime>
</movie>
"""

EPISODE = """<episodedetails>
  <title>Pilot \u00e9</title><showtitle>The Show</showtitle>
  <season>1</season><episode>2</episode><aired>2005-09-13</aired>
</episodedetails>
<episodedetails><title>Second part</title><season>1</season><episode>3</episode></episodedetails>
""".encode()


def test_movie_fields() -> None:
    data, warning = parse_nfo(MOVIE)
    assert warning is None
    assert data == NfoData(kind=NfoKind.MOVIE, title="The Movie", plot="Things happen.",
                           genres=("Drama", "Comedy"), tags=("favourite", "4k"), year=1999,
                           premiered=date(1999, 3, 31))


def test_episode_fields_multi_episode_file_uses_the_first() -> None:
    data, warning = parse_nfo(EPISODE)
    assert warning is None
    assert data == NfoData(kind=NfoKind.EPISODE, title="Pilot é", showtitle="The Show",
                           season=1, episode=2, premiered=date(2005, 9, 13), year=2005)


def test_tvshow_and_trailing_url() -> None:
    text = b"<tvshow><title>The Show</title><genre>Sci-Fi</genre></tvshow>\nhttps://example.org/1"
    data, warning = parse_nfo(text)
    assert warning is None
    assert data == NfoData(kind=NfoKind.TVSHOW, title="The Show", genres=("Sci-Fi",))


def test_bad_numbers_and_dates_are_dropped() -> None:
    text = (b"<episodedetails><season>one</season><episode>-4</episode><year>99999</year>"
            b"<premiered>soon</premiered></episodedetails>")
    data, _ = parse_nfo(text)
    assert data == NfoData(kind=NfoKind.EPISODE)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<movie><title>&lol2;</title></movie>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE movie [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><movie><title>&xxe;</title></movie>"""


@pytest.mark.parametrize(("data", "reason"), [
    (BOMB, "DTD"),
    (XXE, "DTD"),
    (b"<!doctype movie><movie/>", "DTD"),
    (b"<movie><title>unclosed</movie>", "not valid XML"),
    (b"https://www.themoviedb.org/movie/603", "not valid XML"),
    (b"", "not valid XML"),
    (b"<musicvideo><title>x</title></musicvideo>", "unsupported root"),
    (b"<?xml version='1.0' encoding='klingon'?><movie/>", "not valid XML"),
    (b"<movie>" + b" " * MAX_NFO_BYTES + b"</movie>", "larger than"),
])
def test_refused_files_give_a_reason_and_never_raise(data: bytes, reason: str) -> None:
    result = parse_nfo(data)
    assert result.data is None
    assert result.warning is not None
    assert reason in result.warning


def test_read_nfo_unreadable(tmp_path: Path) -> None:
    data, warning = read_nfo(tmp_path / "missing.nfo")
    assert data is None
    assert warning is not None
    assert "unreadable" in warning


def test_find_nfo_prefers_the_stem_then_movie_nfo_and_finds_tvshow(tmp_path: Path) -> None:
    media = tmp_path.resolve()
    season = media / "Show" / "Season 1"
    season.mkdir(parents=True)
    video = season / "Show - S01E01.mkv"
    (media / "Show" / "tvshow.nfo").write_bytes(b"<tvshow/>")
    (season / "movie.nfo").write_bytes(b"<movie/>")
    assert find_nfo(video, media) == (season / "movie.nfo", media / "Show" / "tvshow.nfo")
    video.with_suffix(".nfo").write_bytes(b"<episodedetails/>")
    assert find_nfo(video, media).item == video.with_suffix(".nfo")


def test_find_nfo_never_looks_above_the_media_dir(tmp_path: Path) -> None:
    media = (tmp_path / "media").resolve()
    (media / "Show").mkdir(parents=True)
    (tmp_path / "tvshow.nfo").write_bytes(b"<tvshow/>")
    assert find_nfo(media / "Show" / "x.mkv", media) == (None, None)


def test_find_nfo_ignores_symlinks_out(tmp_path: Path) -> None:
    media = (tmp_path / "media").resolve()
    media.mkdir()
    outside = tmp_path / "secret.nfo"
    outside.write_bytes(b"<movie/>")
    (media / "film.nfo").symlink_to(outside)
    assert find_nfo(media / "film.mkv", media) == (None, None)

"""K-TV local-folder media adapter: the building blocks of the embedded ``MediaProvider``.

- :mod:`.walk`: a safe recursive walk of the media folders (no symlinks out, no
  loops, hidden and unreadable folders skipped) and :func:`resolve_inside`;
- :mod:`.probe`: PyAV probing (duration, codecs, resolution), blocking;
- :mod:`.nfo`: Kodi/Jellyfin ``.nfo`` files, parsed safely;
- :mod:`.names`: metadata from file and folder names;
- :mod:`.classify`: content type, collections and stable ids;
- :mod:`.scan`: one file to one ``MediaItem``;
- :mod:`.sample`: the sample library of ``ktv demo``, made with ffmpeg.

It imports the domain and PyAV only; never the web framework, the app or
another adapter. Errors: :mod:`.errors`.
"""

from .classify import (
    SHORT_MAX_SECS,
    SHORTS_FOLDER_NAMES,
    Collection,
    classify,
    collection_id,
    collections_for,
    item_id,
)
from .errors import LocalMediaError, ProbeFailed, SampleLibraryError, UnsafePath
from .library import DEFAULT_REFRESH_SECS, LocalLibrary, StreamUrl, mime_type_for
from .names import (
    ParsedName,
    clean_name,
    display_name,
    parse_file_name,
    parse_path,
    parse_season_folder,
)
from .nfo import MAX_NFO_BYTES, NfoData, NfoFiles, NfoKind, NfoResult, find_nfo, parse_nfo, read_nfo
from .probe import ProbeResult, probe
from .sample import SampleClip, SampleLibrary, generate_sample_library
from .scan import ScanOutcome, build_item, scan_file
from .walk import (
    IGNORED_FOLDERS,
    VIDEO_EXTENSIONS,
    VideoFile,
    WarningSink,
    resolve_inside,
    resolve_media_dirs,
    walk_media_dirs,
)

__all__ = [
    "DEFAULT_REFRESH_SECS",
    "IGNORED_FOLDERS",
    "MAX_NFO_BYTES",
    "SHORTS_FOLDER_NAMES",
    "SHORT_MAX_SECS",
    "VIDEO_EXTENSIONS",
    "Collection",
    "LocalLibrary",
    "LocalMediaError",
    "NfoData",
    "NfoFiles",
    "NfoKind",
    "NfoResult",
    "ParsedName",
    "ProbeFailed",
    "ProbeResult",
    "SampleClip",
    "SampleLibrary",
    "SampleLibraryError",
    "ScanOutcome",
    "StreamUrl",
    "UnsafePath",
    "VideoFile",
    "WarningSink",
    "build_item",
    "classify",
    "clean_name",
    "collection_id",
    "collections_for",
    "display_name",
    "find_nfo",
    "generate_sample_library",
    "item_id",
    "mime_type_for",
    "parse_file_name",
    "parse_nfo",
    "parse_path",
    "parse_season_folder",
    "probe",
    "read_nfo",
    "resolve_inside",
    "resolve_media_dirs",
    "scan_file",
    "walk_media_dirs",
]

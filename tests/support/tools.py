"""External programs some tests drive (``tv_validate_file``, ``chromium``, ``mpv``...).

Locally a missing tool skips its tests with a reason that names the Debian
package; CI (``KTV_REQUIRE_TOOLS=1``, set by ``.ci/run``, which installs them)
turns that skip into a failure, so a test never silently stops running there.
The same rule as PostgreSQL (``KTV_REQUIRE_POSTGRES``).
"""

from __future__ import annotations

import os
import shutil

import pytest

__all__ = ["require_tool"]


def require_tool(name: str, *, apt_package: str) -> str:
    """The absolute path of the program ``name``; skips (locally) or fails (CI) without it."""
    path = shutil.which(name)
    if path is not None:
        return path
    reason = f"{name} is not installed (Debian package {apt_package!r})"
    if os.environ.get("KTV_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{reason}, but KTV_REQUIRE_TOOLS=1 requires it", pytrace=False)
    pytest.skip(f"{reason}; `apt-get install {apt_package}` to run this test")

"""Split a migration file into statements (quotes, comments and $$ bodies respected)."""

from __future__ import annotations

import re

__all__ = ["split_statements"]

_DOLLAR = re.compile(r"\$[A-Za-z_0-9]*\$")


def split_statements(script: str) -> list[str]:
    """The statements of ``script`` without their trailing ``;``; blank ones dropped."""
    out: list[str] = []
    buf: list[str] = []
    i, n = 0, len(script)
    while i < n:
        c = script[i]
        if c in ("'", '"'):
            j = script.find(c, i + 1)
            while j != -1 and script.startswith(c * 2, j):  # doubled quote: escaped
                j = script.find(c, j + 2)
            j = n if j == -1 else j + 1
            buf.append(script[i:j])
            i = j
        elif script.startswith("--", i):
            j = script.find("\n", i)
            i = n if j == -1 else j
        elif script.startswith("/*", i):
            j = script.find("*/", i + 2)
            i = n if j == -1 else j + 2
        elif c == "$" and (m := _DOLLAR.match(script, i)):
            j = script.find(m.group(), m.end())
            j = n if j == -1 else j + len(m.group())
            buf.append(script[i:j])
            i = j
        elif c == ";":
            out.append("".join(buf).strip())
            buf = []
            i += 1
        else:
            buf.append(c)
            i += 1
    out.append("".join(buf).strip())
    return [s for s in out if s]

"""The rules of the wire, stated once: msgspec enforces them while decoding and the
OpenAPI document shows them (it is generated from the same ``Meta``).

Patterns are written for every regex dialect a client may use (ECMA-262 in a
browser, Python, Rust): explicit character classes instead of ``\\s``, and
anchored with ``^...\\Z``. msgspec searches with Python's ``re``, where ``$``
would also match before a final newline; the document shows ``$`` (which
means end of text in ECMA-262), so both sides refuse ``"20:00\\n"``.
Rules JSON Schema cannot state (a time zone must exist, blocks must not
overlap) are in the field's description and answered with a 422 naming the field.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

__all__ = ["BLANK_CHARS", "EMAIL_PATTERN", "HTTP_URL_PATTERN", "NOT_BLANK", "UUID_PATTERN",
           "meta"]

#: Every character Python's ``str.isspace`` (so ``str.strip``) treats as white space.
BLANK_CHARS: Final = ("\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028"
                      "\\u2029\\u202f\\u205f\\u3000")
#: Contains at least one character that is not white space (``value.strip() != ""``).
NOT_BLANK: Final = f"[^{BLANK_CHARS}]"

UUID_PATTERN: Final = (r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                       r"[0-9a-fA-F]{12}\Z")

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
#: A plain address every validator accepts: a local part of at most 64 characters in up to
#: three dot-separated atoms, host name labels, an alphabetic top-level label (with the
#: 254-character limit, which is stated next to it).
EMAIL_PATTERN: Final = (
    rf"^(?:{_ATOM}{{1,64}}|{_ATOM}{{1,40}}\.{_ATOM}{{1,23}}|{_ATOM}{{1,30}}\.{_ATOM}{{1,16}}"
    rf"\.{_ATOM}{{1,16}})@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}\Z")

_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|{_PCT})"
#: An absolute http(s) URL made only of the characters RFC 3986 allows where they stand;
#: the host does not start with ``.`` or ``$``.
HTTP_URL_PATTERN: Final = (
    rf"^[Hh][Tt][Tt][Pp][Ss]?://(?:[A-Za-z0-9\-_~!&'()*+,;=]|{_PCT})"
    rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=]|{_PCT})*(?::[0-9]*)?(?:/{_PCHAR}*)*"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?\Z")


def meta(*, format: str | None = None, **kwargs: Any) -> msgspec.Meta:
    """``msgspec.Meta`` with an optional JSON Schema ``format`` (a hint for clients; the
    pattern or type is what the server checks)."""
    extra = {"format": format} if format else None
    return msgspec.Meta(extra_json_schema=extra, **kwargs)

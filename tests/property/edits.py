"""Edits of a schedule config between two generations, as an editor makes them.

Each block is kept, replaced (a new block with new content), removed, moved (same
id and content, another start or length), or sent back without its id (the same
block, a new id); new blocks may be added. The block on air is the likeliest target.
A move or an addition that would overlap another block is dropped, as the API would
refuse it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import time

from hypothesis import strategies as st

from ktv_domain import BlockId, MediaItem, ProgrammingBlock
from property.model import one_block

__all__ = ["EDITS", "Edited", "edited_configs"]

EDITS = ("keep", "replace", "remove", "move", "strip_id")


@dataclasses.dataclass(frozen=True)
class Edited:
    blocks: tuple[ProgrammingBlock, ...]
    #: What happened to each block of the old config, by its id.
    done: dict[BlockId, str]


def _new_id(n: int) -> BlockId:
    return BlockId(uuid.UUID(int=(n << 64) | 0xED17))


def _fits(block: ProgrammingBlock, others: Sequence[ProgrammingBlock]) -> bool:
    return not any(block.overlaps(o) for o in others)


@st.composite
def edited_configs(draw: st.DrawFn, blocks: Sequence[ProgrammingBlock],
                   library: Sequence[MediaItem], on_air: BlockId | None) -> Edited:
    """A new config made from ``blocks`` by the edits above (and additions)."""
    fresh = iter(range(1, 1000))
    out: list[ProgrammingBlock] = []
    done: dict[BlockId, str] = {}
    for block in blocks:
        others = [b for b in blocks if b.id != block.id]
        likely = ["replace", "remove", "move", "strip_id"] if block.id == on_air else []
        edit = draw(st.sampled_from(likely) | st.sampled_from(EDITS) if likely
                    else st.sampled_from(EDITS))
        if edit == "remove":
            done[block.id] = edit
            continue
        if edit == "replace":
            new = draw(one_block(library, _new_id(next(fresh)), f"{block.name}'"))
            new = dataclasses.replace(new, start_time=block.start_time,
                                      duration_mins=draw(st.sampled_from(
                                          [block.duration_mins, new.duration_mins])))
        elif edit == "move":
            new = dataclasses.replace(
                block, start_time=draw(st.builds(time, st.integers(0, 23),
                                                 st.sampled_from([0, 15, 30, 45]))),
                duration_mins=draw(st.sampled_from([block.duration_mins, 30, 90, 300])))
        elif edit == "strip_id":
            new = dataclasses.replace(block, id=_new_id(next(fresh)))
        else:
            new = block
        if not _fits(new, [*out, *others]):  # the edit would overlap: refused, kept as is
            new, edit = block, "keep"
        done[block.id] = edit
        out.append(new)
    for _ in range(draw(st.integers(0, 2))):
        added = draw(one_block(library, _new_id(next(fresh)), "Added"))
        if _fits(added, out):
            out.append(added)
    return Edited(tuple(out), done)

"""The hash chain of attested days: pure functions over values (no ORM)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(content: dict[str, Any]) -> str:
    """One text for one content: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(content)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    seq: int
    content: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    count: int
    broken_at: int | None = None  # the seq of the first entry whose stored hash does not follow
    reason: str = ""


def verify(links: Iterable[Link]) -> ChainCheck:
    """Walk the chain from the start: each entry must name the previous entry's hash and hash to its own."""
    prev = GENESIS
    count = 0
    for link in links:
        count += 1
        if link.prev_hash != prev:
            return ChainCheck(False, count, link.seq, "prev_hash")
        if link_hash(prev, link.content) != link.hash:
            return ChainCheck(False, count, link.seq, "content")
        prev = link.hash
    return ChainCheck(True, count)

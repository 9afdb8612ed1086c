"""What each published feed was rendered from, kept with the publication, so that the next
one renders again only the feeds whose sessions or settings changed.

The record is a hidden file of the published folder (`RECORD`; `festival serve` never
serves hidden files), published in the same swap as the feeds it describes. For each
feed it holds the digest of what it was rendered from (`ical.digests`) and the SHA-256
of its bytes; a feed counts as published only while its file still holds those bytes,
so a feed edited, damaged or deleted by hand is rendered again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

#: the record's path in the published folder
RECORD = ".festival-rendered.json"


def intact(folder: Path | None, digests: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """The feeds of `digests` (path → digest of what it is rendered from) that `folder`
    already publishes as rendered from the same, in files holding the bytes recorded for
    them: path → (that digest, SHA-256 of the bytes)."""
    if folder is None:
        return {}
    try:
        record = json.loads((folder / RECORD).read_bytes())
        listed = {
            str(path): (str(inputs), str(sha)) for path, (inputs, sha) in record["feeds"].items()
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}  # none yet, or unreadable: every feed is rendered
    found = {}
    for path, (inputs, sha) in listed.items():
        if digests.get(path) != inputs:
            continue
        target = folder / path
        try:
            if not target.is_symlink() and _sha(target.read_bytes()) == sha:
                found[path] = (inputs, sha)
        except (OSError, ValueError):
            continue
    return found


def record(
    digests: Mapping[str, str],
    rendered: Mapping[str, bytes],
    kept: Mapping[str, tuple[str, str]],
) -> bytes:
    """The record of a publication: every feed in `digests`, rendered now or `kept` as
    published."""
    feeds = {}
    for path in sorted(digests):
        sha = _sha(rendered[path]) if path in rendered else kept[path][1]
        feeds[path] = [digests[path], sha]
    return (json.dumps({"feeds": feeds}, indent=0, sort_keys=True) + "\n").encode()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

"""`changes.atom`: one Atom entry per published revision that changed something.

For people who follow changes in a feed reader. Each entry lists the revision's
changes (moved: old → new time and venue; added; cancelled; updated) and keeps its
id for ever; the entries of earlier revisions are read back from the published file
(the newest `KEEP` of them), so an unchanged re-run writes the same bytes and a
re-plan adds exactly one entry.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from .. import __version__, days
from ..diff import Change, Kind
from ..labels import counted, label
from ..model import Entry, Festival
from . import links

NS = "http://www.w3.org/2005/Atom"
PATH = "changes.atom"
KEEP = 100  # entries kept; older revisions drop off the feed


@dataclass(frozen=True)
class AtomEntry:
    """One published revision's entry: its changes, one line of text each."""

    id: str
    title: str
    updated: str  # RFC 3339, UTC
    items: tuple[str, ...]

    @property
    def content(self) -> str:
        """The changes as the entry's HTML content."""
        return "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in self.items) + "</ul>"


def read_entries(data: bytes | None) -> list[AtomEntry]:
    """The entries of a published `changes.atom`, newest first; none if it is missing or
    not one (the history then starts again)."""
    if not data:
        return []
    try:
        root = defusedxml.ElementTree.fromstring(data)
    except (ParseError, DefusedXmlException, RecursionError):
        return []
    found = []
    for element in root.findall(f"{{{NS}}}entry"):
        parts = [element.findtext(f"{{{NS}}}{key}") for key in ("id", "title", "updated")]
        content = element.findtext(f"{{{NS}}}content") or ""
        items = tuple(html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", content, re.S))
        if all(parts):
            found.append(AtomEntry(*(str(p) for p in parts), items))
    return found


def _when(festival: Festival, entry: Entry) -> str:
    start = days.local(festival, entry.start)
    end = days.local(festival, entry.end)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def _place(festival: Festival, entry: Entry, venues: dict[str, str]) -> str:
    return f"{_when(festival, entry)}, {venues.get(entry.venue, entry.venue)}"


def entry_for(festival: Festival, changes: Sequence[Change], at: datetime) -> AtomEntry:
    """The entry of a revision published at `at` with `changes`."""
    language = festival.language
    venues = {v.id: v.name for v in festival.venues}
    colon = label(language, "colon")
    items = []
    for c in changes:
        kind = label(language, f"change.{c.kind}")
        if c.kind == Kind.MOVED:
            assert c.old and c.new
            what = f"{_place(festival, c.old, venues)} → {_place(festival, c.new, venues)}"
        elif c.kind == Kind.ADDED:
            assert c.new
            what = _place(festival, c.new, venues)
        elif c.kind == Kind.CANCELLED:
            assert c.old
            what = _place(festival, c.old, venues)
        elif c.old is not None and c.new is not None and c.old.title != c.new.title:
            kind = label(language, "change.renamed")
            what = f"{c.old.title} → {c.new.title}"
        else:
            what = label(language, "change.updated_text")
        items.append(f"{kind}{colon}{c.title}{colon}{what}")
    stamp = at.astimezone(UTC).replace(microsecond=0)
    name = f"festival:{festival.id}/changes/{stamp.isoformat()}"
    return AtomEntry(
        id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}",
        title=counted(language, "atom.entry", len(changes)),
        updated=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        items=tuple(items),
    )


def render(
    festival: Festival,
    entries: tuple[Entry, ...],
    history: Sequence[AtomEntry],
) -> bytes:
    """The Atom document of `history` (newest first, at most `KEEP`)."""
    history = list(history)[:KEEP]
    ElementTree.register_namespace("", NS)
    feed = ElementTree.Element(f"{{{NS}}}feed")
    if festival.language:
        feed.set("{http://www.w3.org/XML/1998/namespace}lang", festival.language)

    def add(
        parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str
    ) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{NS}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    add(feed, "id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'festival:{festival.id}/changes')}")
    add(feed, "title", label(festival.language, "atom.title", festival=festival.name))
    add(feed, "updated", history[0].updated if history else _quiet_since(festival, entries))
    author = add(feed, "author")
    add(author, "name", festival.name)
    add(feed, "generator", "festival", version=__version__)
    if festival.feed_url:
        add(
            feed, "link", rel="self", href=f"{festival.feed_url}{PATH}", type="application/atom+xml"
        )
    page = links.page_url(festival)
    if page:
        add(feed, "link", rel="alternate", href=page, type="text/html")
    for item in history:
        entry = add(feed, "entry")
        add(entry, "id", item.id)
        add(entry, "title", item.title)
        add(entry, "updated", item.updated)
        if page:
            add(entry, "link", rel="alternate", href=page, type="text/html")
        add(entry, "content", item.content, type="html")
    ElementTree.indent(feed)
    text = ElementTree.tostring(feed, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{text}\n'.encode()


def _quiet_since(festival: Festival, entries: tuple[Entry, ...]) -> str:
    """`updated` of a feed without entries: the newest change of any session."""
    latest = max((e.last_modified for e in entries), default=None)
    if latest is None:
        latest = days.midnight(days.zone(festival), festival.start)
    return latest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def history(
    festival: Festival, changes: Sequence[Change], at: datetime, previous: bytes | None
) -> list[AtomEntry]:
    """The entries to publish, newest first: the previous publication's, and one for
    `changes` if any."""
    found = read_entries(previous)
    if changes:
        new = entry_for(festival, changes, at)
        found = [new, *(e for e in found if e.id != new.id)]
    return found[:KEEP]


def outputs(
    festival: Festival, entries: tuple[Entry, ...], entries_history: Sequence[AtomEntry]
) -> dict[str, bytes]:
    """`changes.atom`, rendered."""
    return {PATH: render(festival, entries, entries_history)}

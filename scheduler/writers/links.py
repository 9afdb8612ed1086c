"""Addresses of the published page and of each session on it, shared by every writer."""

from __future__ import annotations

from ..model import Festival


def page_url(festival: Festival) -> str:
    """The timetable page's public address: `url`, else the page in the published folder
    (`feed_url`), else "" (unknown)."""
    if festival.url:
        return festival.url
    return f"{festival.feed_url}index.html" if festival.feed_url else ""


def session_anchor(session_id: str) -> str:
    """The id of a session's element on the page."""
    return f"session-{session_id}"


def session_url(festival: Festival, session_id: str) -> str:
    """A session's address on the page ("" when the page's address is unknown)."""
    page = page_url(festival)
    return f"{page.split('#')[0]}#{session_anchor(session_id)}" if page else ""

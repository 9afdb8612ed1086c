"""Words that published files show, in each supported language.

The English words live here; other languages are gettext catalogs read with
Babel (`scheduler/locale/<locale>/LC_MESSAGES/festival.po`, one entry per
key as `msgctxt`). Dates and weekday names come from Babel's CLDR data.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("en", "zh-CN")
#: the Babel locale of each language, for dates, weekday names and catalogs
LOCALES = {"en": "en", "zh-CN": "zh_CN"}
CATALOGS = Path(__file__).resolve().parent / "locale"

ENGLISH = {
    "track": "Track",
    "people": "People",
    "venue": "Venue",
    "cancelled": "Cancelled",
    "feed.festival": "All sessions of {festival}",
    "feed.track": "Sessions of track {name} at {festival}",
    "feed.venue": "Sessions at {name} during {festival}",
    "feed.person": "Sessions of {festival} that {name} attends",
    "list_separator": ", ",
    "colon": ": ",
    "page.subscribe": "Subscribe",
    "page.subscribe_help": (
        "Add a feed to your calendar app; it updates itself when the plan changes."
    ),
    "page.whole_festival": "Whole festival",
    "page.tracks": "Tracks",
    "page.venues": "Venues",
    "page.people": "People",
    "page.calendar": "Calendar",
    "page.list": "Programme",
    "page.apple": "Apple / Outlook",
    "page.google": "Google",
    "page.copy": "Link",
    "page.times_in": "Times in {zone}",
    "page.no_sessions": "No sessions",
    "page.free_slot": "free slot",
    "page.not_a_festival_day": "no sessions this day",
    "page.updated": "Last updated {when}",
    "page.all_tracks": "All tracks",
    "page.views": "View",
    "page.month_view": "Month",
    "page.day_view": "Day by day",
    "page.days": "Day by day",
    "page.now": "Now",
    "page.star": "Star {title}",
    "page.agenda": "My agenda",
    "page.agenda_help": (
        "Star sessions to build your agenda; it is kept in this browser. Subscribe to it to "
        "keep it up to date in your calendar, or download it once."
    ),
    "page.agenda_subscribe": "Subscribe to my agenda:",
    "page.download": "Download .ics",
    "page.add_to_calendar": "Add to my calendar",
    "page.track_filter": "Show",
    "atom.title": "Changes to {festival}",
    "atom.entry": "{count} change(s) published",
    "change.moved": "Moved",
    "change.added": "Added",
    "change.cancelled": "Cancelled",
    "change.updated": "Updated",
    "change.renamed": "Renamed",
    "page.changes": "Latest changes",
    "change.updated_text": "title, people, description or location changed",
    "agenda.name": "{festival} · my agenda",
    "agenda.description": "{count} chosen sessions of {festival}",
    "agenda.unknown": "; not in the programme, left out: {ids}",
}


@lru_cache(maxsize=8)
def _translations(locale: str) -> dict[str, str]:
    """key → translated text, from the locale's catalog (empty if it has none)."""
    path = CATALOGS / locale / "LC_MESSAGES" / "festival.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {
        message.context: message.string
        for message in catalog
        if message.id and message.context and message.string
    }


def label(language: str, key: str, **values: str) -> str:
    """The text for `key` in `language`, with `{placeholders}` filled in."""
    text = _translations(LOCALES.get(language, "en")).get(key, ENGLISH[key])
    return text.format(**values)

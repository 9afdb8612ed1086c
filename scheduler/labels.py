"""Words that published files show, in each supported language.

The English words live here; other languages are gettext catalogs read with
Babel (`scheduler/locale/<locale>/LC_MESSAGES/festival.po`, one entry per
key as `msgctxt`). Dates and weekday names come from Babel's CLDR data.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

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
    "change.moved": "Moved",
    "change.added": "Added",
    "change.cancelled": "Cancelled",
    "change.updated": "Updated",
    "change.renamed": "Renamed",
    "page.changes": "Latest changes",
    "change.updated_text": "title, track, people, description or location changed",
    "page.exports": "For apps",
    "page.exports_help": (
        "The programme in the formats conference apps and tools read; give them the address."
    ),
    "page.export.xml": (
        "schedule.xml: conference apps (ConfClerk, Giggity, EventFahrplan), info-beamer "
        "signage, the Engelsystem volunteer planner"
    ),
    "page.export.json": (
        "schedule.json: the same in c3voc's JSON: the c3voc recording pipeline, pyfahrplan"
    ),
    "page.export.atom": "changes.atom: every published change, for a feed reader",
    "agenda.name": "{festival} · my agenda",
    "agenda.unknown": "; not in the programme, left out: {ids}",
}
#: words that depend on a number ({count}): the English singular and plural; other
#: languages give as many forms as their catalog's Plural-Forms rule chooses from
PLURAL = {
    "atom.entry": ("{count} change published", "{count} changes published"),
    "agenda.description": (
        "{count} chosen session of {festival}",
        "{count} chosen sessions of {festival}",
    ),
}


@lru_cache(maxsize=8)
def _catalog(locale: str) -> Catalog | None:
    path = CATALOGS / locale / "LC_MESSAGES" / "festival.po"
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _translations(locale: str) -> dict[str, str | tuple[str, ...]]:
    """key → translated text (a tuple of forms for the words of `PLURAL`), from the
    locale's catalog (empty if it has none)."""
    catalog = _catalog(locale)
    if catalog is None:
        return {}
    return {
        message.context: message.string
        for message in catalog
        if message.id and message.context and message.string
    }


@lru_cache(maxsize=8)
def _gettext(locale: str) -> gettext.NullTranslations:
    """The locale's catalog as gettext translations: its Plural-Forms rule chooses among
    plural forms (English without a catalog: one for 1, the other for the rest)."""
    catalog = _catalog(locale)
    if catalog is None:
        return gettext.NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def label(language: str, key: str, **values: str) -> str:
    """The text for `key` in `language`, with `{placeholders}` filled in."""
    text = _translations(LOCALES.get(language, "en")).get(key, ENGLISH[key])
    assert isinstance(text, str), key
    return text.format(**values)


def counted(language: str, key: str, count: int, **values: str) -> str:
    """The words of `PLURAL[key]` for `count` in `language` (its plural rule), with
    `{count}` and the other `{placeholders}` filled in."""
    locale = LOCALES.get(language, "en")
    singular, plural = PLURAL[key]
    text = _gettext(locale).npgettext(key, singular, plural, count)
    return text.format(count=count, **values)

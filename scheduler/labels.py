"""Words that published files show, in each supported language."""

from __future__ import annotations

LANGUAGES = ("en", "zh-CN")

_LABELS = {
    "en": {
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
    },
    "zh-CN": {
        "track": "主题",
        "people": "出席",
        "venue": "会场",
        "cancelled": "已取消",
        "feed.festival": "{festival}全部活动",
        "feed.track": "{festival}：{name}主题活动",
        "feed.venue": "{festival}：{name}的活动",
        "feed.person": "{festival}：{name}出席的活动",
        "list_separator": "、",
        "colon": "：",
    },
}


def label(language: str, key: str, **values: str) -> str:
    """The text for `key` in `language`, with `{placeholders}` filled in."""
    return _LABELS.get(language, _LABELS["en"])[key].format(**values)

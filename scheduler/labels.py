"""Words that published files show, in each supported language."""

from __future__ import annotations

LANGUAGES = ("en", "zh-CN")
#: the Babel locale of each language, for dates and weekday names
LOCALES = {"en": "en", "zh-CN": "zh_CN"}

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
        "page.subscribe": "Subscribe",
        "page.subscribe_help": "Add a feed to your calendar app; it updates itself when the "
        "plan changes.",
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
        "page.not_a_festival_day": "no sessions this day",
        "page.updated": "Plan status: {status}",
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
        "page.subscribe": "订阅日历",
        "page.subscribe_help": "把日历订阅添加到日历应用；计划变更时会自动更新。",
        "page.whole_festival": "全部活动",
        "page.tracks": "主题",
        "page.venues": "会场",
        "page.people": "出席人员",
        "page.calendar": "日历",
        "page.list": "日程",
        "page.apple": "Apple / Outlook",
        "page.google": "Google 日历",
        "page.copy": "链接",
        "page.times_in": "时间为 {zone}",
        "page.no_sessions": "暂无活动",
        "page.not_a_festival_day": "非活动日",
        "page.updated": "计划状态：{status}",
    },
}


def label(language: str, key: str, **values: str) -> str:
    """The text for `key` in `language`, with `{placeholders}` filled in."""
    return _LABELS.get(language, _LABELS["en"])[key].format(**values)

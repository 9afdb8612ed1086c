"""pretalx's REST API, as an organiser's token reaches it: one event, every page of a
list, and each failure as one line that never shows the token.

Every request names the API version it was written for (`Pretalx-Version: v1`, what
pretalx 2025.2 serves and later versions still accept): a token pins the version it
first met, and an old script's token would otherwise answer in the legacy shapes. The
readers below still accept both shapes where they differ (a name as text or per
language, a related object as its id or expanded).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from ..errors import FestivalError

API_VERSION = "v1"
#: how often a request answered 429 (too many requests) is tried again, and the longest
#: wait pretalx's Retry-After is followed for
RETRIES = 4
LONGEST_WAIT = 30.0
#: the most entries a page may hold (pretalx caps it at its MAX_PAGINATION_LIMIT)
PAGE_SIZE = 250


class PretalxError(FestivalError):
    """pretalx could not be reached, refused the request, or failed answering it."""

    exit_code = 4


#: what each HTTP method asks of a token's endpoint permissions, in pretalx's words
_PERMISSION = {"GET": "read", "PATCH": "update", "POST": "additional actions"}


class Client:
    """The API of event `event` on the pretalx at `url` (its address, e.g.
    https://pretalx.com), with an organiser's `token`."""

    def __init__(
        self,
        url: str,
        event: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url.rstrip("/") + "/"
        self.event = event
        self.base = f"{self.url}api/events/{event}/"
        self.sleep = sleep
        self.http = httpx.Client(
            headers={
                "Authorization": f"Token {token}",
                "Pretalx-Version": API_VERSION,
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(60.0, connect=10.0),
            transport=transport,
            follow_redirects=False,
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def event_info(self) -> dict[str, Any]:
        """The event itself: name, dates, time zone, languages."""
        return self.request("GET", self.base)

    def every(self, endpoint: str, **params: Any) -> list[dict[str, Any]]:
        """Every entry of list `endpoint` (e.g. "rooms/"), following each page's `next`."""
        return list(self._pages(f"{self.base}{endpoint}", {"page_size": PAGE_SIZE, **params}))

    def _pages(self, url: str, params: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
        seen = set()
        while url:
            if url in seen:  # a server that pages in a circle
                raise PretalxError(f"pretalx: {self._shown(url)} pages back to itself")
            seen.add(url)
            page = self.request("GET", url, params=params)
            if isinstance(page, list):  # an unpaginated list
                yield from page
                return
            yield from page.get("results", [])
            url, params = page.get("next") or "", None

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """One request's JSON answer; `PretalxError` on every failure, said in one line."""
        shown = f"{method} {self._shown(url)}"
        for attempt in range(RETRIES + 1):
            try:
                answer = self.http.request(method, url, **kwargs)
            except httpx.ConnectError as error:
                raise PretalxError(
                    f"cannot reach pretalx at {self.url}: {_reason(error)}"
                ) from None
            except httpx.TimeoutException:
                raise PretalxError(
                    f"pretalx at {self.url} did not answer {shown} in time"
                ) from None
            except httpx.HTTPError as error:
                raise PretalxError(f"pretalx at {self.url}: {shown}: {_reason(error)}") from None
            if answer.status_code == 429 and attempt < RETRIES:
                self.sleep(_retry_after(answer))
                continue
            if answer.is_success:
                try:
                    return answer.json()
                except ValueError:
                    raise PretalxError(f"pretalx answered {shown} with no JSON") from None
            raise PretalxError(self._refusal(answer, method, url, shown))
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _refusal(self, answer: httpx.Response, method: str, url: str, shown: str) -> str:
        status = answer.status_code
        detail = _detail(answer)
        endpoint = url[len(self.base) :].split("/", 1)[0] if url.startswith(self.base) else ""
        if status == 401:
            return (
                f"pretalx refused the token (401 {detail or 'unauthorised'}); expected an API "
                "token of an organiser, from PRETALX_TOKEN or --token-file"
            )
        if status == 403:
            need = _PERMISSION.get(method, method)
            where = f"'{endpoint}'" if endpoint else f"event {self.event!r}"
            return (
                f"pretalx: the token may not {need} {where} (403 {detail or 'forbidden'}); give "
                f"the token the {need!r} permission on {where} for event {self.event!r}"
            )
        if status == 404 and url == self.base:
            return f"pretalx at {self.url} has no event {self.event!r} (404)"
        if status == 404:
            return f"pretalx: {shown}: not found (404)"
        if status == 429:
            return f"pretalx kept answering {shown} with 429 (too many requests); try later"
        if status >= 500:
            return f"pretalx failed on {shown} ({status} {answer.reason_phrase})"
        return f"pretalx refused {shown} ({status}{': ' + detail if detail else ''})"

    def _shown(self, url: str) -> str:
        return url[len(self.url) - 1 :] if url.startswith(self.url) else url


def _retry_after(answer: httpx.Response) -> float:
    try:
        wait = float(answer.headers.get("Retry-After", "1"))
    except ValueError:
        wait = 1.0
    return min(max(wait, 0.0), LONGEST_WAIT)


def _detail(answer: httpx.Response) -> str:
    """pretalx's own reason, one line (its `detail`, or the first field error)."""
    try:
        body = answer.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        if isinstance(body.get("detail"), str):
            return " ".join(body["detail"].split())[:200]
        for key, value in body.items():
            first = value[0] if isinstance(value, list) and value else value
            return " ".join(f"{key}: {first}".split())[:200]
    return ""


def _reason(error: Exception) -> str:
    text = str(error) or type(error).__name__
    if "refused" in text.lower():
        return "connection refused"
    return " ".join(text.split())[:200]


# --- reading answers in either shape -------------------------------------------


def text_of(value: Any, languages: tuple[str, ...] = ("en",)) -> str:
    """A name or text as pretalx gives it: text, or one per language (the first of
    `languages` it has, else any)."""
    if isinstance(value, dict):
        for language in languages:
            if value.get(language):
                return str(value[language])
        return next((str(v) for v in value.values() if v), "")
    return "" if value is None else str(value)


def id_of(value: Any, key: str = "id") -> Any:
    """A related object as its id (or code): given as the id itself, or expanded."""
    return value.get(key) if isinstance(value, dict) else value

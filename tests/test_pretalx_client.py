"""The pretalx client's handling of what a real pretalx rarely does on cue: too many
requests (429, with Retry-After), server failures, pages that loop. Answers come from
httpx's mock transport; the tests against a real pretalx are in test_pretalx.py."""

from __future__ import annotations

import httpx
import pytest

from scheduler.pretalx.client import Client, PretalxError

URL = "https://pretalx.example.org"


def client(handler, waits=None) -> Client:
    return Client(
        URL, "mycon", "secret-token", transport=httpx.MockTransport(handler),
        sleep=(waits.append if waits is not None else lambda _: None),
    )  # fmt: skip


def test_too_many_requests_are_retried_after_the_wait_pretalx_asks_for():
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=[])]
    )
    waits: list[float] = []
    assert client(lambda request: next(answers), waits).every("rooms/") == []
    assert waits == [7.0]


def test_a_pretalx_that_keeps_refusing_is_one_line_and_exit_4():
    with pytest.raises(PretalxError) as error:
        client(lambda request: httpx.Response(429)).every("rooms/")
    assert error.value.exit_code == 4
    assert str(error.value) == (
        "pretalx kept answering GET /api/events/mycon/rooms/ with 429 (too many requests); "
        "try later"
    )


def test_a_server_failure_names_the_request_and_never_the_token():
    with pytest.raises(PretalxError) as error:
        client(lambda request: httpx.Response(502)).event_info()
    assert str(error.value) == "pretalx failed on GET /api/events/mycon/ (502 Bad Gateway)"
    assert "secret-token" not in str(error.value)


def test_every_page_is_read_and_the_version_is_named():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Pretalx-Version"])
        if "page=2" in str(request.url):
            return httpx.Response(200, json={"next": None, "results": [{"id": 2}]})
        following = f"{URL}/api/events/mycon/rooms/?page=2"
        return httpx.Response(200, json={"next": following, "results": [{"id": 1}]})

    assert [room["id"] for room in client(handler).every("rooms/")] == [1, 2]
    assert seen == ["v1", "v1"]


def test_pages_that_lead_back_are_refused():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"next": str(request.url), "results": []})

    with pytest.raises(PretalxError, match="pages back to itself"):
        client(handler).every("rooms/")

"""The webhook endpoint reads the whole body, however it arrives: aiohttp's read(n) answers
what has arrived so far, and a signature over part of a body would refuse a good event."""

from __future__ import annotations

import asyncio
from unittest import mock

import pytest
from aiohttp import web
from aiohttp.streams import StreamReader
from aiohttp.test_utils import make_mocked_request

from registrar.payments.config import PaymentSettings
from registrar.payments.service import WebhookAnswer
from webui.api_payments import _webhook

# the site's application keeps its values under string keys, as webui/app.py does
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")


class Recorder:
    settings = PaymentSettings(webhook_max_bytes=1000)

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def webhook(self, provider: str, headers: dict, body: bytes) -> WebhookAnswer:
        self.bodies.append(body)
        return WebhookAnswer(200, "credited")


def test_a_body_arriving_in_pieces_is_read_whole():
    async def run() -> tuple[web.Response, Recorder]:
        recorder = Recorder()
        app = web.Application()
        app["payments"] = recorder
        stream = StreamReader(mock.Mock(_reading_paused=False), 2 ** 16,
                              loop=asyncio.get_running_loop())
        request = make_mocked_request("POST", "/api/payments/webhooks/nowpayments", app=app,
                                      payload=stream, match_info={"provider": "nowpayments"})
        stream.feed_data(b'{"first": "half", ')
        task = asyncio.create_task(_webhook(request))
        await asyncio.sleep(0)  # the handler has read what arrived and waits for more
        stream.feed_data(b'"second": "half"}')
        stream.feed_eof()
        return await task, recorder

    response, recorder = asyncio.run(run())
    assert response.status == 200
    assert recorder.bodies == [b'{"first": "half", "second": "half"}']


def test_a_body_over_the_limit_is_refused_unread():
    async def run() -> web.Response:
        app = web.Application()
        app["payments"] = Recorder()
        stream = StreamReader(mock.Mock(_reading_paused=False), 2 ** 16,
                              loop=asyncio.get_running_loop())
        request = make_mocked_request("POST", "/api/payments/webhooks/stripe", app=app,
                                      payload=stream, match_info={"provider": "stripe"})
        stream.feed_data(b"x" * 1001)
        stream.feed_eof()
        return await _webhook(request)

    assert asyncio.run(run()).status == 413

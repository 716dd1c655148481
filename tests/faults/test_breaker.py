"""The circuit breaker never sticks open: every outcome of its half-open trial (success, a
failure that trips it, an answer that does not, a cancellation, a sync interrupt) closes
it or opens it again for one more recovery period, after which a call goes through."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from typing import Any

import pytest

import fluentai
from fluentai.errors import (
    CircuitOpenError,
    InvalidRequestError,
    RateLimitError,
    ServerError,
)

RECOVERY = 0.3
BREAKER = {"threshold": 2, "recovery": RECOVERY}


def open_circuit(net: Any, client: Any) -> None:
    """Two server errors open the circuit; the next call fails fast."""
    for _ in range(2):
        with pytest.raises(ServerError):
            client.chat()
    with pytest.raises(CircuitOpenError):
        client.chat()
    time.sleep(RECOVERY + 0.05)  # half-open: the next call is the trial


def state(client: Any) -> str:
    return client.core.breaker(client.core.provider("openai")).state


def test_a_successful_trial_closes_and_a_failed_one_reopens(net: Any) -> None:
    with net.server(net.error(), net.error(), net.error(), net.chat_reply(),
                    net.chat_reply()) as server:
        client = net.client(server, circuit_breaker=BREAKER)
        open_circuit(net, client)
        with pytest.raises(ServerError):
            client.chat()  # the trial fails: open again, at once
        with pytest.raises(CircuitOpenError, match=r"try again in 0\.[1-3]s"):
            client.chat()
        time.sleep(RECOVERY + 0.05)
        assert client.chat().text and state(client) == "closed"
        assert client.chat().text
        assert len(server.requests) == 5


@pytest.mark.parametrize("status,error", [(429, RateLimitError), (400, InvalidRequestError)])
def test_a_trial_answered_with_an_error_that_does_not_trip_closes_the_circuit(
        net: Any, status: int, error: type[Exception]) -> None:
    """The provider answered: it is up. The circuit closes instead of staying half-open
    with its trial never cleared ("will try again in 0.0s" forever)."""
    with net.server(net.error(), net.error(), net.error(status), net.chat_reply()) as server:
        client = net.client(server, circuit_breaker=BREAKER)
        open_circuit(net, client)
        with pytest.raises(error):
            client.chat()
        assert state(client) == "closed"
        assert client.chat().text  # no CircuitOpenError


@pytest.mark.parametrize("how", ["wait_for", "cancel"])
async def test_a_cancelled_trial_reopens_the_circuit(flavour: Any, how: str) -> None:
    if flavour.flavour != "async":
        pytest.skip("cancellation is an asyncio matter")
    replies = [flavour.error(), flavour.error(), flavour.chat_reply(delay=5),
               flavour.chat_reply()]
    with flavour.server(*replies) as server:
        async with fluentai.AsyncClient(providers=flavour.settings(server), retry=0,
                                        circuit_breaker=BREAKER) as client:
            for _ in range(2):
                with pytest.raises(ServerError):
                    await client.chat("openai/gpt-4o-mini", "hello")
            await asyncio.sleep(RECOVERY + 0.05)
            trial = client.chat("openai/gpt-4o-mini", "hello")
            if how == "wait_for":
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(trial, 0.2)
            else:
                task = asyncio.ensure_future(trial)
                await asyncio.sleep(0.2)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            with pytest.raises(CircuitOpenError, match=r"try again in 0\.[1-3]s"):
                await client.chat("openai/gpt-4o-mini", "hello")  # reopened, not stuck
            await asyncio.sleep(RECOVERY + 0.05)
            assert (await client.chat("openai/gpt-4o-mini", "hello")).text
            assert client._core.breaker(client.provider("openai")).state == "closed"


def test_an_interrupted_sync_trial_reopens_the_circuit(flavour: Any) -> None:
    """Ctrl-C (SIGINT to the main thread) while the trial waits for its answer."""
    if flavour.flavour != "sync" or threading.current_thread() is not threading.main_thread():
        pytest.skip("a sync interrupt reaches the main thread")
    with flavour.server(flavour.error(), flavour.error(), flavour.chat_reply(delay=5),
                        flavour.chat_reply()) as server:
        client = flavour.client(server, circuit_breaker=BREAKER)
        open_circuit(flavour, client)
        main = threading.main_thread().ident
        assert main is not None
        timer = threading.Timer(0.2, signal.pthread_kill, (main, signal.SIGINT))
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                client.chat()
        finally:
            timer.cancel()
        with pytest.raises(CircuitOpenError, match=r"try again in 0\.[1-3]s"):
            client.chat()
        time.sleep(RECOVERY + 0.05)
        assert client.chat().text and state(client) == "closed"

"""The one place povwatch starts a Prefect server (flows/prefect_api.py) uses only Prefect's
documented command and settings. When a Prefect release changes them, this test fails — loudly,
naming what changed — before a county's quarterly run does."""

from __future__ import annotations

import socket

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_the_commands_own_server_starts_runs_a_flow_and_stops(monkeypatch):
    import prefect
    import prefect.settings as settings
    from prefect import flow, get_client
    from prefect.client.schemas.objects import StateType

    # The settings povwatch names are Prefect's own (a renamed one would be ignored in silence).
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY  # noqa: F401

    from flows.prefect_api import SERVER_SETTINGS, TemporaryServer, prefect_api

    for name in SERVER_SETTINGS:
        assert hasattr(settings, name), f"Prefect no longer knows the setting {name} (flows/prefect_api.py)"

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    server = TemporaryServer()
    try:
        with prefect_api(server) as url:
            assert url == server.url
            version = httpx.get(f"{url}/admin/version", timeout=5).json()
            assert version == prefect.__version__, "the server answering is not this Prefect"

            @flow(name="povwatch-prefect-api-check")
            def check(x: int) -> int:
                return x + 1

            state = check(41, return_state=True)
            assert state.result() == 42
            with get_client(sync_client=True) as client:
                run = client.read_flow_run(state.state_details.flow_run_id)
            assert run.state.type == StateType.COMPLETED  # recorded on the command's own server
    finally:
        server.stop()
    assert server.process.poll() is not None, "the temporary server outlived its command"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", server.port))  # the port is free again


def test_a_server_that_cannot_start_is_reported_not_waited_for(monkeypatch):
    """`prefect server start` refusing its options (as a Prefect release that renames one would)
    exits at once; the command says so instead of waiting a minute."""
    import flows.prefect_api as api

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(api, "SERVER_OPTIONS", ("--an-option-prefect-never-had",))
    server = api.TemporaryServer()
    try:
        with pytest.raises(RuntimeError, match="exited with code"):
            server.wait_until_healthy()
    finally:
        server.stop()

"""The Prefect API a command runs its flows against.

With a Prefect server configured (PREFECT_API_URL in the environment or the Prefect profile),
that one. Without, Prefect would start a temporary server itself when the flow is first called:
it imports the server's modules (≈ 3.5 s) into this process and then waits ≈ 4 s for the server
process. `prefect_api()` starts the same temporary server process (the uvicorn command Prefect's
own SubprocessASGIServer runs, through flows/prefect_server.py) at once — before even Prefect is
imported here — so it boots while the run's modules are imported, and exports its address so
Dask workers of a province run report to it too. It is stopped when the process exits, after
Prefect's log and event workers have drained.
"""

from __future__ import annotations

import atexit
import gc
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_SECONDS = 60


class TemporaryServer:
    """A Prefect API server process on a free local port."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api"
        env = {
            **os.environ,
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # no network here; no telemetry attempts
        }  # the server reads the same profile and settings files as this process
        env.pop("PREFECT_API_URL", None)
        site = Path(importlib.util.find_spec("prefect").origin).parent.parent  # finding it imports nothing
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flows.prefect_server", "--app-dir", str(site), "--factory",
             "flows.prefect_server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env=env,
        )  # fmt: skip
        atexit.register(self.stop)  # registered before the flow's workers: it runs after they drain

    def wait_until_healthy(self) -> None:
        import httpx

        deadline = time.monotonic() + STARTUP_SECONDS
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"Prefect API server exited with code {self.process.returncode}")
                try:
                    if client.get(f"{self.url}/health", timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"Prefect API server not healthy after {STARTUP_SECONDS} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server_if_needed() -> TemporaryServer | None:
    """Start a temporary server now unless a Prefect server is configured. Started before
    Prefect's settings are read (importing them costs a second), and stopped again at once if
    they name a server. The garbage collector is held off from here until the flow is called
    (`prefect_api`): what is imported meanwhile lives as long as the process, and full passes
    over it while it grows cost ≈ 0.9 s of the start-up."""
    gc.disable()
    if os.environ.get("PREFECT_API_URL"):
        return None
    server = TemporaryServer()
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        server.stop()
        return None
    return server


# Modules Prefect imports on the first flow call of a process (its engines, parameter encoding,
# telemetry, the flow graph), ≈ 0.6 s: imported while the temporary server boots instead.
FIRST_FLOW_MODULES = (
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.utilities.visualization",
    "prefect.telemetry.run_telemetry",
    "prefect.concurrency.v1.context",
    "prefect._internal.control_listener",
    "fastapi.encoders",
    "anyio._backends._asyncio",
)


def import_first_flow_modules() -> None:
    for module in FIRST_FLOW_MODULES:
        importlib.import_module(module)


def collect_again() -> None:
    """The garbage collector back on, the long-lived objects made so far kept out of its passes
    (until the process exits: then they are collected as usual — DuckDB would otherwise report
    its objects caught in them as leaked)."""
    gc.freeze()
    atexit.register(gc.unfreeze)
    gc.enable()


@contextmanager
def prefect_api(
    server: TemporaryServer | None, while_waiting: Callable[[], object] | None = None
) -> Iterator[str | None]:
    """Flows in this block (and processes started in it) use `server`, or the configured API.
    `while_waiting` runs while the temporary server finishes booting (work the run needs anyway,
    done while this process would otherwise sit idle). Flows on a temporary server send no
    heartbeats: they detect crashed runs for a server that outlives them, and stopping the
    heartbeat thread costs each flow up to a second."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    url = server.url if server else PREFECT_API_URL.value()
    previous = os.environ.get("PREFECT_API_URL")
    if url:
        os.environ["PREFECT_API_URL"] = url
    try:
        if server is None:
            collect_again()
            yield url
            return
        if while_waiting is not None:
            while_waiting()
        server.wait_until_healthy()
        with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            collect_again()
            yield url
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous

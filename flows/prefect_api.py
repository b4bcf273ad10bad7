"""The Prefect API a command runs its flows against — the one place povwatch starts a server.

With a Prefect server configured (PREFECT_API_URL in the environment or the Prefect profile),
that one. Without, a temporary server of this command's own: Prefect's supported command
`prefect server start` (webserver only, no background services, no analytics, no UI) on a free
local port, started at once — before even Prefect is imported here — so it boots while the
run's modules are imported (Prefect's own temporary server would start only when the first flow
is called, and import the server's modules into this process first). Its address is exported,
so Dask workers of a province run report to it too. It stops when the command exits, after
Prefect's log and event workers have drained.

Only documented parts of Prefect are used: the `prefect server start` options below and the
settings `PREFECT_API_URL`, `PREFECT_SERVER_*`, `PREFECT_FLOWS_HEARTBEAT_FREQUENCY`.
`tests/test_prefect_api.py` starts this server and runs a flow on it: a Prefect release that
changes any of them fails there, loudly, before a county's run does.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

STARTUP_SECONDS = 60

# `prefect server start` options: the API alone (the services schedule and supervise deployments'
# runs, which a command's own server has none of), nothing sent outside this machine.
SERVER_OPTIONS = ("--no-services", "--analytics-off", "--log-level", "ERROR")
SERVER_SETTINGS = {"PREFECT_SERVER_UI_ENABLED": "false", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


class TemporaryServer:
    """`prefect server start` on a free local port, for as long as this command runs."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api"
        env = {**os.environ, **SERVER_SETTINGS}  # the same profile and PREFECT_HOME as this process
        env.pop("PREFECT_API_URL", None)
        command = [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *SERVER_OPTIONS,
        ]
        # stdin closed: the command never asks which profile to use; stdout (its welcome text) not
        # shown — the data officer's terminal shows the run's steps, not a server's address.
        self.process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, preexec_fn=_die_with_parent
        )
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
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _die_with_parent() -> None:
    """Linux (in the server's process, before `prefect` starts): SIGTERM when the command that
    started it dies, however it dies (SIGKILL, the OOM killer) — a temporary server never
    outlives its command, nor holds its terminal open."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def start_server_if_needed() -> TemporaryServer | None:
    """Start a temporary server now unless a Prefect server is configured. Started before
    Prefect's settings are read (importing them costs a second), and stopped again at once if
    they name a server."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    server = TemporaryServer()
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        server.stop()
        return None
    return server


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
            yield url
            return
        if while_waiting is not None:
            while_waiting()
        server.wait_until_healthy()
        with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield url
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous

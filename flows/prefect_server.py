"""The temporary Prefect API server process that flows/prefect_api.py starts: uvicorn serving
Prefect's own app, with the garbage collector held off while the server imports and boots (its
full passes over a growing heap of long-lived modules cost ≈ 0.5 s of the ≈ 3.7 s boot, and the
boot is what a command waits for). At its first request the objects made so far are frozen
(kept out of later passes) and the collector runs as usual again.

    python -m flows.prefect_server <uvicorn options> --factory flows.prefect_server:create_app
"""

from __future__ import annotations

import gc
import sys

gc.disable()


class _CollectAfterBoot:
    """The app, turning the garbage collector back on once the server answers requests."""

    def __init__(self, app) -> None:
        self.app = app
        self.booted = False

    async def __call__(self, scope, receive, send) -> None:
        if not self.booted and scope["type"] != "lifespan":
            self.booted = True
            gc.freeze()
            gc.enable()
        await self.app(scope, receive, send)


def create_app():
    from prefect.server.api.server import create_app as prefect_app

    return _CollectAfterBoot(prefect_app())


def die_with_parent() -> None:
    """Linux: this server gets SIGTERM when the command that started it dies, however it dies
    (SIGKILL, the OOM killer): a temporary server never outlives its run."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import os
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() == 1:  # the parent died before the call above
        sys.exit(0)


if __name__ == "__main__":
    import uvicorn.main

    die_with_parent()

    sys.exit(uvicorn.main.main())

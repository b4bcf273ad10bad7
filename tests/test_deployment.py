"""The scheduled deployment end to end: a real Prefect server on localhost, `prefect deploy`
from prefect.yaml, a run of the deployment picked up by a real process worker, completed."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from transforms.settings import REPO_ROOT, DataRoot

from .conftest import Q3

pytestmark = pytest.mark.slow
PREFECT = str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def prefect_server(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect_home"), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}  # fmt: skip
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the Prefect server did not start"
            time.sleep(1)
        yield env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _cli(env, *args, timeout=300):
    done = subprocess.run([PREFECT, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def test_quarterly_deployment_runs_through_a_worker(prefect_server, sample_root, tmp_path):
    env = prefect_server
    root = tmp_path / "county"
    shutil.copytree(sample_root / "inbox", root / "inbox")
    env = env | {"POVWATCH_REPO": str(REPO_ROOT), "POVWATCH_DATA_ROOT": str(root)}
    _cli(env, "work-pool", "create", "povwatch", "--type", "process")
    _cli(env, "--no-prompt", "deploy", "--all")
    api = env["PREFECT_API_URL"]
    deployments = httpx.post(f"{api}/deployments/filter", json={}).json()
    by_name = {d["name"]: d for d in deployments}
    assert set(by_name) == {"quarterly-run", "check-inbox", "read-returns", "backtest"}
    assert not by_name["backtest"]["schedules"]  # on demand
    assert sorted(s["schedule"]["cron"] for s in by_name["read-returns"]["schedules"]) == [
        "0 8 1-20 2,5,8,11 *",
        "0 8 5-31 1,4,7,10 *",
    ]
    crons = [s["schedule"]["cron"] for s in by_name["quarterly-run"]["schedules"]]
    assert crons == ["0 2 5 1,4,7,10 *"]
    assert by_name["quarterly-run"]["schedules"][0]["schedule"]["timezone"] == "Asia/Shanghai"
    _cli(env, "deployment", "run", "povwatch-quarterly-run/quarterly-run", "--param", f"quarter={Q3}")
    _cli(env, "worker", "start", "--pool", "povwatch", "--run-once", timeout=600)
    runs = httpx.post(
        f"{api}/flow_runs/filter", json={"flow_runs": {"deployment_id": {"any_": [by_name["quarterly-run"]["id"]]}}}
    ).json()
    manual = [r for r in runs if r["parameters"].get("quarter") == str(Q3)]
    assert [r["state_type"] for r in manual] == ["COMPLETED"]
    assert (DataRoot(root).out(Q3) / "manifest.json").is_file()
    assert (DataRoot(root).out(Q3) / "report.html").is_file()

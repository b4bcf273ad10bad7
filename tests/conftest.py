"""Shared fixtures: the sample county (generated once per session) and the real Prefect
flow on a temporary local API (prefect_test_harness)."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.config import load_config
from transforms.sample_county import generate_sample_county
from transforms.settings import Quarter

Q2, Q3 = Quarter.parse("2026Q2"), Quarter.parse("2026Q3")


@pytest.fixture(scope="session")
def config():
    return load_config()


@pytest.fixture(scope="session")
def prefect_api():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sample_county")
    generate_sample_county(root, [Q2, Q3])
    return root


@pytest.fixture(scope="session")
def sample_run(sample_root, prefect_api):
    """The sample county's two quarters, run through the real flow, in order."""
    from flows.quarterly_run import quarterly_run

    return {q: quarterly_run(str(sample_root), str(q)) for q in (Q2, Q3)}


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ from this run's sample county (review the diff before committing)",
    )


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden"))

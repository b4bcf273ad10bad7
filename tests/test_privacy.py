"""No identity number or name in logs or in what the flow returns (it shows in the Prefect UI)."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict

import polars as pl
import pytest

from .conftest import Q2

pytestmark = pytest.mark.slow
ID_LIKE = re.compile(r"\d{6}(19|20)\d{2}[01]\d[0-3]\d{4}|\d{17}[\dXx]")


def test_run_output_carries_no_identity_number_or_name(sample_root, prefect_api, capfd, caplog):
    from flows.quarterly_run import quarterly_run

    caplog.set_level(logging.DEBUG)
    summary = quarterly_run(str(sample_root), str(Q2))
    captured = capfd.readouterr()
    text = captured.out + captured.err + caplog.text + repr(asdict(summary))
    assert "take-in-medical" in text or "published" in text  # the logs were captured at all
    found = ID_LIKE.search(text)
    assert not found, text[max(0, found.start() - 300) : found.end() + 60]  # where it came from
    roster = pl.read_parquet(sample_root / "planted" / str(Q2) / "clean" / "roster__persons.parquet")
    names = [n for n in roster["name"].unique().to_list() if len(n) >= 2]
    assert not [n for n in names if n in text]


def test_prefect_artifacts_carry_counts_only(sample_root, sample_run):
    import asyncio

    from prefect.client.orchestration import get_client

    async def read():
        async with get_client() as client:
            return await client.read_artifacts()

    artifacts = asyncio.run(read())
    keys = {a.key for a in artifacts}
    assert {"povwatch-quarter-summary", "povwatch-warnings-by-rule"} <= keys
    text = " ".join(str(a.data) for a in artifacts)
    assert "warnings" in text
    assert not ID_LIKE.search(text)

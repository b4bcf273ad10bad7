"""The sample county's warnings and colours against the independent oracle (tests/oracle.py),
both ways: nothing missing, nothing extra — in both quarters."""

from __future__ import annotations

import polars as pl
import pytest

from transforms.settings import DataRoot

from .conftest import Q2, Q3
from .oracle import WORK_ORDER_ONLY, expected_colours, expected_statuses, expected_warnings

pytestmark = pytest.mark.slow
KEY = ["rule_id", "household_id", "id_number", "town", "village", "cause", "department"]


@pytest.mark.parametrize("q", [Q2, Q3])
def test_warnings_match_the_oracle(sample_root, sample_run, q):
    got = pl.read_parquet(DataRoot(sample_root).out(q) / "warnings.parquet").select(KEY)
    want = expected_warnings(sample_root, q)
    assert got.height == got.unique().height
    missing = want.join(got, on=KEY, how="anti", nulls_equal=True)
    extra = got.join(want, on=KEY, how="anti", nulls_equal=True)
    assert missing.height == 0, missing
    assert extra.height == 0, extra
    assert set(got["rule_id"]) >= {"MED_UNINSURED", "INC_BELOW_LINE", "HOU_UNSAFE", "NEW_CANDIDATE", "CIV_DIBAO_GAP"}


@pytest.mark.parametrize("q", [Q2, Q3])
def test_listed_households_and_colours_match_the_oracle(sample_root, sample_run, q):
    published = pl.read_parquet(DataRoot(sample_root).out(q) / "households.parquet")
    warnings = expected_warnings(sample_root, q)
    colours = expected_colours(sample_root, q, warnings)
    work_orders = set(warnings.filter(pl.col("rule_id").is_in(list(WORK_ORDER_ONLY)))["household_id"])
    want = {h: c for h, c in colours.items() if c in ("red", "yellow") or h in work_orders}
    assert dict(published.select("household_id", "colour").iter_rows()) == want
    assert published.columns == [
        "quarter",
        "household_id",
        "town",
        "village",
        "household_type",
        "colour",
        "rule_ids",
        "causes",
        "members",
    ]


def test_statuses_across_the_two_quarters(sample_root, sample_run):
    got = pl.read_parquet(DataRoot(sample_root).out(Q3) / "warnings.parquet")
    want = expected_statuses(sample_root, Q2, Q3)
    published = {
        (r, i or h): s for r, h, i, s in got.select("rule_id", "household_id", "id_number", "status").iter_rows()
    }
    assert published == want
    assert set(want.values()) == {"新增", "持续", "升级"}


def test_closed_are_the_previous_warnings_that_no_longer_fire(sample_root, sample_run):
    subject = pl.coalesce("id_number", "household_id")
    before = set(expected_warnings(sample_root, Q2).select("rule_id", subject.alias("s")).iter_rows())
    now = set(expected_warnings(sample_root, Q3).select("rule_id", subject.alias("s")).iter_rows())
    closed = pl.read_parquet(DataRoot(sample_root).out(Q3) / "closed.parquet")
    assert set(closed.select("rule_id", subject.alias("s")).iter_rows()) == before - now
    assert before - now

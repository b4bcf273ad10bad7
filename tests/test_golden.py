"""The sample county's published data against committed ground truth (`tests/golden/`): the
warnings, listed households, closures and rejected rows of both quarters, compared as data.
Rewritten only by an explicit `pytest tests/test_golden.py --update-golden` (then review the
diff: every changed row is a changed result)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from transforms.settings import DataRoot

from .conftest import Q2, Q3

pytestmark = pytest.mark.slow
GOLDEN = Path(__file__).parent / "golden"
OUTPUTS = {  # output -> the columns that identify a row, for a readable difference
    "warnings": ["rule_id", "household_id", "id_number"],
    "households": ["household_id"],
    "closed": ["rule_id", "household_id", "id_number"],
    "rejects": ["department", "file", "sheet", "row_number"],
}


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text (lists joined by |), rows sorted: how the golden CSV holds it."""
    text = frame.with_columns(
        [pl.col(c).list.join("|") for c, t in frame.schema.items() if isinstance(t, pl.List)]
    ).with_columns(pl.all().cast(pl.String))
    return text.sort(text.columns, nulls_last=True)


@pytest.mark.parametrize("q", [Q2, Q3], ids=str)
@pytest.mark.parametrize("name", list(OUTPUTS))
def test_published_data_matches_the_committed_golden_files(sample_root, sample_run, update_golden, q, name):
    got = as_text(pl.read_parquet(DataRoot(sample_root).out(q) / f"{name}.parquet"))
    path = GOLDEN / str(q) / f"{name}.csv"
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        got.write_csv(path)
    want = as_text(pl.read_csv(path, infer_schema=False).select(got.columns))
    keys = OUTPUTS[name]
    missing = want.join(got, on=want.columns, how="anti", nulls_equal=True)
    extra = got.join(want, on=got.columns, how="anti", nulls_equal=True)
    assert (missing.height, extra.height) == (0, 0), (
        f"{q} {name}: rows in golden but not published:\n{missing.select(keys)}\n"
        f"published but not in golden:\n{extra.select(keys)}"
    )
    assert got.height == want.height

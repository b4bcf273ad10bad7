"""The sample county end to end through the real Prefect flow (temporary local API): every
planted bad row rejected with its reason, nothing clean rejected, duplicates counted,
every file's rows add up, staging holds exactly the clean rows, reruns replace."""

from __future__ import annotations

import hashlib
import json

import duckdb
import polars as pl
import pytest

from transforms.sample_county import generate_sample_county
from transforms.settings import DataRoot

from .conftest import Q2, Q3

pytestmark = pytest.mark.slow


def _planted(root, q, name):
    return pl.read_csv(root / "planted" / str(q) / name, schema_overrides={"sheet": pl.String}).with_columns(
        pl.col("sheet").fill_null("")
    )


def test_generator_is_deterministic(tmp_path, sample_root):
    generate_sample_county(tmp_path, [Q2, Q3])

    def digests(root):
        return {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "inbox").rglob("*"))
            if p.is_file()
        }

    assert digests(tmp_path) == digests(sample_root)
    assert len(digests(tmp_path)) == 22


@pytest.mark.parametrize("q", [Q2, Q3])
def test_every_planted_bad_row_is_rejected_with_its_reason_and_nothing_else(sample_root, sample_run, q):
    out = DataRoot(sample_root).out(q)
    rejects = pl.read_parquet(out / "rejects.parquet").with_columns(pl.col("sheet").fill_null(""))
    planted = _planted(sample_root, q, "bad_rows.csv")
    got = rejects.select("department", "file", "sheet", "row_number", "reason_code").sort(pl.all())
    want = planted.select("department", "file", "sheet", "row_number", "reason_code").sort(pl.all())
    assert want.height > 30
    assert got.to_dicts() == want.to_dicts()
    assert rejects["reason"].str.contains(r"[\u4e00-\u9fff]").all()


@pytest.mark.parametrize("q", [Q2, Q3])
def test_manifest_accounts_for_every_row(sample_root, sample_run, q):
    manifest = json.loads((DataRoot(sample_root).out(q) / "manifest.json").read_text(encoding="utf-8"))
    files = {f["path"]: f for f in manifest["inputs"]}
    planted_files = pl.read_csv(sample_root / "planted" / str(q) / "files.csv").to_dicts()
    dups = _planted(sample_root, q, "duplicates.csv").group_by("file").len()
    dups = dict(dups.iter_rows())
    bad = dict(_planted(sample_root, q, "bad_rows.csv").group_by("file").len().iter_rows())
    assert len(files) == len(planted_files) == 11
    for p in planted_files:
        f = files[p["file"]]
        assert f["error"] is None
        assert f["rows_read"] == f["accepted"] + f["rejected"] + f["duplicates"] + f["ignored"]
        planted_kinds = {k: p[k] for k in ("title", "header", "footer", "blank")}
        assert f["ignored_by_kind"] == planted_kinds | {"notes": 0}, p["file"]
        assert f["duplicates"] == dups.get(p["file"], 0)
        assert f["rejected"] == bad.get(p["file"], 0)
        assert f["accepted"] == p["data_rows"] - f["duplicates"] - f["rejected"]
    outputs = {o["path"] for o in manifest["outputs"]}
    assert {"rejects.parquet", "quality/医保局_问题数据.xlsx", "quality/乡村振兴局_问题数据.xlsx"} <= outputs


@pytest.mark.parametrize("q", [Q2, Q3])
def test_staging_holds_exactly_the_clean_rows(sample_root, sample_run, q, config):
    con = duckdb.connect(str(DataRoot(sample_root).warehouse), read_only=True)
    try:
        for ds in config.datasets:
            clean_path = sample_root / "planted" / str(q) / "clean" / f"{ds.code}.parquet"
            want = pl.read_parquet(clean_path)
            cols = [f.name for f in ds.fields]
            query = f"select * exclude (quarter, source_file, source_sheet, source_row) from {ds.staging_table} where quarter = ?"
            got = pl.from_arrow(con.sql(query, params=[str(q)]).to_arrow_table())
            got = got.with_columns(pl.col(pl.Decimal).cast(pl.Float64)).select(cols)
            want = want.select(cols).cast(got.schema)
            assert got.height == want.height, ds.code
            assert got.sort(cols).to_dicts() == want.sort(cols).to_dicts(), ds.code
    finally:
        con.close()


def test_rerun_replaces_the_quarter_and_keeps_the_previous_publication_readable(sample_root, sample_run):
    from flows.quarterly_run import quarterly_run

    root = DataRoot(sample_root)
    before = json.loads((root.out(Q3) / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(root.warehouse), read_only=True)
    counts_before = con.execute(
        "select quarter, count(*) from stg_medical__settlements group by 1 order by 1"
    ).fetchall()
    con.close()
    quarterly_run(str(sample_root), str(Q3))
    after = json.loads((root.out(Q3) / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(root.warehouse), read_only=True)
    counts_after = con.execute(
        "select quarter, count(*) from stg_medical__settlements group by 1 order by 1"
    ).fetchall()
    con.close()
    assert counts_after == counts_before and len(counts_before) == 2
    assert [o for o in after["outputs"] if o["path"].endswith(".parquet")] == [
        o for o in before["outputs"] if o["path"].endswith(".parquet")
    ]
    assert root.out(Q3).is_symlink()

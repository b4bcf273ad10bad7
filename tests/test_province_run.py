"""`povwatch run-province`: three small counties as Prefect subflows on a local two-worker Dask
cluster (prefect-dask), through the real command line, then the province summary checked against
each county's own publication and warehouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from transforms.sample_county import generate_sample_county
from transforms.settings import Quarter

pytestmark = pytest.mark.slow
Q3 = Quarter.parse("2026Q3")


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("province")
    for seed, county in enumerate(("甲县", "乙县", "丙县"), start=1):
        generate_sample_county(root / county, [Q3], seed=seed)
    # The third county's roster never arrived: its run is refused, the others still publish.
    shutil.rmtree(root / "丙县" / "inbox" / str(Q3) / "监测对象名册")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect_home"))
    povwatch = str(Path(sys.executable).with_name("povwatch"))
    proc = subprocess.run(
        [povwatch, "run-province", "--province-root", str(root), "--quarter", str(Q3), "--workers", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    return root, proc


def test_a_refused_county_does_not_stop_the_others(province):
    root, proc = province
    assert proc.returncode == 1, proc.stderr[-2000:]  # not every county published
    counties = pl.read_parquet(root / "out" / str(Q3) / "province_counties.parquet")
    status = dict(counties.select("county", "status").iter_rows())
    assert status == {"甲县": "published", "乙县": "published", "丙县": "refused"}
    refused = counties.filter(pl.col("county") == "丙县").row(0, named=True)
    assert "名册" in refused["reason"]
    assert not (root / "丙县" / "out" / str(Q3)).exists()


def test_counties_ran_in_parallel_on_two_dask_workers(province):
    root, _ = province
    workers = pl.read_parquet(root / "out" / str(Q3) / "province_counties.parquet")["worker"].to_list()
    assert all(w.startswith("tcp://") for w in workers), workers
    assert len(set(workers)) == 2


def test_colours_match_each_countys_own_publication(province):
    root, _ = province
    counties = pl.read_parquet(root / "out" / str(Q3) / "province_counties.parquet")
    for county in ("甲县", "乙县"):
        households = pl.read_parquet(root / county / "out" / str(Q3) / "households.parquet")
        warnings = pl.read_parquet(root / county / "out" / str(Q3) / "warnings.parquet")
        row = counties.filter(pl.col("county") == county).row(0, named=True)
        own = dict(households.group_by("colour").len().iter_rows())
        assert {c: row[c] for c in ("red", "yellow", "green")} == {c: own.get(c, 0) for c in ("red", "yellow", "green")}
        assert row["warnings"] == warnings.height > 0


def test_the_004_table_counts_each_countys_roster(province):
    root, _ = province
    by_cause = pl.read_parquet(root / "out" / str(Q3) / "province_by_cause.parquet")
    assert set(by_cause["county"]) == {"甲县", "乙县"}
    for county in ("甲县", "乙县"):
        con = duckdb.connect(str(root / county / "warehouse.duckdb"), read_only=True)
        persons, households = con.execute(
            "select count(*), count(distinct household_id) from stg_roster__persons where quarter = ?", [str(Q3)]
        ).fetchone()
        con.close()
        mine = by_cause.filter(pl.col("county") == county)
        assert mine["persons"].sum() == persons
        # A household has one type, category and cause, so its rows add up to the households.
        assert mine["households"].sum() == households
    monitoring = by_cause.filter(pl.col("household_type") == "监测户")
    assert monitoring.height and (monitoring["risk_cause"] != "").all()


def test_the_summary_is_published_whole_and_holds_no_personal_data(province):
    root, proc = province
    folder = root / "out" / str(Q3)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {o["path"] for o in manifest["outputs"]}
    assert {"province_counties.parquet", "province_by_cause.parquet", f"{Q3}_省级汇总.xlsx"} <= listed
    ids = set()
    for county in ("甲县", "乙县"):
        ids |= set(pl.read_parquet(root / county / "out" / str(Q3) / "warnings.parquet")["id_number"].drop_nulls())
    text = proc.stdout + proc.stderr + json.dumps(manifest, ensure_ascii=False)
    text += pl.read_parquet(folder / "province_counties.parquet").write_csv()
    assert ids and not any(i in text for i in ids)


def test_the_terminal_is_as_quiet_and_chinese_as_a_county_run(province):
    """No Prefect or Dask INFO line, no link to the temporary server: each county in Chinese."""
    _, proc = province
    shown = proc.stdout + proc.stderr
    assert " INFO " not in shown and "http://" not in shown, shown[:2000]
    assert "甲县：已发布" in proc.stdout and "丙县：未发布" in proc.stdout

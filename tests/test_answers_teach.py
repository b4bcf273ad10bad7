"""What the answers teach (contract): the yield per rule and per department, and `povwatch
backtest`. The sample county runs two quarters through the real flows, its towns and departments
answer every list (transforms/sample_county/answers.py, real workbooks filled in and read back),
then the figures are checked against what was written in the returned workbooks, and the
backtest against the published warnings and an independent computation of a rule."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import yaml

from transforms.config import load_config
from transforms.config_files import ConfigError
from transforms.learning.backtest import trial_config
from transforms.sample_county import generate_sample_county
from transforms.sample_county.answers import simulate_answers
from transforms.settings import DataRoot, Quarter, config_dir

pytestmark = pytest.mark.slow
Q2, Q3 = Quarter.parse("2026Q2"), Quarter.parse("2026Q3")
AS_OF = (date.today() + timedelta(days=60)).isoformat()  # every simulated answer dated before it


@pytest.fixture(scope="module")
def answered(tmp_path_factory, prefect_api) -> Path:
    """Two quarters run, each answered by its towns and departments and read back, in order."""
    from flows.quarterly_run import quarterly_run
    from flows.read_returns import read_returns

    root = tmp_path_factory.mktemp("answered") / "county"
    generate_sample_county(root, [Q2, Q3])
    for q in (Q2, Q3):
        quarterly_run(str(root), str(q))
        simulate_answers(root, q)
        read_returns(str(root), str(q), AS_OF)
    return root


def _written_answers(root: Path, q: Quarter) -> pl.DataFrame:
    """What the towns wrote, read from the returned workbooks themselves: listing_no, answer."""
    rows = []
    for path in sorted((root / "returns" / str(q) / "乡镇").rglob("*.xlsx")):
        ws = openpyxl.load_workbook(path, read_only=True)["名单"]
        cells = list(ws.iter_rows(min_row=3, values_only=True))
        header = {h: i for i, h in enumerate(cells[0])}
        for r in cells[1:]:
            if r[header["预警编号"]] and r[header["核实结果"]]:
                rows.append((r[header["预警编号"]], str(r[header["核实结果"]]).strip()))
    return pl.DataFrame(rows, schema={"listing_no": pl.String, "answer": pl.String}, orient="row")


def _expected_yield(root: Path) -> pl.DataFrame:
    """Per rule, from the published files and the returned workbooks only (no warehouse, no SQL):
    warnings sent (listed, on a list row of followup_listing.parquet), answered, each answer."""
    frames = []
    for q in (Q2, Q3):
        warnings = pl.read_parquet(DataRoot(root).out(q) / "warnings.parquet").filter(pl.col("listed"))
        listing = pl.read_parquet(root / "followup" / str(q) / "followup_listing.parquet")
        rows = listing.select(
            "listing_no", pl.coalesce(pl.col("household_id").replace("", None), "id_number").alias("s")
        )
        sent = warnings.with_columns(pl.coalesce("household_id", "id_number").alias("s")).join(rows, on="s")
        frames.append(sent.join(_written_answers(root, q), on="listing_no", how="left"))
    sent = pl.concat(frames)
    return (
        sent.group_by("rule_id")
        .agg(
            pl.len().alias("sent"),
            pl.col("answer").is_not_null().sum().alias("answered"),
            (pl.col("answer") == "属实").sum().alias("true"),
            (pl.col("answer") == "不属实").sum().alias("not_true"),
            (pl.col("answer") == "风险已消除").sum().alias("eliminated"),
        )
        .sort("rule_id")
    )


def _yield_now(root: Path):
    from transforms.learning.answer_yield import yield_up_to

    config = load_config()
    return yield_up_to(DataRoot(root), str(Q3), config)


def test_the_yield_is_the_answers_written_counted(answered):
    y = _yield_now(answered)
    assert y.quarters == ("2026Q2", "2026Q3")
    got = y.by_rule.filter(pl.col("sent") > 0).select("key", "sent", "answered", "true", "not_true", "eliminated")
    expected = _expected_yield(answered).rename({"rule_id": "key"})
    assert got.sort("key").to_dicts() == expected.to_dicts()
    assert got["answered"].sum() > 100  # the sample county answered most of its lists
    # the share is the 属实 among the answered, greyed below the county's minimum
    row = y.by_rule.filter(pl.col("answered") > 0).row(0, named=True)
    assert row["hit_rate"] == pytest.approx(row["true"] / row["answered"])
    assert (y.by_rule["too_few"] == (y.by_rule["answered"] < load_config().yield_min_answers)).all()
    # MED_OOP_RATIO is what towns most often find 不属实 in the sample county
    rates = {r["key"]: r["hit_rate"] for r in y.by_rule.iter_rows(named=True) if r["answered"] >= 20}
    assert min(rates, key=rates.get) == "MED_OOP_RATIO"
    # per department: the same warnings, counted by who is responsible
    assert y.by_department["sent"].sum() == y.by_rule["sent"].sum()


def _section(page: str) -> str:
    return re.search(r'<section id="answer-yield">.*?</section>', page, re.S).group(0)


def test_report_and_followup_show_the_same_yield(answered, tmp_path):
    """One figure, one place: the Q3 report (rerun after the answers came back) and followup.html
    show the same section, from the same function."""
    from flows.quarterly_run import quarterly_run

    root = tmp_path / "county"
    shutil.copytree(answered, root, symlinks=True)
    quarterly_run(str(root), str(Q3))
    report = (DataRoot(root).out(Q3) / "report.html").read_text(encoding="utf-8")
    followup = (root / "followup" / str(Q3) / "followup.html").read_text(encoding="utf-8")
    assert _section(report) == _section(followup)
    assert "MED_OOP_RATIO" not in _section(report) and "政策范围内自付比例超标" in _section(report)


def _tree(path: Path) -> dict[str, str]:
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def _backtest(root: Path, thresholds: Path, name: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "backtest", "--data-root", str(root), "--quarters", "2026Q2..2026Q3",
         "--thresholds", str(thresholds), "--name", name],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip


def _trial_file(tmp_path: Path, **values: float) -> Path:
    path = tmp_path / "trial.yaml"
    path.write_text(
        yaml.safe_dump({"thresholds": {k: [{"from_year": 2019, "value": v}] for k, v in values.items()}}),
        encoding="utf-8",
    )
    return path


def test_with_the_countys_own_thresholds_the_backtest_reproduces_what_was_published(answered, tmp_path):
    before = {area: _tree(answered / area) for area in ("out", "followup")}
    warehouse = hashlib.sha256((answered / "warehouse.duckdb").read_bytes()).hexdigest()
    done = _backtest(answered, config_dir() / "thresholds.yaml", "own")
    assert done.returncode == 0, done.stderr[-2000:]
    for noise in ("http://", "INFO", "Flow run", "Traceback"):
        assert noise not in done.stdout + done.stderr, noise
    assert "回测" in done.stdout
    folder = answered / "backtest" / "own"
    rows = pl.read_parquet(folder / "backtest.parquet")
    assert rows["in_current"].all() and rows["in_trial"].all()
    for q in (Q2, Q3):
        published = pl.read_parquet(DataRoot(answered).out(q) / "warnings.parquet")
        keys = ["rule_id", "household_id", "id_number"]
        mine = rows.filter(pl.col("quarter") == str(q)).select(keys).sort(keys, nulls_last=True)
        assert mine.to_dicts() == published.select(keys).sort(keys, nulls_last=True).to_dicts()
        colours = pl.read_parquet(DataRoot(answered).out(q) / "households.parquet").select("household_id", "colour")
        tried = rows.filter(pl.col("quarter") == str(q)).select("household_id", "colour_trial").unique()
        joined = colours.join(tried, on="household_id")
        assert joined.height and (joined["colour"] == joined["colour_trial"]).all()
    assert pl.read_parquet(folder / "backtest_households.parquet").height == 0
    page = (folder / "backtest.html").read_text(encoding="utf-8")
    assert "阈值回测" in page and not re.search(r"\d{17}[\dX]", page)  # counts only: no identity number
    # nothing else changed
    assert {area: _tree(answered / area) for area in ("out", "followup")} == before
    assert hashlib.sha256((answered / "warehouse.duckdb").read_bytes()).hexdigest() == warehouse


def test_a_raised_monitoring_line_fires_where_an_independent_count_says(answered, tmp_path):
    done = _backtest(answered, _trial_file(tmp_path, monitoring_line=6500), "line6500")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = pl.read_parquet(answered / "backtest" / "line6500" / "backtest.parquet")
    for q in (Q2, Q3):
        import duckdb

        with duckdb.connect(str(answered / "warehouse.duckdb"), read_only=True) as con:
            con.execute(f"set file_search_path = '{answered}'")
            persons = pl.from_arrow(
                con.sql("select * from stg_roster__persons where quarter = ?", params=[str(q)]).to_arrow_table()
            )
        below = set(
            persons.group_by("household_id")
            .agg(pl.col("per_capita_income").first())
            .filter(pl.col("per_capita_income") < 6500)["household_id"]
        )
        tried = rows.filter((pl.col("quarter") == str(q)) & (pl.col("rule_id") == "INC_BELOW_LINE"))
        assert set(tried.filter(pl.col("in_trial"))["household_id"]) == below
        now = set(tried.filter(pl.col("in_current"))["household_id"])
        assert now < below  # the line raised: every household fired before fires still, and more
    page = (answered / "backtest" / "line6500" / "backtest.html").read_text(encoding="utf-8")
    assert "monitoring_line" in page and "6500" in page


def test_a_trial_file_with_an_unknown_threshold_or_a_wrong_value_is_refused_in_words(tmp_path):
    config = load_config()
    with pytest.raises(ConfigError, match="不是本县的阈值"):
        trial_config(config, "t.yaml", b"thresholds:\n  monitoring_lin:\n    - {from_year: 2019, value: 6000}\n")
    with pytest.raises(ConfigError, match="应为数字"):
        trial_config(config, "t.yaml", b"thresholds:\n  monitoring_line:\n    - {from_year: 2019, value: high}\n")
    tried = trial_config(config, "t.yaml", b"thresholds:\n  monitoring_line:\n    - {from_year: 2019, value: 6000}\n")
    assert tried.thresholds(2026).monitoring_line == 6000
    assert tried.thresholds(2026).yellow_line == config.thresholds(2026).yellow_line  # the rest: the county's


def test_the_command_refuses_a_bad_trial_file_without_touching_anything(answered, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("thresholds:\n  no_such_line:\n    - {from_year: 2019, value: 1}\n", encoding="utf-8")
    done = _backtest(answered, bad, "bad")
    assert done.returncode == 1
    assert "no_such_line" in done.stderr and "不是本县的阈值" in done.stderr and "Traceback" not in done.stderr
    assert not (answered / "backtest" / "bad").exists()


def test_the_readmes_worked_example_runs_as_written_and_says_what_it_found(tmp_path):
    """The README's commands, in a fresh folder standing in for data/sample (the demo's default
    root is replaced by --data-root); the figures the README quotes are the ones it produces."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("A worked example on the sample county", 1)[1].split("How to read it.", 1)[0]
    lines = [line[4:] for line in block.splitlines() if line.startswith("    ")]
    root = tmp_path / "sample"
    script = (
        "\n".join(lines).replace("data/sample", str(root)).replace(".venv/bin/", str(Path(sys.executable).parent) + "/")
    )
    script = script.replace("povwatch demo ", f"povwatch demo --data-root {root} ").replace(
        "simulate-answers --quarter", f"simulate-answers --data-root {root} --quarter"
    )
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run(["bash", "-euc", script], capture_output=True, text=True, timeout=1200, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (
        "现行预警 now 1016  试算 trial 993  减少 dropped 23（其中核实属实 found true 11，不属实 not true 6）"
        in done.stdout
    )
    page = (root / "followup" / "2026Q3" / "followup.html").read_text(encoding="utf-8")
    assert (
        "<td>政策范围内自付比例超标</td><td>71</td><td>59</td><td>28</td><td>23</td><td>8</td><td>47%（59）</td>"
        in page
    )

"""`povwatch backtest`: a threshold tried before it is adopted. The comparison runs again on the
warehouse's staged quarters with a trial thresholds file — the same SQL rules as the quarterly
run (`transforms.compare.comparison.compare_quarter`), on a read-only connection — and is set
against what was published (the warehouse's history) and what the towns answered: which
warnings the trial drops (and, among them, how many towns had found 属实 — real risks it would
miss — or 不属实 — visits it would save), which it adds, which households change colour.
Writes `<data root>/backtest/<name>/` only: never the warehouse, `out/` or `followup/`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from transforms.compare.comparison import compare_quarter
from transforms.config import CountyConfig
from transforms.config_files import ConfigError, ThresholdsFile, parse_config_text
from transforms.learning.answer_yield import sent_answers
from transforms.settings import Quarter, RunRefused, read_sql
from transforms.staging.warehouse import connect_read_only

KEY = ["quarter", "rule_id", "household_id", "id_number"]
BACKTEST_SCHEMA = {
    "quarter": pl.String,
    "rule_id": pl.String,
    "household_id": pl.String,
    "id_number": pl.String,
    "town": pl.String,
    "in_current": pl.Boolean,
    "in_trial": pl.Boolean,
    "verification": pl.String,
    "settlement": pl.String,
    "colour_current": pl.String,
    "colour_trial": pl.String,
}
HOUSEHOLD_SCHEMA = {
    "quarter": pl.String,
    "household_id": pl.String,
    "town": pl.String,
    "colour_current": pl.String,
    "colour_trial": pl.String,
}


def trial_config(config: CountyConfig, name: str, text: bytes) -> CountyConfig:
    """The county's configuration with the trial file's thresholds in place of its own (any
    subset, in thresholds.yaml's format). A threshold the county does not have, or a value of
    the wrong kind, is refused in words."""
    trial = parse_config_text(name, text, ThresholdsFile)
    unknown = sorted(set(trial.thresholds) - set(config.threshold_entries))
    if unknown:
        known = "、".join(config.threshold_entries)
        raise ConfigError(
            f"试算阈值文件 {name} 中的阈值 {'、'.join(unknown)} 不是本县的阈值（config/thresholds.yaml 中有：{known}）"
            f" / unknown thresholds {unknown}"
        )
    entries = {**config.threshold_entries, **{k: tuple(v) for k, v in trial.thresholds.items()}}
    return dataclasses.replace(config, threshold_entries=entries)


def parse_quarters(text: str) -> list[Quarter]:
    """`2026Q2..2026Q3` (every quarter from one to the other) or `2026Q3` or `2026Q2,2026Q3`."""
    if ".." in text:
        first, last = (Quarter.parse(t.strip()) for t in text.split("..", 1))
        quarters = [first]
        while quarters[-1] != last:
            if len(quarters) > 400 or str(quarters[-1]) > str(last):
                raise ValueError(text)
            quarters.append(quarters[-1].next())
        return quarters
    return [Quarter.parse(t.strip()) for t in text.split(",")]


@dataclasses.dataclass(frozen=True)
class Backtest:
    """A backtest's rows (BACKTEST_SCHEMA, one per warning under either configuration) and its
    households' colours under each (HOUSEHOLD_SCHEMA, those whose colour changes)."""

    warnings: pl.DataFrame
    households: pl.DataFrame
    quarters: tuple[str, ...]


def run_backtest(warehouse: Path, quarters: list[Quarter], config: CountyConfig, trial: CountyConfig) -> Backtest:
    """Each quarter compared again with `trial`'s thresholds, against its history and answers."""
    warnings, households = [], []
    with connect_read_only(warehouse) as con:
        compared = {q for (q,) in con.execute(read_sql("bookkeeping/hist_warnings__quarters.sql")).fetchall()}
        missing = [str(q) for q in quarters if str(q) not in compared]
        if missing:
            raise RunRefused(
                f"数据仓库中没有 {'、'.join(missing)} 季度的比对结果，无法回测（请先运行该季度）"
                f" / quarters not in the warehouse: {', '.join(missing)}"
            )
        for quarter in quarters:
            q = str(quarter)
            current = pl.from_arrow(
                con.sql(read_sql("learning/learn_published.sql"), params={"quarter": q}).to_arrow_table()
            )
            colours = pl.from_arrow(
                con.sql(read_sql("learning/learn_published_colours.sql"), params={"quarter": q}).to_arrow_table()
            )
            answers = sent_answers(con, q).filter(pl.col("quarter") == q)
            try:
                tried = compare_quarter(con, quarter, trial)
            except ValueError as e:  # a threshold with no value in force in the quarter's year
                raise RunRefused(f"试算阈值在 {quarter.year} 年没有生效的取值：{e}") from None
            warnings.append(_warnings(q, current, tried.warnings, answers, colours, tried.all_households))
            households.append(_households(q, colours, tried.all_households))
    return Backtest(
        pl.concat(warnings).sort(KEY, nulls_last=True) if warnings else pl.DataFrame(schema=BACKTEST_SCHEMA),
        pl.concat(households).sort("quarter", "town", "household_id")
        if households
        else pl.DataFrame(schema=HOUSEHOLD_SCHEMA),
        tuple(str(q) for q in quarters),
    )


def _warnings(
    q: str,
    current: pl.DataFrame,
    trial: pl.DataFrame,
    answers: pl.DataFrame,
    colours: pl.DataFrame,
    trial_households: pl.DataFrame,
) -> pl.DataFrame:
    keys = ["rule_id", "household_id", "id_number"]
    both = (
        current.select(*keys, "town", pl.lit(True).alias("in_current"))
        .join(
            trial.select(*keys, pl.col("town").alias("_town"), pl.lit(True).alias("in_trial")),
            on=keys,
            how="full",
            coalesce=True,
            nulls_equal=True,
        )
        .with_columns(
            pl.coalesce("town", "_town").alias("town"),
            pl.col("in_current").fill_null(False),
            pl.col("in_trial").fill_null(False),
        )
        .join(answers.select(*keys, "verification", "settlement"), on=keys, how="left", nulls_equal=True)
        .join(colours.select("household_id", pl.col("colour").alias("colour_current")), on="household_id", how="left")
        .join(
            trial_households.select("household_id", pl.col("colour").alias("colour_trial")),
            on="household_id",
            how="left",
        )
    )
    return both.with_columns(pl.lit(q).alias("quarter")).select(list(BACKTEST_SCHEMA)).cast(BACKTEST_SCHEMA)


def _households(q: str, colours: pl.DataFrame, trial_households: pl.DataFrame) -> pl.DataFrame:
    return (
        colours.select("household_id", "town", pl.col("colour").alias("colour_current"))
        .join(
            trial_households.select("household_id", pl.col("colour").alias("colour_trial")),
            on="household_id",
            how="full",
            coalesce=True,
        )
        .filter(pl.col("colour_current").ne_missing(pl.col("colour_trial")))
        .with_columns(pl.lit(q).alias("quarter"))
        .select(list(HOUSEHOLD_SCHEMA))
        .cast(HOUSEHOLD_SCHEMA)
    )

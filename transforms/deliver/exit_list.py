"""风险消除建议名单: the 监测户 the comparison found ready to leave monitoring
(sql/outputs/out_exit_candidates.sql), one list per town — the household's head named and
masked as in the warning lists, why it is proposed in figures, a stable 消除建议编号, and the
columns the town fills in (核实结果 同意消除 / 暂不消除, 已落实帮扶措施, 核实人, 核实日期, 备注)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from schemas.outputs import EXIT_COLUMNS, ExitCandidateRows
from transforms.config import CountyConfig
from transforms.config_files import ExcelLayout
from transforms.deliver.list_workbooks import town_workbook_jobs
from transforms.deliver.lists import people_names, yuan
from transforms.kit.masking import mask_id
from transforms.kit.numbering import allocate
from transforms.kit.workbook import SheetJob

EXIT_INFIX = "XC"  # 消除


def exit_basis(quarter: str, previous: str) -> pl.Expr:
    """建议依据, in figures: months monitored since when, income against the line in both
    quarters, no warning in either, no open work order."""
    since = pl.col("monitored_since").cast(pl.String)
    return pl.concat_str(
        [
            pl.lit("纳入监测"), pl.col("months_monitored").cast(pl.String), pl.lit("个月（自"), since, pl.lit("起"),
            pl.when(pl.col("since_from_roster")).then(pl.lit("")).otherwise(pl.lit("，名册未填纳入监测时间，按系统首次记录")),
            pl.lit("）；家庭人均纯收入本季度"), yuan(pl.col("income_now")), pl.lit("元、上季度"),
            yuan(pl.col("income_previous")), pl.lit("元，均不低于监测线"), yuan(pl.col("monitoring_line"), 0),
            pl.lit(f"元；{previous}、{quarter}季度无预警（含家庭成员），无未办结工单"),
        ]
    )  # fmt: skip


def exit_list_rows(
    candidates: pl.DataFrame, people: pl.DataFrame, quarter: str, previous: str, deadline: date
) -> dict[str, pl.DataFrame]:
    """Each town's proposals, village by village, with the head named and masked."""
    _, heads = people_names(people)
    rows = (
        candidates.join(heads, on="household_id", how="left", maintain_order="left")
        .sort("town", "village", "household_id")
        .select(
            "town",
            "household_id",
            pl.col("head_name").fill_null("").alias("name"),
            mask_id(pl.col("head_id")).alias("id_masked"),
            "village",
            "monitoring_type",
            pl.col("risk_cause").fill_null(""),
            "members",
            exit_basis(quarter, previous).alias("basis"),
            pl.lit(deadline.isoformat()).alias("deadline"),
        )
        .with_columns(pl.int_range(1, pl.len() + 1).over("town").alias("seq"))
    )
    return {town: frame.drop("town") for (town,), frame in rows.partition_by("town", as_dict=True).items()}


def assign_exit_numbers(
    con: duckdb.DuckDBPyConnection, quarter: str, towns: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """Give every proposal its 消除建议编号 (`2026Q3-XC-000012`, column `proposal_no`): a household
    keeps its number when the quarter is rerun; new ones continue the sequence."""
    if not towns:
        return {}
    rows = pl.concat(
        [frame.with_columns(pl.lit(town).alias("town")) for town, frame in sorted(towns.items())], how="vertical"
    )
    numbered = allocate(con, "exit_numbers", quarter, rows, pl.lit(f"{quarter}-{EXIT_INFIX}-"))
    numbered = numbered.rename({"number": "proposal_no"})
    return {
        town: numbered.filter(pl.col("town") == town).drop("town").select(*frame.columns, "proposal_no")
        for town, frame in sorted(towns.items())
    }


def write_exit_candidates(
    folder: Path, candidates: pl.DataFrame, towns: dict[str, pl.DataFrame], pending: pl.DataFrame | None = None
) -> None:
    """exit_candidates.parquet: the proposals, each with its 消除建议编号 (the lists' rows); and
    county/exit_agreed_pending.parquet: 已同意消除，名册未更新, for the county office."""
    if pending is not None and pending.height:
        (folder / "county").mkdir(exist_ok=True)
        pending.write_parquet(folder / "county" / "exit_agreed_pending.parquet")
    numbers = pl.concat(
        [rows.select("household_id", "proposal_no") for rows in towns.values()]
        or [pl.DataFrame(schema={"household_id": pl.String, "proposal_no": pl.String})]
    )
    rows = candidates.join(numbers, on="household_id", how="left").sort("proposal_no", nulls_last=True)
    ExitCandidateRows.validate(rows.select("proposal_no", *EXIT_COLUMNS)).write_parquet(
        folder / "exit_candidates.parquet"
    )


def exit_list_jobs(
    folder: Path,
    quarter: str,
    config: CountyConfig,
    layout: ExcelLayout,
    towns: dict[str, pl.DataFrame],
    deadline: date,
    created: datetime | None = None,
) -> list[SheetJob]:
    """One 风险消除建议名单 per town with proposals: its own households only."""
    spec = layout.exit_list
    choices = {"verification": spec.verification_choices}
    return town_workbook_jobs(
        folder, quarter, config, layout, spec, "风险消除建议名单", towns, deadline, choices, created
    )

"""The county office's own list (县级名单): people not on the roster whom a department reported
without a town (乡镇不明). No town can act on them, so they are not in any town's list: the county
office finds where each lives and has them checked. Full identity numbers (the list stays in the
county office), and what is known of each person — which department reported them, in which file
and row."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from transforms.config import CountyConfig
from transforms.config_files import ExcelLayout
from transforms.deliver.lists import people_names
from transforms.kit.workbook import SheetJob, row_place
from transforms.linkage.rows import person_rows_sql
from transforms.settings import quarter_label

FOLDER = "county"
SHOWN_PLACES = 3  # source rows named per person; the rest counted


def county_list_rows(
    con: duckdb.DuckDBPyConnection, quarter: str, rows: pl.DataFrame | None, config: CountyConfig
) -> pl.DataFrame | None:
    """The unknown-town rows of the town lists (numbered), with each person's full number, their
    name as reported, and the department rows that reported them this year (the year's claims can
    make a candidate)."""
    if rows is None or rows.is_empty():
        return None
    ids = rows.select(pl.col("_subject").alias("id_number")).unique()
    con.register("new_candidates", ids.to_arrow())
    try:
        params = {"quarter": quarter, "year_prefix": f"{quarter[:4]}Q%"}  # the year's claims make a candidate
        sources = pl.from_arrow(
            con.sql(person_rows_sql(config, "new_candidates", this_year=True), params=params).to_arrow_table()
        )
    finally:
        con.unregister("new_candidates")
    labels = config.department_labels
    place = pl.concat_str(
        [pl.col("department").replace_strict(labels, default=pl.col("department")), pl.lit("："), row_place()]
    )
    reported = (
        sources.sort("department", "file", "sheet", "row_number", nulls_last=True)
        .group_by(pl.col("id_as_written").alias("_subject"), maintain_order=True)
        .agg(
            place.head(SHOWN_PLACES).str.join("；").alias("_places"),
            pl.len().alias("_rows"),
            pl.col("name_as_written").drop_nulls().first().alias("_reported_name"),
        )
        .select(
            "_subject",
            "_reported_name",
            pl.when(pl.col("_rows") > SHOWN_PLACES)
            .then(pl.concat_str([pl.col("_places"), pl.lit(" 等"), pl.col("_rows").cast(pl.String), pl.lit("行")]))
            .otherwise(pl.col("_places"))
            .alias("reported_by"),
        )
    )
    return (
        rows.join(reported, on="_subject", how="left", maintain_order="left")
        .with_columns(
            pl.col("_subject").alias("id_number"),
            pl.col("reported_by").fill_null(""),
            pl.when(pl.col("name").fill_null("") == "")
            .then(pl.col("_reported_name"))
            .otherwise(pl.col("name"))
            .alias("name"),
        )
        .with_columns(pl.int_range(1, pl.len() + 1).alias("seq"))
    )


def county_list_job(
    folder: Path,
    quarter: str,
    config: CountyConfig,
    layout: ExcelLayout,
    rows: pl.DataFrame,
    deadline: date,
    created: datetime | None,
) -> SheetJob:
    spec = layout.county_list
    return SheetJob(
        folder / FOLDER / f"{quarter}_县级_乡镇不明人员名单.xlsx",
        title=spec.title.format(county=config.county_name, quarter=quarter_label(quarter)),
        note=spec.note.format(deadline=f"{deadline:%Y年%-m月%-d日}", return_to=spec.return_to),
        sign_off=spec.sign_off,
        columns=spec.columns,
        rows=rows,
        colours=layout.colours,
        choices={"verification": layout.town_list.verification_choices},
        created=created,
        printing=layout.print,
        freeze_through=spec.freeze_through,
    )


CLOSED_LIST = "{quarter}_县级_销号清单.xlsx"


def closed_list_job(
    folder: Path,
    quarter: str,
    config: CountyConfig,
    layout: ExcelLayout,
    closed: pl.DataFrame,
    people: pl.DataFrame,
    created: datetime | None,
) -> SheetJob | None:
    """销号清单: last quarter's warnings that no longer fire, and how each ended (办结销号 /
    核实消除 / 自然消除), for the county office to print, check and close (closed.parquet's rows;
    full numbers: the county office holds the roster). None when nothing closed."""
    if closed.is_empty():
        return None
    spec = layout.closed_list
    names, heads = people_names(people)
    rule_labels = {r.rule_id: r.label for r in config.rules}
    order = {c: i for i, c in enumerate(spec.closure_order)}
    rows = (
        closed.join(names.drop("_known"), on="id_number", how="left", maintain_order="left")
        .join(heads, on="household_id", how="left", maintain_order="left")
        .with_columns(pl.col("closure").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_rank"))
        .sort("_rank", "town", "village", "household_id", "rule_id", "id_number", nulls_last=True)
        .select(
            pl.int_range(1, pl.len() + 1).alias("seq"),
            "closure",
            pl.coalesce("name", "head_name").fill_null("").alias("name"),
            pl.coalesce("id_number", "head_id").fill_null("").alias("id_number"),
            pl.col("town").fill_null(""),
            pl.col("village").fill_null(""),
            pl.col("rule_id").replace_strict(rule_labels, default=pl.col("rule_id")).alias("rule"),
            pl.col("evidence").fill_null(""),
            pl.col("department")
            .replace_strict(config.department_labels, default=config.county_office.label)
            .alias("department"),
            pl.col("household_id").fill_null(""),
        )
    )
    return SheetJob(
        folder / FOLDER / CLOSED_LIST.format(quarter=quarter),
        title=spec.title.format(county=config.county_name, quarter=quarter_label(quarter)),
        note=spec.note,
        sign_off=spec.sign_off,
        columns=spec.columns,
        rows=rows,
        colours=layout.colours,
        created=created,
        printing=layout.print,
        freeze_through=spec.freeze_through,
    )

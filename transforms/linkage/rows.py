"""The department rows the suggestions look at: rows rejected for a slip in the identity number,
and every row of a person not on the quarter's roster (over every dataset of the registry with a
person in it, so a new department is covered without a query)."""

from __future__ import annotations

import polars as pl

from transforms.config import CountyConfig
from transforms.intake.validation import SLIP_ID_PROBLEMS

ROW_SCHEMA = {
    "department": pl.String,
    "dataset": pl.String,
    "file": pl.String,
    "sheet": pl.String,
    "row_number": pl.Int64,
    "origin": pl.String,
    "id_as_written": pl.String,
    "name_as_written": pl.String,
    "town": pl.String,
    "village": pl.String,
}
PEOPLE = ["id_as_written", "name_as_written", "town", "village"]  # a person as a row writes them


def rejected_rows(rejects: pl.DataFrame) -> pl.DataFrame:
    """Rows rejected for their identity number's check character or birth date (and nothing
    that makes the number unusable), with a name to look by — the departments' rows: the
    roster's own rejected rows are mended in the roster itself, never matched against it."""
    return (
        rejects.filter(
            (pl.col("department") != "roster")
            & pl.col("id_problem").is_in(SLIP_ID_PROBLEMS)
            & pl.col("name_as_written").is_not_null()
            & pl.col("id_as_written").str.contains(r"^\d{17}[\dX]$")
        )
        .select(
            "department",
            "dataset",
            "file",
            "sheet",
            "row_number",
            pl.lit("rejected").alias("origin"),
            "id_as_written",
            "name_as_written",
            pl.col("town_as_written").alias("town"),
            pl.col("village_as_written").alias("village"),
        )
        .cast(ROW_SCHEMA)
    )


def person_rows_sql(config: CountyConfig, among: str, this_year: bool = False) -> str:
    """The department rows of this quarter (with `this_year`: of every quarter of the year up to
    this one) of the persons `among` says, over every dataset of the registry with a person in it
    (so a new department is covered without a query): "new_candidates" — the persons behind a
    NEW_CANDIDATE warning (a registered table of id_number); "strangers" — every person not on the
    quarter's roster; "found" — the numbers of a registered lnk_found_people (id_as_written)."""
    when = "s.quarter like $year_prefix and s.quarter <= $quarter" if this_year else "s.quarter = $quarter"
    who = {
        "new_candidates": "semi join new_candidates as c on c.id_number = s.id_number",
        "strangers": "anti join stg_roster__persons as r on r.id_number = s.id_number and r.quarter = $quarter",
        "found": "semi join lnk_found_people as f on f.id_as_written = s.id_number",
    }[among]
    parts = []
    for ds in config.datasets:
        names = {f.name for f in ds.fields}
        if ds.department == "roster" or not {"id_number", "name"} <= names:
            continue
        town = "s.town" if "town" in names else "null"
        village = "s.village" if "village" in names else "null"
        parts.append(
            f"select '{ds.department}' as department, '{ds.code}' as dataset, s.source_file as file, "
            f"s.source_sheet as sheet, s.source_row as row_number, "
            f"s.id_number as id_as_written, s.name as name_as_written, {town} as town, {village} as village "
            f"from {ds.staging_table} as s {who} where {when} and s.id_number is not null"
        )  # identifiers from our own registry, never from data
    return "\nunion all\n".join(parts)


def strangers_per_file_sql(config: CountyConfig) -> str:
    """Each person not on the quarter's roster as the rows write them, with their rows per file
    (dataset, file, id_as_written, name_as_written, town, village, rows)."""
    rows = person_rows_sql(config, "strangers")
    return f"select dataset, file, {', '.join(PEOPLE)}, count(*) as rows from ({rows}) group by all"

"""Suggestions for mistyped identity numbers (疑似录错的身份证号): for every row rejected for its
check character or birth date, and every department row behind a NEW_CANDIDATE, the roster
person the department most likely meant — scored by `transforms.linkage.model`, explained in
Chinese, numbered (建议编号, stable across reruns) and never applied by themselves: the county
office confirms them (是本人 / 不是本人) in `quality/身份证号疑似录错_建议.xlsx`, and
`read-returns` records the answers (`transforms.linkage.corrections`)."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import polars as pl

from transforms.config import CountyConfig
from transforms.intake.validation import SLIP_ID_PROBLEMS, written_name
from transforms.linkage.corrections import denied
from transforms.linkage.model import LinkageSettings, number_parts, roster_digest, score, train
from transforms.settings import Quarter

SUGGESTION_COLUMNS = [
    "suggestion_id", "quarter", "department", "dataset", "file", "sheet", "row_number", "origin",
    "id_as_written", "name_as_written", "suggested_id_number", "suggested_household_id", "suggested_name",
    "suggested_town", "suggested_village", "match_probability", "row_probability", "agreement", "recommended",
    "town_as_written", "village_as_written",  # the department row's own town and village, when it has them
]  # fmt: skip
SUGGESTION_SCHEMA = {
    **dict.fromkeys(SUGGESTION_COLUMNS, pl.String),
    "row_number": pl.Int64,
    "match_probability": pl.Float64,  # Splink's, for the pair
    "row_probability": pl.Float64,  # that the row is this person and none of its other candidates
    "recommended": pl.Boolean,
}
SUGGESTION_INFIX = "ID"
_ROW_SCHEMA = {
    "department": pl.String, "dataset": pl.String, "file": pl.String, "sheet": pl.String, "row_number": pl.Int64,
    "origin": pl.String, "id_as_written": pl.String, "name_as_written": pl.String, "town": pl.String,
    "village": pl.String,
}  # fmt: skip


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
            "department", "dataset", "file", "sheet", "row_number", pl.lit("rejected").alias("origin"),
            "id_as_written", "name_as_written", pl.col("town_as_written").alias("town"),
            pl.col("village_as_written").alias("village"),
        )
        .cast(_ROW_SCHEMA)
    )  # fmt: skip


def new_candidate_rows_sql(config: CountyConfig, this_year: bool = False) -> str:
    """The department rows of this quarter (with `this_year`: of every quarter of the year up to
    this one) behind each NEW_CANDIDATE warning, over every dataset of the registry with a person
    in it (so a new department is covered without a query)."""
    when = "s.quarter like $year_prefix and s.quarter <= $quarter" if this_year else "s.quarter = $quarter"
    parts = []
    for ds in config.datasets:
        names = {f.name for f in ds.fields}
        if ds.department == "roster" or not {"id_number", "name"} <= names:
            continue
        town = "s.town" if "town" in names else "null"
        village = "s.village" if "village" in names else "null"
        parts.append(
            f"select '{ds.department}' as department, '{ds.code}' as dataset, s.source_file as file, "
            f"s.source_sheet as sheet, s.source_row as row_number, 'new_candidate' as origin, "
            f"s.id_number as id_as_written, s.name as name_as_written, {town} as town, {village} as village "
            f"from {ds.staging_table} as s semi join new_candidates as c on c.id_number = s.id_number "
            f"where {when}"
        )  # identifiers from our own registry, never from data
    return "\nunion all\n".join(parts)


def _roster(con: duckdb.DuckDBPyConnection, quarter: str) -> pl.DataFrame:
    return pl.from_arrow(
        con.sql(
            "select distinct id_number, name, town, village, household_id from stg_roster__persons where quarter = ?",
            params=[quarter],
        ).to_arrow_table()
    ).unique("id_number", keep="first", maintain_order=True)


def trained_model(con: duckdb.DuckDBPyConnection, persons: pl.DataFrame, settings: LinkageSettings) -> dict:
    """The model for this roster and these settings: from the warehouse when it was trained
    before (a rerun), else trained now and kept."""
    key = [roster_digest(persons), settings.digest]
    found = con.execute(
        "select model_json from id_linkage_models where roster_digest = ? and settings_digest = ?", key
    ).fetchall()
    if found:
        return json.loads(found[0][0])
    model = train(persons, settings)
    con.execute(
        "insert into id_linkage_models values (?, ?, ?, ?)", [*key, json.dumps(model, sort_keys=True), datetime.now()]
    )
    return model


def _differences(written: str, person: str) -> str:
    """Which digits of the number differ, in words: 第15、16位数字顺序颠倒, 第8位数字不同 …"""
    a, b = written[:17], person[:17]
    diff = [i for i in range(17) if a[i] != b[i]]
    parts = []
    if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
        parts.append(f"第{diff[0] + 1}、{diff[1] + 1}位数字顺序颠倒")
    elif diff:
        parts.append("第" + "、".join(str(i + 1) for i in diff) + "位数字不同")
    if written[17:] != person[17:]:
        parts.append("校验位不同" if diff else "仅校验位不同")
    elif diff:
        parts.append("校验位相符")
    return "，".join(parts)


def explain(row: dict) -> str:
    """The Chinese agreement text of one suggestion."""
    same, other = [], []
    written, person = row["id_as_written"], row["person_id"]
    (same if row["name_as_written"] == row["suggested_name"] else other).append("姓名")
    (same if written[6:14] == person[6:14] else other).append("出生日期")
    if row["village"] is not None or row["town"] is not None:
        if row["town"] == row["suggested_town"]:
            same.append("乡镇")
            (same if row["village"] == row["suggested_village"] else other).append("村")
        else:
            other.append("乡镇")
    text = _differences(written, person)
    if same:
        text += "；" + "、".join(same) + "一致"
    if other:
        text += "；" + "、".join(other) + "不同"
    return text


def suggest(
    con: duckdb.DuckDBPyConnection, quarter: Quarter, config: CountyConfig, rejects: pl.DataFrame,
    warnings: pl.DataFrame, settings: LinkageSettings,
) -> pl.DataFrame:  # fmt: skip
    """The quarter's suggestions (SUGGESTION_COLUMNS), numbered; `con` is the warehouse with
    the quarter staged."""
    q = str(quarter)
    new = warnings.filter(pl.col("rule_id") == "NEW_CANDIDATE").select("id_number").unique()
    con.register("new_candidates", new.to_arrow())
    try:
        behind = pl.from_arrow(con.sql(new_candidate_rows_sql(config), params={"quarter": q}).to_arrow_table())
    finally:
        con.unregister("new_candidates")
    rows = pl.concat([rejected_rows(rejects), behind.cast(_ROW_SCHEMA)]).with_columns(
        written_name(pl.col("name_as_written")).alias("name_as_written")
    )
    roster = _roster(con, q)
    if rows.is_empty() or roster.is_empty():
        return pl.DataFrame(schema=SUGGESTION_SCHEMA)
    people = ["id_as_written", "name_as_written", "town", "village"]
    distinct = rows.select(people).unique(maintain_order=True).with_row_index("query_id")
    queries = distinct.select(
        pl.col("query_id").cast(pl.String).alias("unique_id"),
        *number_parts(pl.col("id_as_written")),
        pl.col("name_as_written").alias("name"),
        "town",
        "village",
    )
    persons = roster.select(
        pl.col("id_number").alias("unique_id"),
        *number_parts(pl.col("id_number")),
        written_name(pl.col("name")).alias("name"),
        "town",
        "village",
    )
    pairs = score(queries, persons, trained_model(con, persons, settings), settings.list_from)
    named = roster.select(
        pl.col("id_number").alias("person_id"),
        pl.col("name").alias("suggested_name"),
        pl.col("town").alias("suggested_town"),
        pl.col("village").alias("suggested_village"),
        pl.col("household_id").alias("suggested_household_id"),
    )
    found = (
        pairs.with_columns(pl.col("query_id").cast(pl.UInt32))
        .join(distinct, on="query_id")
        .join(named, on="person_id")
        .drop("query_id")
    )
    candidates = rows.join(found, on=people, how="inner", nulls_equal=True)
    candidates = candidates.join(
        denied(con), on=["department", "id_as_written", "name_as_written", "person_id"], how="anti"
    )
    if candidates.is_empty():
        return pl.DataFrame(schema=SUGGESTION_SCHEMA)
    row_key = ["department", "file", "sheet", "row_number"]
    # A row is at most one person: each candidate's share of the row's odds (its Bayes factor
    # against the prior, 2^match_weight, over 1 + the sum of all the row's candidates') is the
    # probability that the row is that person and no other. The likeliest candidate is recommended
    # when that reaches `recommend_at`; two near-equal namesakes share it, and neither is.
    odds = pl.lit(2.0).pow(pl.col("match_weight"))
    ranked = (
        candidates.sort([*row_key, "match_weight", "person_id"], descending=[False] * 4 + [True, False])
        .with_columns(
            pl.int_range(pl.len()).over(row_key).alias("_rank"),
            (odds / (1 + odds.sum().over(row_key))).round(4).alias("row_probability"),
        )
        .filter(pl.col("_rank") < settings.max_per_row)
        .with_columns(
            pl.col("match_probability").round(4),
            ((pl.col("_rank") == 0) & (pl.col("row_probability") >= settings.recommend_at)).alias("recommended"),
        )
    )
    ranked = ranked.with_columns(
        pl.Series("agreement", [explain(r) for r in ranked.iter_rows(named=True)], dtype=pl.String),
        pl.lit(q).alias("quarter"),
        pl.col("person_id").alias("suggested_id_number"),
        pl.col("town").alias("town_as_written"),
        pl.col("village").alias("village_as_written"),
    )
    return _number(con, q, ranked).select(SUGGESTION_COLUMNS).cast(SUGGESTION_SCHEMA)


def _number(con: duckdb.DuckDBPyConnection, quarter: str, ranked: pl.DataFrame) -> pl.DataFrame:
    """建议编号 (`2026Q3-ID-000012`): a suggestion (department row and person suggested) keeps its
    number when the quarter is rerun; new ones continue the sequence in the file's order and are
    kept with what they suggest, to match the county office's answers."""
    keyed = ranked.sort("department", "file", "sheet", "row_number", "_rank").with_columns(
        pl.concat_str(
            ["department", "file", pl.col("sheet").fill_null(""), pl.col("row_number").cast(pl.String),
             "id_as_written", "suggested_id_number"],
            separator="|",
        ).alias("_key")
    )  # fmt: skip
    known = dict(con.execute("select key, number from id_suggestion_numbers where quarter = ?", [quarter]).fetchall())
    prefix = f"{quarter}-{SUGGESTION_INFIX}-"
    last = max((int(n.rsplit("-", 1)[1]) for n in known.values()), default=0)
    fresh, numbers = [], []
    for key in keyed["_key"].to_list():
        if key not in known:
            last += 1
            known[key] = f"{prefix}{last:06d}"
            fresh.append((quarter, key, known[key]))
        numbers.append(known[key])
    if fresh:
        new = (
            pl.DataFrame(fresh, schema=["quarter", "_key", "number"], orient="row")
            .join(keyed.unique("_key", keep="first"), on="_key")
            .select("quarter", pl.col("_key").alias("key"), "number", "department", "id_as_written",
                    "name_as_written", "suggested_id_number", "suggested_household_id")
        )  # fmt: skip
        con.register("new_suggestion_numbers", new.to_arrow())
        try:
            con.execute("insert into id_suggestion_numbers by name select * from new_suggestion_numbers")
        finally:
            con.unregister("new_suggestion_numbers")
    return keyed.with_columns(pl.Series("suggestion_id", numbers, dtype=pl.String))

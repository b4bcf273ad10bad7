"""Suggestions for mistyped identity numbers (疑似录错的身份证号): for every row rejected for its
check character or birth date, and every department row behind a NEW_CANDIDATE, the roster
person the department most likely meant — scored by `transforms.linkage.model`, explained in
Chinese, numbered (建议编号, stable across reruns) and never applied by themselves: the county
office confirms them (是本人 / 不是本人) in `quality/身份证号疑似录错_建议.xlsx`, and
`read-returns` records the answers (`transforms.linkage.corrections`)."""

from __future__ import annotations

import json
import math
from datetime import datetime

import duckdb
import polars as pl

from schemas.outputs import SUGGESTION_COLUMNS, SUGGESTION_SCHEMA
from transforms.config import CountyConfig
from transforms.intake.validation import written_name
from transforms.kit.numbering import allocate
from transforms.linkage.corrections import denied
from transforms.linkage.model import number_parts, roster_digest, score, train
from transforms.linkage.rows import PEOPLE, ROW_SCHEMA, person_rows_sql, rejected_rows, strangers_per_file_sql
from transforms.linkage_settings import LinkageSettings
from transforms.settings import Quarter
from transforms.staging.warehouse import read_sql

SUGGESTION_INFIX = "ID"


def _roster(con: duckdb.DuckDBPyConnection, quarter: str) -> pl.DataFrame:
    return pl.from_arrow(
        con.sql(read_sql("linkage/lnk_roster_persons.sql"), params={"quarter": quarter}).to_arrow_table()
    ).unique("id_number", keep="first", maintain_order=True)


def trained_model(con: duckdb.DuckDBPyConnection, persons: pl.DataFrame, settings: LinkageSettings) -> dict:
    """The model for this roster and these settings: from the warehouse when it was trained
    before (a rerun), else trained now and kept."""
    key = {"roster_digest": roster_digest(persons), "settings_digest": settings.digest}
    found = con.execute(read_sql("bookkeeping/id_linkage_models__find.sql"), key).fetchall()
    if found:
        return json.loads(found[0][0])
    model = train(persons, settings)
    con.execute(
        read_sql("bookkeeping/id_linkage_models__record.sql"),
        {**key, "model_json": json.dumps(model, sort_keys=True), "trained_at": datetime.now()},
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
    if row.get("single") is not None:
        text += "；该号码本季度在该数据中" + ("仅此一行" if row["single"] else "另有多行记录")
    return text


ROW_KEY = ["department", "file", "sheet", "row_number"]


def _strangers(con: duckdb.DuckDBPyConnection, config: CountyConfig, quarter: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every department row of the quarter whose valid number is nobody's on the roster, counted
    in one pass in DuckDB (the rows stay there): the distinct persons they write, and each
    number's rows per file (dataset, file, id_as_written, rows)."""
    grouped = pl.from_arrow(con.sql(strangers_per_file_sql(config), params={"quarter": quarter}).to_arrow_table()).sort(
        "dataset", "file", *PEOPLE, nulls_last=True
    )  # the same order every run (sorted here: faster)
    people = grouped.select(PEOPLE).unique(maintain_order=True).cast({c: ROW_SCHEMA[c] for c in PEOPLE})
    per_number = grouped.group_by("dataset", "file", "id_as_written", maintain_order=True).agg(pl.col("rows").sum())
    return people, per_number


def _stranger_rows(
    con: duckdb.DuckDBPyConnection,
    config: CountyConfig,
    quarter: str,
    people: pl.DataFrame,
    new_candidates: pl.Series,
) -> pl.DataFrame:
    """The stranger rows of these persons (as written), with their origin: behind a NEW_CANDIDATE
    warning, or a stranger who raised none."""
    if people.is_empty():
        return pl.DataFrame(schema=ROW_SCHEMA)
    con.register("lnk_found_people", people.select("id_as_written").unique().to_arrow())
    try:
        rows = pl.from_arrow(con.sql(person_rows_sql(config, "found"), params={"quarter": quarter}).to_arrow_table())
    finally:
        con.unregister("lnk_found_people")
    rows = rows.join(people.select(PEOPLE), on=PEOPLE, how="semi", nulls_equal=True)
    origin = pl.when(pl.col("id_as_written").is_in(new_candidates.implode())).then(pl.lit("new_candidate"))
    return (
        rows.with_columns(origin.otherwise(pl.lit("stranger")).alias("origin"))
        .cast(ROW_SCHEMA)
        .select(list(ROW_SCHEMA))
        .sort(ROW_KEY, nulls_last=True)
    )


def _with_footprint(candidates: pl.DataFrame, rows_per_number: pl.DataFrame, settings: LinkageSettings) -> pl.DataFrame:
    """Each stranger's candidate with `single` (the number as written has this one row in its
    extract this quarter) and its weight moved by what that says: a slip is most often a one-off
    (`slip_single_row`), while a genuine stranger's number recurs — claims, payments — as often as
    the extract shows (the share of its strangers' numbers with a single row, counted here)."""
    if candidates.is_empty():
        return candidates.with_columns(pl.lit(None, pl.Boolean).alias("single"))
    rows_per_number = rows_per_number.group_by("dataset", "id_as_written").agg(pl.col("rows").sum())
    shares = rows_per_number.group_by("dataset").agg((pl.col("rows") == 1).mean().alias("_u"))
    m = settings.slip_single_row
    u = pl.col("_u").clip(0.001, 0.999)
    factor = pl.when(pl.col("single")).then(m / u).otherwise((1 - m) / (1 - u))
    return (
        candidates.join(rows_per_number, on=["dataset", "id_as_written"], how="left")
        .join(shares, on="dataset", how="left")
        .with_columns((pl.col("rows") == 1).alias("single"))
        .with_columns((pl.col("weight") + factor.log(2)).alias("weight"))
        .drop("rows", "_u")
    )


def _ranked(candidates: pl.DataFrame, prior: pl.Expr, persons: int, settings: LinkageSettings) -> pl.DataFrame:
    """Each candidate's probabilities, given the row's prior (how likely it is some roster person):
    `match_probability` (the pair's, alone) and `row_probability` (that the row is this person and
    none of its other candidates: its odds over 1 + the sum of the row's odds). A row is at most one
    person; the likeliest candidate is recommended when its row probability reaches `recommend_at`
    — two near-equal namesakes share it, and neither is."""
    odds = (prior / persons) * pl.lit(2.0).pow(pl.col("weight"))
    return (
        candidates.with_columns(odds.alias("_odds"))
        .with_columns(
            (pl.col("_odds") / (1 + pl.col("_odds"))).round(4).alias("match_probability"),
            (pl.col("_odds") / (1 + pl.col("_odds").sum().over(ROW_KEY))).round(4).alias("row_probability"),
        )
        .filter(pl.col("match_probability") >= settings.list_from)
        .sort([*ROW_KEY, "weight", "person_id"], descending=[False] * 4 + [True, False], nulls_last=True)
        .with_columns(pl.int_range(pl.len()).over(ROW_KEY).alias("_rank"))
        .filter(pl.col("_rank") < settings.max_per_row)
        .with_columns(
            ((pl.col("_rank") == 0) & (pl.col("row_probability") >= settings.recommend_at)).alias("recommended")
        )
        .drop("_odds")
    )


def _within_blocking(distinct: pl.DataFrame, roster: pl.DataFrame) -> pl.DataFrame:
    """Only rows that can be blocked with somebody: their name is on the roster, or their birth
    date and village are (the blocking rules; a stranger sharing neither has no candidate)."""
    on_roster = roster.select(
        written_name(pl.col("name")).alias("name_as_written"),
        pl.col("id_number").str.slice(6, 8).alias("_birth"),
        "village",
    )
    return distinct.filter(
        pl.col("name_as_written").is_in(on_roster["name_as_written"].implode())
        | pl.struct(pl.col("id_as_written").str.slice(6, 8).alias("_birth"), "village").is_in(
            on_roster.select(pl.struct("_birth", "village").alias("k"))["k"].implode()
        )
    )


def _found(
    con: duckdb.DuckDBPyConnection, roster: pl.DataFrame, people: pl.DataFrame, settings: LinkageSettings
) -> pl.DataFrame:
    """Every candidate (a person as the rows write them, PEOPLE, with its name folded) scored
    against the roster: person_id, weight and what the roster says of the person."""
    distinct = _within_blocking(people.unique(maintain_order=True).with_row_index("query_id"), roster)
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
    # the least evidence that can reach list_from, with the largest prior a row has
    list_odds = settings.list_from / (1 - settings.list_from)
    min_weight = math.log2(list_odds * roster.height / settings.prior_rejected)
    pairs = score(queries, persons, trained_model(con, persons, settings), min_weight)
    named = roster.select(
        pl.col("id_number").alias("person_id"),
        pl.col("name").alias("suggested_name"),
        pl.col("town").alias("suggested_town"),
        pl.col("village").alias("suggested_village"),
        pl.col("household_id").alias("suggested_household_id"),
    )
    return (
        pairs.with_columns(pl.col("query_id").cast(pl.UInt32))
        .join(distinct, on="query_id")
        .join(named, on="person_id")
        .drop("query_id")
    )


def _stranger_priors(caught: pl.DataFrame, rows_per_number: pl.DataFrame, settings: LinkageSettings) -> pl.DataFrame:
    """A stranger's valid number is a slip of a roster person's as often as its file's caught
    slips say (config/id_linkage.yaml): a list typed by hand slips more than a system's export.
    Only slips of the number's 17 digits count (a slip of the check character alone can never
    make a valid number). (dataset, file, _prior)."""
    body_slip = pl.col("id_as_written").str.slice(0, 17) != pl.col("person_id").str.slice(0, 17)
    in_file = ["dataset", "file"]
    caught_by_file = caught.filter(pl.col("recommended") & body_slip).group_by(in_file).len("caught")
    return (
        rows_per_number.group_by(in_file)
        .agg(pl.col("id_as_written").n_unique().alias("strangers"))
        .join(caught_by_file, on=in_file, how="left")
        .select(
            *in_file,
            pl.min_horizontal(
                pl.lit(settings.prior_rejected),
                settings.valid_slips_per_caught * (pl.col("caught").fill_null(0) + 1) / pl.col("strangers"),
            ).alias("_prior"),
        )
    )


def suggest(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    config: CountyConfig,
    rejects: pl.DataFrame,
    warnings: pl.DataFrame,
    settings: LinkageSettings,
) -> pl.DataFrame:
    """The quarter's suggestions (SUGGESTION_COLUMNS), numbered; `con` is the warehouse with
    the quarter staged. Rows looked at: those rejected for a slip in their number, and every
    department row of a person not on the roster, in every extract."""
    q = str(quarter)
    roster = _roster(con, q)
    rejected = rejected_rows(rejects)
    strangers, stranger_rows_per_number = _strangers(con, config, q)
    if roster.is_empty() or (rejected.is_empty() and strangers.is_empty()):
        return pl.DataFrame(schema=SUGGESTION_SCHEMA)
    folded = written_name(pl.col("name_as_written")).alias("name_as_written")
    found = _found(con, roster, pl.concat([rejected.select(PEOPLE), strangers]).with_columns(folded), settings)
    new_candidates = warnings.filter(pl.col("rule_id") == "NEW_CANDIDATE")["id_number"].unique()
    behind = (
        strangers.with_columns(written_name(pl.col("name_as_written")).alias("_folded"))
        .join(
            found.select(PEOPLE).unique(),
            left_on=["id_as_written", "_folded", "town", "village"],
            right_on=PEOPLE,
            how="semi",
            nulls_equal=True,
        )
        .drop("_folded")
    )
    no_denied = ["department", "id_as_written", "name_as_written", "person_id"]
    rejected_found, strangers_found = [
        rows.with_columns(folded)
        .join(found, on=PEOPLE, how="inner", nulls_equal=True)
        .join(denied(con), on=no_denied, how="anti")
        for rows in (rejected, _stranger_rows(con, config, q, behind, new_candidates))
    ]
    # A rejected number is surely a slip of somebody's (prior_rejected); a stranger's, by its file.
    caught = _ranked(rejected_found, pl.lit(settings.prior_rejected), roster.height, settings)
    silent = strangers_found.join(
        _stranger_priors(caught, stranger_rows_per_number, settings), on=["dataset", "file"], how="left"
    )
    silent = _with_footprint(silent, stranger_rows_per_number, settings)
    prior = pl.col("_prior").fill_null(settings.prior_rejected)
    ranked = pl.concat([caught, _ranked(silent, prior, roster.height, settings).drop("_prior")], how="diagonal_relaxed")
    if ranked.is_empty():
        return pl.DataFrame(schema=SUGGESTION_SCHEMA)
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
            [
                "department",
                "file",
                pl.col("sheet").fill_null(""),
                pl.col("row_number").cast(pl.String),
                "id_as_written",
                "suggested_id_number",
            ],
            separator="|",
        ).alias("_key")
    )
    prefix = pl.lit(f"{quarter}-{SUGGESTION_INFIX}-")
    numbered = allocate(con, "id_suggestion_numbers", quarter, keyed.rename({"_key": "key"}), prefix)
    return numbered.rename({"key": "_key", "number": "suggestion_id"})

"""Where every warning of a quarter stands: the answers recorded (append-only, in the
warehouse), the latest one for each key, and per warning its 预警编号, work order, deadlines,
verification, settlement and whether either is overdue as of a date."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from schemas.outputs import FOLLOWUP_COLUMNS
from transforms.followup.returns import ANSWER_SCHEMA, Issued
from transforms.staging.warehouse import read_sql

# Refusals that leave a row of this list (or work order) to be filled in again by whoever answered:
# not a key that was never issued, nor a row of another town's list (its own town still owes it).
RETURNED_CODES_EXCLUDED = ("key_unknown", "other_town", "key_missing")


def returned_keys(rejects: pl.DataFrame | None, kind: str) -> list[str]:
    """The keys of `kind` whose returned row was refused (退回重填)."""
    if rejects is None or rejects.is_empty():
        return []
    refused = rejects.filter(
        (pl.col("kind") == kind) & pl.col("key").is_not_null() & ~pl.col("reason_code").is_in(RETURNED_CODES_EXCLUDED)
    )
    return refused["key"].unique().to_list()


@dataclass(frozen=True)
class Publication:
    """What the quarter's run published, as the follow-up needs it."""

    quarter: str
    warnings: pl.DataFrame
    issued: Issued
    verify_by: date
    settle_by: date
    listing: pl.DataFrame  # town, subject, number
    orders: pl.DataFrame  # rule_id, subject, department, number
    # household_id, colour of every listed household (households.parquet): why a row without a
    # rule of its own is listed
    colours: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"household_id": pl.String, "colour": pl.String})
    )


def load_publication(out_dir: Path, con: duckdb.DuckDBPyConnection, quarter: str) -> Publication:
    """The quarter's published warnings and deadlines (out/<quarter>/) and the numbers it issued
    (warehouse: 预警编号, work orders, 建议编号 — every suggestion ever issued for the quarter, a
    rerun's included)."""
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    deadlines = manifest["deadlines"]
    key = {"quarter": quarter}
    listing = pl.from_arrow(
        con.sql(read_sql("bookkeeping/listing_numbers__of_quarter.sql"), params=key).to_arrow_table()
    )
    orders = pl.from_arrow(
        con.sql(read_sql("bookkeeping/work_order_numbers__of_quarter.sql"), params=key).to_arrow_table()
    )
    suggestions = con.execute(read_sql("bookkeeping/id_suggestion_numbers__of_quarter.sql"), key).fetchall()
    exits = con.execute(read_sql("bookkeeping/exit_numbers__of_quarter.sql"), key).fetchall()
    issued = Issued(
        listing_towns=dict(listing.select("number", "town").iter_rows()),
        work_orders=set(orders["number"]),
        published_on=date.fromisoformat(deadlines["published_on"]),
        suggestions=frozenset(n for (n,) in suggestions),
        exit_towns={number: town for town, _, number in exits},
    )
    return Publication(
        quarter,
        pl.read_parquet(out_dir / "warnings.parquet"),
        issued,
        date.fromisoformat(deadlines["verify_by"]),
        date.fromisoformat(deadlines["settle_by"]),
        listing,
        orders,
        pl.read_parquet(out_dir / "households.parquet", columns=["household_id", "colour"]),
    )


def record_answers(con: duckdb.DuckDBPyConnection, quarter: str, file_sha256: str, answers: pl.DataFrame) -> int:
    """Append a file's answers to `returned_answers`, unless that file (by its sha256) was
    recorded already: rereading the same files changes nothing. Returns the rows added."""
    [(seen,)] = con.execute(
        read_sql("bookkeeping/returned_answers__seen.sql"), {"quarter": quarter, "file_sha256": file_sha256}
    ).fetchall()
    if seen or answers.height == 0:
        return 0
    [(arrival,)] = con.execute(read_sql("bookkeeping/returned_answers__next_arrival.sql")).fetchall()
    rows = answers.with_columns(
        pl.lit(quarter).alias("quarter"),
        pl.lit(file_sha256).alias("file_sha256"),
        pl.lit(arrival, dtype=pl.Int64).alias("arrival"),
        pl.lit(datetime.now()).alias("recorded_at"),
    )
    con.register("new_answers", rows.to_arrow())
    try:
        con.execute(read_sql("bookkeeping/returned_answers__record.sql"))
    finally:
        con.unregister("new_answers")
    return rows.height


def latest_answers(con: duckdb.DuckDBPyConnection, quarter: str) -> pl.DataFrame:
    """The answer in force for each (kind, key): the latest by its date, then by arrival, then row."""
    sql = read_sql("followup/latest_answers.sql")
    frame = pl.from_arrow(con.sql(sql, params=[quarter]).to_arrow_table())
    return frame if frame.height else pl.DataFrame(schema=ANSWER_SCHEMA)


def followup_frame(
    pub: Publication, answers: pl.DataFrame, as_of: date, rejects: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per warning of the quarter's publication, with its numbers, deadlines, latest
    verification and settlement, and whether either is overdue as of `as_of`."""
    w = pub.warnings.with_columns(
        pl.coalesce("household_id", "id_number").alias("_listed_as"),
        pl.coalesce("id_number", "household_id").alias("_subject"),
    )
    listing = pub.listing.select(pl.col("subject").alias("_listed_as"), pl.col("number").alias("listing_no"))
    orders = pub.orders.select("rule_id", pl.col("subject").alias("_subject"), pl.col("number").alias("work_order"))

    def answer(kind: str, prefix: str, key: str) -> pl.DataFrame:
        a = answers.filter(pl.col("kind") == kind)
        return a.select(
            pl.col("key").alias(key),
            pl.col("value").alias(prefix),
            pl.col("answered_by").alias(f"{prefix}_by"),
            pl.col("answered_on").alias(f"{prefix}_on"),
            pl.concat_str(
                [
                    pl.col("file"),
                    pl.lit(" "),
                    pl.col("sheet").fill_null(""),
                    pl.lit(" 第"),
                    pl.col("row_number").cast(pl.String),
                    pl.lit("行"),
                ]
            ).alias(f"{prefix}_source"),
        )

    f = (
        w.join(listing, on="_listed_as", how="left")
        .join(orders, on=["rule_id", "_subject"], how="left")
        .join(answer("verification", "verification", "listing_no"), on="listing_no", how="left")
        .join(answer("settlement", "settlement", "work_order"), on="work_order", how="left")
    )
    settled = (pl.col("settlement") == "已办结") & pl.col("settlement_on").is_not_null()
    verification_returned = (
        pl.col("listing_no").is_in(returned_keys(rejects, "verification")) & pl.col("verification").is_null()
    )
    settlement_returned = (
        pl.col("work_order").is_in(returned_keys(rejects, "settlement")) & pl.col("settlement").is_null()
    )
    return (
        f.with_columns(
            verification_returned.alias("verification_returned"), settlement_returned.alias("settlement_returned")
        )
        .with_columns(
            pl.lit(pub.verify_by).alias("verify_by"),
            pl.lit(pub.settle_by).alias("settle_by"),
            pl.col("verification_by").alias("verified_by"),
            pl.col("verification_on").alias("verified_on"),
            pl.col("settlement_on").alias("settled_on"),
            pl.col("settlement_by").alias("settled_by"),
            (
                pl.col("listing_no").is_not_null()
                & pl.col("verification").is_null()
                & pl.lit(as_of > pub.verify_by)
                & ~pl.col("verification_returned")
            ).alias("verification_overdue"),
            (
                pl.col("work_order").is_not_null()
                & ~settled.fill_null(False)
                & pl.lit(as_of > pub.settle_by)
                & ~pl.col("settlement_returned")
            ).alias("settlement_overdue"),
            pl.concat_str(
                [pl.lit("核实：") + pl.col("verification_source"), pl.lit("办结：") + pl.col("settlement_source")],
                separator="；",
                ignore_nulls=True,
            ).alias("source"),
        )
        .select(FOLLOWUP_COLUMNS)
        .sort("rule_id", "household_id", "id_number", nulls_last=True)
    )


def listing_frame(
    pub: Publication, answers: pl.DataFrame, as_of: date, rejects: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per town-list row (预警编号) — a household or a person not on the roster, whether
    or not a rule of its own fired (a 监测户 at risk, income under the yellow line) — with the
    list's town, its rules, its verification and whether that is overdue as of `as_of`."""
    rules = (
        pub.warnings.with_columns(pl.coalesce("household_id", "id_number").alias("subject"))
        .group_by("subject")
        .agg(pl.col("rule_id").unique().sort().str.join("、").alias("rules"))
    )
    extras = pl.Struct({"propose_monitoring": pl.String, "help_measures": pl.String})
    verified = answers.filter(pl.col("kind") == "verification").select(
        pl.col("key").alias("listing_no"),
        pl.col("value").alias("verification"),
        pl.col("answered_by").alias("verified_by"),
        pl.col("answered_on").alias("verified_on"),
        pl.col("extras").str.json_decode(extras).struct.field("propose_monitoring"),  # 是否建议纳入监测
        pl.col("extras").str.json_decode(extras).struct.field("help_measures"),  # 帮扶措施
    )
    candidates = set(pub.warnings.filter(pl.col("household_id").is_null())["id_number"].drop_nulls())
    return (
        pub.listing.rename({"number": "listing_no"})
        .join(rules, on="subject", how="left")
        .join(pub.colours.rename({"household_id": "subject"}), on="subject", how="left")
        .join(verified, on="listing_no", how="left")
        .with_columns(
            pl.when(pl.col("subject").is_in(list(candidates))).then(pl.col("subject")).alias("id_number"),
            pl.when(~pl.col("subject").is_in(list(candidates))).then(pl.col("subject")).alias("household_id"),
            pl.col("rules").fill_null(""),
            pl.lit(pub.verify_by).alias("verify_by"),
            (
                pl.col("verification").is_null() & pl.col("listing_no").is_in(returned_keys(rejects, "verification"))
            ).alias("verification_returned"),
        )
        .with_columns(
            (pl.col("verification").is_null() & pl.lit(as_of > pub.verify_by) & ~pl.col("verification_returned")).alias(
                "verification_overdue"
            ),
        )
        .sort("listing_no")
    )

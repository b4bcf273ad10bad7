"""Suggestions for mistyped identity numbers at county scale: Splink's training (u from the
roster; once per roster, then kept in the warehouse) and scoring of 300 mistyped numbers of
roster persons and 4,000 strangers against a county roster (~170,000 persons), reported against
a floor measured in the same run — DuckDB joining the same rows to the roster on the name alone
(the widest blocking rule, no comparison, no model).

    .venv/bin/python bench/bench_id_suggestions.py
"""

from __future__ import annotations

import math
import random
import time
from datetime import date

import duckdb
import polars as pl

from transforms.config import load_config
from transforms.linkage.model import number_parts, score, train
from transforms.sample_county.county import SampleSize, build_county
from transforms.sample_county.typos import mistype


def main() -> None:
    county = build_county(SampleSize.named("county"), 20260930, date(2026, 9, 30))
    people = pl.DataFrame([{k: p[k] for k in ("id_number", "name", "town", "village")} for p in county.persons])
    roster = people.select(
        pl.col("id_number").alias("unique_id"), *number_parts(pl.col("id_number")), "name", "town", "village",
    )  # fmt: skip
    rng, taken = random.Random(1), set(people["id_number"])
    rows = []
    for i, p in enumerate(rng.sample(county.persons, 300)):
        written = mistype(p["id_number"], rng, passes_check=i % 2 == 1, taken=taken)
        rows.append(
            (f"q{i}", written, p["name"], p["town"] if i % 3 == 0 else None, p["village"] if i % 3 == 0 else None)
        )
    rows += [(f"o{j}", o.id_number, o.name, None, None) for j, o in enumerate(county.outsiders[:4000])]
    raw = pl.DataFrame(rows, schema=["unique_id", "id", "name", "town", "village"], orient="row")
    queries = raw.select(
        "unique_id", *number_parts(pl.col("id")), "name", "town", "village",
    )  # fmt: skip
    t = time.perf_counter()
    with duckdb.connect() as con:
        con.register("q", queries.to_arrow())
        con.register("r", roster.to_arrow())
        blocked = con.sql("select count(*) from q join r on q.name = r.name").fetchall()[0][0]
    floor = time.perf_counter() - t
    settings = load_config().linkage
    t = time.perf_counter()
    model = train(roster, settings)
    trained = time.perf_counter() - t
    t = time.perf_counter()
    # every row with the prior of a rejected number (the largest a row has): the hardest test
    prior = settings.prior_rejected / roster.height
    min_weight = math.log2(settings.list_from / (1 - settings.list_from) / prior)
    pairs = score(queries, roster, model, min_weight)
    scored = time.perf_counter() - t
    odds = prior * pl.lit(2.0).pow(pl.col("weight"))
    pairs = pairs.with_columns((odds / (1 + odds)).alias("match_probability"))
    high = pl.col("match_probability") >= settings.recommend_at
    typos = pairs.filter(pl.col("query_id").str.starts_with("q") & high)["query_id"].n_unique()
    strangers = pairs.filter(pl.col("query_id").str.starts_with("o") & high)["query_id"].n_unique()
    print(f"roster {roster.height:,}  rows to place {queries.height:,}  pairs blocked on name {blocked:,}")
    print(f"floor (name join) {floor:.2f} s   training {trained:.2f} s ({trained / floor:.1f} ×)"
          f"   scoring {scored:.2f} s ({scored / floor:.1f} ×)")  # fmt: skip
    print(f"at {settings.recommend_at} or more: mistyped rows {typos} of 300, strangers {strangers} of 4,000")


if __name__ == "__main__":
    main()

"""Which roster person a mistyped identity number most likely belongs to: a Fellegi–Sunter
model run by Splink on DuckDB.

Rows to place (`queries`) are linked to the roster's persons (`roster`), never blocked on the
whole number: a slip (one digit wrong, two neighbours swapped) leaves at least one of its three
parts intact — region and birth year (1st–10th digits), month and day (11th–14th), sequence
(15th–17th) —, so candidates share the name and one of those parts; or the name and village,
or the birth date and village (a name typed otherwise). Each candidate pair is compared on

- the number's first 17 digits (the 18th, the check character, follows from them), by
  Damerau–Levenshtein distance: identical (only the check character differs), one slip, two
  slips, more. One distance over the whole number, so that two slips are two slips wherever
  they fall — two independent slips are rare, and a number two digits from a namesake's is
  most often another person's;
- the name: identical (weighted by how common the name is: term frequencies — a common name
  agreeing says little), one character off, different;
- the place, where the row has one: same village, same town, another town.

The u probabilities (how often two different persons agree by chance) are estimated from the
roster itself, by Splink's deterministic random sampling; the m probabilities (how often the
row and the person agree when it is that person) describe how clerks mistype and live in
`config/id_linkage.yaml` with their reasons. The prior is the row's own (`row_prior`,
transforms.linkage.suggestions): a number that fails its check character is surely a slip of
somebody's, a valid number of nobody on the roster is most often a person who is not on it.
`suggestions.explain` puts the agreement into Chinese.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import math

import duckdb
import polars as pl

from transforms.linkage_settings import LinkageSettings
from transforms.settings import DUCKDB_MEMORY_LIMIT
from transforms.staging.warehouse import create_table_as_sql, read_sql, table_from_frame

_QUIET = logging.ERROR  # Splink's own log (counts and advice, never a cell) stays out of the run's log
# The frames `score` takes: one row per person to place or per roster person.
QUERY_COLUMNS = ("unique_id", "id_body", "id_head", "id_day", "id_sequence", "birth_date", "name", "town", "village")
ROSTER_COLUMNS = QUERY_COLUMNS


def number_parts(number: pl.Expr) -> list[pl.Expr]:
    """An 18-character number's compared body (`id_body`, the first 17 digits), its three blocking
    parts (`id_head` region and birth year, `id_day` month and day, `id_sequence`) and its birth
    date (blocking with the village)."""
    return [
        number.str.slice(0, 17).alias("id_body"),
        number.str.slice(0, 10).alias("id_head"),
        number.str.slice(10, 4).alias("id_day"),
        number.str.slice(14, 3).alias("id_sequence"),
        number.str.slice(6, 8).alias("birth_date"),
    ]


def _comparisons(settings: LinkageSettings) -> list:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    m = settings.m_probabilities
    id_number = cl.CustomComparison(
        output_column_name="id_number",
        comparison_levels=[
            cll.NullLevel("id_body"),
            cll.ExactMatchLevel("id_body"),
            cll.DamerauLevenshteinLevel("id_body", 1),
            cll.DamerauLevenshteinLevel("id_body", 2),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=list(m["id_number"]))
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name").configure(tf_adjustment_column="name"),
            cll.LevenshteinLevel("name", 1),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=list(m["name"]))
    place = cl.CustomComparison(
        output_column_name="place",
        comparison_levels=[
            cll.NullLevel("village"),
            cll.And(cll.ExactMatchLevel("town"), cll.ExactMatchLevel("village")),
            cll.ExactMatchLevel("town"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=list(m["place"]))
    return [id_number, name, place]


def _settings(settings: LinkageSettings, link_type: str, roster_size: int):
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=_comparisons(settings),
        blocking_rules_to_generate_predictions=[
            block_on("name", "id_head"),
            block_on("name", "id_day"),
            block_on("name", "id_sequence"),
            block_on("name", "village"),
            block_on("birth_date", "village"),
        ],
        # a placeholder: each row's own prior replaces it (match weights without the prior)
        probability_two_random_records_match=min(0.5, 1 / max(roster_size, 1)),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )


def _bound_unseen_u(model: dict, pairs: float) -> None:
    """A level two different roster persons never reached in the sampled pairs (one digit from
    each other's number) gets u = 1 / pairs sampled: the most its chance could be without being
    seen, so its weight is never more than the sample can show."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            if level.get("u_probability") is None:
                level["u_probability"] = 1.0 / pairs


def _count_one_slip_u(model: dict, con: duckdb.DuckDBPyConnection) -> None:
    """u of the number's "identical" and "one slip" levels, counted over every pair of roster
    persons (sql/linkage/lnk_one_slip_pairs.sql) instead of sampled: a random sample of 300,000
    pairs never sees one of the few pairs one slip apart, and the bound 1 / pairs sampled would
    understate how much one slip says, several times over. None counted: half a pair (the least
    a count can honestly say)."""
    con.execute(read_sql("linkage/lnk_bodies.sql"))
    one_slip, persons = con.execute(read_sql("linkage/lnk_one_slip_pairs.sql")).fetchone()
    pairs = max(persons * (persons - 1) / 2, 1)
    [levels] = [c["comparison_levels"] for c in model["comparisons"] if c["output_column_name"] == "id_number"]
    identical, one = [level for level in levels if not level.get("is_null_level")][:2]
    identical["u_probability"] = 0.5 / pairs
    one["u_probability"] = max(float(one_slip), 0.5) / pairs


def train(roster: pl.DataFrame, settings: LinkageSettings) -> dict:
    """The model to score with (Splink's settings JSON, link_only): u estimated on pairs of roster
    persons (two different persons agreeing by chance) — sampled, and counted exactly for the
    number's closest levels —, m from the settings."""
    from splink import DuckDBAPI, Linker

    with duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT}) as con:
        table_from_frame(con, "lnk_roster", roster.select(ROSTER_COLUMNS))
        trainer = Linker(
            DuckDBAPI(connection=con).register("lnk_roster", table_name="u_roster"),
            _settings(settings, "dedupe_only", roster.height),
            log_level=_QUIET,
        )
        trainer.training.estimate_u_using_random_sampling(
            max_pairs=settings.u_max_pairs, seed=settings.u_seed, num_chunks=1
        )
        model = trainer.misc.save_model_to_json()
        _count_one_slip_u(model, con)
    model["link_type"] = "link_only"
    _bound_unseen_u(model, settings.u_max_pairs)
    return model


def name_frequencies(roster: pl.DataFrame) -> pl.DataFrame:
    """How common each name is among the roster's persons (`tf_name`): the chance that a roster
    person picked at random has it — what a name agreeing by chance means. From the roster alone:
    the rows to place (hundreds of thousands of strangers, some names thousands of times) must not
    make a roster person's name look commoner than it is."""
    named = roster.filter(pl.col("name").is_not_null())
    return named.group_by("name").agg((pl.len() / max(named.height, 1)).alias("tf_name")).sort("name")


def roster_digest(roster: pl.DataFrame) -> str:
    """What the u estimates depend on: the roster's persons (ROSTER_COLUMNS), in a stable order."""
    text = roster.select(ROSTER_COLUMNS).sort("unique_id").write_csv()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prior_weight(model: dict) -> float:
    """The model's own prior as a match weight (log2 odds), to take out of Splink's match weights."""
    p = model["probability_two_random_records_match"]
    return math.log2(p / (1 - p))


def score(queries: pl.DataFrame, roster: pl.DataFrame, model: dict, min_weight: float) -> pl.DataFrame:
    """Every candidate pair whose evidence reaches `min_weight`: query_id, person_id, `weight`
    (the evidence's match weight, log2 of its Bayes factor: the comparisons', the name's with its
    term-frequency adjustment, without any prior)."""
    out_schema = {"query_id": pl.String, "person_id": pl.String, "weight": pl.Float64}
    if queries.is_empty() or roster.is_empty():
        return pl.DataFrame(schema=out_schema)
    from splink import DuckDBAPI, Linker

    prior = prior_weight(model)
    with duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT}) as con:
        table_from_frame(con, "lnk_roster", roster.select(ROSTER_COLUMNS))
        table_from_frame(con, "lnk_all_queries", queries.select(QUERY_COLUMNS))
        con.execute(create_table_as_sql("lnk_queries", read_sql("linkage/lnk_queries_within_reach.sql")))
        api = DuckDBAPI(connection=con)
        linker = Linker(
            [api.register("lnk_queries", table_name="a_queries"), api.register("lnk_roster", table_name="b_roster")],
            {**copy.deepcopy(model), "retain_intermediate_calculation_columns": False},
            log_level=_QUIET,
        )
        table_from_frame(con, "lnk_name_tf", name_frequencies(roster))
        linker.table_management.register_term_frequency_lookup(api.register("lnk_name_tf"), "name")
        pairs = linker.inference.predict(threshold_match_weight=min_weight + prior)
        frame = pl.from_arrow(con.table(pairs.physical_name).to_arrow_table())
    if frame.is_empty():
        return pl.DataFrame(schema=out_schema)
    left_is_query = pl.col("source_dataset_l") == "a_queries"
    return frame.select(
        pl.when(left_is_query).then(pl.col("unique_id_l")).otherwise(pl.col("unique_id_r")).alias("query_id"),
        pl.when(left_is_query).then(pl.col("unique_id_r")).otherwise(pl.col("unique_id_l")).alias("person_id"),
        (pl.col("match_weight") - prior).alias("weight"),
    ).cast(out_schema)

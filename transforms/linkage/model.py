"""Which roster person a mistyped identity number most likely belongs to: a Fellegi–Sunter
model run by Splink on DuckDB.

Rows to place (`queries`) are linked to the roster's persons (`roster`), never blocked on the
number itself: candidates share the name and village, or the name and birth date, or the
birth date and village, or the name alone (for extracts without a village). Each candidate
pair is compared on

- the number outside its birth date (region and sequence: 1st–6th and 15th–17th digits), by
  Damerau–Levenshtein distance: identical, 1 (one wrong digit or two neighbouring digits
  swapped), 2, more;
- the birth date (7th–14th digits): identical, one digit wrong or two swapped, different —
  apart from the rest, so that two namesakes born the same day are not taken for one person
  because their numbers share the eight digits of that day;
- the name: identical (weighted by how common the name is: term frequencies), one character
  off, different;
- the place, where the row has one: same village, same town, another town.

The u probabilities (how often two different persons agree by chance) are estimated from the
roster itself, by Splink's deterministic random sampling; the m probabilities (how often the
row and the person agree when it is that person) describe how clerks mistype and live in
`config/id_linkage.yaml` with their reasons; so does the prior. Splink turns them into match
weights and a probability per pair; `suggestions.explain` puts the agreement into Chinese.
"""

from __future__ import annotations

import copy
import hashlib
import logging
from dataclasses import asdict, dataclass

import duckdb
import polars as pl

from transforms.settings import DUCKDB_MEMORY_LIMIT

COMPARISONS = ("id_number", "name", "birth_date", "place")
_QUIET = logging.ERROR  # Splink's own log (counts and advice, never a cell) stays out of the run's log
# The frames `score` takes: one row per person to place or per roster person.
QUERY_COLUMNS = ("unique_id", "id_rest", "name", "birth_date", "town", "village")
ROSTER_COLUMNS = QUERY_COLUMNS


def number_parts(number: pl.Expr) -> list[pl.Expr]:
    """An 18-character number's two compared parts: `id_rest` (region and sequence, the 1st–6th
    and 15th–17th digits) and `birth_date` (the 7th–14th). Compared apart, agreement on the birth
    date is counted once, not again inside the number."""
    return [
        (number.str.slice(0, 6) + number.str.slice(14, 3)).alias("id_rest"),
        number.str.slice(6, 8).alias("birth_date"),
    ]


@dataclass(frozen=True)
class LinkageSettings:
    """config/id_linkage.yaml."""

    recommend_at: float
    list_from: float
    max_per_row: int
    prior_share: float
    u_max_pairs: float
    u_seed: int
    m_probabilities: dict[str, tuple[float, ...]]

    @property
    def digest(self) -> str:
        """What a trained model depends on besides the roster."""
        return hashlib.sha256(repr(sorted(asdict(self).items())).encode("utf-8")).hexdigest()

    @classmethod
    def from_yaml(cls, raw: dict) -> LinkageSettings:
        m = {k: tuple(float(x) for x in v) for k, v in raw["m_probabilities"].items()}
        for name, values in m.items():
            if name not in COMPARISONS:
                raise ValueError(f"id_linkage.yaml: unknown comparison {name!r} (one of {', '.join(COMPARISONS)})")
            if abs(sum(values) - 1) > 1e-6:
                raise ValueError(f"id_linkage.yaml: m_probabilities of {name} must add up to 1")
        return cls(
            recommend_at=float(raw["recommend_at"]),
            list_from=float(raw["list_from"]),
            max_per_row=int(raw["max_per_row"]),
            prior_share=float(raw["prior_share"]),
            u_max_pairs=float(raw["u_max_pairs"]),
            u_seed=int(raw["u_seed"]),
            m_probabilities=m,
        )


def _comparisons(settings: LinkageSettings) -> list:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    m = settings.m_probabilities
    id_number = cl.CustomComparison(
        output_column_name="id_number",
        comparison_levels=[
            cll.NullLevel("id_rest"),
            cll.ExactMatchLevel("id_rest"),
            cll.DamerauLevenshteinLevel("id_rest", 1),
            cll.DamerauLevenshteinLevel("id_rest", 2),
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
    birth = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.DamerauLevenshteinLevel("birth_date", 1),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=list(m["birth_date"]))
    place = cl.CustomComparison(
        output_column_name="place",
        comparison_levels=[
            cll.NullLevel("village"),
            cll.And(cll.ExactMatchLevel("town"), cll.ExactMatchLevel("village")),
            cll.ExactMatchLevel("town"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=list(m["place"]))
    return [id_number, name, birth, place]


def _settings(settings: LinkageSettings, link_type: str, roster_size: int):
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=_comparisons(settings),
        blocking_rules_to_generate_predictions=[
            block_on("name", "village"),
            block_on("name", "birth_date"),
            block_on("birth_date", "village"),
            block_on("name"),
        ],
        probability_two_random_records_match=min(0.5, settings.prior_share / max(roster_size, 1)),
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


def train(roster: pl.DataFrame, settings: LinkageSettings) -> dict:
    """The model to score with (Splink's settings JSON, link_only): u estimated on pairs of roster
    persons (two different persons agreeing by chance), m and the prior from the settings."""
    from splink import DuckDBAPI, Linker

    with duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT}) as con:
        con.register("lnk_roster_arrow", roster.select(ROSTER_COLUMNS).to_arrow())
        con.execute("create table lnk_roster as select * from lnk_roster_arrow")
        trainer = Linker(
            DuckDBAPI(connection=con).register("lnk_roster", table_name="u_roster"),
            _settings(settings, "dedupe_only", roster.height),
            log_level=_QUIET,
        )
        trainer.training.estimate_u_using_random_sampling(
            max_pairs=settings.u_max_pairs, seed=settings.u_seed, num_chunks=1
        )
        model = trainer.misc.save_model_to_json()
    model["link_type"] = "link_only"
    _bound_unseen_u(model, settings.u_max_pairs)
    return model


def roster_digest(roster: pl.DataFrame) -> str:
    """What the u estimates depend on: the roster's persons (ROSTER_COLUMNS), in a stable order."""
    text = roster.select(ROSTER_COLUMNS).sort("unique_id").write_csv()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def score(queries: pl.DataFrame, roster: pl.DataFrame, model: dict, list_from: float) -> pl.DataFrame:
    """Every candidate pair from `list_from` on, with its probability: query_id, person_id,
    match_probability, match_weight and mw_<comparison> (each comparison's match weight, the
    name's with its term-frequency adjustment)."""
    out_schema = {
        "query_id": pl.String,
        "person_id": pl.String,
        "match_probability": pl.Float64,
        "match_weight": pl.Float64,
        **{f"mw_{c}": pl.Float64 for c in COMPARISONS},
    }
    if queries.is_empty() or roster.is_empty():
        return pl.DataFrame(schema=out_schema)
    from splink import DuckDBAPI, Linker

    with duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT}) as con:
        con.register("lnk_roster_arrow", roster.select(ROSTER_COLUMNS).to_arrow())
        con.execute("create table lnk_roster as select * from lnk_roster_arrow")
        con.register("lnk_queries_arrow", queries.select(QUERY_COLUMNS).to_arrow())
        con.execute("create table lnk_queries as select * from lnk_queries_arrow")
        api = DuckDBAPI(connection=con)
        linker = Linker(
            [api.register("lnk_queries", table_name="a_queries"), api.register("lnk_roster", table_name="b_roster")],
            copy.deepcopy(model),
            log_level=_QUIET,
        )
        pairs = linker.inference.predict(threshold_match_probability=list_from)
        frame = pl.from_arrow(con.sql(f"select * from {pairs.physical_name}").to_arrow_table())
    if frame.is_empty():
        return pl.DataFrame(schema=out_schema)
    left_is_query = pl.col("source_dataset_l") == "a_queries"
    return (
        frame.select(
            pl.when(left_is_query).then(pl.col("unique_id_l")).otherwise(pl.col("unique_id_r")).alias("query_id"),
            pl.when(left_is_query).then(pl.col("unique_id_r")).otherwise(pl.col("unique_id_l")).alias("person_id"),
            "match_probability",
            "match_weight",
            (pl.col("mw_name") + pl.col("mw_tf_adj_name").fill_null(0)).alias("mw_name"),
            *[pl.col(f"mw_{c}") for c in COMPARISONS if c != "name"],
        )
        .select(list(out_schema))
        .cast(out_schema)
    )

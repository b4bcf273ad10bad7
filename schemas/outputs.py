"""Contracts of published tables that more than one part of povwatch writes or reads (one
place for each: the writers cast to them, the readers and tests import them)."""

from __future__ import annotations

import polars as pl

# out/<quarter>/id_suggestions.parquet (contract: identity numbers that were probably mistyped):
# one row per suggestion, written by transforms.linkage.suggestions, carried by the comparison.
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

"""Identity numbers as towns see them (masked): a town sees only its own households, and never a
whole number."""

from __future__ import annotations

import polars as pl


def mask_id(id_number: pl.Expr) -> pl.Expr:
    """First 6 and last 4 characters shown: 431125********301X; a missing number is blank."""
    stars = pl.lit("*").repeat_by((id_number.str.len_chars() - 10).clip(lower_bound=0)).list.join("")
    return pl.concat_str([id_number.str.head(6), stars, id_number.str.tail(4)]).fill_null("")

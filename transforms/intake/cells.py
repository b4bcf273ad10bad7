"""Cell normalisation with polars: text cells in, typed values and reason codes out.

Every `parse_*` function takes folded text (see `fold_text`) — an expression, or for identity
numbers a Series — and returns `(value, reason_code)`: the typed value (null when the cell is
empty or unusable) and a reason code (null when the cell is fine or empty). Reason codes are
explained to clerks in Chinese by `transforms.intake.reasons`.
"""

from __future__ import annotations

from datetime import date

import polars as pl

# Full-width ASCII (！..～) and the ideographic space, mapped to their half-width forms.
_FULL_WIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_HALF_WIDTH = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]

# Separators, units, currency signs and spaces around the figure in an amount cell.
_AMOUNT_NOISE = [",", "，", "元", "¥", "￥", " ", "\t", "\n", "\r", "\u00a0", "\u3000"]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


_ANY_FULL_WIDTH = "[\uff01-\uff5e\u3000]"


def fold_text(expr: pl.Expr) -> pl.Expr:
    """Full-width letters and digits to half-width, spaces trimmed, empty cells to null. (Only
    cells holding a full-width character go through the replacement: a quick scan is half the
    cost of replacing in every cell.)"""
    wide = expr.str.contains(_ANY_FULL_WIDTH)
    folded = pl.when(wide).then(expr.str.replace_many(_FULL_WIDTH, _HALF_WIDTH)).otherwise(expr)
    return folded.str.strip_chars().replace("", None)


def id_check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits.

    >>> id_check_char("11010519491231002")
    'X'
    """
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def parse_id_numbers(raw: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Normalise identity numbers (公民身份号码) to 18 characters with an upper-case check
    character; 15-digit numbers are converted (19 inserted before the year, check computed).
    Takes folded text; returns (normalised number or null, reason code or null).

    Reason codes: id_float (Excel stored it as a number and lost digits), id_length,
    id_chars, id_birth_date, id_check_digit. Numbers already written as they should be (18
    characters, birth date and check character right: nearly all of them) are told apart with a
    few cheap steps; only the others go through every step of `_parse_id_numbers_in_full`.
    """
    f = raw.rename("s").to_frame().with_columns(_well_formed_id(pl.col("s")).alias("easy"))
    fine = f.select(pl.when("easy").then("s").alias("value"), _no_reason())
    hard = (~f["easy"]).arg_true()
    if hard.len() == 0:
        return fine["value"], fine["reason"]
    value, reason = _parse_id_numbers_in_full(raw.gather(hard))
    return fine["value"].scatter(hard, value), fine["reason"].scatter(hard, reason)


def _no_reason() -> pl.Expr:
    return pl.lit(None, dtype=pl.String).alias("reason")


def _check_char(first17: pl.Expr) -> pl.Expr:
    """The GB 11643 check character of 17 digits (as an integer), or null."""
    weighted = pl.sum_horizontal([(first17 // 10 ** (16 - i)) % 10 * w for i, w in enumerate(ID_WEIGHTS)])
    return (weighted % 11).replace_strict(dict(enumerate(ID_CHECK_CHARS)), return_dtype=pl.String)


def _well_formed_id(s: pl.Expr) -> pl.Expr:
    """True where a folded number is already an 18-character number with a valid birth date and
    the right check character — the numbers `_parse_id_numbers_in_full` keeps as they are."""
    birth = s.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    expected = _check_char(s.str.slice(0, 17).cast(pl.Int64, strict=False))
    return (
        s.str.contains(r"^\d{17}[\dX]$") & (s.str.slice(17, 1) == expected) & (birth >= date(1900, 1, 1))
    ).fill_null(False)


def _parse_id_numbers_in_full(raw: pl.Series) -> tuple[pl.Series, pl.Series]:
    """`parse_id_numbers`, every step for every value. Each step is materialised once: over
    millions of claims a single nested expression recomputes its shared parts many times over."""
    f = raw.rename("s").to_frame().with_columns(pl.col("s").str.replace_all(r"\s", "").str.to_uppercase())
    f = f.with_columns(pl.col("s").str.contains(r"^\d{15}$").alias("is15"))
    f = f.with_columns(
        pl.when(pl.col("is15"))
        .then(pl.col("s").str.slice(0, 6) + pl.lit("19") + pl.col("s").str.slice(6, 9))
        .otherwise(pl.col("s").str.slice(0, 17))
        .alias("first17")
    )
    f = f.with_columns(
        pl.when(pl.col("first17").str.contains(r"^\d{17}$"))
        .then(pl.col("first17").cast(pl.Int64, strict=False))
        .alias("n17")
    )
    f = f.with_columns(_check_char(pl.col("n17")).alias("expected"))
    f = f.with_columns(
        pl.when(pl.col("is15")).then(pl.col("first17") + pl.col("expected")).otherwise(pl.col("s")).alias("candidate")
    )
    c = pl.col("candidate")
    f = f.with_columns(
        c.str.contains(r"^\d{17}[\dX]$").alias("shape_ok"),
        (c.str.slice(17, 1) == pl.col("expected")).fill_null(False).alias("check_ok"),
        c.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False).alias("birth"),
        # Read back from an Excel number cell: Excel kept 15 significant digits, so the value is
        # a whole multiple of 1000 once read as a double (431125196210273000 prints as
        # 431125196210273024). A real number passes its check character instead.
        ((pl.col("s").cast(pl.Float64, strict=False) / 1000).round() * 1000)
        .cast(pl.Int64, strict=False)
        .cast(pl.String)
        .alias("excel_value"),
    )
    s_ = pl.col("s")
    is_float = s_.str.contains(r"^\d+(\.\d+)?E\+?\d+$") | s_.str.contains(r"^\d{15,18}\.\d+$")
    truncated = (
        c.str.contains(r"^\d{18}$")
        & ((c.str.slice(15, 3) == "000") | (pl.col("excel_value") == s_)).fill_null(False)
        & ~pl.col("check_ok")
    )
    birth_ok = pl.col("birth").is_not_null() & (pl.col("birth") >= date(1900, 1, 1))
    reason = (
        pl.when(s_.is_null())
        .then(None)
        .when(is_float | truncated)
        .then(pl.lit("id_float"))
        .when(~s_.str.contains(r"^[\dX]+$"))
        .then(pl.lit("id_chars"))
        .when(~pl.col("shape_ok"))
        .then(pl.lit("id_length"))
        .when(~birth_ok)
        .then(pl.lit("id_birth_date"))
        .when(~pl.col("check_ok"))
        .then(pl.lit("id_check_digit"))
        .otherwise(None)
    )
    f = f.with_columns(reason.alias("reason"))
    f = f.with_columns(pl.when(pl.col("reason").is_null()).then(c).otherwise(None).alias("value"))
    return f["value"], f["reason"]


_EXCEL_EPOCH = date(1899, 12, 30)
# One pass over each cell: y-m-d with any of - . / 年月日 (1 or 2 digit month and day), a compact
# yyyymmdd, or an Excel date serial; each optionally followed by a time of day.
_DATE_PATTERN = (
    r"^(?:(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})|(\d{4,6})(?:\.0+)?)"
    r"(?:(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)


def parse_dates(raw: pl.Series, serial_range: tuple[int, int], earliest: date) -> tuple[pl.Series, pl.Series]:
    """Dates as 2026-07-15, 2026/7/15, 2026.7.15, 2026年7月15日, 20260715, an Excel date
    serial (46218) or Excel's own "2026-07-15 00:00:00". Takes folded text; returns (date or
    null, reason code or null). Reason codes: date_invalid, date_too_early. One regular
    expression splits each cell and every later step is materialised once (an eager nested
    expression would redo the matching for each branch)."""
    f = raw.rename("s").to_frame().with_columns(pl.col("s").str.extract_groups(_DATE_PATTERN).alias("g")).unnest("g")
    g = [pl.col(str(i)) for i in range(1, 8)]
    f = f.with_columns(
        pl.coalesce(
            pl.concat_str([g[0], pl.lit("-"), g[1].str.zfill(2), pl.lit("-"), g[2].str.zfill(2)]),
            pl.concat_str([g[3], pl.lit("-"), g[4], pl.lit("-"), g[5]]),
        )
        .str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        .alias("ymd"),
        g[6].cast(pl.Int64, strict=False).alias("serial"),
    )
    serial = pl.col("serial")
    f = f.with_columns(
        pl.when(serial.is_between(serial_range[0], serial_range[1]))
        .then((pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial)).cast(pl.Date))
        .otherwise(pl.col("ymd"))
        .alias("value")
    )
    value = pl.col("value")
    f = f.with_columns(
        pl.when(pl.col("s").is_null())
        .then(None)
        .when(value.is_null())
        .then(pl.lit("date_invalid"))
        .when(value < earliest)
        .then(pl.lit("date_too_early"))
        .otherwise(None)
        .alias("reason")
    )
    f = f.with_columns(pl.when(pl.col("reason").is_null()).then(value).otherwise(None).alias("value"))
    return f["value"], f["reason"]


def parse_amount(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Yuan amounts such as `1,234.50元`, `¥800`, ` 3000 `; rounded to the fen. Reason code:
    amount_invalid. (Negative amounts parse; the row contract rejects them.)"""
    s = raw.str.replace_many(_AMOUNT_NOISE, [""] * len(_AMOUNT_NOISE)).str.strip_prefix("RMB")
    value = s.cast(pl.Float64, strict=False).round(2)
    reason = pl.when(s.is_not_null() & value.is_null()).then(pl.lit("amount_invalid")).otherwise(None)
    return value, reason


def parse_amounts(raw: pl.Series) -> tuple[pl.Series, pl.Series]:
    """`parse_amount` over a column: cells that are a plain number already (nearly all) are only
    cast; the rest go through `parse_amount`. (A cell that casts holds only digits, a point, a
    sign or an exponent — nothing `parse_amount` would remove — so both give the same value.)"""
    f = raw.rename("raw").to_frame().select(pl.col("raw").cast(pl.Float64, strict=False).alias("value"), _no_reason())
    value, reason = f["value"], f["reason"]
    rest = (value.is_null() & raw.is_not_null()).arg_true()
    if rest.len():
        parsed = (
            raw.gather(rest)
            .rename("raw")
            .to_frame()
            .select(*(e.alias(n) for e, n in zip(parse_amount(pl.col("raw")), ("v", "w"), strict=True)))
        )
        value = value.scatter(rest, parsed["v"])
        reason = reason.scatter(rest, parsed["w"])
    return value.round(2).rename("value"), reason


def parse_integer(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Whole numbers such as `3`, `3.0` or `3人`. Reason code: integer_invalid."""
    s = raw.str.replace_all(r"[,\s人口户]", "")
    number = s.cast(pl.Float64, strict=False)
    whole = number.is_not_null() & (number == number.floor())
    value = pl.when(whole).then(number.cast(pl.Int64, strict=False)).otherwise(None)
    reason = pl.when(s.is_not_null() & value.is_null()).then(pl.lit("integer_invalid")).otherwise(None)
    return value, reason


def parse_enum(raw: pl.Expr, aliases: dict[str, str]) -> tuple[pl.Expr, pl.Expr]:
    """An enumerated value, spaces removed and aliases mapped onto the contract's values.
    Values outside the contract pass through unchanged: the row contract names them."""
    s = raw.str.replace_all(r"\s", "")
    value = s.replace(aliases) if aliases else s
    return value, pl.lit(None, dtype=pl.String)


def parse_enum_list(
    raw: pl.Expr, aliases: dict[str, str], allowed: tuple[str, ...], separators: tuple[str, ...]
) -> tuple[pl.Expr, pl.Expr]:
    """Several enumerated values in one cell (两免一补、国家助学金), joined back with 、.
    Reason code: enum_invalid when any part is not allowed."""
    s = raw.str.replace_all(r"\s", "")
    for sep in separators:
        if sep != "、":
            s = s.str.replace_all(sep, "、", literal=True)
    parts = s.str.split("、").list.eval(pl.element().filter(pl.element() != ""))
    if aliases:
        parts = parts.list.eval(pl.element().replace(aliases))
    parts = parts.list.unique(maintain_order=True)
    bad = parts.list.eval(~pl.element().is_in(list(allowed))).list.any()
    value = parts.list.join("、")
    reason = pl.when(s.is_not_null() & bad).then(pl.lit("enum_invalid")).otherwise(None)
    return pl.when(reason.is_null()).then(value).otherwise(None), reason

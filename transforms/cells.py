"""Cell normalisation with polars: text cells in, typed values and reason codes out.

Every `parse_*` function takes folded text (see `fold_text`) — an expression, or for identity
numbers a Series — and returns `(value, reason_code)`: the typed value (null when the cell is
empty or unusable) and a reason code (null when the cell is fine or empty). Reason codes are
explained to clerks in Chinese by `transforms.reasons`.
"""

from __future__ import annotations

from datetime import date

import polars as pl

# Full-width ASCII (！..～) and the ideographic space, mapped to their half-width forms.
_FULL_WIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_HALF_WIDTH = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def fold_text(expr: pl.Expr) -> pl.Expr:
    """Full-width letters and digits to half-width, spaces trimmed, empty cells to null."""
    folded = expr.str.replace_many(_FULL_WIDTH, _HALF_WIDTH).str.strip_chars()
    return pl.when(folded == "").then(None).otherwise(folded)


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
    id_chars, id_birth_date, id_check_digit. Each step is materialised once: over millions
    of claims a single nested expression recomputes its shared parts many times over.
    """
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
    weighted = pl.sum_horizontal([(pl.col("n17") // 10 ** (16 - i)) % 10 * w for i, w in enumerate(ID_WEIGHTS)])
    f = f.with_columns(
        (weighted % 11).replace_strict(dict(enumerate(ID_CHECK_CHARS)), return_dtype=pl.String).alias("expected")
    )
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


_TIME_SUFFIX = r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(raw: pl.Expr, serial_range: tuple[int, int], earliest: date) -> tuple[pl.Expr, pl.Expr]:
    """Dates as 2026-07-15, 2026/7/15, 2026.7.15, 2026年7月15日, 20260715, an Excel date
    serial (46218) or Excel's own "2026-07-15 00:00:00". Reason codes: date_invalid,
    date_too_early."""
    s = raw.str.replace_all(r"\s+", " ").str.replace(_TIME_SUFFIX, "").str.strip_chars()
    compact = s.str.strptime(pl.Date, "%Y%m%d", strict=False)
    serial_num = s.str.extract(r"^(\d{4,6})(\.0+)?$", 1).cast(pl.Int64, strict=False)
    serial = (
        pl.when(serial_num.is_between(serial_range[0], serial_range[1]))
        .then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial_num))
        .otherwise(None)
        .cast(pl.Date)
    )
    dashed = s.str.replace_all(r"[年月./]", "-").str.replace(r"日$", "")
    parts = dashed.str.extract_groups(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
    padded = (
        parts.struct.field("1")
        + pl.lit("-")
        + parts.struct.field("2").str.zfill(2)
        + pl.lit("-")
        + parts.struct.field("3").str.zfill(2)
    )
    ymd = padded.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    is_compact = s.str.contains(r"^\d{8}$")
    value = pl.when(is_compact).then(compact).otherwise(pl.coalesce(serial, ymd))
    reason = (
        pl.when(s.is_null())
        .then(None)
        .when(value.is_null())
        .then(pl.lit("date_invalid"))
        .when(value < earliest)
        .then(pl.lit("date_too_early"))
        .otherwise(None)
    )
    return pl.when(reason.is_null()).then(value).otherwise(None), reason


def parse_amount(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Yuan amounts such as `1,234.50元`, `¥800`, ` 3000 `; rounded to the fen. Reason code:
    amount_invalid. (Negative amounts parse; the row contract rejects them.)"""
    s = raw.str.replace_all(r"[,，\s元¥￥]", "").str.replace(r"^RMB", "")
    value = s.cast(pl.Float64, strict=False).round(2)
    reason = pl.when(s.is_not_null() & value.is_null()).then(pl.lit("amount_invalid")).otherwise(None)
    return value, reason


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

"""Unit tests of cell normalisation: identity numbers, dates, amounts, integers, enums."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from transforms.intake import cells
from transforms.intake.cells import id_check_char

VALID = "11010519491231002X"  # the GB 11643 standard's own example


def _id(raw: str | None) -> tuple[str | None, str | None]:
    value, why = cells.parse_id_numbers(pl.Series("raw", [raw], dtype=pl.String))
    return value[0], why[0]


def test_standard_example_check_character():
    assert id_check_char(VALID[:17]) == "X"


@pytest.mark.parametrize("raw", [VALID, VALID.lower(), " 11010519491231002x ", "１１０１０５１９４９１２３１００２Ｘ"])
def test_spellings_of_one_number_normalise_to_it(raw):
    folded = pl.DataFrame({"raw": [raw]}).select(cells.fold_text(pl.col("raw")).alias("f"))["f"][0]
    assert _id(folded) == (VALID, None)


def test_fifteen_digit_number_is_converted():
    old = VALID[:6] + VALID[8:17]  # 110105491231002
    assert _id(old) == (VALID, None)


def test_every_wrong_check_character_is_rejected_and_only_the_right_one_passes():
    outcomes = {c: _id(VALID[:17] + c)[1] for c in "0123456789X"}
    assert outcomes.pop("X") is None
    assert set(outcomes.values()) == {"id_check_digit"}


@pytest.mark.parametrize(
    "raw,code",
    [
        ("4.31125E+17", "id_float"),
        ("4.31125199001011E+17", "id_float"),
        ("431125199001011000", "id_float"),  # Excel kept 15 digits, CSV shows the zeros
        ("431125196210273024", "id_float"),  # the same read back from an xlsx number cell
        ("43112519900101123", "id_length"),
        ("4311251990010112345", "id_length"),
        ("43112519900101A234", "id_chars"),
        ("431125199013011234", "id_birth_date"),
    ],
)
def test_bad_numbers_get_their_reason(raw, code):
    assert _id(raw) == (None, code)


def test_a_real_number_ending_in_000_with_a_good_check_is_kept():
    first17 = "43112519900101100"
    good = first17 + id_check_char(first17)
    assert _id(good) == (good, None)


def _date(raw: str | None) -> tuple[date | None, str | None]:
    value, why = cells.parse_dates(pl.Series("raw", [raw], dtype=pl.String), (20000, 80000), date(1900, 1, 1))
    return value[0], why[0]


@pytest.mark.parametrize(
    "raw",
    [
        "2026-07-15",
        "2026/7/15",
        "2026.7.15",
        "2026年7月15日",
        "20260715",
        "46218",
        "46218.0",
        "2026-07-15 00:00:00",
        "2026/7/15 8:05",
        "2026年7月15日 00:00:00",
        "20260715 00:00:00",
    ],
)
def test_every_date_format_reads_the_same(raw):
    assert _date(raw) == (date(2026, 7, 15), None)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("19999", (None, "date_invalid")),
        ("20000", (date(1954, 10, 3), None)),
        ("80000", (date(2119, 1, 11), None)),
        ("80001", (None, "date_invalid")),
        ("2026-02-29", (None, "date_invalid")),
        ("2024-02-29", (date(2024, 2, 29), None)),
        ("20261345", (None, "date_invalid")),
        ("2026-7-15-1", (None, "date_invalid")),
        ("7/15/2026", (None, "date_invalid")),
        ("1899-12-31", (None, "date_too_early")),
        ("1900-01-01", (date(1900, 1, 1), None)),
        (None, (None, None)),
    ],
)
def test_date_boundaries(raw, expected):
    assert _date(raw) == expected


def test_amounts():
    value, why = cells.parse_amount(pl.col("raw"))
    raw = ["1,234.50元", "¥800", " 3000 ", "0", "-0.01", "约三千元", None, "1，000"]
    out = pl.DataFrame({"raw": raw}).select(value.alias("v"), why.alias("w"))
    assert out["v"].to_list() == [1234.5, 800.0, 3000.0, 0.0, -0.01, None, None, 1000.0]
    assert out["w"].to_list() == [None, None, None, None, None, "amount_invalid", None, None]


def test_integers():
    value, why = cells.parse_integer(pl.col("raw"))
    out = pl.DataFrame({"raw": ["3", "3.0", "3人", "3.5", "三口", None]}).select(value.alias("v"), why.alias("w"))
    assert out["v"].to_list() == [3, 3, 3, None, None, None]
    assert out["w"].to_list() == [None, None, None, "integer_invalid", "integer_invalid", None]


def test_enum_list_maps_separators_and_rejects_unknown_parts():
    value, why = cells.parse_enum_list(pl.col("raw"), {}, ("两免一补", "国家助学金", "无"), ("、", "，", ","))
    out = pl.DataFrame({"raw": ["两免一补，国家助学金", "两免一补、两免一补", "奖学金"]}).select(
        value.alias("v"), why.alias("w")
    )
    assert out["v"].to_list() == ["两免一补、国家助学金", "两免一补", None]
    assert out["w"].to_list() == [None, None, "enum_invalid"]


def _mixed_numbers() -> list[str | None]:
    """Well-formed numbers and every kind of slip, mixed (as a batch of a quarter's claims)."""
    good = [f"{first17}{id_check_char(first17)}" for first17 in (f"4311251990{m:02d}0{d}123" for m in range(1, 13) for d in range(1, 10))]  # fmt: skip
    slips = [VALID.lower(), VALID[:17] + "1", VALID[:6] + VALID[8:17], "4.31125E+17", "431125199001011000",
             "431125196210273024", "43112519900101123", "43112519900101A234", "431125199013011234",
             "431125180001011234", "", " ", "1101 0519491231002X", None,
             *(f"{x}{id_check_char(x)}" for x in ("43112518000101123", "43112519901301123"))]  # birth date wrong, check right  # fmt: skip
    return [v for pair in zip(good, slips * 8, strict=False) for v in pair] + good[len(slips) * 8 :]


def test_the_quick_path_for_well_formed_numbers_gives_what_every_step_gives():
    raw = pl.Series("raw", _mixed_numbers(), dtype=pl.String)
    quick, full = cells.parse_id_numbers(raw), cells._parse_id_numbers_in_full(raw)
    assert quick[0].to_list() == full[0].to_list()
    assert quick[1].to_list() == full[1].to_list()
    assert quick[1].null_count() < raw.len()  # the slips are there, with their reasons
    written_right = raw.filter(raw == full[0])  # every number already as it should be: the quick path alone
    assert written_right.len() > 50
    value, reason = cells.parse_id_numbers(written_right)
    assert value.to_list() == written_right.to_list() and reason.null_count() == written_right.len()


def test_amounts_over_a_column_cast_plain_numbers_and_clean_the_rest_the_same_way():
    raw = ["1,234.50元", "¥800", "3000", "0", "-0.01", "约三千元", None, "1，000", "12.345", "1e3", "RMB5", "506.5元"]
    value, why = cells.parse_amounts(pl.Series("raw", raw * 3, dtype=pl.String))
    expected = pl.DataFrame({"raw": raw * 3}).select(*cells.parse_amount(pl.col("raw")))
    assert value.to_list() == expected.to_series(0).to_list()
    assert why.to_list() == expected.to_series(1).to_list()
    assert value.to_list()[:3] == [1234.5, 800.0, 3000.0]

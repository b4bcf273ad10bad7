"""The published tables' contracts (schemas/outputs.py): a table as the run writes it passes; a
value outside what the contract allows — a status, a colour, a rule, a cause, a probability, a
number's shape — is refused before anything is published."""

from __future__ import annotations

import pandera.errors
import polars as pl
import pytest

from schemas.outputs import ClosedRows, HouseholdRows, SuggestionRows, WarningRows

WARNING = {"quarter": "2026Q3", "rule_id": "MED_HIGH_OOP", "household_id": "H1", "id_number": "43112519800101123X",
           "town": "城关镇", "village": "东街社区", "cause": "illness", "department": "medical",
           "evidence": "2026年1–9月医疗个人自付12,000.00元", "status": "新增", "listed": True,
           "id_corrected": False}  # fmt: skip
HOUSEHOLD = {"quarter": "2026Q3", "household_id": "H1", "town": "城关镇", "village": "东街社区",
             "household_type": "监测户", "colour": "red", "members": 3}  # fmt: skip
CLOSED = {"quarter": "2026Q2", "rule_id": "DIS_NEW", "closed_in": "2026Q3", "closure": "自然消除"}
SUGGESTION = {"suggestion_id": "2026Q3-ID-000001", "department": "civil", "row_number": 5, "origin": "stranger",
              "id_as_written": "431125198001011234", "suggested_id_number": "43112519800101123X",
              "match_probability": 0.99, "row_probability": 0.97, "recommended": True}  # fmt: skip

CASES = [
    (WarningRows, WARNING, {}),
    (HouseholdRows, HOUSEHOLD, {}),
    (ClosedRows, CLOSED, {}),
    (SuggestionRows, SUGGESTION, {}),
]
BROKEN = [
    (WarningRows, WARNING, {"status": "已办结"}),
    (WarningRows, WARNING, {"rule_id": "NO_SUCH_RULE"}),
    (WarningRows, WARNING, {"cause": "因病"}),  # the code, not its label
    (WarningRows, WARNING, {"quarter": "2026-Q3"}),
    (WarningRows, WARNING, {"evidence": None}),
    (HouseholdRows, HOUSEHOLD, {"colour": "orange"}),
    (HouseholdRows, HOUSEHOLD, {"members": -1}),
    (ClosedRows, CLOSED, {"closure": "已销号"}),
    (SuggestionRows, SUGGESTION, {"row_probability": 1.2}),
    (SuggestionRows, SUGGESTION, {"origin": "guess"}),
    (SuggestionRows, SUGGESTION, {"suggestion_id": "2026Q3-ID-1"}),
    (SuggestionRows, SUGGESTION, {"suggested_id_number": "4311251980010112"}),
]


@pytest.mark.parametrize(("model", "row", "change"), CASES + BROKEN)
def test_a_table_keeps_its_contract(model, row, change) -> None:
    frame = pl.DataFrame([row | change])
    if not change:
        assert model.validate(frame).height == 1
        return
    with pytest.raises(pandera.errors.SchemaError):
        model.validate(frame)


def test_duplicate_households_and_suggestion_numbers_are_refused() -> None:
    with pytest.raises(pandera.errors.SchemaError):
        HouseholdRows.validate(pl.DataFrame([HOUSEHOLD, HOUSEHOLD]))
    with pytest.raises(pandera.errors.SchemaError):
        SuggestionRows.validate(pl.DataFrame([SUGGESTION, SUGGESTION]))

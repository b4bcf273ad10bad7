"""The published tables' contracts (schemas/outputs.py): a table as the run writes it passes; a
value outside what the contract allows — a status, a colour, a rule, a cause, a probability, a
number's shape — is refused before anything is published."""

from __future__ import annotations

import pandera.errors
import polars as pl
import pytest

from schemas.outputs import (
    ClosedRows,
    FollowupListingRows,
    FollowupRows,
    HouseholdRows,
    RejectRows,
    ReturnRejectRows,
    SuggestionRows,
    WarningRows,
)

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
REJECT = {"department": "civil", "file": "低保.xlsx", "sheet": "Sheet1", "row_number": 7, "column": "身份证号",
          "value": "4311", "reason": "身份证号位数不对", "reason_code": "id_length", "dataset": "civil__assistance",
          "corrected_by": None}  # fmt: skip
RETURN_REJECT = {"kind": "verification", "key": "2026Q3-L-000001", "file": "乡镇/城关镇.xlsx", "row_number": 4,
                 "reason": "核实结果只能选“属实”“不属实”“风险已消除”", "reason_code": "answer_invalid"}  # fmt: skip
FOLLOWUP = {"quarter": "2026Q3", "rule_id": "DIS_NEW", "listing_no": "2026Q3-L-000001", "work_order": None,
            "verification": "属实", "settlement": None, "verification_overdue": False, "settlement_overdue": False,
            "verification_returned": False, "settlement_returned": False}  # fmt: skip
LISTING = {"listing_no": "2026Q3-L-000001", "town": "城关镇", "verification": None, "verification_overdue": True,
           "verification_returned": False}  # fmt: skip

CASES = [
    (RejectRows, REJECT, {}),
    (ReturnRejectRows, RETURN_REJECT, {}),
    (FollowupRows, FOLLOWUP, {}),
    (FollowupListingRows, LISTING, {}),
    (WarningRows, WARNING, {}),
    (HouseholdRows, HOUSEHOLD, {}),
    (ClosedRows, CLOSED, {}),
    (SuggestionRows, SUGGESTION, {}),
]
BROKEN = [
    (RejectRows, REJECT, {"reason": None}),
    (RejectRows, REJECT, {"row_number": 0}),
    (ReturnRejectRows, RETURN_REJECT, {"kind": "答复"}),
    (FollowupRows, FOLLOWUP, {"verification": "已核实"}),  # not a choice of excel_layout.yaml
    (FollowupRows, FOLLOWUP, {"settlement": "属实"}),
    (FollowupRows, FOLLOWUP, {"rule_id": "NO_SUCH_RULE"}),
    (FollowupListingRows, LISTING, {"verification": "是"}),
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
    frame = frame.with_columns(pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t == pl.Null)
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


def test_a_refused_file_that_is_no_returned_list_keeps_the_contract() -> None:
    """A file in returns/ that is not a list: no kind, no key, no row — still one refused row."""
    row = RETURN_REJECT | {"kind": None, "key": None, "row_number": None, "reason_code": "not_a_return"}
    schema = {c: pl.Int64 if c == "row_number" else pl.String for c in row}
    assert ReturnRejectRows.validate(pl.DataFrame([row], schema=schema)).height == 1


def test_the_warm_up_validates_what_a_run_writes() -> None:
    """The command validates an empty rejects table while the server boots: it must pass."""
    from schemas.datasets import warm_up

    warm_up()

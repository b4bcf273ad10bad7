"""One person, one row, one visit: while a recommended suggestion waits for the county office, a
stranger whose number a department probably mistyped is not sent as a separate person; the roster
person's household row says so, with the same 建议编号 everywhere (small frames, no run)."""

from __future__ import annotations

import polars as pl

from schemas.outputs import HOUSEHOLD_COLUMNS, SUGGESTION_SCHEMA, WARNING_COLUMNS
from transforms.compare.comparison import Comparison
from transforms.linkage.one_person import one_visit, rejects_with_suggestions

STRANGER, OTHER = "431125199001011239", "431125198001011235"


def _warning(rule_id, household_id, id_number, evidence, department="county", listed=True) -> dict:
    return {c: None for c in WARNING_COLUMNS} | {
        "quarter": "2026Q3", "rule_id": rule_id, "household_id": household_id, "id_number": id_number,
        "town": "城关镇", "village": "东街社区", "cause": "accident", "department": department, "evidence": evidence,
        "status": "新增", "listed": listed, "id_corrected": False,
    }  # fmt: skip


def _household(household_id, colour) -> dict:
    return {"quarter": "2026Q3", "household_id": household_id, "town": "城关镇", "village": "东街社区",
            "household_type": "脱贫户", "colour": colour, "rule_ids": [], "causes": [], "members": 3}  # fmt: skip


def _suggestion(n, origin, id_as_written, household, recommended=True, row=4) -> dict:
    return {c: None for c in SUGGESTION_SCHEMA} | {
        "suggestion_id": f"2026Q3-ID-{n:06d}", "quarter": "2026Q3", "department": "civil", "file": "临时救助.csv",
        "sheet": "", "row_number": row, "origin": origin, "id_as_written": id_as_written, "suggested_household_id": household,
        "match_probability": 0.99, "row_probability": 0.99, "recommended": recommended,
    }  # fmt: skip


def _comparison(warnings, households, all_households, suggestions) -> Comparison:
    empty = pl.DataFrame()
    return Comparison(
        warnings=pl.DataFrame(warnings, schema_overrides={"listed": pl.Boolean, "id_corrected": pl.Boolean}),
        households=pl.DataFrame(households).select(HOUSEHOLD_COLUMNS),
        closed=empty, all_households=pl.DataFrame(all_households), people=empty, roster_by_cause=empty,
        suggestions=pl.DataFrame(suggestions, schema=SUGGESTION_SCHEMA),
    )  # fmt: skip


def test_a_stranger_waiting_on_a_recommendation_is_the_roster_persons_row():
    warnings = [
        _warning("NEW_CANDIDATE", None, STRANGER, "2026年8月9日新纳入临时救助"),
        _warning("NEW_CANDIDATE", None, OTHER, "住房鉴定为C级危房，未改造"),
    ]
    green = _household("H2", "green")
    comparison = _comparison(warnings, [_household("H1", "red")], [_household("H1", "red"), green],
                             [_suggestion(7, "new_candidate", STRANGER, "H2"),
                              _suggestion(8, "new_candidate", OTHER, "H1", recommended=False)])  # fmt: skip
    after = one_visit(comparison, {"civil": "民政局"})
    w = after.warnings.sort("id_number")
    assert w.select("id_number", "listed", "pending_suggestion").rows() == [
        (OTHER, True, None),  # not recommended: sent as usual
        (STRANGER, False, "2026Q3-ID-000007"),
    ]
    # its household is listed instead, with a row of its own, saying why
    assert after.households["household_id"].to_list() == ["H1", "H2"]
    notes = after.pending_notes.rows(named=True)
    assert notes == [{
        "household_id": "H2",
        "note": "另有民政局数据疑似为此人（身份证号疑似录错，待县级确认，建议编号 2026Q3-ID-000007）：2026年8月9日新纳入临时救助",
        "cause": "accident", "status": "新增",
    }]  # fmt: skip


def test_a_rejected_row_names_its_suggestion():
    rejects = pl.DataFrame(
        {
            "department": ["civil", "civil"],
            "file": ["临时救助.csv"] * 2,
            "sheet": ["", ""],
            "row_number": [4, 5],
            "reason": ["“身份证号”校验位不符", "“金额”不是数字"],
        }
    )
    suggestions = pl.DataFrame([_suggestion(3, "rejected", "43112519900101123X", "H1")], schema=SUGGESTION_SCHEMA)
    reasons = rejects_with_suggestions(rejects, suggestions)["reason"].to_list()
    assert reasons == [
        "“身份证号”校验位不符；疑似身份证号录错，已提交县级核对（建议编号 2026Q3-ID-000003）",
        "“金额”不是数字",
    ]

"""Quality gates: metrics measured on a real DuckDB, checked by real Great Expectations."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from transforms.staging.quality_gates import ALL_SUBJECTS, check_gates, empty_key_shares, load_gates, measure

from .conftest import HEAD, Q3, SPOUSE, person_id, roster_row


def _results(county, docs_dir=None, extra=None):
    gates = load_gates()
    metrics = measure(county.con, Q3, gates)
    if extra is not None:
        metrics = pl.concat([metrics, extra])
    return {(g.gate, g.subject): g for g in check_gates(metrics, gates, docs_dir)}


def test_an_empty_roster_is_blocking_and_data_docs_are_written(county, tmp_path):
    results = _results(county, tmp_path / "docs")
    gate = results[("roster_arrived", ALL_SUBJECTS)]
    assert (gate.passed, gate.severity, gate.value) == (False, "blocking", 1.0)
    assert "roster_arrived" in gate.message() and "名册" in gate.message()
    assert (tmp_path / "docs" / "index.html").is_file()


def test_roster_consistency_gates_measure_the_offending_households(county):
    county.stage("roster__persons", Q3, [roster_row(HEAD, size=3), roster_row(SPOUSE, relation="户主", size=3)])
    results = _results(county)
    assert results[("roster_arrived", ALL_SUBJECTS)].passed
    one_head = results[("roster_one_head_per_household", ALL_SUBJECTS)]
    size = results[("roster_size_matches_members", ALL_SUBJECTS)]
    assert (one_head.passed, one_head.value, one_head.severity) == (False, 1.0, "advisory")
    assert (size.passed, size.value) == (False, 1.0)


@pytest.mark.parametrize("on_roster,passed", [(1, True), (0, False)])
def test_match_share_against_its_floor(county, on_roster, passed):
    county.stage("roster__persons", Q3, [roster_row(HEAD), roster_row(SPOUSE, relation="配偶")])
    cert = {"name": "某", "category": "肢体", "grade": "三级", "issued_on": date(2020, 1, 1), "living_subsidy": "是",
            "care_subsidy": "是"}  # fmt: skip
    ids = [HEAD] * on_roster + [person_id(date(1960, 1, 1), n) for n in range(3 - on_roster)]
    county.stage("disability__certificates", Q3, [{**cert, "id_number": i} for i in ids])
    share = _results(county)[("roster_match_share", "disability__certificates")]
    assert (share.passed, share.value) == (passed, pytest.approx(on_roster / 3))  # the floor is 0.3


def test_empty_key_share_from_the_rejects():
    rejects = pl.DataFrame(
        {"dataset": ["civil__assistance"] * 3, "reason_code": ["required_missing", "required_missing", "date_invalid"]}
    )
    shares = empty_key_shares(rejects, {"civil__assistance": 37})
    assert shares.rows() == [("empty_key_share", "civil__assistance", 0.05)]

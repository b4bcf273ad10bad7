"""Quality gates on a real DuckDB: each gate's offending rows."""

from __future__ import annotations

from transforms.quality_gates import run_gates

from .conftest import HEAD, Q3, SPOUSE, roster_row


def _by_name(county):
    return {g.gate: g for g in run_gates(county.con, Q3)}


def test_an_empty_roster_is_blocking(county):
    gates = _by_name(county)
    assert (gates["roster_arrived"].passed, gates["roster_arrived"].severity) == (False, "blocking")
    assert "roster_arrived" in gates["roster_arrived"].message()


def test_roster_consistency_gates(county):
    county.stage("roster__persons", Q3, [
        roster_row(HEAD, size=3), roster_row(SPOUSE, relation="户主", size=3),  # two heads, 2 listed of 3
    ])  # fmt: skip
    gates = _by_name(county)
    assert gates["roster_arrived"].passed
    assert gates["roster_one_head_per_household"].examples == [{"household_id": "H1", "heads": 2}]
    assert gates["roster_size_matches_members"].examples == [
        {"household_id": "H1", "household_size": 3, "members_listed": 2}
    ]
    assert (
        not gates["roster_one_head_per_household"].passed
        and gates["roster_one_head_per_household"].severity == "advisory"
    )


def test_consistent_roster_passes(county):
    county.stage("roster__persons", Q3, [roster_row(HEAD), roster_row(SPOUSE, relation="配偶")])
    gates = _by_name(county)
    assert all(
        gates[g].passed for g in ("roster_arrived", "roster_one_head_per_household", "roster_size_matches_members")
    )

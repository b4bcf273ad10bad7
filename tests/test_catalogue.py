"""The registries and the SQL agree: every rule has its query and every query its entry, every
`$parameter` is declared, every rule has rows-in/rows-out cases, every dataset its row contract
and staging model, every warehouse table a SQL file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemas.datasets import ROW_CONTRACTS
from transforms.compare.comparison import run_params
from transforms.config import load_config
from transforms.settings import REPO_ROOT, SQL_DIR, Quarter
from transforms.staging.warehouse import WAREHOUSE_TABLES, connect

PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
CONFIG = load_config()
RUN_PARAMS = set(run_params(Quarter.parse("2026Q3"), CONFIG.thresholds(2026), CONFIG)) - set(CONFIG.threshold_entries)
RULE_TESTS = (Path(__file__).parent / "sql" / "test_rules.py").read_text(encoding="utf-8")


def test_every_rule_has_its_query_and_every_query_its_entry():
    assert sorted(r.rule_id for r in CONFIG.rules) == sorted(p.stem for p in (SQL_DIR / "rules").glob("*.sql"))


@pytest.mark.parametrize("rule", CONFIG.rules, ids=lambda r: r.rule_id)
def test_a_rules_query_uses_what_its_entry_declares(rule):
    sql = (SQL_DIR / "rules" / f"{rule.rule_id}.sql").read_text(encoding="utf-8")
    used = set(PARAM.findall(sql))
    assert used - RUN_PARAMS == set(rule.parameters), "declare exactly the thresholds the query names"
    assert f"'{rule.rule_id}' as rule_id" in sql
    assert re.findall(r"'(\w+)' as department", sql) == [rule.department]
    causes = set(re.findall(r"'(\w+)' as cause", sql))
    assert causes == ({rule.cause} if rule.cause != "per_signal" else causes) and causes <= set(CONFIG.causes)
    assert sql.startswith(f"-- {rule.rule_id}: "), "a one-line header saying what it is"


@pytest.mark.parametrize("rule", CONFIG.rules, ids=lambda r: r.rule_id)
def test_every_rule_has_rows_in_rows_out_cases(rule):
    assert re.search(rf'"{rule.rule_id}"', RULE_TESTS), f"tests/sql/test_rules.py has no case for {rule.rule_id}"


def test_every_threshold_is_declared_and_every_model_parameter_is_known():
    declared = {p for r in CONFIG.rules for p in r.parameters} | set(CONFIG.colour_parameters)
    assert declared == set(CONFIG.threshold_entries)
    known = RUN_PARAMS | set(CONFIG.threshold_entries)
    for path in sorted(SQL_DIR.rglob("*.sql")):
        if path.parent.name == "bookkeeping":  # the warehouse's own records: their values are named there
            continue
        assert set(PARAM.findall(path.read_text(encoding="utf-8"))) <= known, path


@pytest.mark.parametrize("dataset", CONFIG.datasets, ids=lambda d: d.code)
def test_every_dataset_has_a_row_contract_and_a_staging_model(dataset):
    assert dataset.code in ROW_CONTRACTS
    contract_fields = set(ROW_CONTRACTS[dataset.code].to_schema().columns) - {
        "source_file",
        "source_sheet",
        "source_row",
    }
    assert contract_fields == {f.name for f in dataset.fields}
    assert (SQL_DIR / "staging" / f"{dataset.staging_table}.sql").is_file()
    assert dataset.department in {d.code for d in CONFIG.departments}


def test_every_warehouse_table_is_defined_in_sql():
    assert sorted(p.stem for p in (SQL_DIR / "warehouse").glob("*.sql")) == sorted([*WAREHOUSE_TABLES, "cur_warnings"])
    table_with_columns = re.compile(
        r"create\s+(or\s+replace\s+)?(temp\s+)?table\s+(if\s+not\s+exists\s+)?\w+\s*\(", re.I
    )
    for folder in ("transforms", "flows"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            assert not table_with_columns.search(path.read_text(encoding="utf-8")), path
    with connect(None) as con:
        tables = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert tables == set(WAREHOUSE_TABLES)


def test_departments_receiving_work_orders_have_distinct_prefixes():
    prefixes = list(CONFIG.work_order_prefixes.values())
    assert len(prefixes) == len(set(prefixes)) and all(re.fullmatch(r"[A-Z]{3}", p) for p in prefixes)
    for rule in CONFIG.rules:
        assert rule.department in CONFIG.work_order_prefixes or rule.department == CONFIG.county_office.code

"""The county's comparison with the roster (大数据比对): intermediate models, one query per
rule, household colours and each warning's status against the previous quarter, all in
DuckDB from the files under `sql/`. Parameters are bound, never formatted into SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from schemas.outputs import (
    EXIT_COLUMNS,
    HOUSEHOLD_COLUMNS,
    SUGGESTION_SCHEMA,
    WARNING_COLUMNS,
    ClosedRows,
    HouseholdRows,
    WarningRows,
)
from transforms.config import CountyConfig, Thresholds
from transforms.config_files import MaterialChange
from transforms.settings import Quarter
from transforms.staging.warehouse import (
    answers_in_force,
    create_table_as_sql,
    department_people_sql,
    execute_model,
    insert_by_name_sql,
    params_named_in,
    read_sql,
    transaction,
)

INTERMEDIATE_MODELS = (
    "int_roster__persons",
    "int_roster__households",
    "int_medical__oop_by_person",
    "int_civil__dibao_households",
    "int_disability__current_certificates",
    "int_linkage__corrected_people",
)
# After the rules: last quarter's answers, and which of this quarter's firings are sent.
FOLLOWUP_MODELS = ("int_followup__previous_answers", "int_warnings__listed")


@dataclass(frozen=True)
class Comparison:
    """What the comparison publishes (contract: warnings, households, closed)."""

    warnings: pl.DataFrame
    households: pl.DataFrame
    closed: pl.DataFrame
    all_households: pl.DataFrame
    people: pl.DataFrame  # id_number, name, household_id, relation: for the lists people receive only
    roster_by_cause: pl.DataFrame  # household_type, monitoring_type, risk_cause, households, persons
    # suggestions for mistyped identity numbers (schemas.outputs.SUGGESTION_COLUMNS)
    suggestions: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SUGGESTION_SCHEMA))
    # per roster household: income, yellow line, monitoring type, risk cause, last quarter's colour
    # (sql/outputs/out_listing_basis.sql) — why a household listed without a rule of its own is listed
    listing_basis: pl.DataFrame | None = None
    # household_id -> what its town-list row adds while a recommended suggestion waits (linkage.one_person)
    pending_notes: pl.DataFrame | None = None
    # 监测户 proposed for 风险消除 (sql/outputs/out_exit_candidates.sql; schemas.outputs.EXIT_COLUMNS)
    exit_candidates: pl.DataFrame | None = None
    # 返贫风险: households the roster says 风险已消除 that a red-making warning colours red again
    risk_returned: pl.DataFrame | None = None
    # 已同意消除，名册未更新: agreed exits the roster has not caught up with (for the county office)
    exit_agreed_pending: pl.DataFrame | None = None


def write_comparison_outputs(folder: Path, comparison: Comparison) -> None:
    """warnings.parquet, households.parquet and closed.parquet, as the contract lists them, each
    validated against its model in schemas/outputs.py first (a table that breaks its contract is a
    program defect, and nothing is published)."""
    WarningRows.validate(comparison.warnings).write_parquet(folder / "warnings.parquet")
    HouseholdRows.validate(comparison.households).write_parquet(folder / "households.parquet")
    ClosedRows.validate(comparison.closed).write_parquet(folder / "closed.parquet")


def material_change_params(settings: MaterialChange) -> dict[str, object]:
    """When a town's 不属实 stops holding (rules.yaml material_change), as SQL parameters."""
    return {
        "material_spending_rules": list(settings.spending_rules),
        "material_share": settings.grows_by_share,
        "material_amount": settings.grows_by_at_least,
        "period_pattern": settings.period_pattern,
    }


def run_params(quarter: Quarter, thresholds: Thresholds, config: CountyConfig) -> dict[str, object]:
    """Every named parameter a model may use."""
    months = f"{quarter.year}年1–{quarter.last_day.month}月"
    return {
        "quarter": str(quarter),
        "previous_quarter": str(quarter.previous()),
        "quarter_start": quarter.first_day,
        "quarter_end": quarter.last_day,
        "year_start": quarter.first_day.replace(month=1),
        "year_prefix": f"{quarter.year}Q%",
        "period_label": months,
        "work_order_only_rules": [r.rule_id for r in config.rules if not r.red_making],
        **material_change_params(config.material_change),
        **thresholds.as_params(),
    }


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sql, params=params_named_in(sql, params)).to_arrow_table())


def build_intermediates(
    con: duckdb.DuckDBPyConnection, params: dict[str, object], models: tuple[str, ...] = INTERMEDIATE_MODELS
) -> None:
    """Each model of sql/intermediate/ as a temporary table of its name, in order."""
    for model in models:
        sql = read_sql(f"intermediate/{model}.sql")
        execute_model(con, create_table_as_sql(model, sql, replace=True, temp=True), params)


def raise_warnings(con: duckdb.DuckDBPyConnection, params: dict[str, object], config: CountyConfig) -> None:
    """`cur_warnings`: every rule's firing rows, in catalogue order."""
    con.execute(read_sql("warehouse/cur_warnings.sql"))
    for rule in config.rules:
        sql = read_sql(f"rules/{rule.rule_id}.sql")
        execute_model(con, insert_by_name_sql("cur_warnings", sql), params)


def compare_with_roster(con: duckdb.DuckDBPyConnection, quarter: Quarter, config: CountyConfig) -> Comparison:
    """Run the comparison for a quarter whose staging is loaded; keep its history."""
    comparison, recorded = _compare(con, quarter, config)
    con.register("new_warnings", recorded.to_arrow())  # every column the history keeps (measure, judgements …)
    try:
        with transaction(con):
            for table in ("hist_warnings", "hist_households"):
                con.execute(read_sql(f"bookkeeping/{table}__forget.sql"), {"quarter": str(quarter)})
                con.execute(read_sql(f"bookkeeping/{table}__record.sql"))
    finally:
        con.unregister("new_warnings")
    return comparison


def compare_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, config: CountyConfig) -> Comparison:
    """The comparison of a quarter whose staging is loaded, with `config`'s thresholds — every
    rule of the catalogue, the colours, the statuses against the history — writing nothing but
    the connection's temporary tables (a backtest runs it on a read-only warehouse;
    `cur_households` stays for the history to record)."""
    return _compare(con, quarter, config)[0]


def _compare(con: duckdb.DuckDBPyConnection, quarter: Quarter, config: CountyConfig) -> tuple[Comparison, pl.DataFrame]:
    """The comparison, and its warnings with every column the history keeps."""
    params = run_params(quarter, config.thresholds(quarter.year), config)
    con.execute(department_people_sql(config.datasets))
    registry = pl.DataFrame(
        [(ds.code, ds.department) for ds in config.datasets], schema=["dataset", "department"], orient="row"
    )
    con.register("registry_datasets", registry.to_arrow())
    answers_in_force(con)
    con.execute(create_table_as_sql("cur_confirmed", read_sql("linkage/lnk_confirmed.sql"), replace=True, temp=True))
    build_intermediates(con, params)
    raise_warnings(con, params, config)
    build_intermediates(con, params, FOLLOWUP_MODELS)
    households = read_sql("outputs/out_households.sql")
    execute_model(con, create_table_as_sql("cur_households", households, replace=True, temp=True), params)
    warnings = _frame(con, read_sql("outputs/out_warnings.sql"), params)
    closed = _frame(con, read_sql("outputs/out_closed.sql"), params)
    all_households = pl.from_arrow(con.table("cur_households").to_arrow_table())
    people = _frame(con, read_sql("outputs/out_people.sql"), params)
    roster_by_cause = _frame(con, read_sql("outputs/out_roster_by_cause.sql"), params)
    listing_basis = _frame(con, read_sql("outputs/out_listing_basis.sql"), params)
    pending = read_sql("outputs/out_exit_agreed_pending.sql")
    execute_model(con, create_table_as_sql("out_exit_agreed_pending", pending, replace=True, temp=True), params)
    exit_agreed_pending = pl.from_arrow(con.table("out_exit_agreed_pending").to_arrow_table())
    exit_candidates = _frame(con, read_sql("outputs/out_exit_candidates.sql"), params)
    risk_returned = _frame(con, read_sql("outputs/out_risk_returned.sql"), params)
    order = ["rule_id", "household_id", "id_number"]
    comparison = Comparison(
        warnings=warnings.sort(order, nulls_last=True)
        .with_columns(pl.lit(None, dtype=pl.String).alias("pending_suggestion"))
        .select(WARNING_COLUMNS),
        households=all_households.filter(pl.col("is_listed")).sort("household_id").select(HOUSEHOLD_COLUMNS),
        closed=closed.sort(order, nulls_last=True),
        all_households=all_households,
        people=people,
        roster_by_cause=roster_by_cause,
        listing_basis=listing_basis,
        exit_candidates=exit_candidates.select(EXIT_COLUMNS),
        risk_returned=risk_returned,
        exit_agreed_pending=exit_agreed_pending,
    )
    return comparison, warnings

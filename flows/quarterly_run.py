"""The quarter's story as Prefect flows: take in every department's extracts, stage what was
accepted, check the quality gates, compare with the roster, prepare the lists, publish all at
once. Every step is a plain function in `transforms/`; this module only wires them. Logs,
artifacts and return values carry counts, never personal data."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from flows.artifacts import publish_artifacts
from flows.console import install_refusal_filter
from transforms.compare.comparison import Comparison, compare_with_roster
from transforms.config import CountyConfig
from transforms.deliver.intake_outputs import combine_rejects
from transforms.deliver.publication import ListsPlan, prepare_lists, run_manifest, write_check, write_publication
from transforms.deliver.publish import fault_point, publish
from transforms.deliver.summary import RunSummary, StepClock
from transforms.intake.accounting import RowCounts
from transforms.intake.department import DepartmentIntake, take_in_department
from transforms.intake.inbox import OpenedInbox, open_inbox
from transforms.intake.spill import work_folder
from transforms.settings import Quarter, RunRefused
from transforms.staging.quality_gates import GateResult, gate_quarter, preload_great_expectations
from transforms.staging.warehouse import connect, stage_quarter

__all__ = ["RunRefused", "check_inbox", "quarterly_run"]
CHINA = ZoneInfo("Asia/Shanghai")
install_refusal_filter()


@task(name="take-in-department", cache_policy=NONE, task_run_name="take-in-{department}")
def take_in(department: str, opened: OpenedInbox, work_dir: Path, quarter: Quarter) -> DepartmentIntake:
    listing = opened.listing
    intake = take_in_department(department, listing.files[department], opened.folder, opened.config,
                                opened.root.path, work_dir, quarter=quarter, links=listing.links.get(department))  # fmt: skip
    for f in intake.files:
        if f.error:  # our own sentences: they name the file and the problem, never a cell
            get_run_logger().warning("%s: %s", f.location or f.path, f.error)
    get_run_logger().info("%s: %s", department, RowCounts.of_files(intake.files).sentence())
    return intake


def take_in_all(opened: OpenedInbox, work_dir: Path, quarter: Quarter) -> tuple[list[DepartmentIntake], dict[str, str]]:
    """Every department's intake in parallel; one department's failure never stops the others."""
    futures = {d: take_in.submit(d, opened, work_dir, quarter) for d in opened.listing.files}
    intakes, failures = [], {}
    for department, future in futures.items():
        try:
            intakes.append(future.result())
        except Exception as e:
            failures[department] = f"本部门数据读取失败（程序错误：{type(e).__name__}），其他部门照常处理"
            get_run_logger().error("%s: intake failed with %s", department, type(e).__name__)
    return intakes, failures


@task(name="stage-in-warehouse", cache_policy=NONE)
def stage(opened: OpenedInbox, quarter: Quarter, intakes: list[DepartmentIntake]) -> dict[str, int]:
    accepted = {code: rows for i in intakes for code, rows in i.accepted.items()}
    files = [f.as_dict() for i in intakes for f in i.files]
    return stage_quarter(opened.root.warehouse, quarter, opened.config.datasets, accepted, files)


@task(name="quality-gates", cache_policy=NONE)
def check_quality(
    opened: OpenedInbox, quarter: Quarter, intakes: list[DepartmentIntake], docs: Path
) -> list[GateResult]:
    accepted = {code: rows.height for i in intakes for code, rows in i.accepted.items()}
    reference = datetime.combine(quarter.last_day, datetime.min.time(), tzinfo=CHINA)
    gates = gate_quarter(opened.root.warehouse, quarter, combine_rejects(intakes), accepted, docs, reference)
    for g in gates:
        if not g.passed:
            get_run_logger().warning("quality gate %s[%s] (%s) failed: %.4g", g.gate, g.subject, g.severity, g.value)
    return gates


@task(name="compare-with-roster", cache_policy=NONE)
def compare(warehouse: Path, quarter: Quarter, config: CountyConfig) -> Comparison:
    with connect(warehouse) as con:
        comparison = compare_with_roster(con, quarter, config)
    colours = dict(comparison.households.group_by("colour").len().sort("colour").iter_rows())
    get_run_logger().info(
        "%d warnings; listed households by colour: %s", comparison.warnings.height, json.dumps(colours)
    )
    return comparison


prepare = task(prepare_lists, name="prepare-lists", cache_policy=NONE)
publish_quarter = task(publish, name="publish", cache_policy=NONE)


@flow(name="povwatch-check-inbox", log_prints=False)
def check_inbox(data_root: str, quarter: str | None = None) -> RunSummary:
    """Read and validate what has arrived so far; write each department's rejected-row workbook
    and a manifest to `check/<quarter>/`. Publishes no warnings; leaves `out/` and the warehouse alone."""
    clock = StepClock()
    q = Quarter.parse(quarter) if quarter else Quarter.collecting(datetime.now(CHINA).date())
    opened = open_inbox(data_root, q)
    with work_folder(opened.root.path, f"check-{q}") as work:
        intakes, failures = take_in_all(opened, work, q)
    today = datetime.now(CHINA).date()
    out_dir = publish(
        opened.root, q, lambda f: write_check(f, q, opened.config, opened, intakes, failures, today), "check"
    )
    clock.stop()
    return RunSummary.of(q, out_dir, intakes, failures, clock, check_only=True)


@flow(name="povwatch-quarterly-run", log_prints=False)
def quarterly_run(data_root: str, quarter: str | None = None) -> RunSummary:
    """Read `inbox/<quarter>/` under the data root, stage it, publish `out/<quarter>/`.
    Without a quarter (a scheduled run), the quarter just ended in China Standard Time."""
    clock = StepClock()
    preload_great_expectations()
    q = Quarter.parse(quarter) if quarter else Quarter.just_ended(datetime.now(CHINA).date())
    opened = open_inbox(data_root, q)
    config, warehouse = opened.config, opened.root.warehouse
    with work_folder(opened.root.path, str(q)) as work:  # big datasets wait on disk here until staged
        with clock.step("intake"):
            intakes, failures = take_in_all(opened, work, q)
        with clock.step("staging"):
            staged = stage(opened, q, intakes)
    docs = opened.root.publications / f".data_docs-{q}-{os.getpid()}"  # moved into the publication
    with clock.step("quality_gates"):
        gates = check_quality(opened, q, intakes, docs)
    fault_point("gates-checked")  # (tests: a run killed here leaves its Data Docs behind)
    if blocking := [g for g in gates if not g.passed and g.severity == "blocking"]:
        shutil.rmtree(docs, ignore_errors=True)
        raise RunRefused("；".join(g.message() for g in blocking))
    with clock.step("comparison"):
        comparison = compare(warehouse, q, config)
    with clock.step("lists"):
        plan: ListsPlan = prepare(warehouse, q, comparison, config, datetime.now(CHINA).date())
    manifest = run_manifest(q, config, opened, intakes, failures, staged, gates, comparison, plan, clock)
    with clock.step("publish"):
        out_dir = publish_quarter(opened.root, q, lambda folder: write_publication(
            folder, quarter=q, config=config, intakes=intakes, comparison=comparison, plan=plan,
            manifest=manifest, docs_dir=docs))  # fmt: skip
    clock.stop()
    summary = RunSummary.of(q, out_dir, intakes, failures, clock, gates=gates, comparison=comparison)
    publish_artifacts(summary, comparison)
    get_run_logger().info("published %s: %s", q, summary.counts.sentence())
    return summary

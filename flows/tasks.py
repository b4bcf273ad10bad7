"""The tasks of the quarterly run: each wraps a plain function of `transforms/` and logs what
it did in counts (never a cell: no name, no identity number)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NONE
from prefect.futures import as_completed

from flows import progress
from transforms.compare.comparison import Comparison, compare_with_roster
from transforms.config import CountyConfig
from transforms.deliver.intake_outputs import combine_rejects
from transforms.deliver.publication import prepare_lists
from transforms.intake.accounting import RowCounts
from transforms.intake.department import DepartmentIntake, take_in_department
from transforms.intake.inbox import OpenedInbox
from transforms.intake.validation import REJECT_SCHEMA
from transforms.kit.atomic import publish
from transforms.learning.answer_yield import yield_up_to
from transforms.linkage.corrections import confirmed_by_department
from transforms.linkage.one_person import one_visit, record_unlisted
from transforms.linkage.suggestions import suggest
from transforms.settings import CHINA, Quarter
from transforms.staging.quality_gates import GateResult, gate_quarter
from transforms.staging.warehouse import connect, stage_quarter


@task(name="take-in-department", cache_policy=NONE, task_run_name="take-in-{department}")
def take_in(
    department: str,
    opened: OpenedInbox,
    work_dir: Path,
    quarter: Quarter,
    corrections: pl.DataFrame | None = None,
    reuse: bool = True,
) -> DepartmentIntake:
    listing = opened.listing
    intake = take_in_department(
        department,
        listing.files[department],
        opened.folder,
        opened.config,
        opened.root.path,
        work_dir,
        quarter=quarter,
        links=listing.links.get(department),
        corrections=corrections,
        reuse=reuse,
    )
    for f in intake.files:
        if f.error:  # our own sentences: they name the file and the problem, never a cell
            get_run_logger().warning("%s: %s", f.location or f.path, f.error)
    get_run_logger().info("%s: %s", department, RowCounts.of_files(intake.files).sentence())
    return intake


def take_in_all(
    opened: OpenedInbox, work_dir: Path, quarter: Quarter, reuse: bool = True
) -> tuple[list[DepartmentIntake], dict[str, str]]:
    """Every department's intake in parallel; one department's failure never stops the others.
    With `reuse`, files unchanged since an earlier run or check are not read again."""
    corrections = confirmed_by_department(opened.root.warehouse)  # the county office's, in force
    futures = {d: take_in.submit(d, opened, work_dir, quarter, corrections.get(d), reuse) for d in opened.listing.files}
    intakes, failures = {}, {}
    shown = progress.current()
    department_of = {id(f): d for d, f in futures.items()}
    for future in as_completed(list(futures.values())):  # each department shown as its files are read
        department = department_of[id(future)]
        label = opened.config.department(department).file_name
        try:
            intakes[department] = intake = future.result()
        except Exception as e:
            failures[department] = f"本部门数据读取失败（程序错误：{type(e).__name__}），其他部门照常处理"
            get_run_logger().error("%s: intake failed with %s", department, type(e).__name__)
            if shown:
                shown.department(label, None, len(intakes) + len(failures), len(futures))
            continue
        if shown:
            reused = sum(f.reused for f in intake.files)
            counts = RowCounts.of_files(intake.files)
            shown.department(label, counts, len(intakes) + len(failures), len(futures), reused)
    return [intakes[d] for d in futures if d in intakes], failures  # in the inbox's order, as before


@task(name="stage-in-warehouse", cache_policy=NONE)
def stage(opened: OpenedInbox, quarter: Quarter, intakes: list[DepartmentIntake]) -> dict[str, int]:
    accepted = {code: rows for i in intakes for code, rows in i.accepted.items()}
    files = [f.as_dict() for i in intakes for f in i.files]
    corrected = pl.concat([i.corrected for i in intakes])
    parked = {code: rows for i in intakes for code, rows in i.parked.items()}
    return stage_quarter(opened.root.warehouse, quarter, opened.config.datasets, accepted, files, corrected, parked)


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


@task(name="suggest-identities", cache_policy=NONE)
def suggest_identities(
    warehouse: Path, quarter: Quarter, config: CountyConfig, intakes: list[DepartmentIntake], comparison: Comparison
) -> Comparison:
    """The comparison with its suggestions for mistyped identity numbers (transforms.linkage)."""
    rejects = pl.concat([i.rejects for i in intakes]) if intakes else pl.DataFrame(schema=REJECT_SCHEMA)
    with connect(warehouse) as con:
        suggestions = suggest(con, quarter, config, rejects, comparison.warnings, config.linkage)
        # one person, one visit: a stranger waiting on a recommended suggestion is the roster person's row
        comparison = one_visit(replace(comparison, suggestions=suggestions), config.department_labels)
        record_unlisted(con, str(quarter), comparison)
    get_run_logger().info(
        "%d suggestions for mistyped identity numbers, %d recommended",
        suggestions.height,
        int(suggestions["recommended"].sum()),
    )
    return comparison


prepare = task(prepare_lists, name="prepare-lists", cache_policy=NONE)
learn_from_answers = task(yield_up_to, name="learn-from-answers", cache_policy=NONE)  # (what the answers teach)
publish_quarter = task(publish, name="publish", cache_policy=NONE)

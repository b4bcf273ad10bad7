"""The quarter's story as Prefect flows: take in every department's extracts, stage what was
accepted, check the quality gates, compare with the roster, prepare the lists, publish all at
once. Every step is a plain function in `transforms/`; this module only wires them. Logs,
artifacts and return values carry counts, never personal data."""

from __future__ import annotations

import os
import shutil
from datetime import datetime

from prefect import flow, get_run_logger

from flows import progress
from flows.artifacts import publish_artifacts
from flows.console import install_refusal_filter
from flows.tasks import (
    check_quality,
    compare,
    learn_from_answers,
    prepare,
    publish_quarter,
    stage,
    suggest_identities,
    take_in_all,
)
from transforms.data_root_lock import data_root_lock
from transforms.deliver.publication import ListsPlan, run_manifest, write_check, write_publication
from transforms.deliver.summary import RunSummary, StepClock
from transforms.intake.inbox import open_inbox
from transforms.intake.spill import work_folder
from transforms.kit.atomic import fault_point, publish
from transforms.settings import CHINA, Quarter, RunRefused
from transforms.staging.quality_gates import preload_great_expectations

__all__ = ["RunRefused", "check_inbox", "quarterly_run"]
install_refusal_filter()


def _shown():
    """The terminal's progress, when the command turned it on (flows/progress.py)."""
    shown = progress.current()
    return shown.step if shown else None


@flow(name="povwatch-check-inbox", log_prints=False)
def check_inbox(data_root: str, quarter: str | None = None, reread: bool = False) -> RunSummary:
    """Read and validate what has arrived so far; write each department's rejected-row workbook
    and a manifest to `check/<quarter>/`. Publishes no warnings; leaves `out/` and the warehouse
    alone. A file unchanged since the last check or run is not read again unless `reread`."""
    with data_root_lock(data_root, "check-inbox"):
        return _check_inbox(data_root, quarter, reread)


def _check_inbox(data_root: str, quarter: str | None, reread: bool) -> RunSummary:
    clock = StepClock(report=_shown())
    q = Quarter.parse(quarter) if quarter else Quarter.collecting(datetime.now(CHINA).date())
    opened = open_inbox(data_root, q)
    with work_folder(opened.root.path, f"check-{q}") as work, clock.step("intake"):
        intakes, failures = take_in_all(opened, work, q, reuse=not reread)
    today = datetime.now(CHINA).date()
    with clock.step("publish"):
        out_dir = publish(
            opened.root, q, lambda f: write_check(f, q, opened.config, opened, intakes, failures, today), "check"
        )
    clock.stop()
    names = {d.code: d.file_name for d in opened.config.departments}
    return RunSummary.of(q, out_dir, intakes, failures, clock, check_only=True, department_names=names)


@flow(name="povwatch-quarterly-run", log_prints=False)
def quarterly_run(data_root: str, quarter: str | None = None, reread: bool = False) -> RunSummary:
    """Read `inbox/<quarter>/` under the data root, stage it, publish `out/<quarter>/`.
    Without a quarter (a scheduled run), the quarter just ended in China Standard Time. A file
    unchanged since the last check or run is not read again unless `reread`."""
    with data_root_lock(data_root, "run"):
        return _quarterly_run(data_root, quarter, reread)


def _quarterly_run(data_root: str, quarter: str | None, reread: bool) -> RunSummary:
    clock = StepClock(report=_shown())
    preload_great_expectations()
    q = Quarter.parse(quarter) if quarter else Quarter.just_ended(datetime.now(CHINA).date())
    opened = open_inbox(data_root, q)
    config, warehouse = opened.config, opened.root.warehouse
    with work_folder(opened.root.path, str(q)) as work:  # big datasets wait on disk here until staged
        with clock.step("intake"):
            intakes, failures = take_in_all(opened, work, q, reuse=not reread)
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
    with clock.step("suggestions"):
        comparison = suggest_identities(warehouse, q, config, intakes, comparison)
    with clock.step("lists"):
        plan: ListsPlan = prepare(warehouse, q, comparison, config, datetime.now(CHINA).date())
        answers = learn_from_answers(opened.root, str(q), config, plan.published_on)
    manifest = run_manifest(q, config, opened, intakes, failures, staged, gates, comparison, plan, clock)
    with clock.step("publish"):
        out_dir = publish_quarter(
            opened.root,
            q,
            lambda folder: write_publication(
                folder,
                quarter=q,
                config=config,
                intakes=intakes,
                comparison=comparison,
                plan=plan,
                manifest=manifest,
                docs_dir=docs,
                answers=answers,
                workbook_cache=opened.root.workbook_cache(q),
            ),
        )
    clock.stop()
    names = {d.code: d.file_name for d in config.departments}
    summary = RunSummary.of(
        q,
        out_dir,
        intakes,
        failures,
        clock,
        gates=gates,
        comparison=comparison,
        department_names=names,
        towns_listed=len(plan.towns),
        work_orders=plan.orders.height,
        town_lists=manifest.town_lists,
        exit_lists=manifest.exit_lists,
    )
    publish_artifacts(summary, comparison)
    get_run_logger().info("published %s: %s", q, summary.counts.sentence())
    return summary

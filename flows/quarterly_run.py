"""The quarterly run as a Prefect flow: take in every department's extracts, stage what was
accepted in the warehouse, publish the outputs all at once. Logic lives in `transforms/`;
this module only wires it. Logs and return values carry counts, never personal data."""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from transforms.compare.comparison import Comparison, compare_with_roster, write_comparison_outputs
from transforms.config import CountyConfig, load_config
from transforms.deliver.deadlines import WorkingCalendar
from transforms.deliver.intake_outputs import combine_rejects, inputs_manifest, write_intake_outputs
from transforms.deliver.lists import (
    Layout,
    assign_work_order_numbers,
    sheets_written,
    town_list_jobs,
    town_list_rows,
    work_order_jobs,
)
from transforms.deliver.publish import fault_point, publish, write_manifest
from transforms.deliver.report import write_report
from transforms.intake.department import DepartmentIntake, InboxListing, list_inbox, take_in_department
from transforms.intake.reasons import REASON_LABELS
from transforms.intake.spill import work_folder
from transforms.settings import DataRoot, Quarter
from transforms.staging.quality_gates import (
    GateResult,
    check_gates,
    empty_key_shares,
    load_gates,
    measure,
    preload_great_expectations,
)
from transforms.staging.warehouse import connect, empty_rows, record_files, stage_dataset

CHINA = ZoneInfo("Asia/Shanghai")


class RunRefused(Exception):
    """The run cannot publish; the message is one line, Chinese then English."""


class RefusalAtDebug(logging.Filter):
    """A refused run is an answer, not a crash: Prefect's report of the RunRefused, with its
    traceback, stays in the flow run's log at debug level (marked `refusal`), and the terminal
    shows only the one-line reason the command prints (see `without_refusals`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], RunRefused):
            record.levelno, record.levelname, record.refusal = logging.DEBUG, "DEBUG", True
        return True


logging.getLogger("prefect.flow_runs").addFilter(RefusalAtDebug())


def without_refusals(record: logging.LogRecord) -> bool:
    """A console filter: leaves out the engine's report of a refusal (kept in the flow's log)."""
    return not getattr(record, "refusal", False)


@dataclass
class RunSummary:
    """What a run did, in counts (safe to log and to show in the Prefect UI)."""

    quarter: str
    out_dir: str
    check_only: bool = False
    files: int = 0
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    ignored: int = 0
    files_with_errors: int = 0
    warnings: int = 0
    advisory_gates_failed: list[str] = field(default_factory=list)
    listed_by_colour: dict[str, int] = field(default_factory=dict)
    file_errors: list[str] = field(default_factory=list)  # "<inbox path>: <reason>", no cell values
    departments: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss_gb: dict[str, float] = field(default_factory=dict)  # at the end of each step
    # The table of seed 004 (roster households and persons by type, category and cause): counts only.
    roster_by_cause: list[dict] = field(default_factory=list)


@task(name="take-in-department", cache_policy=NONE, task_run_name="take-in-{department}")
def take_in(
    department: str,
    paths: list[Path],
    inbox: Path,
    data_root: Path,
    config: CountyConfig,
    work_dir: Path,
    quarter: Quarter,
    links: list[Path],
) -> DepartmentIntake:
    intake = take_in_department(department, paths, inbox, config, data_root, work_dir, quarter=quarter, links=links)
    logger = get_run_logger()
    for f in intake.files:
        if f.error:  # our own sentences: they name the file and the problem, never a cell
            logger.warning("%s: %s", f.location or f.path, f.error)
    logger.info(
        "%s: %d files, %d rows read, %d accepted, %d rejected, %d duplicates",
        department,
        len(intake.files),
        sum(f.rows_read for f in intake.files),
        sum(f.accepted for f in intake.files),
        sum(f.rejected for f in intake.files),
        sum(f.duplicates for f in intake.files),
    )
    return intake


def peak_rss_gb() -> float:
    """This process's peak resident memory so far, in GB (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 3)


@dataclass
class StepClock:
    """Each step's seconds and the process's peak resident memory (GB) at its end."""

    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_gb: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - started
        self.peak_rss_gb[name] = peak_rss_gb()


def open_inbox(data_root: str, q: Quarter) -> tuple[DataRoot, CountyConfig, Path, InboxListing]:
    """The data root, configuration and inbox listing of a quarter; refuses a missing inbox."""
    root = DataRoot(Path(data_root).resolve())
    config = load_config()
    inbox = root.inbox(q)
    for folder in (inbox.parent, inbox):  # never read outside the data root through a link
        if folder.is_symlink():
            raise RunRefused(
                f"收件箱是符号链接，不会读取：{folder} / the inbox is a symbolic link and is never followed: {folder}"
            )
    if not inbox.is_dir():
        raise RunRefused(f"收件箱不存在：{inbox} / inbox not found: {inbox}")
    return root, config, inbox, list_inbox(inbox, config)


def inbox_link_names(listing: InboxListing, inbox: Path) -> list[str]:
    """The symbolic links at the inbox's top (a department folder that is a link), as named there."""
    return [p.relative_to(inbox).as_posix() for p in listing.links.get("", [])]


def intake_counts(intakes: list[DepartmentIntake], failures: dict[str, str]) -> dict:
    """The RunSummary fields that count the intake."""
    files = [f for i in intakes for f in i.files]
    return {
        "files": len(files),
        "rows_read": sum(f.rows_read for f in files),
        "accepted": sum(f.accepted for f in files),
        "rejected": sum(f.rejected for f in files),
        "duplicates": sum(f.duplicates for f in files),
        "ignored": sum(f.ignored for f in files),
        "files_with_errors": sum(1 for f in files if f.error),
        "file_errors": [f"{f.location or f.path}: {f.error}" for f in files if f.error],
        "departments": {i.department: ("missing" if not i.files else "ok") for i in intakes}
        | dict.fromkeys(failures, "failed"),
    }


def take_in_all(
    listing: InboxListing, inbox: Path, data_root: Path, config: CountyConfig, work_dir: Path, quarter: Quarter
) -> tuple[list[DepartmentIntake], dict[str, str]]:
    """Every department's intake in parallel; one department's failure never stops the others."""
    logger = get_run_logger()
    futures = {
        d: take_in.submit(d, paths, inbox, data_root, config, work_dir, quarter, listing.links.get(d, []))
        for d, paths in listing.files.items()
    }
    intakes: list[DepartmentIntake] = []
    failures: dict[str, str] = {}
    for department, future in futures.items():
        try:
            intakes.append(future.result())
        except Exception as e:
            failures[department] = f"本部门数据读取失败（程序错误：{type(e).__name__}），其他部门照常处理"
            logger.error("%s: intake failed with %s", department, type(e).__name__)
    return intakes, failures


@task(name="stage-in-warehouse", cache_policy=NONE)
def stage(intakes: list[DepartmentIntake], warehouse: Path, quarter: Quarter, config: CountyConfig) -> dict[str, int]:
    """Replace this quarter's staging with what was accepted (an absent dataset stages empty)."""
    staged = {}
    with connect(warehouse) as con:
        accepted = {code: rows for i in intakes for code, rows in i.accepted.items()}
        for ds in config.datasets:
            staged[ds.code] = stage_dataset(con, ds, quarter, accepted.get(ds.code, empty_rows(ds)))
        record_files(con, quarter, [f.as_dict() for i in intakes for f in i.files])
    return staged


@task(name="quality-gates", cache_policy=NONE)
def check_quality(
    warehouse: Path, quarter: Quarter, intakes: list[DepartmentIntake], docs_dir: Path
) -> list[GateResult]:
    gates = load_gates()
    with connect(warehouse) as con:
        metrics = measure(con, quarter, gates)
    accepted = {code: rows.height for i in intakes for code, rows in i.accepted.items()}
    metrics = pl.concat([metrics, empty_key_shares(combine_rejects(intakes), accepted)])
    reference = datetime.combine(quarter.last_day, datetime.min.time(), tzinfo=CHINA)
    results = check_gates(metrics, gates, docs_dir, run_name=str(quarter), run_time=reference)
    logger = get_run_logger()
    for g in results:
        if not g.passed:
            logger.warning("quality gate %s[%s] (%s) failed: %.4g", g.gate, g.subject, g.severity, g.value)
    return results


@task(name="number-work-orders", cache_policy=NONE)
def number_work_orders(warehouse: Path, quarter: Quarter, comparison: Comparison) -> pl.DataFrame:
    with connect(warehouse) as con:
        return assign_work_order_numbers(con, str(quarter), comparison.warnings)


@task(name="compare-with-roster", cache_policy=NONE)
def compare(warehouse: Path, quarter: Quarter, config: CountyConfig) -> Comparison:
    with connect(warehouse) as con:
        comparison = compare_with_roster(con, quarter, config)
    colours = dict(comparison.households.group_by("colour").len().iter_rows())
    get_run_logger().info(
        "%d warnings; listed households by colour: %s", comparison.warnings.height, json.dumps(colours)
    )
    return comparison


def publish_artifacts(summary: RunSummary, comparison: Comparison) -> None:
    """A markdown summary and a table of counts for the Prefect UI: counts only, no person."""
    by_rule = comparison.warnings.group_by("rule_id", "department").len().sort("rule_id")
    create_table_artifact(
        key="povwatch-warnings-by-rule",
        table=[{"rule_id": r, "department": d, "warnings": n} for r, d, n in by_rule.iter_rows()],
        description=f"{summary.quarter} warnings by rule",
    )
    lines = [
        f"# povwatch {summary.quarter}",
        "",
        f"- files read: {summary.files} (with problems: {summary.files_with_errors})",
        f"- rows read {summary.rows_read}, accepted {summary.accepted}, rejected {summary.rejected}, "
        f"duplicates {summary.duplicates}, not data {summary.ignored}",
        f"- warnings: {summary.warnings}; listed households by colour: "
        + ", ".join(f"{k} {v}" for k, v in summary.listed_by_colour.items()),
        f"- advisory quality gates failed: {len(summary.advisory_gates_failed)}",
        f"- published to: `{summary.out_dir}`",
    ]
    create_markdown_artifact(key="povwatch-quarter-summary", markdown="\n".join(lines))


@flow(name="povwatch-check-inbox", log_prints=False)
def check_inbox(data_root: str, quarter: str | None = None) -> RunSummary:
    """Read and validate what has arrived so far; write each department's rejected-row workbook
    and a summary to `check/<quarter>/`. Publishes no warnings and touches neither `out/` nor
    the warehouse."""
    started = time.perf_counter()
    q = Quarter.parse(quarter) if quarter else Quarter.collecting(datetime.now(CHINA).date())
    root, config, inbox, listing = open_inbox(data_root, q)
    with work_folder(root.path, f"check-{q}") as work:
        intakes, failures = take_in_all(listing, inbox, root.path, config, work, q)

    def build(folder: Path) -> None:
        today = datetime.combine(datetime.now(CHINA).date(), datetime.min.time())
        write_intake_outputs(folder, intakes, config, str(q), today)
        write_manifest(
            folder,
            {
                "quarter": str(q),
                "check_only": True,
                **inputs_manifest(intakes, listing.unplaced, failures, inbox_link_names(listing, inbox)),
            },
        )

    out_dir = publish(root, q, build, area="check")
    return RunSummary(
        quarter=str(q),
        out_dir=str(out_dir),
        check_only=True,
        **intake_counts(intakes, failures),
        timings={"total": round(time.perf_counter() - started, 3)},
    )


@flow(name="povwatch-quarterly-run", log_prints=False)
def quarterly_run(data_root: str, quarter: str | None = None) -> RunSummary:
    """Read `inbox/<quarter>/` under the data root, stage it, publish `out/<quarter>/`.
    Without a quarter (a scheduled run), the quarter just ended in China Standard Time."""
    started = time.perf_counter()
    preload_great_expectations()
    q = Quarter.parse(quarter) if quarter else Quarter.just_ended(datetime.now(CHINA).date())
    root, config, inbox, listing = open_inbox(data_root, q)
    # Big datasets are kept on disk in the run's work folder until they are staged.
    with work_folder(root.path, str(q)) as work:
        return _run_quarter(q, root, config, inbox, listing, work, started)


def _run_quarter(
    q: Quarter, root: DataRoot, config: CountyConfig, inbox: Path, listing: InboxListing, work: Path, started: float
) -> RunSummary:
    logger = get_run_logger()
    clock = StepClock()
    timings = clock.seconds

    with clock.step("intake"):
        intakes, failures = take_in_all(listing, inbox, root.path, config, work, q)
    with clock.step("staging"):
        staged = stage(intakes, root.warehouse, q, config)
    # Data Docs are built beside the publication and moved into it when it is built.
    docs_dir = root.publications / f".data_docs-{q}-{os.getpid()}"
    with clock.step("quality_gates"):
        gates = check_quality(root.warehouse, q, intakes, docs_dir)
    fault_point("gates-checked")  # (tests: a run killed here leaves its Data Docs behind)
    blocking = [g for g in gates if not g.passed and g.severity == "blocking"]
    if blocking:
        shutil.rmtree(docs_dir, ignore_errors=True)
        raise RunRefused("；".join(g.message() for g in blocking))

    with clock.step("comparison"):
        comparison = compare(root.warehouse, q, config)

    with clock.step("lists"):
        orders = number_work_orders(root.warehouse, q, comparison)
        calendar = WorkingCalendar.load()
        published_on = datetime.now(CHINA).date()
        verify_by = calendar.add_working_days(published_on, calendar.verification_working_days)
        settle_by = calendar.add_working_days(published_on, calendar.work_order_working_days)
        layout = Layout.load()
        rule_labels = {r.rule_id: r.label for r in config.rules}
        department_labels = {d.code: d.label for d in config.departments}
        towns = town_list_rows(
            comparison.warnings,
            comparison.households.join(
                comparison.all_households.select("household_id", "members"),
                on="household_id",
                how="left",
                suffix="_all",
            ),
            comparison.people,
            rule_labels,
            department_labels,
            layout.raw["colours"],
            verify_by,
        )

    def build(folder: Path) -> None:
        created = datetime.combine(published_on, datetime.min.time())  # the workbooks' creation time
        lists = town_list_jobs(folder, str(q), config, layout, towns, verify_by, created) + work_order_jobs(
            folder, str(q), config, layout, orders, comparison.people, rule_labels, settle_by, created
        )
        with sheets_written(lists, workers=os.cpu_count() or 1):  # the lists, while the rest is written
            write_intake_outputs(folder, intakes, config, str(q), created)
            write_comparison_outputs(folder, comparison)
            if docs_dir.exists():
                (folder / "quality").mkdir(exist_ok=True)
                shutil.move(str(docs_dir), folder / "quality" / "data_docs")
        manifest = {
            "quarter": str(q),
            "config_digest": config.digest,
            **inputs_manifest(intakes, listing.unplaced, failures, inbox_link_names(listing, inbox)),
            "staged_rows": staged,
            "warnings": comparison.warnings.height,
            "quality_gates": [g.as_dict() for g in gates],
            "deadlines": {
                "published_on": published_on.isoformat(),
                "verify_by": verify_by.isoformat(),
                "settle_by": settle_by.isoformat(),
                "years_without_official_holidays": sorted(calendar.guessed_years),
            },
            "work_orders": orders.height,
            "towns": sorted(towns),
            "thresholds": config.thresholds(q.year).as_params(),
            "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
            "peak_rss_gb": clock.peak_rss_gb,
        }
        rejects = (
            combine_rejects(intakes)
            .group_by("department", "reason_code")
            .len()
            .sort("department", "len", "reason_code")
        )
        manifest["rejects_by_reason"] = [[d, REASON_LABELS.get(r, r), n] for d, r, n in rejects.iter_rows()]
        write_report(
            folder / "report.html", county=config.county_name, quarter=str(q), comparison=comparison,
            manifest=manifest, rule_labels=rule_labels, department_labels=department_labels,
            dataset_labels={d.code: d.label for d in config.datasets},
        )  # fmt: skip
        write_manifest(folder, manifest)

    with clock.step("publish"):
        out_dir = publish(root, q, build)
    timings["total"] = time.perf_counter() - started

    summary = RunSummary(
        quarter=str(q),
        out_dir=str(out_dir),
        **intake_counts(intakes, failures),
        warnings=comparison.warnings.height,
        advisory_gates_failed=[g.message() for g in gates if not g.passed],
        listed_by_colour=dict(comparison.households.group_by("colour").len().sort("colour").iter_rows()),
        timings={k: round(v, 3) for k, v in timings.items()},
        peak_rss_gb=clock.peak_rss_gb,
        roster_by_cause=comparison.roster_by_cause.to_dicts(),
    )
    publish_artifacts(summary, comparison)
    logger.info(
        "published %s: %d files, %d rows read, %d accepted, %d rejected, %d duplicates",
        q,
        summary.files,
        summary.rows_read,
        summary.accepted,
        summary.rejected,
        summary.duplicates,
    )
    return summary

"""What a quarterly run publishes, prepared and written: the lists' rows and deadlines, every
output file, the typed run manifest and the county report. The flow calls these in order; the
atomic swap is `publish.publish`."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import polars as pl

from transforms.compare.comparison import Comparison, write_comparison_outputs
from transforms.config import CountyConfig
from transforms.config_files import ExcelLayout
from transforms.deliver.county_list import CLOSED_LIST, closed_list_job, county_list_job, county_list_rows
from transforms.deliver.county_list import FOLDER as COUNTY_FOLDER
from transforms.deliver.exit_list import (
    assign_exit_numbers,
    exit_list_jobs,
    exit_list_rows,
    write_exit_candidates,
)
from transforms.deliver.intake_outputs import combine_rejects, inputs_manifest, write_intake_outputs
from transforms.deliver.list_workbooks import town_list_jobs, work_order_jobs
from transforms.deliver.lists import (
    assign_listing_numbers,
    assign_work_order_numbers,
    flag_risk_returned,
    town_list_rows,
)
from transforms.deliver.report import write_report
from transforms.deliver.summary import StepClock
from transforms.intake.department import DepartmentIntake
from transforms.intake.inbox import OpenedInbox
from transforms.intake.reasons import REASON_LABELS
from transforms.kit.atomic import write_manifest
from transforms.kit.deadlines import WorkingCalendar
from transforms.kit.workbook import sheets_written
from transforms.learning.answer_yield import AnswerYield, yield_section
from transforms.linkage.one_person import rejects_with_suggestions
from transforms.linkage.publish_suggestions import suggestion_counts, suggestion_job, write_suggestions
from transforms.settings import UNKNOWN_TOWN, Quarter
from transforms.staging.quality_gates import GateResult
from transforms.staging.warehouse import connect


@dataclass(frozen=True)
class ListsPlan:
    """The lists of a quarter before they are written: work orders with their numbers, each
    town's rows, and the deadlines counted from the publication date."""

    orders: pl.DataFrame
    towns: dict[str, pl.DataFrame]  # the towns' lists; people of unknown town are in `county` instead
    published_on: date
    verify_by: date
    settle_by: date
    guessed_years: tuple[int, ...]  # years whose holidays are not known: Monday–Friday counted
    county: pl.DataFrame | None = None  # the county office's list: people not on the roster, town unknown
    exits: dict[str, pl.DataFrame] = field(default_factory=dict)  # each town's 风险消除建议 (deliver/exit_list.py)

    @property
    def created(self) -> datetime:
        """The workbooks' creation time: the publication date, never the clock."""
        return datetime.combine(self.published_on, datetime.min.time())


def prepare_lists(
    warehouse: Path, quarter: Quarter, comparison: Comparison, config: CountyConfig, published_on: date
) -> ListsPlan:
    """Number the work orders (kept in the warehouse across reruns) and lay out each town's rows."""
    with connect(warehouse) as con:
        orders = assign_work_order_numbers(con, str(quarter), comparison.warnings, config.work_order_prefixes)
    calendar = WorkingCalendar.load()
    verify_by = calendar.add_working_days(published_on, calendar.verification_working_days)
    settle_by = calendar.add_working_days(published_on, calendar.work_order_working_days)
    households = comparison.households.join(
        comparison.all_households.select("household_id", "members"), on="household_id", how="left", suffix="_all"
    )
    towns = town_list_rows(
        comparison.warnings,
        households,
        comparison.people,
        config,
        ExcelLayout.load().colours,
        verify_by,
        comparison.listing_basis,
        comparison.pending_notes,
    )
    towns = flag_risk_returned(towns, comparison.risk_returned, config)
    exits = exit_list_rows(
        comparison.exit_candidates, comparison.people, str(quarter), str(quarter.previous()), verify_by
    )
    with connect(warehouse) as con:
        towns = assign_listing_numbers(con, str(quarter), towns)
        county = county_list_rows(con, str(quarter), towns.pop(UNKNOWN_TOWN, None), config)
        exits = assign_exit_numbers(con, str(quarter), exits)
    guessed = tuple(sorted(calendar.guessed_years))
    return ListsPlan(orders, towns, published_on, verify_by, settle_by, guessed, county, exits)


@dataclass
class RunManifest:
    """`manifest.json` of a quarterly run (contract: Outputs), before the outputs are listed."""

    quarter: str
    config_digest: str
    inputs: dict  # inputs, departments, unplaced inbox entries, skipped links (intake_outputs.inputs_manifest)
    staged_rows: dict[str, int]
    warnings: int
    quality_gates: list[dict]
    deadlines: dict[str, object]
    work_orders: int
    towns: list[str]
    county_list: dict  # the county office's list of people of unknown town: path and people (empty: none)
    closed_list: dict  # the county office's 销号 list: path and warnings (empty: nothing closed)
    work_orders_by_department: dict[str, int]
    thresholds: dict[str, float]
    rejects_by_reason: list[list]
    # per town, its list as sent: rows, households (by colour) and persons not on the roster — the
    # one count of what each town received, which report.html and the summary read
    town_lists: dict = field(default_factory=dict)
    exit_lists: dict[str, int] = field(default_factory=dict)  # per town: households proposed for 风险消除
    risk_returned: dict[str, int] = field(default_factory=dict)  # per town: 返贫风险 households
    # 已同意消除，名册未更新: households the county office must mark 风险已消除 in the roster
    exit_agreed_pending: int = 0
    last_quarter_loop: dict = field(default_factory=dict)  # counts: how last quarter's lists came back and ended
    # per department: [label, rows with a suggestion for a mistyped identity number, of which recommended]
    id_suggestions: list[list] = field(default_factory=list)
    timings_seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_gb: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """As written to manifest.json: the inputs' accounting right after the digest."""
        data = asdict(self)
        head = {"quarter": data.pop("quarter"), "config_digest": data.pop("config_digest")}
        return {**head, **data.pop("inputs"), **data}


def town_list_counts(towns: dict[str, pl.DataFrame]) -> dict[str, dict[str, int]]:
    """Per town, what its list holds: rows, households by colour, persons not on the roster."""
    out = {}
    for town, rows in sorted(towns.items()):
        households = rows.filter(pl.col("household_id") != "")
        fills = dict(households.group_by("_fill").len().iter_rows())
        out[town] = {
            "rows": rows.height,
            "households": households.height,
            "red": fills.get("red", 0),
            "yellow": fills.get("yellow", 0),
            "green": fills.get("green", 0),
            "not_on_roster": rows.height - households.height,
        }
    return out


def last_quarter_loop(data_root: Path, quarter: Quarter, comparison: Comparison) -> dict:
    """Last quarter's loop in counts: what its follow-up (read-returns) last said — answered,
    overdue — how its warnings ended (closure) and which still fire after their work order was
    reported 已办结."""
    previous = data_root / "followup" / str(quarter.previous()) / "manifest.json"
    read = json.loads(previous.read_text(encoding="utf-8")) if previous.is_file() else {}
    closures = dict(comparison.closed.group_by("closure").len().iter_rows()) if comparison.closed.height else {}
    followup = comparison.warnings["followup"]
    return {
        "quarter": str(quarter.previous()),
        "followup_as_of": read.get("as_of"),
        **{
            k: read.get(k)
            for k in ("listed", "verified", "verification_overdue", "work_orders", "settled", "settlement_overdue")
        },
        "closed_by_settlement": closures.get("办结销号", 0),
        "closed_by_verification": closures.get("核实消除", 0),
        "closed_naturally": closures.get("自然消除", 0),
        "still_firing_after_settlement": int((followup == "已办结").sum()),
        # 核实不属实、本季度不再下发 (a stranger waiting on a suggestion is not sent either, but is no such case)
        "not_sent_again": int((~comparison.warnings["listed"] & (followup == "不属实")).sum()),
    }


def run_manifest(
    quarter: Quarter,
    config: CountyConfig,
    opened: OpenedInbox,
    intakes: list[DepartmentIntake],
    failures: dict[str, str],
    staged: dict[str, int],
    gates: list[GateResult],
    comparison: Comparison,
    plan: ListsPlan,
    clock: StepClock,
) -> RunManifest:
    rejects = (
        combine_rejects(intakes).group_by("department", "reason_code").len().sort("department", "len", "reason_code")
    )
    return RunManifest(
        quarter=str(quarter),
        config_digest=config.digest,
        inputs=inputs_manifest(intakes, opened.listing.unplaced, failures, opened.link_names()),
        staged_rows=staged,
        warnings=comparison.warnings.height,
        quality_gates=[g.as_dict() for g in gates],
        deadlines={
            "published_on": plan.published_on.isoformat(),
            "verify_by": plan.verify_by.isoformat(),
            "settle_by": plan.settle_by.isoformat(),
            "years_without_official_holidays": list(plan.guessed_years),
        },
        work_orders=plan.orders.height,
        towns=sorted(plan.towns),
        town_lists=town_list_counts(plan.towns),
        exit_lists={town: rows.height for town, rows in sorted(plan.exits.items())},
        exit_agreed_pending=comparison.exit_agreed_pending.height if comparison.exit_agreed_pending is not None else 0,
        risk_returned=dict(sorted(comparison.risk_returned.group_by("town").len().iter_rows()))
        if comparison.risk_returned is not None
        else {},
        county_list={"path": f"{COUNTY_FOLDER}/{quarter}_县级_乡镇不明人员名单.xlsx", "people": plan.county.height}
        if plan.county is not None
        else {},
        closed_list={
            "path": f"{COUNTY_FOLDER}/{CLOSED_LIST.format(quarter=quarter)}",
            "warnings": comparison.closed.height,
        }
        if comparison.closed.height
        else {},
        work_orders_by_department=dict(plan.orders.group_by("department").len().sort("department").iter_rows()),
        thresholds=config.thresholds(quarter.year).as_params(),
        rejects_by_reason=[[d, REASON_LABELS.get(r, r), n] for d, r, n in rejects.iter_rows()],
        last_quarter_loop=last_quarter_loop(opened.root.path, quarter, comparison),
        id_suggestions=suggestion_counts(comparison.suggestions, config.department_labels),
        timings_seconds=clock.rounded(),
        peak_rss_gb=clock.peak_rss_gb,
    )


def write_publication(
    folder: Path,
    *,
    quarter: Quarter,
    config: CountyConfig,
    intakes: list[DepartmentIntake],
    comparison: Comparison,
    plan: ListsPlan,
    manifest: RunManifest,
    docs_dir: Path,
    answers: AnswerYield,
    workbook_cache: Path | None = None,
) -> None:
    """Every output of the quarter into `folder` (a fresh publication): the lists (in worker
    processes while the rest is written), rejects and the departments' workbooks (copied from
    `workbook_cache` when one with the same inputs was written before), warnings, households and
    closures, the quality gates' Data Docs, report.html and manifest.json."""
    q = str(quarter)
    layout = ExcelLayout.load()
    rule_labels = {r.rule_id: r.label for r in config.rules}
    # a rejected row with a recommended suggestion names its 建议编号 (one person, one 建议编号 everywhere)
    intakes = [replace(i, rejects=rejects_with_suggestions(i.rejects, comparison.suggestions)) for i in intakes]
    lists = town_list_jobs(folder, q, config, layout, plan.towns, plan.verify_by, plan.created) + work_order_jobs(
        folder, q, config, layout, plan.orders, comparison.people, rule_labels, plan.settle_by, plan.created
    )
    lists.append(suggestion_job(folder, q, config, layout, comparison.suggestions, plan.created, plan.verify_by))
    lists += exit_list_jobs(folder, q, config, layout, plan.exits, plan.verify_by, plan.created)
    if plan.county is not None:
        lists.append(county_list_job(folder, q, config, layout, plan.county, plan.verify_by, plan.created))
    closed_list = closed_list_job(folder, q, config, layout, comparison.closed, comparison.people, plan.created)
    if closed_list is not None:
        lists.append(closed_list)
    with sheets_written(lists, workers=os.cpu_count() or 1):
        write_intake_outputs(folder, intakes, config, q, plan.created, workbook_cache)
        write_comparison_outputs(folder, comparison)
        write_suggestions(folder, comparison.suggestions)
        write_exit_candidates(folder, comparison.exit_candidates, plan.exits, comparison.exit_agreed_pending)
        if docs_dir.exists():
            (folder / "quality").mkdir(exist_ok=True)
            shutil.move(str(docs_dir), folder / "quality" / "data_docs")
    data = manifest.as_dict()
    write_report(
        folder / "report.html",
        county=config.county_name,
        quarter=q,
        comparison=comparison,
        manifest=data,
        rule_labels=rule_labels,
        department_labels=config.department_labels,
        cause_labels=config.causes,
        dataset_labels={d.code: d.label for d in config.datasets},
        dataset_departments={d.code: d.department for d in config.datasets},
        monitoring_types=config.dataset("roster__persons").field("monitoring_type").values,
        risk_causes=config.dataset("roster__persons").field("risk_cause").values,
        answer_yield=yield_section(answers),
    )
    write_manifest(folder, data)


def write_check(
    folder: Path,
    quarter: Quarter,
    config: CountyConfig,
    opened: OpenedInbox,
    intakes: list[DepartmentIntake],
    failures: dict[str, str],
    today: date,
) -> None:
    """What check-inbox publishes in `check/<quarter>/`: rejects, the departments' workbooks, a manifest."""
    created = datetime.combine(today, datetime.min.time())
    write_intake_outputs(folder, intakes, config, str(quarter), created, opened.root.workbook_cache(quarter))
    inputs = inputs_manifest(intakes, opened.listing.unplaced, failures, opened.link_names())
    write_manifest(folder, {"quarter": str(quarter), "check_only": True, **inputs})

"""What a run did, in counts: the summary the flow returns, the Prefect UI shows and the
command prints, and the clock that times each step."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from transforms.compare.comparison import Comparison
from transforms.intake.accounting import RowCounts
from transforms.intake.department import DepartmentIntake
from transforms.settings import ProgramDefect, Quarter, RunRefused
from transforms.staging.quality_gates import GateResult

# The run's steps in the data officer's words (the terminal's progress, a defect's message).
STEP_LABELS = {
    "intake": "读取并检查各部门数据",
    "staging": "数据入库",
    "quality_gates": "数据质量检查",
    "comparison": "与监测对象名册比对",
    "suggestions": "查找疑似录错的身份证号",
    "lists": "生成预警名单和交办单",
    "publish": "发布",
}


def _open_rejects(rejects: pl.DataFrame) -> int:
    """Rejected rows still to correct: not corrected in a supplement, not resent and rejected there again."""
    still = [pl.col(c).is_null() for c in ("corrected_by", "resent_in") if c in rejects.columns]
    return rejects.filter(*still).height if still else rejects.height


def peak_rss_gb() -> float:
    """This process's peak resident memory so far, in GB (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 3)


@dataclass
class StepClock:
    """Each step's seconds and the process's peak resident memory (GB) at its end."""

    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_gb: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    # told when a step starts (seconds None) and ends: the terminal's progress (flows/progress.py)
    report: Callable[[str, float | None], None] | None = None

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        if self.report:
            self.report(name, None)
        try:
            yield
        except (RunRefused, ProgramDefect):
            raise
        except Exception as e:  # a defect: the message names the step (the data officer's words)
            raise ProgramDefect.at(STEP_LABELS.get(name, name), e) from e
        self.seconds[name] = time.perf_counter() - started
        self.peak_rss_gb[name] = peak_rss_gb()
        if self.report:
            self.report(name, self.seconds[name])

    def rounded(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.seconds.items()}

    def stop(self) -> None:
        self.seconds["total"] = time.perf_counter() - self.started


@dataclass
class RunSummary:
    """What a run did, in counts (safe to log and to show in the Prefect UI)."""

    quarter: str
    out_dir: str
    counts: RowCounts = field(default_factory=RowCounts)
    check_only: bool = False
    warnings: int = 0
    advisory_gates_failed: list[str] = field(default_factory=list)
    listed_by_colour: dict[str, int] = field(default_factory=dict)
    file_errors: list[str] = field(default_factory=list)  # "<inbox path>: <reason>", no cell values
    departments: dict[str, str] = field(default_factory=dict)  # ok / missing / failed
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss_gb: dict[str, float] = field(default_factory=dict)  # at the end of each step
    # The table of seed 004 (roster households and persons by type, category and cause): counts only.
    roster_by_cause: list[dict] = field(default_factory=list)
    county_list_people: int = 0  # people of unknown town, in the county office's own list
    # rows of the suggestions workbook (身份证号疑似录错_建议.xlsx), and how many are recommended
    id_suggestions: int = 0
    id_suggestions_recommended: int = 0
    towns_listed: int = 0  # towns that received a list
    town_lists: dict = field(default_factory=dict)  # per town: rows, households, not_on_roster (the manifest's)
    exit_lists: dict = field(default_factory=dict)  # per town: households proposed for 风险消除 (the manifest's)
    work_orders: int = 0
    # rows to correct and resend, by department (named as its clerks name it): the 问题数据 workbooks
    rejected_by_department: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        quarter: Quarter,
        out_dir: Path,
        intakes: list[DepartmentIntake],
        failures: dict[str, str],
        clock: StepClock,
        *,
        check_only: bool = False,
        gates: list[GateResult] = (),
        comparison: Comparison | None = None,
        department_names: dict[str, str] | None = None,
        towns_listed: int = 0,
        work_orders: int = 0,
        town_lists: dict | None = None,
        exit_lists: dict | None = None,
    ) -> RunSummary:
        """The summary of a finished run (or inbox check)."""
        files = [f for i in intakes for f in i.files]
        names = department_names or {}
        summary = cls(
            quarter=str(quarter),
            out_dir=str(out_dir),
            counts=RowCounts.of_files(files),
            check_only=check_only,
            advisory_gates_failed=[g.message() for g in gates if not g.passed],
            file_errors=[f"{f.location or f.path}: {f.error}" for f in files if f.error],
            departments={i.department: ("missing" if not i.files else "ok") for i in intakes}
            | dict.fromkeys(failures, "failed"),
            timings=clock.rounded(),
            peak_rss_gb=clock.peak_rss_gb,
            towns_listed=towns_listed,
            work_orders=work_orders,
            town_lists=town_lists or {},
            exit_lists=exit_lists or {},
            rejected_by_department={  # rows still to correct (not those corrected in a supplement since)
                names.get(i.department, i.department): n for i in intakes if (n := _open_rejects(i.rejects))
            },
        )
        if comparison is not None:
            summary.warnings = comparison.warnings.height
            summary.listed_by_colour = dict(comparison.households.group_by("colour").len().sort("colour").iter_rows())
            summary.roster_by_cause = comparison.roster_by_cause.to_dicts()
            candidates = comparison.warnings.filter((pl.col("rule_id") == "NEW_CANDIDATE") & pl.col("listed"))
            summary.county_list_people = candidates.filter(pl.col("town").fill_null("") == "").height
            summary.id_suggestions = comparison.suggestions.height
            summary.id_suggestions_recommended = int(comparison.suggestions["recommended"].sum() or 0)
        return summary

    def lines(self) -> list[str]:
        """What the command prints (Chinese, then English)."""
        c = self.counts
        verb = "已检查（未发布预警）/ checked, no warnings published" if self.check_only else "已发布 / published"
        lines = [
            f"[{self.quarter}] {verb} → {self.out_dir}",
            f"  文件 files {c.files}（有问题 with errors {c.files_with_errors}）  "
            f"读取行 rows read {c.rows_read}  采用 accepted {c.accepted}  "
            f"退回 rejected {c.rejected}  重复 duplicates {c.duplicates}  非数据行 not data {c.ignored}",
        ]
        if not self.check_only:
            colours = self.listed_by_colour
            lines.append(
                f"  预警 warnings {self.warnings}  列入名单的户 listed households 红 red {colours.get('red', 0)} "
                f"黄 yellow {colours.get('yellow', 0)} 绿 green {colours.get('green', 0)}"
            )
        out = self.out_dir
        if not self.check_only:
            rows = sum(t["rows"] for t in self.town_lists.values())
            households = sum(t["households"] for t in self.town_lists.values())
            lines.append(
                f"  乡镇预警名单 town lists: {self.towns_listed} 个乡镇，共 {rows} 行（户 {households}，"
                f"非名册人员 {rows - households} 人）→ {out}/towns/"
            )
            if self.exit_lists:
                lines.append(
                    f"  风险消除建议 exit proposals: {len(self.exit_lists)} 个乡镇，共 "
                    f"{sum(self.exit_lists.values())} 户 → {out}/towns/<乡镇>/{self.quarter}_<乡镇>_风险消除建议名单.xlsx"
                )
            lines.append(f"  部门交办单 work orders: {self.work_orders} 件 → {out}/departments/")
            lines.append(f"  汇总报告 report → {out}/report.html")
        if self.rejected_by_department:
            rows = "、".join(f"{d} {n:,} 行" for d, n in self.rejected_by_department.items())
            lines.append(f"  需更正后重新报送 rows to correct: {rows} → {out}/quality/<部门>_问题数据.xlsx")
        if self.county_list_people:
            lines.append(
                f"  县级名单（乡镇不明）county list, town unknown: {self.county_list_people} 人 → "
                f"{self.out_dir}/county/{self.quarter}_县级_乡镇不明人员名单.xlsx"
            )
        if self.id_suggestions:
            lines.append(
                f"  身份证号疑似录错（待县级确认）id suggestions: {self.id_suggestions} 行，其中推荐 recommended "
                f"{self.id_suggestions_recommended} → {self.out_dir}/quality/身份证号疑似录错_建议.xlsx"
            )
        lines.append(f"  用时 seconds {self.timings.get('total', 0):.1f}")
        if self.peak_rss_gb:
            steps = "  ".join(
                f"{k} {v:.1f}s/{self.peak_rss_gb.get(k, 0):.2f}GB" for k, v in self.timings.items() if k != "total"
            )
            lines.append(f"  各步用时/内存峰值 steps (seconds/peak RSS): {steps}")
        lines += [f"  ⚠ {line}" for line in self.file_errors + self.advisory_gates_failed]
        return lines

    def as_dict(self) -> dict:
        """Plain data, the counts also at the top (the province keeps each county's summary so)."""
        return {**asdict(self), **self.counts.as_dict()}

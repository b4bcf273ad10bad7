"""What the intake publishes: `rejects.parquet`, the departments' rejected-row workbooks and
the inputs section of `manifest.json`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import polars as pl

from schemas.outputs import REJECT_COLUMNS, RejectRows
from transforms.config import CountyConfig
from transforms.config_files import ExcelLayout
from transforms.deliver.quality_workbook import write_quality_workbook
from transforms.intake.department import DepartmentIntake
from transforms.intake.validation import REJECT_SCHEMA
from transforms.settings import ProgramDefect

SKIPPED_LINK = "符号链接（快捷方式），未读取：请把文件本身放入收件箱"
SKIPPED_FILE = "隐藏文件或Excel临时文件（~$开头），未读取"


def combine_rejects(intakes: list[DepartmentIntake]) -> pl.DataFrame:
    """All rejected rows of a run, in a stable order (department, file, sheet, row)."""
    frames = [i.rejects for i in intakes if i.rejects.height]
    rejects = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=REJECT_SCHEMA)
    if "corrected_by" not in rejects.columns:
        rejects = rejects.with_columns(pl.lit(None, dtype=pl.String).alias("corrected_by"))
    rejects = rejects.sort("department", "file", "sheet", "row_number", nulls_last=False).select(REJECT_COLUMNS)
    return RejectRows.validate(rejects)


def write_intake_outputs(
    folder: Path,
    intakes: list[DepartmentIntake],
    config: CountyConfig,
    quarter: str,
    created: datetime | None = None,
    cache: Path | None = None,
) -> None:
    """rejects.parquet and quality/<department>_问题数据.xlsx for every department that sent files
    (`created`: the workbooks' creation time, the publication's). With a `cache` folder, a
    workbook whose every input is that of one written before is copied from there, not written
    again (a check after one department resent a file rewrites that department's workbook alone)."""
    combine_rejects(intakes).write_parquet(folder / "rejects.parquet")
    datasets = {d.code: d for d in config.datasets}
    printing = ExcelLayout.load().print
    for intake in intakes:
        if not intake.files:
            continue
        path = folder / "quality" / f"{config.department(intake.department).file_name}_问题数据.xlsx"
        inputs = dict(
            county=config.county_name,
            quarter=quarter,
            department_label=config.department(intake.department).label,
            rejects=intake.rejects,
            files=intake.files,
            datasets=datasets,
            printing=printing,
            created=created,
            not_read=[(p, SKIPPED_LINK) for p in intake.links] + [(p, SKIPPED_FILE) for p in intake.skipped],
        )
        if cache is None:
            _write_named(path, folder, inputs)
            continue
        kept = cache / f"{intake.department}-{_workbook_key(config, inputs)}.xlsx"
        if not kept.is_file():
            _write_named(path, folder, inputs)
            cache.mkdir(parents=True, exist_ok=True)
            tmp = kept.with_suffix(f".tmp-{os.getpid()}")
            shutil.copyfile(path, tmp)
            tmp.replace(kept)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(kept, path)
            os.utime(kept)  # recently used: kept when the cache is pruned
        _prune(cache, intake.department, keep=3)


# The code that lays out a rejected-row workbook: a change to it writes every workbook afresh.
def _write_named(path: Path, folder: Path, inputs: dict) -> None:
    """One department's workbook; a failure (a defect, never the data's) names the department and file."""
    try:
        write_quality_workbook(path, **inputs)
    except Exception as e:
        rel = path.relative_to(folder).as_posix()
        raise ProgramDefect.at("写问题数据表", e, department=inputs["department_label"], file=rel) from e


_WORKBOOK_CODE = ("deliver/quality_workbook.py", "kit/xlsx_rows.py", "kit/workbook.py", "deliver/intake_outputs.py")


def _workbook_key(config: CountyConfig, inputs: dict) -> str:
    """Digest of everything a department's workbook is made of."""
    h = hashlib.sha256()
    for name in _WORKBOOK_CODE:
        h.update((Path(__file__).parent.parent / name).read_bytes())  # under transforms/
    h.update(config.digest.encode())
    rejects: pl.DataFrame = inputs["rejects"]
    h.update(json.dumps({c: str(t) for c, t in rejects.schema.items()}).encode())
    h.update(rejects.hash_rows(seed=0).to_numpy().tobytes())  # in row order
    rest = {k: v for k, v in inputs.items() if k not in ("rejects", "datasets", "files")}
    rest["files"] = [f.as_dict() for f in inputs["files"]]
    h.update(json.dumps(rest, ensure_ascii=False, sort_keys=True, default=str).encode())
    return h.hexdigest()[:32]


def _prune(cache: Path, department: str, keep: int) -> None:
    """Keep a department's `keep` most recently used workbooks."""
    mine = sorted(cache.glob(f"{department}-*.xlsx"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in mine[keep:]:
        old.unlink(missing_ok=True)


def inputs_manifest(
    intakes: list[DepartmentIntake], unplaced: list[str], failures: dict[str, str], inbox_links: list[str] = ()
) -> dict:
    """The manifest's account of the inputs: per file, and per department. Symbolic links are
    listed (`skipped_links`, per department and at the inbox's top), never read."""
    departments = {}
    for intake in intakes:
        status = "missing" if not intake.files else "error" if any(f.error for f in intake.files) else "ok"
        departments[intake.department] = {
            "status": status,
            "files": len(intake.files),
            "rows_read": sum(f.rows_read for f in intake.files),
            "accepted": sum(f.accepted for f in intake.files),
            "rejected": sum(f.rejected for f in intake.files),
            "duplicates": sum(f.duplicates for f in intake.files),
            "ignored": sum(f.ignored for f in intake.files),
            "skipped_files": intake.skipped,
            "skipped_links": intake.links,
        }
    for department, reason in failures.items():
        departments[department] = {"status": "failed", "error": reason}
    return {
        "inputs": [f.as_dict() for i in intakes for f in i.files],
        # files not read again: their outcome was reused from an earlier check or run of this quarter
        "reused_files": sorted(f.location or f.path for i in intakes for f in i.files if f.reused),
        "departments": departments,
        "unplaced_inbox_entries": unplaced,
        "skipped_links": list(inbox_links),
    }

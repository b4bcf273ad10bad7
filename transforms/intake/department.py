"""One department's quarterly intake: every file read, every row accounted for.

For every file: rows read = accepted + rejected + duplicates + ignored (title, repeated
header, footer, blank). A file that cannot be read at all is reported with a Chinese reason
and never stops the other files or departments.
"""

from __future__ import annotations

import copy
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import polars as pl

from transforms.config import CountyConfig, fold_label
from transforms.intake.file_report import FileReport
from transforms.intake.headers import HeaderMatch, classify_rows, locate_header
from transforms.intake.inbox import is_not_an_extract
from transforms.intake.reading import (
    SUPPORTED_SUFFIXES,
    NotUtf8AfterAll,
    RawSheet,
    UnreadableFile,
    read_delimited_batches,
    read_extract,
)
from transforms.intake.reasons import explain
from transforms.intake.reuse import FileKey, IntakeCache, corrections_digest, replay
from transforms.intake.spill import LINEAGE, AcceptedRows, Settled, SpilledRows
from transforms.intake.supplements import corrections_in_supplements, mark_corrected
from transforms.intake.validation import REJECT_SCHEMA, as_rejects, split_rows
from transforms.kit.files import sha256_of
from transforms.settings import Quarter


@dataclass
class DepartmentIntake:
    """What one department sent this quarter, sorted out."""

    department: str
    files: list[FileReport]
    accepted: dict[str, pl.DataFrame | SpilledRows]  # SpilledRows: a big dataset, staged from disk
    rejects: pl.DataFrame
    skipped: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # symbolic links (and other non-regular files): never opened
    # Accepted rows read with an identity number the county office confirmed as a correction
    # (dataset, id_number, source_file, source_sheet, source_row).
    corrected: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CORRECTED_SCHEMA))
    # Rejected rows kept for a slip in the identity number, by dataset (validation.SheetRows.parked).
    parked: dict[str, pl.DataFrame] = field(default_factory=dict)


CORRECTED_SCHEMA = {
    "dataset": pl.String,
    "id_number": pl.String,
    "source_file": pl.String,
    "source_sheet": pl.String,
    "source_row": pl.Int64,
}


def _file_reject(
    department: str, rel: str, code: str, reason: str, *, sheet: str | None = None, dataset: str | None = None
) -> pl.DataFrame:
    return as_rejects(
        pl.DataFrame(
            [
                {
                    "department": department,
                    "dataset": dataset,
                    "file": rel,
                    "sheet": sheet,
                    "reason": reason,
                    "reason_code": code,
                }
            ],
            schema={k: REJECT_SCHEMA[k] for k in ("department", "dataset", "file", "sheet", "reason", "reason_code")},
        )
    )


def _sheet_rejects(
    sheet: RawSheet, kinds: pl.DataFrame, department: str, rel: str, reason: str, code: str = "no_header"
) -> pl.DataFrame:
    """Every data row of a sheet that cannot be read as a whole (no header, two columns for one
    field), sent back with the sheet's reason."""
    rows = kinds.filter(pl.col("row_kind") == "data").select("row_number")
    return as_rejects(
        rows.with_columns(
            pl.lit(department).alias("department"),
            pl.lit(rel).alias("file"),
            pl.lit(sheet.name).alias("sheet"),
            pl.lit(reason).alias("reason"),
            pl.lit(code).alias("reason_code"),
        )
    )


def read_file(
    path: Path,
    rel: str,
    department: str,
    config: CountyConfig,
    sink: AcceptedRows | None = None,
    quarter: Quarter | None = None,
    corrections: pl.DataFrame | None = None,
    sha256: str | None = None,
) -> tuple[FileReport, dict[str, list[pl.DataFrame]], list[pl.DataFrame]]:
    """Read one file: its report, its accepted frames by dataset, its rejects. With a `sink`,
    accepted rows go there instead (and big text files are read in batches when the sink has a
    work folder); the returned dict is then empty. With a `quarter`, rows whose event dates
    fall after its last day are rejected (they belong to a later quarter)."""
    report = FileReport(
        department=department, path=rel, sha256=sha256 or sha256_of(path), size_bytes=path.stat().st_size
    )
    own = sink is None
    if sink is None:
        sink = AcceptedRows(spill_rows=config.reading.spill_rows, work_dir=None)
    rejects: list[pl.DataFrame] = []
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        report.error = explain("unreadable_file", detail=f"不支持的文件类型“{path.suffix}”，请报送CSV、TXT或Excel文件")
        rejects.append(_file_reject(department, rel, "unreadable_file", report.error))
        return report, {}, rejects
    rules = config.reading
    stream = (
        sink.work_dir is not None
        and path.suffix.lower() in (".csv", ".txt")
        and report.size_bytes > rules.stream_from_bytes
    )
    fresh = copy.deepcopy(report)

    latest = quarter.last_day if quarter is not None else None

    def sort(sheet: RawSheet, header) -> SheetOutcome:
        return _split_sheet(sheet, header, department, rel, rules, latest, corrections)

    for trust_head in (True, False) if stream else (False,):
        try:
            if stream:
                sheets = read_delimited_batches(path, rules.batch_rows, sink.work_dir, trust_head=trust_head)
            else:
                sheets = iter(read_extract(path))
            pairs = _with_headers(sheets, config.datasets_of(department), rules, stream)
            if stream:  # two batches sorted at once (polars works outside the GIL) while the next is read
                with ThreadPoolExecutor(max_workers=2) as pool:
                    for out in _in_order(pool, sort, pairs, ahead=2):
                        _count_sheet(out, report, sink, rejects)
            else:
                for sheet, header in pairs:
                    _count_sheet(sort(sheet, header), report, sink, rejects)
            break
        except NotUtf8AfterAll:  # the head looked like UTF-8, the rest is not: read it again, carefully
            sink.discard()
            rejects.clear()
            report.__dict__.update(copy.deepcopy(fresh).__dict__)
        except UnreadableFile as e:
            sink.discard()
            report.__dict__.update(copy.deepcopy(fresh).__dict__, error=e.reason)
            return report, {}, [_file_reject(department, rel, "unreadable_file", e.reason)]
    if not own:
        sink.commit()
        return report, {}, rejects
    accepted = {code: [f for c, f in sink.pending if c == code] for code in {c for c, _ in sink.pending}}
    return report, accepted, rejects


def _with_headers(sheets, datasets, rules, stream: bool):
    """Each sheet with its header, located on the sheet itself — or, for the batches of one
    streamed file, on the first batch and kept for the rest."""
    header = None
    for i, sheet in enumerate(sheets):
        if not stream or i == 0:
            header = locate_header(sheet.cells, datasets, rules)
        yield sheet, header


@dataclass
class SheetOutcome:
    """One sheet (or one batch of a streamed file) sorted out, before it is counted."""

    sheet: RawSheet
    counts: dict[str, int]
    code: str | None = None  # the dataset, when the header was found
    accepted: pl.DataFrame | None = None
    rejected: pl.DataFrame | None = None
    no_header_reason: str | None = None
    parked: pl.DataFrame | None = None


def _split_sheet(
    sheet: RawSheet,
    header,
    department: str,
    rel: str,
    rules,
    latest_event_date: date | None = None,
    corrections: pl.DataFrame | None = None,
) -> SheetOutcome:
    """Classify and validate one sheet's rows; pure, so batches can be sorted in parallel."""
    matched = header if isinstance(header, HeaderMatch) else None
    if matched is None and fold_label(sheet.name) in {fold_label(n) for n in rules.note_sheets}:
        return SheetOutcome(sheet, {"notes": sheet.cells.height})  # e.g. 文件汇总 of a resent rejected-rows workbook
    kinds = classify_rows(sheet.cells, matched, rules)
    counts = dict(kinds.group_by("row_kind").len().iter_rows())
    if matched is None:
        if not counts.get("data", 0):
            return SheetOutcome(sheet, counts)
        reason = explain(
            "no_header",
            rows=rules.header_search_rows,
            dataset=header.dataset.label if header.dataset else "本部门数据",
            missing="、".join(header.missing) or "（无）",
        )
        rejected = _sheet_rejects(sheet, kinds, department, rel, reason)
        return SheetOutcome(sheet, counts, rejected=rejected, no_header_reason=reason)
    if matched.doubled:  # two columns for one field: never pick one silently
        reason = "；".join(
            explain(
                "doubled_column",
                columns="、".join(f"“{h}”" for h in headers),
                field=matched.dataset.field(name).label,
            )
            for name, headers in matched.doubled.items()
        )
        rejected = _sheet_rejects(sheet, kinds, department, rel, reason, "doubled_column")
        return SheetOutcome(sheet, counts, rejected=rejected, no_header_reason=reason)
    data = kinds.filter(pl.col("row_kind") == "data")
    sorted_rows = split_rows(
        data,
        matched,
        rules,
        department=department,
        file=rel,
        sheet=sheet.name,
        latest_event_date=latest_event_date,
        corrections=corrections,
    )
    return SheetOutcome(
        sheet, counts, matched.dataset.code, sorted_rows.accepted, sorted_rows.rejected, parked=sorted_rows.parked
    )


def _count_sheet(out: SheetOutcome, report: FileReport, sink: AcceptedRows, rejects: list[pl.DataFrame]) -> None:
    """Add a sorted sheet to the file's report, its accepted rows to the sink, its rejects to the list."""
    sheet = out.sheet
    if sheet.name not in report.sheets:
        report.sheets.append(sheet.name)
    report.encoding = sheet.encoding
    report.rows_read += sheet.cells.height
    for kind in report.ignored_by_kind:
        report.ignored_by_kind[kind] += out.counts.get(kind, 0)
    report.ignored += sum(out.counts.get(k, 0) for k in report.ignored_by_kind)
    if out.no_header_reason is not None:
        text = (f"工作表“{sheet.name}”：" if sheet.name else "") + out.no_header_reason
        if not report.error or text not in report.error:
            report.error = (report.error + "；" if report.error else "") + text
    if out.code is not None:
        if out.code not in report.datasets:
            report.datasets.append(out.code)
        sink.add(out.code, out.accepted)
        sink.park(out.code, out.parked)
    if out.rejected is not None:
        rejects.append(out.rejected)
        report.rejected += out.rejected.height


def _in_order(pool: ThreadPoolExecutor, fn, items, ahead: int):
    """fn over items in `pool`, at most `ahead` at a time, results in the items' order."""
    running: deque = deque()
    for item in items:
        running.append(pool.submit(fn, *item))
        if len(running) >= ahead:
            yield running.popleft().result()
    while running:
        yield running.popleft().result()


def _settle(sink: AcceptedRows, cache: IntakeCache | None, ds, department: str) -> Settled:
    """A dataset's duplicates and key conflicts settled — for a big dataset whose files were all
    reused, the settlement kept from the run that read them."""
    if cache is None or ds.code not in sink.parts:
        return sink.settle(ds, department)
    columns = (*(f.name for f in ds.fields), *LINEAGE)
    settled = cache.load_settled(ds.code, sink.parts[ds.code], columns)
    if settled is None:
        settled = sink.settle(ds, department)
        cache.store_settled(ds.code, settled)
    return replace(settled, rows=replace(settled.rows, digest=cache.settled_entry(ds.code).name))


def _read_or_reuse(
    cache: IntakeCache,
    path: Path,
    rel: str,
    department: str,
    config: CountyConfig,
    sink: AcceptedRows,
    quarter: Quarter,
    corrections: pl.DataFrame | None,
) -> tuple[FileReport, list[pl.DataFrame]]:
    """A file's report and rejects, its rows committed to `sink`: from the cache when its
    outcome is there, else read (and then kept in the cache)."""
    sha = cache.sha256(path, rel, sha256_of)
    key = FileKey(department, rel, sha, str(quarter), config.digest, corrections_digest(corrections))
    entry = cache.lookup(key)
    if entry is not None:
        reused = replay(entry, sink, REJECT_SCHEMA)
        return FileReport(**{**reused.report, "reused": True}), reused.rejects
    sink.last_commit = None
    report, _, rejects = read_file(path, rel, department, config, sink, quarter, corrections, sha256=sha)
    cache.store(key, report.as_dict(), rejects, sink)
    return report, rejects


def take_in_department(
    department: str,
    paths: list[Path],
    inbox: Path,
    config: CountyConfig,
    data_root: Path | None = None,
    work_dir: Path | None = None,
    *,
    quarter: Quarter | None = None,
    links: list[Path] | None = None,
    corrections: pl.DataFrame | None = None,
    reuse: bool = False,
) -> DepartmentIntake:
    """Read every file a department dropped into its folder(s) under `inbox`; settle
    duplicates; account for every row. With a `work_dir`, big text files are read in batches and
    big datasets kept on disk there (see transforms.intake.spill). With a `quarter`, rows dated after
    its last day are rejected before any duplicate or conflict is decided: only accepted rows
    ever take part in settling, so a rejected row never decides which row is kept. `links`
    (symbolic links found in the department's folder) are listed, never opened. `corrections`
    (the department's confirmed corrections of identity numbers, CORRECTION_SCHEMA) are applied
    to every row they match. With `reuse` (and a data root, a work folder and a quarter), a file
    whose outcome is in the intake cache is not read again (transforms.intake.reuse)."""
    reports: list[FileReport] = []
    skipped: list[str] = []
    sink = AcceptedRows(spill_rows=config.reading.spill_rows, work_dir=work_dir)
    rejects: list[pl.DataFrame] = []
    links = list(links or ())
    returned: list[tuple[str, Path]] = []
    cache = None
    if reuse and data_root is not None and work_dir is not None and quarter is not None:
        cache = IntakeCache.of(data_root, str(quarter), department)
    for path in paths:
        rel = Path(*path.relative_to(inbox).parts[1:]).as_posix()
        if path.is_symlink():  # list_inbox lists links apart; this one was swapped in since
            links.append(path)
            continue
        if is_not_an_extract(path):
            skipped.append(rel)
            continue
        if cache is None:
            report, _, file_rejects = read_file(path, rel, department, config, sink, quarter, corrections)
        else:
            report, file_rejects = _read_or_reuse(cache, path, rel, department, config, sink, quarter, corrections)
        report.location = path.relative_to(data_root).as_posix() if data_root else None
        reports.append(report)
        if report.ignored_by_kind.get("notes"):  # a workbook with notes for people: a returned 问题数据?
            returned.append((rel, path))
        rejects.extend(file_rejects)
    by_file = {r.path: r for r in reports}
    final: dict[str, pl.DataFrame | SpilledRows] = {}
    for code in sink.codes():
        settled = _settle(sink, cache, config.dataset(code), department)
        final[code] = settled.rows
        rejects.append(settled.conflict_rejects)
        for file, n in settled.kept_by_file.items():
            by_file[file].accepted += n
        for file, n in settled.duplicates.group_by("source_file").len().iter_rows():
            by_file[file].duplicates += n
        for file, n in settled.conflict_rejects.group_by("file").len().iter_rows():
            by_file[file].rejected += n
    if cache is not None:
        cache.finish({r.path for r in reports})
    all_rejects = (
        pl.concat([r for r in rejects if r.height], how="vertical")
        if any(r.height for r in rejects)
        else pl.DataFrame(schema=REJECT_SCHEMA)
    )
    for report in reports:
        if not report.balanced:
            raise AssertionError(
                f"row accounting broke for {report.path}: read {report.rows_read} != accepted {report.accepted}"
                f" + rejected {report.rejected} + duplicates {report.duplicates} + ignored {report.ignored}"
            )
    # rows a clerk corrected in a returned 问题数据 workbook: the originals say so (已在补报中更正)
    all_rejects = mark_corrected(all_rejects, corrections_in_supplements(returned, all_rejects))
    link_names = sorted(p.relative_to(inbox).as_posix() for p in links)
    corrected = pl.concat([pl.DataFrame(schema=CORRECTED_SCHEMA), *sink.corrected]).cast(CORRECTED_SCHEMA)
    parked = {c: pl.concat([f for k, f in sink.parked if k == c]) for c in sorted({k for k, _ in sink.parked})}
    return DepartmentIntake(department, reports, final, all_rejects, skipped, link_names, corrected, parked)

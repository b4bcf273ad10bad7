"""A corrected row is known as corrected. The rejected-rows workbook (问题数据) carries each row's
lineage — 来源文件, 来源工作表, 原行号 — beside its cells; a clerk corrects the cells and drops the
workbook back into the department's folder, where it is read as a supplement. A row of that
supplement that is accepted now corrects the original rejected row it came from: the original is
reported as "已在补报中更正" (`corrected_by`: the supplement's file and row), not as an open problem.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.config import fold_label
from transforms.intake.reading import UnreadableFile, read_extract

SOURCE_FILE, SOURCE_SHEET, SOURCE_ROW = "来源文件", "来源工作表", "原行号"  # (quality_workbook.SOURCE_COLUMNS)
CORRECTED_BY = "corrected_by"
# (internal) a row resent in a supplement and rejected there again: its problem is now that row's,
# so the clerk's workbook lists it once, as the supplement's row
RESENT_IN = "resent_in"
HEADER_ROWS = 10


def _lineage_columns(cells: pl.DataFrame) -> tuple[int, dict[str, str]] | None:
    """The header row holding the lineage headers, and the cell column of each."""
    cols = [c for c in cells.columns if c != "row_number"]
    wanted = {
        fold_label(SOURCE_FILE): SOURCE_FILE,
        fold_label(SOURCE_SHEET): SOURCE_SHEET,
        fold_label(SOURCE_ROW): SOURCE_ROW,
    }
    for row in cells.head(HEADER_ROWS).iter_rows(named=True):
        found = {
            wanted[fold_label(str(row[c]))]: c for c in cols if row[c] is not None and fold_label(str(row[c])) in wanted
        }
        if SOURCE_FILE in found and SOURCE_ROW in found:
            return row["row_number"], found
    return None


def corrections_in_supplements(files: list[tuple[str, Path]], rejects: pl.DataFrame) -> pl.DataFrame:
    """(file, sheet, row_number, corrected_by, resent_in) of every original row a supplement's
    row carrying its lineage resends: `corrected_by` when that row was accepted, `resent_in` when it
    was rejected again. `files`: (path as the clerk knows it, path on disk) of the department's
    workbooks."""
    schema = {
        "file": pl.String,
        "sheet": pl.String,
        "row_number": pl.Int64,
        CORRECTED_BY: pl.String,
        RESENT_IN: pl.String,
    }
    rejected = {(f, s or "", r) for f, s, r in rejects.select("file", "sheet", "row_number").iter_rows()}
    found = []
    for rel, path in files:
        if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls"):
            continue
        try:
            sheets = read_extract(path)
        except UnreadableFile:
            continue
        for sheet in sheets:
            header = _lineage_columns(sheet.cells)
            if header is None:
                continue
            header_row, columns = header
            body = sheet.cells.filter(pl.col("row_number") > header_row)
            for row in body.iter_rows(named=True):
                source, number = row[columns[SOURCE_FILE]], row[columns[SOURCE_ROW]]
                if not source or number is None:
                    continue
                again = (rel, sheet.name or "", row["row_number"]) in rejected
                try:
                    original = int(float(str(number)))
                except ValueError:
                    continue
                source_sheet = row[columns[SOURCE_SHEET]] if SOURCE_SHEET in columns else None
                where = (
                    f"{rel}（{sheet.name}）第{row['row_number']}行" if sheet.name else f"{rel} 第{row['row_number']}行"
                )
                found.append(
                    (
                        str(source).strip(),
                        str(source_sheet or "").strip(),
                        original,
                        None if again else where,
                        where if again else None,
                    )
                )
    corrected = pl.DataFrame(found, schema=schema, orient="row")
    # a row resent more than once: corrected if any resend was accepted
    return corrected.sort(CORRECTED_BY, nulls_last=True).unique(["file", "sheet", "row_number"], keep="first")


def mark_corrected(rejects: pl.DataFrame, corrected: pl.DataFrame) -> pl.DataFrame:
    """`rejects` with `corrected_by` (null while a row is still to correct)."""
    rejects = rejects.drop(CORRECTED_BY, RESENT_IN, strict=False)
    if corrected.is_empty():
        return rejects.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in (CORRECTED_BY, RESENT_IN))
    keyed = rejects.with_columns(pl.col("sheet").fill_null("").alias("_sheet"))
    return keyed.join(
        corrected.rename({"sheet": "_sheet"}), on=["file", "_sheet", "row_number"], how="left", maintain_order="left"
    ).drop("_sheet")

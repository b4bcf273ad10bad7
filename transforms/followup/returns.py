"""What comes back: every file under `returns/<quarter>/`, recognised by its header row (never
by its name), its rows matched by key — 预警编号 for a town's list, 工单编号 for a work order —
and each answer checked. Every returned row is accounted for: applied, rejected (with a Chinese
reason a cadre or clerk understands), unanswered (nothing filled in) or ignored (title, header,
blank, notes)."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from schemas.outputs import RETURN_REJECT_SCHEMA
from transforms.config import ReadingRules, fold_label
from transforms.config_files import ExcelLayout
from transforms.intake.cells import parse_dates
from transforms.intake.inbox import walk_regular
from transforms.intake.reading import UnreadableFile, read_extract
from transforms.intake.reasons import RETURN_REASONS
from transforms.kit.files import sha256_of


@dataclass(frozen=True)
class ReturnKind:
    """A workbook that comes back: its key column and the answer columns read from it."""

    kind: str  # verification (town list) | settlement (work order) | identity (suggestions workbook)
    label: str  # how people call it
    key: str  # the header of its key column (预警编号 …)
    answer: str  # the header of the answer (核实结果 …)
    allowed: tuple[str, ...]
    person: str  # who answered (核实人 …)
    dated: str  # the answer's date (核实日期 …)
    remarks: str | None = None
    date_required_for: tuple[str, ...] = ()  # answers that need a date (已办结)
    # further answers read with it: (key, header, allowed values — empty: free text), e.g.
    # ("propose_monitoring", "是否建议纳入监测", ("是", "否")); kept as JSON by key
    extras: tuple[tuple[str, str, tuple[str, ...]], ...] = ()


def return_kinds(layout: ExcelLayout) -> tuple[ReturnKind, ...]:
    """The returned workbooks' columns, from the layout the lists were written with."""
    town = {c.key: c.header for c in layout.town_list.columns}
    order = {c.key: c.header for c in layout.work_orders.columns}
    ids = {c.key: c.header for c in layout.id_suggestions.columns}
    exits = {c.key: c.header for c in layout.exit_list.columns}
    return (
        ReturnKind(
            "identity",
            "县级身份证号确认",
            ids["suggestion_id"],
            ids["confirmation"],
            tuple(layout.id_suggestions.confirmation_choices),
            ids["confirmer"],
            ids["confirmed_on"],
        ),
        ReturnKind(
            "verification",
            "乡镇核实结果",
            town["listing_no"],
            town["verification"],
            tuple(layout.town_list.verification_choices),
            town["verifier"],
            town["verified_on"],
            town["remarks"],
            extras=(
                ("propose_monitoring", town["propose_monitoring"], tuple(layout.town_list.monitoring_choices)),
                ("help_measures", town["help_measures"], ()),
            ),
        ),
        ReturnKind(
            "settlement",
            "部门办理结果",
            order["number"],
            order["result"],
            tuple(layout.work_orders.settlement_choices),
            order["handler"],
            order["done_on"],
            date_required_for=("已办结",),
            extras=(("situation", order["situation"], ()),),
        ),
        ReturnKind(
            "exit",
            "乡镇风险消除核实",
            exits["proposal_no"],
            exits["verification"],
            tuple(layout.exit_list.verification_choices),
            exits["verifier"],
            exits["verified_on"],
            exits["remarks"],
            extras=(("help_measures", exits["help_measures"], ()),),
        ),
    )


ANSWER_SCHEMA = {
    "kind": pl.String,
    "key": pl.String,
    "value": pl.String,
    "answered_by": pl.String,
    "answered_on": pl.Date,
    "remarks": pl.String,
    "file": pl.String,
    "sheet": pl.String,
    "row_number": pl.Int64,
    "extras": pl.String,  # JSON: the further answers by key ({"propose_monitoring": "是", "help_measures": "…"})
}


@dataclass
class ReturnedFile:
    """The follow-up manifest's account of one returned file."""

    path: str  # relative to returns/<quarter>/
    sha256: str
    kind: str | None = None
    town: str | None = None  # a town list's town, from its title
    sheets: list[str] = field(default_factory=list)
    rows_read: int = 0
    applied: int = 0
    rejected: int = 0
    unanswered: int = 0
    ignored: int = 0
    error: str | None = None

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.applied + self.rejected + self.unanswered + self.ignored

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Issued:
    """What was sent out this quarter, to match answers against: 预警编号 -> town, work-order
    numbers, the publication date."""

    listing_towns: dict[str, str]
    work_orders: set[str]
    published_on: date
    suggestions: frozenset[str] = frozenset()  # 建议编号 of the suggestions workbook
    exit_towns: dict[str, str] = field(default_factory=dict)  # 消除建议编号 -> its town


def _clean(text: object) -> str | None:
    """A cell as a person meant it: full-width forms folded, spaces trimmed, empty as None."""
    if text is None:
        return None
    folded = unicodedata.normalize("NFKC", str(text)).strip()
    return folded or None


def _find_header(cells: pl.DataFrame, kinds: tuple[ReturnKind, ...], rows: int) -> tuple[int, ReturnKind, dict] | None:
    cols = [c for c in cells.columns if c != "row_number"]
    for row in cells.head(rows).iter_rows(named=True):
        texts = {fold_label(str(row[c])): c for c in cols if row[c] is not None and str(row[c]).strip()}
        for kind in kinds:
            if fold_label(kind.key) in texts and fold_label(kind.answer) in texts:
                wanted = [kind.key, kind.answer, kind.person, kind.dated, kind.remarks, *(h for _, h, _ in kind.extras)]
                return row["row_number"], kind, {h: texts.get(fold_label(h)) for h in wanted if h}
    return None


def _title_town(cells: pl.DataFrame, header_row: int, towns: set[str]) -> str | None:
    """Which town's list a workbook is: the town named in brackets in its title (…预警名单（城关镇）)."""
    cols = [c for c in cells.columns if c != "row_number"]
    for row in cells.filter(pl.col("row_number") < header_row).iter_rows(named=True):
        text = "".join(str(row[c]) for c in cols if row[c] is not None)
        for town in sorted(towns, key=len, reverse=True):
            if f"（{town}）" in text or f"({town})" in text:
                return town
    return None


def read_returned_file(
    path: Path, rel: str, issued: Issued, kinds: tuple[ReturnKind, ...], as_of: date, rules: ReadingRules
) -> tuple[ReturnedFile, pl.DataFrame, pl.DataFrame]:
    """One returned file: its account, its answers (ANSWER_SCHEMA) and its rejected rows. Its
    header is looked for and its dates read as the intake does (`rules`)."""
    header_rows = rules.header_search_rows
    report = ReturnedFile(path=rel, sha256=sha256_of(path))
    answers: list[dict] = []
    rejects: list[dict] = []
    try:
        sheets = read_extract(path)
    except UnreadableFile as e:
        report.error = e.reason
        rejects.append({"file": rel, "reason": e.reason, "reason_code": "unreadable_file"})
        return report, pl.DataFrame(schema=ANSWER_SCHEMA), pl.DataFrame(rejects, schema=RETURN_REJECT_SCHEMA)
    for sheet in sheets:
        cells = sheet.cells
        report.sheets.append(sheet.name)
        report.rows_read += cells.height
        found = _find_header(cells, kinds, header_rows)
        if found is None and fold_label(sheet.name or "") in {fold_label(n) for n in rules.note_sheets}:
            report.ignored += cells.height  # a sheet of notes for people (填表说明): never data
            continue
        if found is None:
            if any(_clean(v) for row in cells.iter_rows() for v in row[1:]):
                reason = (
                    f"不是退回的预警名单、交办单或身份证号核对表（前{header_rows}行中找不到“预警编号”和“核实结果”、"
                    "“工单编号”和“办理结果”，或“建议编号”和“确认结果”），未读取：请退回下发的原表"
                )
                report.error = (report.error + "；" if report.error else "") + (
                    f"工作表“{sheet.name}”：{reason}" if sheet.name else reason
                )
                rejects.append({"file": rel, "sheet": sheet.name, "reason": reason, "reason_code": "not_a_return"})
            report.ignored += cells.height  # its rows are in the file error above, or blank
            continue
        header_row, kind, columns = found
        report.kind = report.kind or kind.kind
        town = (
            _title_town(cells, header_row, set(issued.listing_towns.values()) | set(issued.exit_towns.values()))
            if kind.kind in ("verification", "exit")
            else None
        )
        report.town = report.town or town
        report.ignored += cells.filter(pl.col("row_number") <= header_row).height
        body = cells.filter(pl.col("row_number") > header_row)
        reading = SheetReading(kind, columns, town, issued, as_of, rules, rel, sheet.name)
        _read_rows(body, reading, Collected(report, answers, rejects))
    return (
        report,
        pl.DataFrame(answers, schema=ANSWER_SCHEMA),
        pl.DataFrame(rejects, schema=RETURN_REJECT_SCHEMA),
    )


@dataclass(frozen=True)
class SheetReading:
    """What a returned sheet's rows are read against: its kind and columns, the town its title
    names, what was issued, the as-of date, the reading rules and where the rows are."""

    kind: ReturnKind
    columns: dict[str, str | None]
    town: str | None
    issued: Issued
    as_of: date
    rules: ReadingRules
    file: str
    sheet: str | None


@dataclass
class Collected:
    """A returned file's account and what its rows gave: answers applied, rows refused."""

    report: ReturnedFile
    answers: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)


def _refusal(r: SheetReading, values: dict, on: date | None, date_problem: object, raw_date: str | None):
    """Why a filled-in row is refused — (column, value as written, reason code, the reason's
    values) — or None when its answer can be applied."""
    kind, issued = r.kind, r.issued
    key, answer = values.get(kind.key), values.get(kind.answer)
    if key is None:
        return kind.key, None, "key_missing", {}
    if kind.kind in ("verification", "exit"):
        owner = (issued.listing_towns if kind.kind == "verification" else issued.exit_towns).get(key)
        if owner is None:
            return (
                kind.key,
                key,
                "key_unknown",
                {"key": key, "what": "预警编号" if kind.kind == "verification" else "消除建议编号"},
            )
        if r.town is not None and owner != r.town:
            return kind.key, key, "other_town", {"owner": owner, "town": r.town}
    elif kind.kind == "identity" and key not in issued.suggestions:
        return kind.key, key, "key_unknown", {"key": key, "what": "建议编号"}
    elif kind.kind == "settlement" and key not in issued.work_orders:
        return kind.key, key, "key_unknown", {"key": key, "what": "工单编号"}
    if answer is None:
        return kind.answer, None, "answer_missing", {}
    if answer not in kind.allowed:
        return kind.answer, answer, "answer_invalid", {"allowed": "、".join(kind.allowed), "optional": ""}
    if date_problem is not None:
        return kind.dated, raw_date, "date_invalid", {}
    if on is None and answer in kind.date_required_for:
        return kind.dated, None, "date_missing", {"answer_column": kind.answer, "answer": answer}
    if on is not None and on < issued.published_on:
        return kind.dated, raw_date, "date_before_publication", {"published_on": issued.published_on}
    if on is not None and on > r.as_of:
        return kind.dated, raw_date, "date_after_as_of", {"as_of": r.as_of}
    for _, h, allowed in kind.extras:
        if allowed and values.get(h) is not None and values.get(h) not in allowed:
            return h, values.get(h), "answer_invalid", {"allowed": "、".join(allowed), "optional": "（或不填）"}
    return None


def _read_rows(body: pl.DataFrame, r: SheetReading, out: Collected) -> None:
    """Each row of a returned sheet: blank, the header again, unanswered, refused (with why) or
    applied — every row counted once in `out.report`."""
    kind, columns, report = r.kind, r.columns, out.report
    raw_dates = pl.Series(
        [
            _clean(row.get(columns.get(kind.dated))) if columns.get(kind.dated) else None
            for row in body.iter_rows(named=True)
        ],
        dtype=pl.String,
    )
    dates, date_problems = parse_dates(raw_dates, r.rules.excel_serial_range, r.rules.earliest_date)
    for i, row in enumerate(body.iter_rows(named=True)):
        values = {h: _clean(row[c]) if c else None for h, c in columns.items()}
        key = values.get(kind.key)
        filled = [h for h, v in values.items() if v is not None and h != kind.key]
        if key is None and not filled:
            report.ignored += 1  # a blank row
            continue
        if key is not None and fold_label(key) == fold_label(kind.key):
            report.ignored += 1  # the header again
            continue
        if not filled:
            report.unanswered += 1  # a row sent out, nothing filled in
            continue
        refused = _refusal(r, values, dates[i], date_problems[i], raw_dates[i])
        if refused is not None:
            column, value, code, fields = refused
            out.rejects.append(
                {
                    "kind": kind.kind,
                    "key": key,
                    "file": r.file,
                    "sheet": r.sheet,
                    "row_number": row["row_number"],
                    "column": column,
                    "value": value,
                    "reason": RETURN_REASONS[code].format(column=column, **fields),
                    "reason_code": code,
                }
            )
            report.rejected += 1
            continue
        # a choice as folded (是/否); free text as the cadre wrote it, only trimmed
        extras = {
            k: values.get(h) if allowed else _as_written(row.get(columns.get(h)))
            for k, h, allowed in kind.extras
            if values.get(h) is not None
        }
        report.applied += 1
        out.answers.append(
            {
                "kind": kind.kind,
                "key": key,
                "value": values.get(kind.answer),
                "answered_by": values.get(kind.person),
                "answered_on": dates[i],
                "remarks": values.get(kind.remarks) if kind.remarks else None,
                "file": r.file,
                "sheet": r.sheet,
                "row_number": row["row_number"],
                "extras": json.dumps(extras, ensure_ascii=False, sort_keys=True) if extras else None,
            }
        )


def _as_written(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def list_returns(folder: Path) -> tuple[list[Path], list[Path]]:
    """Every regular file under `returns/<quarter>/` (any sub-folder, any name) and, apart,
    the links and other entries never read; hidden and Excel lock files are left out."""
    if not folder.is_dir() or folder.is_symlink():
        return [], []
    files, others = walk_regular(folder)
    return [p for p in files if not p.name.startswith((".", "~$"))], others

"""Read an extract as a department's system exported it: every cell as text, every row kept,
each with the row number a person would see in Excel or a text editor.

CSV/TXT: the encoding is detected (UTF-8 with or without BOM, else GB18030, a superset of
GBK), then polars parses the UTF-8 bytes. Excel (.xlsx, .xls): fastexcel (calamine) with no
header and no skipped rows, so row numbers stay those of the sheet.
"""

from __future__ import annotations

import codecs
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls", ".xlsm")


class UnreadableFile(Exception):
    """The file cannot be read at all; `reason` is Chinese text for the department clerk."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RawSheet:
    """One sheet (a CSV is one sheet named "") as text cells `c0..cN` plus `row_number`."""

    name: str
    cells: pl.DataFrame
    encoding: str | None = None


# What a clerk is told when a text file cannot be decoded or parsed (shared by the whole-file
# and the batched reading, which must say the same).
NOT_TEXT = "文件含有二进制内容，不是文本表格（CSV/TXT），请导出为CSV或Excel后重新报送"


def _bad_bom(offset: int) -> UnreadableFile:
    return UnreadableFile(f"文件标明为UTF-8但第{offset}字节处编码错误，请重新导出")


def _unknown_encoding(offset: int) -> UnreadableFile:
    return UnreadableFile(
        f"文件编码无法识别（既不是UTF-8，也不是GBK/GB18030；第{offset}字节处无法解码），"
        "请用“另存为CSV（UTF-8）”或Excel格式重新导出"
    )


def _unparseable(delimiter: str) -> UnreadableFile:
    # The parser's message can quote cells (names, identity numbers): it is never repeated.
    sep = "制表符" if delimiter == "\t" else "逗号"
    return UnreadableFile(f"文件无法按{sep}分隔解析（引号不成对或行格式错乱），请重新导出")


def _csv_options(delimiter: str, width: int) -> dict:
    """How polars reads an extract: no header, every cell text, short lines padded, long cut."""
    return {
        "has_header": False,
        "separator": delimiter,
        "schema": {f"c{i}": pl.String for i in range(width)},
        "missing_columns": "insert",
        "truncate_ragged_lines": True,
        "quote_char": '"',
    }


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text extract; returns (text, encoding name). Raises UnreadableFile."""
    if b"\x00" in data[:65536]:
        raise UnreadableFile(NOT_TEXT)
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise _bad_bom(e.start) from e
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as e:
        raise _unknown_encoding(e.start) from e


def sniff_delimiter(text: str) -> str:
    """Tab or comma: whichever splits the widest of the first lines into more fields."""
    lines = text[:200_000].splitlines()[:30]
    tabs = max((line.count("\t") for line in lines), default=0)
    commas = max((_unquoted_commas(line) for line in lines), default=0)
    return "\t" if tabs >= 2 and tabs >= commas else ","


def _unquoted_commas(line: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            count += 1
    return count


def _field_count(text: str, delimiter: str) -> int:
    lines = text[:2_000_000].splitlines()[:200]
    if delimiter == ",":
        return max((_unquoted_commas(line) for line in lines), default=0) + 1
    return max((line.count("\t") for line in lines), default=0) + 1


def read_delimited(path: Path) -> RawSheet:
    """Read a CSV/TXT extract with every cell as text; blank lines are kept as rows."""
    text, encoding = decode_text(path.read_bytes())
    if not text.strip():
        return RawSheet("", pl.DataFrame({"row_number": []}, schema={"row_number": pl.Int64}), encoding)
    delimiter = sniff_delimiter(text)
    width = _field_count(text, delimiter)
    try:
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), **_csv_options(delimiter, width))
    except pl.exceptions.PolarsError as e:
        raise _unparseable(delimiter) from e
    frame = frame.with_row_index("row_number", offset=1).with_columns(pl.col("row_number").cast(pl.Int64))
    return RawSheet("", frame, encoding)


PIECE = 16 << 20  # bytes read at a time when a text file is checked or transcoded


def _first_utf8_error(path: Path, skip: int) -> int | None:
    """Byte offset of the first invalid UTF-8 sequence, or None when the file is valid UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = skip
    with path.open("rb") as fh:
        fh.seek(skip)
        while piece := fh.read(PIECE):
            try:
                decoder.decode(piece)
            except UnicodeDecodeError as e:
                return offset + e.start
            offset += len(piece)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as e:
            return offset + e.start
    return None


class NotUtf8AfterAll(Exception):
    """A file whose head is UTF-8 turned out not to be, further on (see `read_delimited_batches`)."""


def utf8_source(path: Path, work_dir: Path, trust_head: bool = False) -> tuple[Path, str]:
    """A UTF-8 file polars can scan in batches, and the encoding it was sent in: the file itself
    when it is UTF-8 (with or without BOM), else its GB18030 text transcoded piece by piece into
    `work_dir`. With `trust_head`, only the first MiB is checked (polars checks the rest as it
    parses). Raises UnreadableFile like `decode_text`."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if b"\x00" in head[:65536]:
        raise UnreadableFile(NOT_TEXT)
    bom = head.startswith(b"\xef\xbb\xbf")
    if trust_head:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head[3:] if bom else head)
            return path, "utf-8-sig" if bom else "utf-8"
        except UnicodeDecodeError:
            pass
    bad = _first_utf8_error(path, 3 if bom else 0)
    if bad is None:
        return path, "utf-8-sig" if bom else "utf-8"
    if bom:
        raise _bad_bom(bad)
    out = work_dir / f"{uuid.uuid4().hex}.utf8.txt"
    decoder = codecs.getincrementaldecoder("gb18030")()
    offset = 0
    try:
        with path.open("rb") as src, out.open("wb") as dst:
            while piece := src.read(PIECE):
                dst.write(decoder.decode(piece).encode("utf-8"))
                offset += len(piece)
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as e:
        out.unlink(missing_ok=True)
        raise _unknown_encoding(offset + e.start) from e
    return out, "gb18030"


def read_delimited_batches(path: Path, batch_rows: int, work_dir: Path, trust_head: bool = False) -> Iterator[RawSheet]:
    """Read a big CSV/TXT extract in batches of about `batch_rows` rows, every cell as text,
    row numbers continuing across batches — the same rows `read_delimited` gives, without
    holding the file in memory. Raises UnreadableFile (possibly after some batches); with
    `trust_head` (see `utf8_source`), NotUtf8AfterAll when invalid UTF-8 turns up later, and the
    caller reads the file again without it."""
    source, encoding = utf8_source(path, work_dir, trust_head)
    with source.open("rb") as fh:
        head = fh.read(2 << 20)
    text = codecs.getincrementaldecoder("utf-8")().decode(head.removeprefix(b"\xef\xbb\xbf"))
    if not text.strip():
        yield RawSheet("", pl.DataFrame({"row_number": []}, schema={"row_number": pl.Int64}), encoding)
        return
    delimiter = sniff_delimiter(text)
    width = _field_count(text, delimiter)
    frame = pl.scan_csv(source, **_csv_options(delimiter, width), row_index_name="row_number", row_index_offset=1)
    try:
        for batch in frame.collect_batches(chunk_size=batch_rows):
            yield RawSheet("", batch.with_columns(pl.col("row_number").cast(pl.Int64)), encoding)
    except pl.exceptions.PolarsError as e:
        if trust_head and source == path and "utf-8" in str(e).lower():
            raise NotUtf8AfterAll from None
        raise _unparseable(delimiter) from e
    finally:
        if source != path:
            source.unlink(missing_ok=True)


def read_workbook(path: Path) -> list[RawSheet]:
    """Read every sheet of an .xlsx/.xls workbook with every cell as text."""
    try:
        reader = fastexcel.read_excel(path)
    except Exception as e:  # calamine raises its own error types for corrupt files
        raise UnreadableFile(f"Excel文件已损坏或不是有效的Excel格式，无法打开：{_short(e)}") from e
    sheets = []
    for name in reader.sheet_names:
        try:
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            frame = sheet.to_polars()
        except Exception as e:
            raise UnreadableFile(f"工作表“{name}”无法读取：{_short(e)}") from e
        frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
        frame = frame.with_row_index("row_number", offset=1).with_columns(pl.col("row_number").cast(pl.Int64))
        sheets.append(RawSheet(name, frame))
    return sheets


def read_extract(path: Path) -> list[RawSheet]:
    """Read any supported extract into raw sheets. Raises UnreadableFile with a Chinese reason."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return [read_delimited(path)]
    if suffix in (".xlsx", ".xls", ".xlsm"):
        return read_workbook(path)
    raise UnreadableFile(f"不支持的文件类型“{path.suffix}”，请报送CSV、TXT或Excel文件")


def _short(e: Exception) -> str:
    return str(e).splitlines()[0][:200] if str(e) else type(e).__name__

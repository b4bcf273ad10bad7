"""Big files are read in batches and big datasets kept on disk (transforms.intake.spill). With the
thresholds set tiny, every text file of the sample county streams and every dataset spills; the
department intakes and what DuckDB stages from them must equal the in-memory path's, row for row."""

from __future__ import annotations

import dataclasses

import duckdb
import polars as pl
import pytest

from transforms.intake.cells import id_check_char
from transforms.intake.department import take_in_department
from transforms.intake.inbox import list_inbox
from transforms.intake.reading import UnreadableFile, read_delimited, read_delimited_batches
from transforms.intake.spill import AcceptedRows, SpilledRows, work_folder
from transforms.settings import Quarter
from transforms.staging.warehouse import stage_dataset

Q3 = Quarter.parse("2026Q3")


@pytest.fixture(scope="module")
def tiny(config):
    reading = dataclasses.replace(config.reading, stream_from_bytes=0, batch_rows=200, spill_rows=300)
    return dataclasses.replace(config, reading=reading)


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(["file", "sheet", "row_number", "reason_code"] if "reason" in frame.columns else frame.columns)


def _rows(rows) -> pl.DataFrame:
    frame = rows.to_polars() if isinstance(rows, SpilledRows) else rows
    return frame.sort("source_file", "source_sheet", "source_row")


def test_streamed_and_spilled_intake_equals_the_in_memory_one(sample_root, config, tiny, tmp_path):
    inbox = sample_root / "inbox" / str(Q3)
    listing = list_inbox(inbox, config)
    spilled_any = False
    with work_folder(tmp_path, "test") as work:
        for department, paths in listing.files.items():
            memory = take_in_department(department, paths, inbox, config, sample_root)
            streamed = take_in_department(department, paths, inbox, tiny, sample_root, work)
            assert [f.as_dict() for f in streamed.files] == [f.as_dict() for f in memory.files]
            assert _sorted(streamed.rejects).equals(_sorted(memory.rejects))
            assert set(streamed.accepted) == set(memory.accepted)
            for code, rows in streamed.accepted.items():
                spilled_any |= isinstance(rows, SpilledRows)
                assert rows.height == memory.accepted[code].height
                assert _rows(rows).equals(_rows(memory.accepted[code])), code
                # DuckDB stages the same rows from the Parquet parts as from the frame.
                ds = config.dataset(code)
                con = duckdb.connect()
                stage_dataset(con, ds, Q3, memory.accepted[code])
                expected = con.sql(f"select * from {ds.staging_table} order by all").fetchall()
                stage_dataset(con, ds, Q3, rows)
                assert con.sql(f"select * from {ds.staging_table} order by all").fetchall() == expected
                con.close()
        assert any(work.iterdir())
    assert spilled_any
    assert not (tmp_path / ".work" / f"test-{__import__('os').getpid()}").exists()


def test_batches_read_the_same_rows_as_the_whole_file(sample_root, tmp_path):
    texts = [p for p in (sample_root / "inbox").rglob("*") if p.suffix in (".csv", ".txt")]
    assert any(p.read_bytes()[:3] != b"\xef\xbb\xbf" for p in texts)  # a GBK file among them
    for path in texts:
        whole = read_delimited(path).cells
        batches = list(read_delimited_batches(path, 97, tmp_path))
        assert len(batches) > 1 or whole.height <= 97
        assert pl.concat([b.cells for b in batches]).equals(whole), path.name
    assert not list(tmp_path.iterdir())  # transcoded copies are removed


def test_a_bad_byte_after_thousands_of_good_lines_rejects_the_file_whole(tmp_path, tiny):
    header = "公民身份号码,姓名,结算日期,就诊类型,医疗总费用,政策范围内费用,基本医保统筹支付,大病保险支付,医疗救助支付,个人自付,定点医疗机构\n"
    person = "43112519620127301" + id_check_char("43112519620127301")
    good = f"{person},张三,2026-07-01,住院,1000,900,600,0,0,400,清河县人民医院\n"
    folder = tmp_path / "inbox" / "医保局"
    folder.mkdir(parents=True)
    # Valid UTF-8 for thousands of lines, then bytes that are neither UTF-8 nor GB18030.
    (folder / "a.csv").write_bytes((header + good * 5000).encode("utf-8") + b"\x80\x80\xff,\n")
    (folder / "b.csv").write_text(header + good.replace("张三", "李四"), encoding="utf-8")
    with work_folder(tmp_path, "t") as work:
        intake = take_in_department("medical", sorted(folder.iterdir()), tmp_path / "inbox", tiny, tmp_path, work)
        a, b = intake.files
        assert a.error and "编码" in a.error and a.rows_read == a.accepted == 0
        assert (b.accepted, b.rejected) == (1, 0)
        assert intake.accepted["medical__settlements"].height == 1
        assert intake.rejects.filter(pl.col("file") == "a.csv")["reason_code"].to_list() == ["unreadable_file"]
        assert not list(work.iterdir())  # nothing of a left behind (b's one row stays in memory)
    with pytest.raises(UnreadableFile):
        list(read_delimited_batches(folder / "a.csv", 100, tmp_path))


def test_utf8_at_the_head_and_gbk_further_on_reads_as_the_whole_file_does(tmp_path, config, tiny):
    """The streamed path trusts a UTF-8 head and lets polars check the rest; when the rest is not
    UTF-8 it reads the file again the careful way — ending where the in-memory path does."""
    header = "公民身份号码,姓名,结算日期,就诊类型,医疗总费用,政策范围内费用,基本医保统筹支付,大病保险支付,医疗救助支付,个人自付,定点医疗机构\n"
    person = "43112519620127301" + id_check_char("43112519620127301")
    line = f"{person},张三,2026-07-01,住院,1000,900,600,0,0,400,清河县人民医院\n"
    folder = tmp_path / "inbox" / "医保局"
    folder.mkdir(parents=True)
    data = (header + line * 30000).encode("utf-8") + line.replace("张三", "李四").encode("gbk")
    assert len(data) > 2 << 20  # well past the trusted first MiB
    (folder / "a.csv").write_bytes(data)
    paths = [folder / "a.csv"]
    memory = take_in_department("medical", paths, tmp_path / "inbox", config, tmp_path)
    with work_folder(tmp_path, "t") as work:
        streamed = take_in_department("medical", paths, tmp_path / "inbox", tiny, tmp_path, work)
    assert [f.as_dict() for f in streamed.files] == [f.as_dict() for f in memory.files]
    # Neither UTF-8 throughout nor GB18030: the whole file goes back to the clerk, as in memory.
    assert "编码" in streamed.files[0].error and streamed.files[0].accepted == 0
    assert _sorted(streamed.rejects).equals(_sorted(memory.rejects))


def test_a_file_given_up_half_way_leaves_no_parts(tmp_path):
    sink = AcceptedRows(spill_rows=2, work_dir=tmp_path)
    frame = pl.DataFrame({"x": [1, 2, 3], "source_file": "a.csv", "source_sheet": "", "source_row": [1, 2, 3]})
    sink.add("d", frame.head(1))
    sink.commit()
    sink.add("d", frame.tail(2))  # passes spill_rows: the committed frame goes to disk as well
    assert len(list(tmp_path.iterdir())) == 2
    sink.discard()
    assert [p.name for p in tmp_path.iterdir()] == [p.name for p, _, _ in sink.parts["d"]]
    assert sink.pending == []


def test_a_killed_runs_work_folder_is_removed_by_the_next(tmp_path):
    stale = tmp_path / ".work" / "2026Q3-999999999"
    stale.mkdir(parents=True)
    (stale / "part.parquet").write_bytes(b"x")
    with work_folder(tmp_path, "2026Q3") as work:
        assert work.is_dir()
        assert not stale.exists()
    assert not work.exists()

"""One loader for every file of config/ (transforms/config_files.py): each file as shipped
reads; a county officer's slip is named — file, entry, fault — in Chinese and English, before
any run starts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from transforms.config import CONFIG_FILES, MODELS, load_config
from transforms.config_files import (
    CalendarFile,
    ConfigError,
    ExcelLayout,
    QualityGatesFile,
    parse_config_text,
    read_config_file,
)
from transforms.kit.deadlines import WorkingCalendar
from transforms.settings import config_dir
from transforms.staging.quality_gates import load_gates

EVERY_FILE = {**MODELS, "quality_gates.yaml": QualityGatesFile, "calendar.yaml": CalendarFile,
              "excel_layout.yaml": ExcelLayout}  # fmt: skip


def test_every_shipped_file_has_a_model_and_reads():
    shipped = {p.name for p in config_dir().glob("*.yaml")}
    assert shipped == set(EVERY_FILE), "a file of config/ without a model (or a model without its file)"
    assert set(CONFIG_FILES) == set(MODELS)
    for name, model in EVERY_FILE.items():
        assert isinstance(read_config_file(name, model), model)


def _county(tmp_path: Path, name: str, change) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(config_dir(), folder)
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("name", "change", "where", "fault"),
    [
        ("datasets.yaml", lambda d: d["datasets"]["medical__settlements"]["fields"]["settled_on"].update(type="dat"),
         "datasets → medical__settlements → fields → settled_on → type", "取值不在允许范围内"),
        ("datasets.yaml", lambda d: d["datasets"]["medical__settlements"]["fields"]["settled_on"].update(heders=["x"]),
         "settled_on → heders", "不认识此项"),
        ("thresholds.yaml", lambda d: d["thresholds"]["monitoring_line"][0].update(value="八千"),
         "thresholds → monitoring_line → 0 → value", "应为数字"),
        ("rules.yaml", lambda d: d["rules"]["DIS_NEW"].pop("red_making"), "rules → DIS_NEW → red_making", "缺少此项"),
        ("reading.yaml", lambda d: d.update(header_search_rows=0), "header_search_rows", "数值太小"),
        ("departments.yaml", lambda d: d["departments"]["civil"].update(folders="民政局"),
         "departments → civil → folders", "应为列表"),
    ],
)  # fmt: skip
def test_a_slip_in_a_county_file_is_named(tmp_path, name, change, where, fault):
    folder = _county(tmp_path, name, change)
    with pytest.raises(ConfigError) as caught:
        load_config(folder)
    message = str(caught.value)
    assert f"config/{name}" in message and where in message and fault in message, message


def test_the_other_files_are_checked_by_the_same_loader(tmp_path):
    folder = _county(tmp_path, "calendar.yaml", lambda d: d.update(extra_holidays=["2027-13-01"]))
    with pytest.raises(ConfigError, match="extra_holidays → 0：应为日期"):
        WorkingCalendar.load(folder)
    folder = _county(
        tmp_path / "g", "quality_gates.yaml", lambda d: d["gates"]["roster_arrived"].update(severity="stop")
    )
    with pytest.raises(ConfigError, match="gates → roster_arrived → severity"):
        load_gates(folder)
    folder = _county(tmp_path / "x", "excel_layout.yaml", lambda d: d["town_list"].update(freeze_through="姓名"))
    with pytest.raises(ConfigError, match=r"town_list：取值有误.*freeze_through"):
        ExcelLayout.load(folder)


def test_a_file_that_is_not_yaml_names_its_line():
    with pytest.raises(ConfigError, match="第 2 行"):
        parse_config_text("county.yaml", "county_name: 清河县\n  bad: [\n", QualityGatesFile)


def test_what_ties_the_files_together_is_checked_too(tmp_path):
    folder = _county(
        tmp_path, "datasets.yaml", lambda d: d["datasets"]["medical__settlements"].update(department="水利局")
    )
    with pytest.raises(ConfigError, match="水利局"):
        load_config(folder)


@pytest.mark.slow
def test_the_command_refuses_a_broken_configuration_in_words(tmp_path, sample_root):
    """The data officer sees which file and entry to fix; nothing is published."""
    import os
    import subprocess
    import sys

    folder = _county(tmp_path, "rules.yaml", lambda d: d["rules"]["DIS_NEW"].update(red_making="也许"))
    shutil.copytree(sample_root / "inbox", tmp_path / "county" / "inbox")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {"POVWATCH_CONFIG_DIR": str(folder)}
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--data-root", str(tmp_path / "county"), "--quarter", "2026Q3"],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert done.returncode == 1
    assert (
        "未发布" in done.stderr and "config/rules.yaml" in done.stderr and "rules → DIS_NEW → red_making" in done.stderr
    )
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "county" / "out").exists()

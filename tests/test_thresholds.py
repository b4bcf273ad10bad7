"""Thresholds are dated data: each year uses its own figures; a county's own entry wins."""

from __future__ import annotations

import shutil

import pytest
import yaml

from transforms.config import load_config
from transforms.settings import CONFIG_DIR


@pytest.fixture()
def config_dir(tmp_path):
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    data = yaml.safe_load((folder / "thresholds.yaml").read_text(encoding="utf-8"))
    data["thresholds"]["monitoring_line"] += [
        {"from_year": 2026, "value": 5200, "source": "004"},
        {"from_year": 2026, "value": 5300, "county": "别的县", "source": "another county"},
        {"from_year": 2027, "value": 5400, "county": "清河县", "source": "this county's own"},
    ]
    (folder / "thresholds.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.parametrize("year,line", [(2019, 5000), (2025, 5000), (2026, 5200), (2027, 5400), (2030, 5400)])
def test_each_year_uses_the_value_in_force(config_dir, year, line):
    assert load_config(config_dir).thresholds(year).monitoring_line == line


def test_a_year_before_any_value_is_an_error(config_dir):
    with pytest.raises(ValueError, match="no value in force in 2018"):
        load_config(config_dir).thresholds(2018)


def test_the_shipped_defaults_are_the_contracts():
    t = load_config().thresholds(2026)
    assert (t.monitoring_line, t.yellow_line, t.dibao_standard, t.oop_household_limit) == (5000, 10000, 6000, 10000)
    assert "002" in t.sources["monitoring_line"]

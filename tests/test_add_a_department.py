"""Adding a department and a rule touches only the places the README lists: in a copy of the
configuration and the SQL, a toy department (水利局, safe drinking water) gets its registry
entry, a row contract, a staging model and a file in the inbox, and a rule of its own with a
threshold — and the real flow reads, stages, gates, compares, numbers its work orders and
publishes it, with no other change."""

from __future__ import annotations

import json
import shutil

import duckdb
import openpyxl
import pandera.polars as pa
import polars as pl
import pytest
import yaml

from schemas.datasets import ID_PATTERN, ROW_CONTRACTS, Lineage
from transforms.settings import CONFIG_DIR, SQL_DIR, DataRoot

from .conftest import Q3

pytestmark = pytest.mark.slow


class WaterSupply(Lineage):
    """农村饮水安全：一行一人。 (the row contract: in schemas/datasets.py for a real department)"""

    id_number: str = pa.Field(str_matches=ID_PATTERN, description="身份证号")
    name: str = pa.Field(description="姓名")
    water_status: str = pa.Field(isin=["安全", "不安全"], description="饮水状况")
    distance_m: int = pa.Field(ge=0, description="取水距离（米）")


STAGING = """-- stg_water__supply: accepted rows of 农村饮水安全 for one quarter, typed; lineage kept.
select
    $quarter::varchar as quarter, id_number::varchar as id_number, name::varchar as name,
    water_status::varchar as water_status, distance_m::integer as distance_m,
    source_file::varchar as source_file, source_sheet::varchar as source_sheet, source_row::integer as source_row
from accepted_rows
"""
RULE = """-- WAT_UNSAFE: a roster person without safe drinking water, or fetching it farther than the limit.
select
    'WAT_UNSAFE' as rule_id,
    p.household_id,
    p.id_number,
    p.town,
    p.village,
    'water' as cause,
    'water' as department,
    '饮水' || w.water_status || '，取水距离' || w.distance_m || '米' as evidence
from stg_water__supply as w
inner join int_roster__persons as p on p.id_number = w.id_number
where w.quarter = $quarter
  and (w.water_status = '不安全' or w.distance_m > $water_distance_limit)
"""


def _edit_yaml(path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture()
def county_with_water(tmp_path, sample_root, monkeypatch):
    config, sql = tmp_path / "config", tmp_path / "sql"
    shutil.copytree(CONFIG_DIR, config)
    shutil.copytree(SQL_DIR, sql)
    # 1. the registry entries
    _edit_yaml(config / "departments.yaml", lambda d: d["departments"].update(
        water={"name": "水利局", "label": "水利局", "work_order_prefix": "WAT", "folders": ["water", "水利局", "水利"]}
    ))  # fmt: skip
    _edit_yaml(config / "datasets.yaml", lambda d: d["datasets"].update(water__supply={
        "department": "water", "label": "农村饮水安全", "unique_by": ["id_number"],
        "fields": {
            "id_number": {"type": "id_number", "required": True, "headers": ["身份证号", "公民身份号码"]},
            "name": {"type": "text", "required": True, "headers": ["姓名"]},
            "water_status": {"type": "enum", "required": True, "headers": ["饮水状况"], "values": ["安全", "不安全"]},
            "distance_m": {"type": "integer", "required": True, "minimum": 0, "headers": ["取水距离（米）"]},
        },
    }))  # fmt: skip
    # 2. the row contract, 3. the staging model
    monkeypatch.setitem(ROW_CONTRACTS, "water__supply", WaterSupply)
    (sql / "staging" / "stg_water__supply.sql").write_text(STAGING, encoding="utf-8")
    # a rule of its own: its query, its catalogue entry, its threshold
    (sql / "rules" / "WAT_UNSAFE.sql").write_text(RULE, encoding="utf-8")

    def add_rule(d):
        d["rules"]["WAT_UNSAFE"] = {"label": "饮水不安全", "subject": "person", "department": "water",
                                    "cause": "water", "parameters": ["water_distance_limit"], "red_making": True}  # fmt: skip
        d["causes"]["water"] = "饮水"

    _edit_yaml(config / "rules.yaml", add_rule)
    _edit_yaml(config / "thresholds.yaml", lambda d: d["thresholds"].update(
        water_distance_limit=[{"from_year": 2019, "value": 500, "source": "toy"}]
    ))  # fmt: skip
    monkeypatch.setenv("POVWATCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("POVWATCH_SQL_DIR", str(sql))
    # 4. its file, as it would drop it
    root = tmp_path / "county"
    shutil.copytree(sample_root / "inbox" / str(Q3), root / "inbox" / str(Q3))
    roster = pl.read_parquet(sample_root / "planted" / str(Q3) / "clean" / "roster__persons.parquet")
    people = roster.select("id_number", "name", "household_id").head(4).rows()
    lines = ["县水利局农村饮水安全台账", "身份证号,姓名,饮水状况,取水距离（米）"]
    lines += [f"{people[0][0]},{people[0][1]},不安全,50", f"{people[1][0]},{people[1][1]},安全,800"]
    lines += [f"{people[2][0]},{people[2][1]},安全,30", f"{people[3][0]},{people[3][1]},有点远,30"]
    folder = root / "inbox" / str(Q3) / "水利局"
    folder.mkdir()
    (folder / "饮水安全台账.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root, people


def test_a_new_department_and_its_rule_run_through_every_phase(county_with_water, prefect_api):
    from flows.quarterly_run import quarterly_run

    root, people = county_with_water
    summary = quarterly_run(str(root), str(Q3))
    out = DataRoot(root).out(Q3)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (water,) = [f for f in manifest["inputs"] if f["department"] == "water"]
    assert water["datasets"] == ["water__supply"] and (water["accepted"], water["rejected"]) == (3, 1)
    assert manifest["staged_rows"]["water__supply"] == 3 and summary.departments["water"] == "ok"
    gates = {(g["gate"], g["subject"]): g for g in manifest["quality_gates"]}
    assert gates[("roster_match_share", "water__supply")]["value"] == 1.0  # the union comes from the registry
    assert gates[("roster_match_share", "water__supply")]["min"] == 0.3  # the default floor
    assert manifest["thresholds"]["water_distance_limit"] == 500
    warnings = pl.read_parquet(out / "warnings.parquet").filter(pl.col("rule_id") == "WAT_UNSAFE")
    assert sorted(warnings["id_number"]) == sorted([people[0][0], people[1][0]])
    assert set(warnings["department"]) == {"water"} and set(warnings["cause"]) == {"water"}
    (orders,) = (out / "departments" / "水利局").glob("*.xlsx")
    assert orders.name == "2026Q3_水利局_交办单.xlsx"
    numbers = [r[0] for r in openpyxl.load_workbook(orders).active.iter_rows(min_row=4, values_only=True)]
    assert numbers == ["2026Q3-WAT-000001", "2026Q3-WAT-000002"]
    assert (out / "quality" / "水利局_问题数据.xlsx").is_file()
    households = pl.read_parquet(out / "households.parquet")
    listed = households.filter(pl.col("rule_ids").list.contains("WAT_UNSAFE"))
    assert sorted(listed["household_id"]) == sorted({people[0][2], people[1][2]})
    assert set(listed["colour"]) == {"red"} and all("water" in c for c in listed["causes"])
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "饮水不安全" in report and "水利局" in report
    with duckdb.connect(str(DataRoot(root).warehouse), read_only=True) as con:
        assert con.execute("select count(*) from stg_water__supply where quarter = '2026Q3'").fetchone() == (3,)

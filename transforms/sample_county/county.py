"""The sample county itself: its towns, households and persons, and the outsiders who are not on the roster."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from transforms.intake.cells import ID_CHECK_CHARS, ID_WEIGHTS, id_check_char

COUNTY = "清河县"
COUNTY_CODE = "431125"
TOWNS = {
    "城关镇": ["东街社区", "西街社区", "南门村", "北关村"],
    "河东镇": ["河东村", "柳树村", "杨庄村", "李家村"],
    "西山乡": ["西山村", "石门村", "松林村"],
    "南岭镇": ["南岭村", "桃园村", "新华村", "红星村"],
    "北坪乡": ["北坪村", "龙泉村", "白马村"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰建国志红春梅海燕文斌"
HOSPITALS = ["清河县人民医院", "清河县中医院", "河东镇卫生院", "市第一人民医院", "省人民医院"]
SCHOOLS = {
    "小学": "清河县实验小学",
    "初中": "清河县第二中学",
    "高中": "清河县第一中学",
    "中职": "清河县职业中专",
    "学前": "城关镇中心幼儿园",
    "高校": "省内高校",
}


@dataclass(frozen=True)
class SampleSize:
    """How big a county to make. `sample` is for tests and the demo; `county` is a real
    county's size (about 150,000 roster persons, 3 million settlement rows a quarter)."""

    households: int
    settlements: int
    outsiders: int  # people not on the roster who appear in department data
    # Share of settlement rows that are hospital stays (住院). The test sample is dense in them so
    # its few thousand claims reach every medical rule; at county scale about 1 in 30 rows, as in
    # a real county's settlement extract (mostly outpatient visits), a little more on the roster.
    inpatient_share: float = 0.25

    @classmethod
    def named(cls, name: str) -> SampleSize:
        presets = {
            "sample": cls(households=400, settlements=3_000, outsiders=1_500),
            "district": cls(households=10_000, settlements=300_000, outsiders=40_000, inpatient_share=0.03),
            "county": cls(households=50_000, settlements=3_000_000, outsiders=400_000, inpatient_share=0.03),
            "county10": cls(households=50_000, settlements=30_000_000, outsiders=1_000_000, inpatient_share=0.03),
        }
        if name not in presets:
            raise ValueError(f"unknown scale {name!r}; choose one of {sorted(presets)}")
        return presets[name]


@dataclass
class Person:
    id_number: str
    name: str
    birth: date
    town: str
    village: str


@dataclass
class Row:
    """One row to write: rendered cells in header order, and what it stands for."""

    cells: list
    clean: dict | None  # normalised values; None when the row is planted bad
    plant: str | None = None  # reason code of a planted bad row, or "duplicate"


@dataclass
class Plan:
    """Everything planted in one quarter."""

    bad: list[tuple] = field(default_factory=list)
    duplicates: list[tuple] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    clean: dict[str, list[dict]] = field(default_factory=dict)
    typos: list[tuple] = field(default_factory=list)  # see sample_county.typos.TYPO_COLUMNS


# ---------------------------------------------------------------- identity numbers


def make_id(rng: random.Random, birth: date, region: str = COUNTY_CODE) -> str:
    first17 = f"{region}{birth:%Y%m%d}{rng.randint(1, 999):03d}"
    return first17 + id_check_char(first17)


def ids_vectorised(n: int, seed: int, start_year: int = 1940, end_year: int = 2020) -> np.ndarray:
    """Many valid, distinct identity numbers at once (for county-scale outsiders)."""
    g = np.random.default_rng(seed)
    days = g.integers(0, (date(end_year, 12, 31) - date(start_year, 1, 1)).days, n)
    base = np.datetime64(date(start_year, 1, 1)) + days.astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(base, unit="D"), "-", "")
    seq = np.char.zfill(g.integers(1, 1000, n).astype(str), 3)
    region = np.where(g.random(n) < 0.8, COUNTY_CODE, "431102")
    first17 = np.char.add(np.char.add(region, ymd), seq)
    digits = np.frombuffer("".join(first17.tolist()).encode(), dtype=np.uint8).reshape(n, 17) - 48
    total = (digits * np.array(ID_WEIGHTS)).sum(axis=1) % 11
    checks = np.array(list(ID_CHECK_CHARS))[total]
    out = np.char.add(first17, checks)
    _, first = np.unique(out, return_index=True)
    return out[np.sort(first)]


# ---------------------------------------------------------------- the county


@dataclass
class County:
    rng: random.Random
    households: list[dict]
    persons: list[dict]  # roster members
    outsiders: list[Person]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _birth(rng: random.Random, lo: int, hi: int, ref: date) -> date:
    age_days = rng.randint(lo * 365 + 1, hi * 365 + 300)
    return ref - timedelta(days=age_days)


def build_county(size: SampleSize, seed: int, ref: date) -> County:
    rng = random.Random(seed)
    households, persons, used = [], [], set()

    def new_id(birth: date) -> str:
        while True:
            i = make_id(rng, birth)
            if i not in used:
                used.add(i)
                return i

    town_names = list(TOWNS)
    for h in range(size.households):
        town = town_names[h % len(town_names)]
        village = rng.choice(TOWNS[town])
        monitoring = rng.random() < 0.2
        hh = {
            "household_id": f"{COUNTY_CODE}{town_names.index(town) + 1:02d}{h + 1:06d}",
            "town": town,
            "village": village,
            "household_type": "监测户" if monitoring else "脱贫户",
            "monitoring_type": rng.choice(["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]) if monitoring else None,
            "risk_eliminated": rng.choice(["是", "否"]) if monitoring else None,
            "per_capita_income": round(rng.lognormvariate(9.1, 0.45), 2),
            "risk_cause": rng.choice(["因病", "因残", "因学", "因灾", "因务工就业不稳", "其他"])
            if monitoring
            else None,
        }
        members = [("户主", _birth(rng, 30, 80, ref))]
        if rng.random() < 0.8:
            members.append(("配偶", _birth(rng, 28, 78, ref)))
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            members.append((rng.choice(["子", "女"]), _birth(rng, 1, 24, ref)))
        if rng.random() < 0.15:
            members.append((rng.choice(["父亲", "母亲"]), _birth(rng, 70, 92, ref)))
        hh["household_size"] = len(members)
        households.append(hh)
        for relation, birth in members:
            age = (ref - birth).days // 365
            labour = (
                "无劳动力"
                if age < 16 or age > 75
                else rng.choice(["普通劳动力", "普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力"])
            )
            persons.append(
                {
                    **{
                        k: hh[k]
                        for k in (
                            "household_id",
                            "town",
                            "village",
                            "household_type",
                            "monitoring_type",
                            "risk_eliminated",
                            "household_size",
                            "per_capita_income",
                            "risk_cause",
                        )
                    },
                    "id_number": new_id(birth),
                    "name": _name(rng),
                    "relation": relation,
                    "labour_status": labour,
                    "birth": birth,
                }
            )
    outsiders = []
    for _ in range(size.outsiders if size.outsiders <= 20_000 else 20_000):
        town = rng.choice(town_names)
        birth = _birth(rng, 1, 85, ref)
        outsiders.append(Person(new_id(birth), _name(rng), birth, town, rng.choice(TOWNS[town])))
    return County(rng, households, persons, outsiders)

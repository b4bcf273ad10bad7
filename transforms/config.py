"""County configuration: departments, datasets and reading rules, loaded from `config/*.yaml`
into typed, documented objects. Nothing here knows about files on disk beyond the YAML."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"

CONFIG_FILES = ("county.yaml", "departments.yaml", "datasets.yaml", "reading.yaml")
FieldType = Literal["id_number", "text", "enum", "enum_list", "date", "amount", "integer"]
FIELD_TYPES: tuple[str, ...] = ("id_number", "text", "enum", "enum_list", "date", "amount", "integer")


def fold_label(text: str) -> str:
    """Fold a header or folder name for matching: full-width to half-width (NFKC), no spaces.

    >>> fold_label(" 家庭人均纯收入（元） ") == fold_label("家庭人均纯收入(元)")
    True
    """
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class Department:
    """A department (行业部门) that drops extracts into the inbox."""

    code: str
    label: str
    folders: tuple[str, ...]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a dataset: its contract name, type and the header texts that mean it."""

    name: str
    type: FieldType
    headers: tuple[str, ...]
    required: bool = False
    values: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    separators: tuple[str, ...] = ()
    minimum: float | None = None

    @property
    def label(self) -> str:
        """The contract's default header, used when a message names the field."""
        return self.headers[0]


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset of the data contract, e.g. `medical__settlements` (医保结算明细)."""

    code: str
    department: str
    label: str
    fields: tuple[FieldSpec, ...]
    unique_by: tuple[str, ...] = ()

    @property
    def required_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.required)

    @property
    def staging_table(self) -> str:
        return f"stg_{self.code}"

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class ReadingRules:
    """How a sheet is laid out: where the header may be, what a footer looks like."""

    header_search_rows: int
    footer_prefixes: tuple[str, ...]
    excel_serial_range: tuple[int, int]
    earliest_date: date


@dataclass(frozen=True)
class CountyConfig:
    """Everything a run reads from `config/`, with a digest for the manifest."""

    county_name: str
    departments: tuple[Department, ...]
    datasets: tuple[DatasetSpec, ...]
    reading: ReadingRules
    digest: str

    def department(self, code: str) -> Department:
        for d in self.departments:
            if d.code == code:
                return d
        raise KeyError(code)

    def datasets_of(self, department: str) -> tuple[DatasetSpec, ...]:
        return tuple(d for d in self.datasets if d.department == department)

    def dataset(self, code: str) -> DatasetSpec:
        for d in self.datasets:
            if d.code == code:
                return d
        raise KeyError(code)

    def department_for_folder(self, folder_name: str) -> Department | None:
        folded = fold_label(folder_name).lower()
        for d in self.departments:
            if folded in {fold_label(f).lower() for f in d.folders}:
                return d
        return None


def _field(name: str, raw: dict) -> FieldSpec:
    ftype = raw["type"]
    if ftype not in FIELD_TYPES:
        raise ValueError(f"field {name}: unknown type {ftype!r}; expected one of {FIELD_TYPES}")
    return FieldSpec(
        name=name,
        type=ftype,
        headers=tuple(raw["headers"]),
        required=bool(raw.get("required", False)),
        values=tuple(str(v) for v in raw.get("values", ())),
        aliases={str(k): str(v) for k, v in (raw.get("aliases") or {}).items()},
        separators=tuple(raw.get("separators", ())),
        minimum=raw.get("minimum"),
    )


def load_config(config_dir: Path | None = None) -> CountyConfig:
    """Load and check the county's configuration files (`CONFIG_FILES`)."""
    return _load_config(str(config_dir or CONFIG_DIR))


@cache
def _load_config(config_dir: str) -> CountyConfig:
    folder = Path(config_dir)
    texts = {n: (folder / n).read_bytes() for n in CONFIG_FILES}
    digest = hashlib.sha256(b"".join(texts[n] for n in sorted(texts))).hexdigest()
    deps_raw = yaml.safe_load(texts["departments.yaml"])["departments"]
    departments = tuple(Department(code=c, label=v["label"], folders=tuple(v["folders"])) for c, v in deps_raw.items())
    codes = {d.code for d in departments}
    datasets = []
    for code, raw in yaml.safe_load(texts["datasets.yaml"])["datasets"].items():
        if raw["department"] not in codes:
            raise ValueError(f"dataset {code}: unknown department {raw['department']!r}")
        fields = tuple(_field(n, f) for n, f in raw["fields"].items())
        for f in fields:
            for alias, target in f.aliases.items():
                if target not in f.values:
                    raise ValueError(f"{code}.{f.name}: alias {alias!r} maps to unknown {target!r}")
        datasets.append(
            DatasetSpec(
                code=code,
                department=raw["department"],
                label=raw["label"],
                fields=fields,
                unique_by=tuple(raw.get("unique_by", ())),
            )
        )
    r = yaml.safe_load(texts["reading.yaml"])
    reading = ReadingRules(
        header_search_rows=int(r["header_search_rows"]),
        footer_prefixes=tuple(r["footer_prefixes"]),
        excel_serial_range=(int(r["excel_serial_range"][0]), int(r["excel_serial_range"][1])),
        earliest_date=date.fromisoformat(str(r["earliest_date"])),
    )
    county_name = str(yaml.safe_load(texts["county.yaml"])["county_name"])
    return CountyConfig(county_name, departments, tuple(datasets), reading, digest)

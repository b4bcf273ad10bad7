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

from transforms.linkage_settings import LinkageSettings
from transforms.settings import config_dir as default_config_dir

CONFIG_FILES = (
    "county.yaml", "departments.yaml", "datasets.yaml", "reading.yaml", "thresholds.yaml", "rules.yaml",
    "id_linkage.yaml",
)  # fmt: skip
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
    name: str = ""  # the short name people use (民政局): in the names of the files it receives
    work_order_prefix: str | None = None  # 2026Q3-<prefix>-000123; None: it receives no work orders

    @property
    def file_name(self) -> str:
        """The name in its published files' and folders' names (民政局), else its code."""
        return self.name or self.code


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
    # An event date (结算日期, 鉴定日期 …): a row dated after the quarter's last day belongs to a
    # later quarter's extract and is rejected (contract: "日期晚于本季度末").
    event: bool = False

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
    stream_from_bytes: int = 64 << 20
    batch_rows: int = 1_000_000
    spill_rows: int = 1_500_000
    note_sheets: tuple[str, ...] = ()  # sheet names whose rows are notes for people, never data


@dataclass(frozen=True)
class Rule:
    """A rule of the catalogue (`config/rules.yaml`): its query is `sql/rules/<rule_id>.sql`."""

    rule_id: str
    label: str
    subject: Literal["person", "household"]
    red_making: bool
    department: str = "county"  # a department's code, or the county office's
    cause: str = "per_signal"  # a key of the causes, or per_signal (the query says per row)
    parameters: tuple[str, ...] = ()  # the thresholds its query names ($oop_household_limit …)


@dataclass(frozen=True)
class Thresholds:
    """The monitoring thresholds in force for one year (yuan a person a year unless said), by
    name as `config/thresholds.yaml` lists them: `t.monitoring_line`, or `t.values`."""

    year: int
    values: dict[str, float]
    sources: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> float:
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def as_params(self) -> dict[str, float]:
        """Named SQL parameters (`$monitoring_line`, …)."""
        return dict(self.values)


@dataclass(frozen=True)
class CountyConfig:
    """Everything a run reads from `config/`, with a digest for the manifest."""

    county_name: str
    departments: tuple[Department, ...]
    datasets: tuple[DatasetSpec, ...]
    reading: ReadingRules
    digest: str
    threshold_entries: dict[str, tuple[dict, ...]] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    county_office: Department = Department("county", "县乡村振兴局", ())
    causes: dict[str, str] = field(default_factory=dict)  # cause -> label (因病 …)
    listing_reasons: dict[str, str] = field(default_factory=dict)
    listing_evidence: dict[str, str] = field(default_factory=dict)  # templates: rules.yaml listing_evidence
    colour_parameters: tuple[str, ...] = ()
    linkage: LinkageSettings | None = None  # id_linkage.yaml: suggestions for mistyped identity numbers
    # rules.yaml material_change: when a town's 不属实 stops holding
    material_change: dict = field(default_factory=dict)

    @property
    def department_labels(self) -> dict[str, str]:
        """Every code a warning may carry as its department -> its label (the county office's too)."""
        return {d.code: d.label for d in self.departments} | {self.county_office.code: self.county_office.label}

    @property
    def work_order_prefixes(self) -> dict[str, str]:
        """Department code -> work-order prefix, for the departments that receive work orders."""
        return {d.code: d.work_order_prefix for d in self.departments if d.work_order_prefix}

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.rule_id == rule_id:
                return r
        raise KeyError(rule_id)

    def thresholds(self, year: int) -> Thresholds:
        """The thresholds in force in `year` for this county (see config/thresholds.yaml)."""
        chosen: dict[str, float] = {}
        sources: dict[str, str] = {}
        for name, entries in self.threshold_entries.items():
            usable = [e for e in entries if int(e["from_year"]) <= year and e.get("county") in (None, self.county_name)]
            if not usable:
                raise ValueError(f"threshold {name}: no value in force in {year}")
            best = max(usable, key=lambda e: (int(e["from_year"]), e.get("county") is not None))
            chosen[name], sources[name] = float(best["value"]), str(best.get("source", ""))
        return Thresholds(year=year, values=chosen, sources=sources)

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
    if raw.get("event") and ftype != "date":
        raise ValueError(f"field {name}: only a date can be an event date")
    return FieldSpec(
        name=name,
        type=ftype,
        headers=tuple(raw["headers"]),
        required=bool(raw.get("required", False)),
        values=tuple(str(v) for v in raw.get("values", ())),
        aliases={str(k): str(v) for k, v in (raw.get("aliases") or {}).items()},
        separators=tuple(raw.get("separators", ())),
        minimum=raw.get("minimum"),
        event=bool(raw.get("event", False)),
    )


def load_config(config_dir: Path | None = None) -> CountyConfig:
    """Load and check the county's configuration files (`CONFIG_FILES`)."""
    return _load_config(str(config_dir or default_config_dir()))


def _departments(raw: dict) -> tuple[tuple[Department, ...], Department]:
    """departments.yaml: the departments and the county office."""
    departments = tuple(
        Department(
            code=c,
            label=v["label"],
            folders=tuple(v["folders"]),
            name=str(v.get("name", "")),
            work_order_prefix=v.get("work_order_prefix"),
        )
        for c, v in raw["departments"].items()
    )
    office = raw.get("county_office") or {"code": "county", "label": "县乡村振兴局"}
    return departments, Department(code=str(office["code"]), label=str(office["label"]), folders=())


def _datasets(raw: dict, codes: set[str]) -> tuple[DatasetSpec, ...]:
    """datasets.yaml, each dataset's department known and each alias mapping to a known value."""
    datasets = []
    for code, spec in raw["datasets"].items():
        if spec["department"] not in codes:
            raise ValueError(f"dataset {code}: unknown department {spec['department']!r}")
        fields = tuple(_field(n, f) for n, f in spec["fields"].items())
        for f in fields:
            for alias, target in f.aliases.items():
                if target not in f.values:
                    raise ValueError(f"{code}.{f.name}: alias {alias!r} maps to unknown {target!r}")
        datasets.append(
            DatasetSpec(
                code=code,
                department=spec["department"],
                label=spec["label"],
                fields=fields,
                unique_by=tuple(spec.get("unique_by", ())),
            )
        )
    return tuple(datasets)


def _reading(r: dict) -> ReadingRules:
    """reading.yaml."""
    return ReadingRules(
        header_search_rows=int(r["header_search_rows"]),
        footer_prefixes=tuple(r["footer_prefixes"]),
        excel_serial_range=(int(r["excel_serial_range"][0]), int(r["excel_serial_range"][1])),
        earliest_date=date.fromisoformat(str(r["earliest_date"])),
        stream_from_bytes=int(float(r.get("stream_from_megabytes", 64)) * (1 << 20)),
        batch_rows=int(r.get("batch_rows", 1_000_000)),
        spill_rows=int(r.get("spill_rows", 1_500_000)),
        note_sheets=tuple(str(n) for n in r.get("note_sheets", ())),
    )


def _rules(catalogue: dict, county_office: Department) -> tuple[Rule, ...]:
    """rules.yaml's rules."""
    return tuple(
        Rule(
            rule_id=k,
            label=v["label"],
            subject=v["subject"],
            red_making=bool(v["red_making"]),
            department=str(v.get("department", county_office.code)),
            cause=str(v.get("cause", "per_signal")),
            parameters=tuple(v.get("parameters") or ()),
        )
        for k, v in catalogue["rules"].items()
    )


@cache
def _load_config(config_dir: str) -> CountyConfig:
    folder = Path(config_dir)
    texts = {n: (folder / n).read_bytes() for n in CONFIG_FILES}
    digest = hashlib.sha256(b"".join(texts[n] for n in sorted(texts))).hexdigest()
    departments, county_office = _departments(yaml.safe_load(texts["departments.yaml"]))
    datasets = _datasets(yaml.safe_load(texts["datasets.yaml"]), {d.code for d in departments})
    thresholds = {k: tuple(v) for k, v in yaml.safe_load(texts["thresholds.yaml"])["thresholds"].items()}
    catalogue = yaml.safe_load(texts["rules.yaml"])
    labels = {key: {str(k): str(v) for k, v in (catalogue.get(key) or {}).items()}
              for key in ("causes", "listing_reasons", "listing_evidence")}  # fmt: skip
    config = CountyConfig(
        str(yaml.safe_load(texts["county.yaml"])["county_name"]),
        departments,
        datasets,
        _reading(yaml.safe_load(texts["reading.yaml"])),
        digest,
        thresholds,
        _rules(catalogue, county_office),
        county_office=county_office,
        **labels,
        colour_parameters=tuple(catalogue.get("colour_parameters") or ()),
        material_change=dict(catalogue.get("material_change") or {}),
        linkage=LinkageSettings.from_yaml(yaml.safe_load(texts["id_linkage.yaml"])),
    )
    _check_catalogue(config)
    config.thresholds(max(int(e["from_year"]) for v in thresholds.values() for e in v))  # every name known
    return config


def _check_catalogue(config: CountyConfig) -> None:
    """The rules' declarations against the registries: a rule's department is a department or
    the county office, its cause a known cause, its parameters thresholds; every threshold is
    some rule's parameter or a colour's. A county editing the YAML learns at once."""
    answerable = set(config.department_labels)
    for r in config.rules:
        if r.department not in answerable:
            raise ValueError(f"rule {r.rule_id}: unknown department {r.department!r} (departments.yaml)")
        if r.cause != "per_signal" and r.cause not in config.causes:
            raise ValueError(f"rule {r.rule_id}: unknown cause {r.cause!r} (rules.yaml causes)")
        unknown = [p for p in r.parameters if p not in config.threshold_entries]
        if unknown:
            raise ValueError(f"rule {r.rule_id}: parameters {unknown} have no values in thresholds.yaml")
    declared = {p for r in config.rules for p in r.parameters} | set(config.colour_parameters)
    unused = sorted(set(config.threshold_entries) - declared)
    if unused:
        raise ValueError(f"thresholds.yaml: {unused} are declared by no rule (rules.yaml parameters) nor colour")

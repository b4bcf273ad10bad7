"""County configuration: departments, datasets and reading rules, loaded from `config/*.yaml`
into typed, documented objects. Nothing here knows about files on disk beyond the YAML."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal, get_args

import transforms.config_files as files
from transforms.linkage_settings import LinkageSettings
from transforms.settings import config_dir as default_config_dir

CONFIG_FILES = (
    "county.yaml",
    "departments.yaml",
    "datasets.yaml",
    "reading.yaml",
    "thresholds.yaml",
    "rules.yaml",
    "id_linkage.yaml",
)
FieldType = files.FieldType
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)


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
    threshold_entries: dict[str, tuple[files.ThresholdEntry, ...]] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    county_office: Department = Department("county", "县乡村振兴局", ())
    causes: dict[str, str] = field(default_factory=dict)  # cause -> label (因病 …)
    listing_reasons: dict[str, str] = field(default_factory=dict)
    listing_evidence: dict[str, str] = field(default_factory=dict)  # templates: rules.yaml listing_evidence
    colour_parameters: tuple[str, ...] = ()
    linkage: LinkageSettings | None = None  # id_linkage.yaml: suggestions for mistyped identity numbers
    # rules.yaml material_change: when a town's 不属实 stops holding
    material_change: files.MaterialChange = field(default_factory=files.MaterialChange)
    yield_min_answers: int = 20  # rules.yaml answer_yield: a 命中率 over fewer answers is greyed

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
            usable = [e for e in entries if e.from_year <= year and e.county in (None, self.county_name)]
            if not usable:
                raise ValueError(f"threshold {name}: no value in force in {year}")
            best = max(usable, key=lambda e: (e.from_year, e.county is not None))
            chosen[name], sources[name] = best.value, best.source
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


def _field(name: str, f: files.FieldEntry) -> FieldSpec:
    return FieldSpec(
        name=name,
        type=f.type,
        headers=tuple(f.headers),
        required=f.required,
        values=tuple(str(v) for v in f.values),
        aliases={str(k): str(v) for k, v in f.aliases.items()},
        separators=tuple(f.separators),
        minimum=f.minimum,
        event=f.event,
    )


def load_config(config_dir: Path | None = None) -> CountyConfig:
    """Load and check the county's configuration files (`CONFIG_FILES`)."""
    return _load_config(str(config_dir or default_config_dir()))


def _departments(raw: files.DepartmentsFile) -> tuple[tuple[Department, ...], Department]:
    """departments.yaml: the departments and the county office."""
    departments = tuple(
        Department(code=c, label=d.label, folders=tuple(d.folders), name=d.name, work_order_prefix=d.work_order_prefix)
        for c, d in raw.departments.items()
    )
    office = raw.county_office
    return departments, Department(code=office.code, label=office.label, folders=())


def _datasets(raw: files.DatasetsFile, codes: set[str]) -> tuple[DatasetSpec, ...]:
    """datasets.yaml, each dataset's department known."""
    datasets = []
    for code, spec in raw.datasets.items():
        if spec.department not in codes:
            raise files.ConfigError(
                f"config/datasets.yaml：数据集 {code} 的部门 {spec.department!r} 不在 departments.yaml 中 "
                f"/ dataset {code}: unknown department"
            )
        fields = tuple(_field(n, f) for n, f in spec.fields.items())
        datasets.append(DatasetSpec(code, spec.department, spec.label, fields, tuple(spec.unique_by)))
    return tuple(datasets)


def _reading(r: files.ReadingFile) -> ReadingRules:
    """reading.yaml."""
    return ReadingRules(
        header_search_rows=r.header_search_rows,
        footer_prefixes=tuple(r.footer_prefixes),
        excel_serial_range=r.excel_serial_range,
        earliest_date=r.earliest_date,
        stream_from_bytes=int(r.stream_from_megabytes * (1 << 20)),
        batch_rows=r.batch_rows,
        spill_rows=r.spill_rows,
        note_sheets=tuple(r.note_sheets),
    )


def _rules(catalogue: files.RulesFile, county_office: Department) -> tuple[Rule, ...]:
    """rules.yaml's rules."""
    return tuple(
        Rule(
            rule_id=k,
            label=v.label,
            subject=v.subject,
            red_making=v.red_making,
            department=v.department or county_office.code,
            cause=v.cause,
            parameters=tuple(v.parameters),
        )
        for k, v in catalogue.rules.items()
    )


# Each file of CONFIG_FILES and the model that says what it may hold (transforms/config_files.py).
MODELS = {
    "county.yaml": files.CountyFile,
    "departments.yaml": files.DepartmentsFile,
    "datasets.yaml": files.DatasetsFile,
    "reading.yaml": files.ReadingFile,
    "thresholds.yaml": files.ThresholdsFile,
    "rules.yaml": files.RulesFile,
    "id_linkage.yaml": files.IdLinkageFile,
}


@cache
def _load_config(config_dir: str) -> CountyConfig:
    folder = Path(config_dir)
    texts = {n: (folder / n).read_bytes() for n in CONFIG_FILES}
    digest = hashlib.sha256(b"".join(texts[n] for n in sorted(texts))).hexdigest()
    read = {n: files.parse_config_text(n, texts[n], MODELS[n]) for n in CONFIG_FILES}
    departments, county_office = _departments(read["departments.yaml"])
    catalogue: files.RulesFile = read["rules.yaml"]
    thresholds = {k: tuple(v) for k, v in read["thresholds.yaml"].thresholds.items()}
    config = CountyConfig(
        read["county.yaml"].county_name,
        departments,
        _datasets(read["datasets.yaml"], {d.code for d in departments}),
        _reading(read["reading.yaml"]),
        digest,
        thresholds,
        _rules(catalogue, county_office),
        county_office=county_office,
        causes=dict(catalogue.causes),
        listing_reasons=dict(catalogue.listing_reasons),
        listing_evidence=dict(catalogue.listing_evidence),
        colour_parameters=tuple(catalogue.colour_parameters),
        material_change=catalogue.material_change,
        yield_min_answers=catalogue.answer_yield.min_answers,
        linkage=LinkageSettings.from_yaml(read["id_linkage.yaml"].model_dump()),
    )
    _check_catalogue(config)
    config.thresholds(max(e.from_year for v in thresholds.values() for e in v))  # every name known
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

"""What each file of `config/` may say: one typed model per YAML file, read by one loader
(`read_config_file`). A county officer editing a file learns at once, in Chinese and in English,
which file, which entry and what is wrong — a misspelt key, a missing value, a number where a
list belongs — instead of a run failing later on a `KeyError`.

The models check the shape of each file alone; what ties the files together (a rule's
department is a department, a threshold some rule's parameter …) is checked in
`transforms/config.py`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from transforms import settings
from transforms.settings import RunRefused

FieldType = Literal["id_number", "text", "enum", "enum_list", "date", "amount", "integer"]


class ConfigError(RunRefused, ValueError):
    """A file of `config/` that cannot be used as written: the run is refused, nothing is
    published, and the message (no data of anyone's) says which file, entry and fault."""


class _Entry(BaseModel):
    """Every entry: unknown keys refused (a misspelt key would otherwise be ignored in silence)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# county.yaml ----------------------------------------------------------------------------------
class CountyFile(_Entry):
    county_name: str


# departments.yaml -----------------------------------------------------------------------------
class DepartmentEntry(_Entry):
    label: str
    folders: list[str] = Field(min_length=1)
    name: str = ""
    work_order_prefix: str | None = None


class CountyOfficeEntry(_Entry):
    code: str = "county"
    label: str = "县乡村振兴局"


class DepartmentsFile(_Entry):
    departments: dict[str, DepartmentEntry] = Field(min_length=1)
    county_office: CountyOfficeEntry = CountyOfficeEntry()


# datasets.yaml --------------------------------------------------------------------------------
class FieldEntry(_Entry):
    type: FieldType
    headers: list[str] = Field(min_length=1)
    required: bool = False
    values: list[str | int] = []
    aliases: dict[str | int, str | int] = {}
    separators: list[str] = []
    minimum: float | None = None
    event: bool = False  # 结算日期, 鉴定日期 …: a row dated after the quarter belongs to a later one

    @model_validator(mode="after")
    def _consistent(self) -> FieldEntry:
        if self.event and self.type != "date":
            raise ValueError("只有日期字段可以是事件日期 / only a date can be an event date (event: true)")
        known = {str(v) for v in self.values}
        unknown = [str(k) for k, v in self.aliases.items() if str(v) not in known]
        if unknown:
            raise ValueError(f"别名 {unknown} 指向的值不在 values 中 / aliases map to values not listed")
        return self


class DatasetEntry(_Entry):
    department: str
    label: str
    fields: dict[str, FieldEntry] = Field(min_length=1)
    unique_by: list[str] = []

    @model_validator(mode="after")
    def _keys_are_fields(self) -> DatasetEntry:
        unknown = [k for k in self.unique_by if k not in self.fields]
        if unknown:
            raise ValueError(f"unique_by 中的 {unknown} 不是本数据集的字段 / unique_by names unknown fields")
        return self


class DatasetsFile(_Entry):
    datasets: dict[str, DatasetEntry] = Field(min_length=1)


# reading.yaml ---------------------------------------------------------------------------------
class ReadingFile(_Entry):
    header_search_rows: int = Field(gt=0)
    footer_prefixes: list[str]
    excel_serial_range: tuple[int, int]
    earliest_date: date
    stream_from_megabytes: float = Field(64, ge=0)  # 0: every CSV read in batches
    batch_rows: int = Field(1_000_000, gt=0)
    spill_rows: int = Field(1_500_000, gt=0)
    note_sheets: list[str] = []


# thresholds.yaml ------------------------------------------------------------------------------
class ThresholdEntry(_Entry):
    from_year: int
    value: float
    county: str | None = None  # a county's own value, above the province's of the same year
    source: str = ""


class ThresholdsFile(_Entry):
    thresholds: dict[str, list[ThresholdEntry]] = Field(min_length=1)


# rules.yaml -----------------------------------------------------------------------------------
class RuleEntry(_Entry):
    label: str
    subject: Literal["person", "household"]
    red_making: bool
    department: str | None = None  # None: the county office's
    cause: str = "per_signal"
    parameters: list[str] = []


class MaterialChange(_Entry):
    """When a town's 不属实 stops holding (contract: "a material change")."""

    spending_rules: list[str] = []
    grows_by_share: float = Field(0.2, ge=0)
    grows_by_at_least: float = Field(0, ge=0)
    period_pattern: str = ""


class AnswerYieldSettings(_Entry):
    """What the answers teach: a share over fewer answers than this is shown greyed."""

    min_answers: int = Field(20, ge=1)


class RulesFile(_Entry):
    rules: dict[str, RuleEntry] = Field(min_length=1)
    causes: dict[str, str] = {}
    colour_parameters: list[str] = []
    listing_reasons: dict[str, str] = {}
    listing_evidence: dict[str, str] = {}
    material_change: MaterialChange = MaterialChange()
    answer_yield: AnswerYieldSettings = AnswerYieldSettings()


# id_linkage.yaml ------------------------------------------------------------------------------
class IdLinkageFile(_Entry):
    recommend_at: float = Field(gt=0, le=1)
    list_from: float = Field(ge=0, le=1)
    max_per_row: int = Field(gt=0)
    prior_rejected: float = Field(gt=0, lt=1)
    valid_slips_per_caught: float = Field(gt=0)
    slip_single_row: float = Field(gt=0, lt=1)
    u_max_pairs: float = Field(gt=0)
    u_seed: int
    m_probabilities: dict[str, list[float]]


# quality_gates.yaml ---------------------------------------------------------------------------
class Gate(_Entry):
    severity: Literal["blocking", "advisory"]
    metric: Literal["offending_rows", "value"]
    label: str
    max: float | None = None
    min: float | dict[str, float] | None = None  # per dataset: `default` for any not named

    def bound(self, key: Literal["min", "max"], subject: str) -> float | None:
        """The limit for `subject` (a dataset, or every dataset)."""
        b = getattr(self, key)
        if isinstance(b, dict):
            b = b.get(subject, b.get("default"))
        return None if b is None else float(b)


class QualityGatesFile(_Entry):
    gates: dict[str, Gate]


# calendar.yaml --------------------------------------------------------------------------------
class Deadlines(_Entry):
    verification_working_days: int = Field(gt=0)  # 入户核查
    work_order_working_days: int = Field(gt=0)  # 部门办结


class CalendarFile(_Entry):
    deadlines: Deadlines
    extra_holidays: list[date] = []
    extra_workdays: list[date] = []


# excel_layout.yaml ----------------------------------------------------------------------------
class Colour(_Entry):
    label: str
    fill: str


class Margins(_Entry):
    left: float
    right: float
    top: float
    bottom: float


class Printing(_Entry):
    paper: Literal[9] = 9  # A4
    margins_inches: Margins = Margins(left=0.25, right=0.25, top=0.4, bottom=0.5)
    smallest_print_scale: float = Field(0.75, gt=0, le=1)


class Column(_Entry):
    key: str
    header: str
    width: float = Field(gt=0)
    fill: bool = False  # a column the receiver fills in (unlocked, with its dropdown)
    print: bool = True  # False: office-only, outside the print area


class Likelihood(_Entry):
    """判断参考 of the suggestions workbook: what the model's figures mean for the decision."""

    recommended: str = "很可能是本人"
    possible_from: float = Field(0.5, ge=0, le=1)
    possible: str = "可能是本人"
    doubtful: str = "把握不大"


class SheetLayout(_Entry):
    """One workbook people receive: its title, note, columns and what they may choose."""

    title: str
    note: str
    columns: list[Column] = Field(min_length=1)
    return_to: str = ""
    sign_off: str | None = None
    freeze_through: str | None = None
    instructions: list[str] = []
    verification_choices: list[str] = []  # 核实结果
    monitoring_choices: list[str] = []  # 是否建议纳入监测
    settlement_choices: list[str] = []  # 办理结果
    confirmation_choices: list[str] = []  # 确认结果
    closure_order: list[str] = []  # 销号方式
    likelihood: Likelihood = Likelihood()

    @model_validator(mode="after")
    def _freeze_through_a_column(self) -> SheetLayout:
        if self.freeze_through and self.freeze_through not in {c.key for c in self.columns}:
            raise ValueError(f"freeze_through 指向不存在的列 {self.freeze_through!r} / names no column")
        return self


class ExcelLayout(_Entry):
    """`config/excel_layout.yaml`: the workbooks people receive — titles, notes, columns,
    widths, colours, printing."""

    colours: dict[str, Colour]
    print: Printing = Printing()
    town_list: SheetLayout
    county_list: SheetLayout
    closed_list: SheetLayout
    work_orders: SheetLayout
    id_suggestions: SheetLayout
    exit_list: SheetLayout  # 风险消除建议名单

    @classmethod
    def load(cls, config_dir: Path | None = None) -> ExcelLayout:
        return read_config_file("excel_layout.yaml", cls, config_dir)


Model = TypeVar("Model", bound=BaseModel)


def parse_config_text(name: str, text: str | bytes, model: type[Model]) -> Model:
    """A file's text as `model`, or a `ConfigError` naming the file, the entry and the fault."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第 {mark.line + 1} 行 / line {mark.line + 1}" if mark else ""
        raise ConfigError(f"配置文件 config/{name} 不是有效的 YAML {where} / not valid YAML: {e}") from None
    try:
        return model.model_validate(raw if raw is not None else {})
    except ValidationError as e:
        raise ConfigError(describe(name, e)) from None


def read_config_file(name: str, model: type[Model], config_dir: Path | None = None) -> Model:
    """`config/<name>` (or `config_dir`'s) read as `model`."""
    path = (config_dir or settings.config_dir()) / name
    return parse_config_text(name, path.read_bytes(), model)


_FAULTS = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识此项（拼写错误？）",
    "literal_error": "取值不在允许范围内",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "应为日期（如 2027-01-01）",
    "date_parsing": "应为日期（如 2027-01-01）",
    "list_type": "应为列表（[a, b]）",
    "dict_type": "应为若干“名称: 值”",
    "string_type": "应为文字",
    "too_short": "不能为空",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than": "数值太大",
    "less_than_equal": "数值太大",
    "value_error": "取值有误",
}


def describe(name: str, error: ValidationError) -> str:
    """Every fault of a file, one per line: where (the keys down to it), what in Chinese, then
    pydantic's own English words."""
    lines = [f"配置文件 config/{name} 有 {error.error_count()} 处错误 / configuration errors:"]
    for e in error.errors(include_url=False):
        where = " → ".join(str(p) for p in e["loc"]) or "（整个文件）"
        fault = _FAULTS.get(e["type"], "取值有误")
        lines.append(f"  {where}：{fault} / {e['msg']}")
    return "\n".join(lines)

"""Contracts of published tables that more than one part of povwatch writes or reads (one
place for each: the writers cast to them, the readers and tests import them)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from transforms.config import load_config
from transforms.config_files import ExcelLayout

# out/<quarter>/warnings.parquet and households.parquet: their columns, in the order written
# (transforms.compare.comparison selects them; the models below check them).
WARNING_COLUMNS = [
    "quarter",
    "rule_id",
    "household_id",
    "id_number",
    "town",
    "village",
    "cause",
    "department",
    "evidence",
    "status",
    "followup",
    "listed",
    "id_corrected",
    "changed_since_judged",
    "pending_suggestion",  # a stranger's warning not sent while it waits on this 建议编号 (one person, one visit)
]
HOUSEHOLD_COLUMNS = [
    "quarter",
    "household_id",
    "town",
    "village",
    "household_type",
    "colour",
    "rule_ids",
    "causes",
    "members",
]
# out/<quarter>/rejects.parquet: one row per rejected row (or whole file), in the order written.
REJECT_COLUMNS = [
    "department",
    "file",
    "sheet",
    "row_number",
    "column",
    "value",
    "reason",
    "reason_code",
    "dataset",
    "row_values",
    "corrected_by",  # the supplement file and row that corrected it (已在补报中更正), or null
]
# followup/<quarter>/returns_rejects.parquet: the returned rows (or files) refused, with reasons.
RETURN_REJECT_SCHEMA = {
    "kind": pl.String,  # verification / settlement / identity (null: a file that is not a returned list)
    "key": pl.String,  # the row's 预警编号, 工单编号 or 建议编号 as written (null when it had none)
    "file": pl.String,
    "sheet": pl.String,
    "row_number": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
    "reason_code": pl.String,
}
# followup/<quarter>/followup.parquet: one row per warning sent, with its answers and deadlines.
FOLLOWUP_COLUMNS = [
    "quarter",
    "rule_id",
    "household_id",
    "id_number",
    "town",
    "department",
    "listing_no",
    "work_order",
    "verify_by",
    "settle_by",
    "verification",
    "verified_by",
    "verified_on",
    "settlement",
    "settled_on",
    "settled_by",
    "verification_overdue",
    "settlement_overdue",
    "source",
    # an answer came back but was refused (退回重填: counted apart from 逾期未反馈, never as overdue)
    "verification_returned",
    "settlement_returned",
]
# followup/<quarter>/followup_listing.parquet (an addition to the contract's files): one row per town-list row.
LISTING_COLUMNS = [
    "listing_no",
    "town",
    "household_id",
    "id_number",
    "rules",
    "verify_by",
    "verification",
    "verified_by",
    "verified_on",
    "verification_overdue",
    "propose_monitoring",
    "help_measures",
    "verification_returned",
]

# out/<quarter>/exit_candidates.parquet: one row per 监测户 proposed for 风险消除 (leaving monitoring).
EXIT_COLUMNS = [
    "quarter",
    "household_id",
    "town",
    "village",
    "monitoring_type",
    "risk_cause",
    "members",
    "monitored_since",
    "since_from_roster",
    "months_monitored",
    "income_now",
    "income_previous",
    "monitoring_line",
]

# out/<quarter>/id_suggestions.parquet (contract: identity numbers that were probably mistyped):
# one row per suggestion, written by transforms.linkage.suggestions, carried by the comparison.
SUGGESTION_COLUMNS = [
    "suggestion_id",
    "quarter",
    "department",
    "dataset",
    "file",
    "sheet",
    "row_number",
    "origin",
    "id_as_written",
    "name_as_written",
    "suggested_id_number",
    "suggested_household_id",
    "suggested_name",
    "suggested_town",
    "suggested_village",
    "match_probability",
    "row_probability",
    "agreement",
    "recommended",
    "town_as_written",
    "village_as_written",  # the department row's own town and village, when it has them
]
SUGGESTION_SCHEMA = {
    **dict.fromkeys(SUGGESTION_COLUMNS, pl.String),
    "row_number": pl.Int64,
    "match_probability": pl.Float64,  # Splink's, for the pair
    "row_probability": pl.Float64,  # that the row is this person and none of its other candidates
    "recommended": pl.Boolean,
}


# The published tables' contracts as pandera models (polars): types, allowed values and a
# description a county officer can read. Each table is validated against its model before it is
# written (transforms/compare/comparison.py, transforms/linkage/publish_suggestions.py); tests import them.
QUARTER_PATTERN = r"^\d{4}Q[1-4]$"
STATUSES = ["新增", "持续", "升级"]
COLOURS = ["red", "yellow", "green"]
CLOSURES = ["办结销号", "核实消除", "自然消除"]
ORIGINS = ["rejected", "new_candidate", "stranger"]


# Allowed values the county's configuration owns are read when a table is validated, not when
# this module is imported: a county with its own configuration (a new rule, a new department)
# validates against its own.
def _rule_ids() -> list[str]:
    return [r.rule_id for r in load_config().rules]


def _departments() -> list[str]:
    config = load_config()
    return [d.code for d in config.departments] + [config.county_office.code]


def _causes() -> list[str]:
    return list(load_config().causes)


def _household_types() -> list[str]:
    return list(load_config().dataset("roster__persons").field("household_type").values)


def _verifications() -> list[str]:
    return list(ExcelLayout.load().town_list.verification_choices)


def _settlements() -> list[str]:
    return list(ExcelLayout.load().work_orders.settlement_choices)


def _within(values) -> classmethod:
    """A column check: every value is one of `values()` (the configuration's, at validation time)."""

    def check(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_in(values()))

    return classmethod(check)


class WarningRows(pa.DataFrameModel):
    """warnings.parquet：一行一条预警（某条规则对某户或某人触发）。"""

    quarter: str = pa.Field(str_matches=QUARTER_PATTERN, description="季度，如2026Q3")
    rule_id: str = pa.Field(description="预警规则编号（rules.yaml）")
    household_id: str = pa.Field(nullable=True, description="户编号；非名册人员为空")
    id_number: str = pa.Field(nullable=True, description="身份证号（人员规则）；户规则为空")
    town: str = pa.Field(nullable=True, description="乡镇")
    village: str = pa.Field(nullable=True, description="村（社区）")
    cause: str = pa.Field(description="风险类型代码（rules.yaml causes）")
    department: str = pa.Field(description="责任部门代码（departments.yaml）")
    evidence: str = pa.Field(description="预警依据（中文，含触发的数值）")
    status: str = pa.Field(isin=STATUSES, description="与上季度相比：新增、持续、升级")
    listed: bool = pa.Field(description="是否下发乡镇（核实不属实且依据未实质变化、或待县级确认的录错号码，不下发）")
    id_corrected: bool = pa.Field(description="身份证号是否经县级确认更正")

    rule_known = pa.check("rule_id", name="rule_in_catalogue")(_within(_rule_ids))
    cause_known = pa.check("cause", name="cause_in_catalogue")(_within(_causes))
    department_known = pa.check("department", name="department_known")(_within(_departments))

    class Config:
        strict = False


class HouseholdRows(pa.DataFrameModel):
    """households.parquet：一行一户列入名单的户（红、黄，或有部门工单的绿色户）。"""

    quarter: str = pa.Field(str_matches=QUARTER_PATTERN, description="季度")
    household_id: str = pa.Field(unique=True, description="户编号")
    town: str = pa.Field(description="乡镇")
    village: str = pa.Field(description="村（社区）")
    household_type: str = pa.Field(description="户类型（名册的取值）")
    colour: str = pa.Field(isin=COLOURS, description="预警颜色：red 红、yellow 黄、green 绿（有工单）")
    members: int = pa.Field(ge=0, description="家庭人口数（名册）")

    type_known = pa.check("household_type", name="household_type_known")(_within(_household_types))

    class Config:
        strict = False


class ClosedRows(pa.DataFrameModel):
    """closed.parquet：上季度的预警本季度不再触发，以及如何结束。"""

    quarter: str = pa.Field(str_matches=QUARTER_PATTERN, description="预警所属季度（上季度）")
    rule_id: str = pa.Field(description="预警规则编号")
    closed_in: str = pa.Field(str_matches=QUARTER_PATTERN, description="不再触发的季度")
    closure: str = pa.Field(isin=CLOSURES, description="办结销号、核实消除或自然消除")

    rule_known = pa.check("rule_id", name="rule_in_catalogue")(_within(_rule_ids))

    class Config:
        strict = False


class SuggestionRows(pa.DataFrameModel):
    """id_suggestions.parquet：一行一条身份证号疑似录错的建议（某部门数据行可能是名册中的某人）。"""

    suggestion_id: str = pa.Field(unique=True, str_matches=r"^\d{4}Q[1-4]-ID-\d{6}$", description="建议编号")
    department: str = pa.Field(description="报送部门代码")
    row_number: int = pa.Field(nullable=True, ge=1, description="在文件中的行号")
    origin: str = pa.Field(
        isin=ORIGINS, description="rejected 被退回的行；new_candidate 疑似新致贫；stranger 其他非名册人员的行"
    )
    id_as_written: str = pa.Field(description="部门录入的身份证号")
    suggested_id_number: str = pa.Field(str_matches=r"^\d{17}[\dX]$", description="名册中最可能的人员的身份证号")
    match_probability: float = pa.Field(in_range={"min_value": 0, "max_value": 1}, description="该对的概率")
    row_probability: float = pa.Field(in_range={"min_value": 0, "max_value": 1}, description="该行就是此人的概率")
    recommended: bool = pa.Field(description="是否系统推荐（每行至多一条）")

    department_known = pa.check("department", name="department_known")(_within(_departments))

    class Config:
        strict = False


class RejectRows(pa.DataFrameModel):
    """rejects.parquet：一行一条被退回的数据行（或整个无法读取的文件）。"""

    department: str = pa.Field(description="部门代码")
    file: str = pa.Field(description="文件（相对于部门文件夹）")
    sheet: str = pa.Field(nullable=True, description="工作表")
    row_number: int = pa.Field(nullable=True, ge=1, description="在文件中的行号；整个文件无法读取时为空")
    column: str = pa.Field(nullable=True, description="出问题的列（文件中的表头）")
    value: str = pa.Field(nullable=True, description="该列原值")
    reason: str = pa.Field(description="退回原因（中文）")
    reason_code: str = pa.Field(description="原因代码")
    dataset: str = pa.Field(nullable=True, description="识别出的数据集")
    corrected_by: str = pa.Field(nullable=True, description="已在补报中更正：补报的文件及行号")

    class Config:
        strict = False


class ReturnRejectRows(pa.DataFrameModel):
    """returns_rejects.parquet：退回的名单、交办单、核对表中未采用的行（或文件），及原因。"""

    kind: str = pa.Field(
        nullable=True,
        isin=["verification", "settlement", "identity", "exit"],
        description="verification 乡镇核实、settlement 部门办理、identity 县级身份证号确认、exit 乡镇风险消除核实；不是退回名单的文件为空",
    )
    key: str = pa.Field(nullable=True, description="该行的预警编号、工单编号或建议编号（原样）")
    file: str = pa.Field(description="退回的文件（相对于 returns/）")
    row_number: int = pa.Field(nullable=True, ge=1, description="行号；整个文件时为空")
    reason: str = pa.Field(description="未采用的原因（中文）")
    reason_code: str = pa.Field(description="原因代码")

    class Config:
        strict = False


class FollowupRows(pa.DataFrameModel):
    """followup.parquet：一行一条已下发的预警，及其核实、办理情况和期限。"""

    quarter: str = pa.Field(str_matches=QUARTER_PATTERN, description="预警所属季度")
    rule_id: str = pa.Field(description="预警规则编号")
    listing_no: str = pa.Field(nullable=True, description="预警编号（乡镇名单）")
    work_order: str = pa.Field(nullable=True, description="工单编号（部门交办单）")
    verification: str = pa.Field(nullable=True, description="核实结果；未反馈为空")
    settlement: str = pa.Field(nullable=True, description="办理结果；未反馈为空")
    verification_overdue: bool = pa.Field(description="核实逾期未反馈")
    settlement_overdue: bool = pa.Field(description="办理逾期未反馈")
    verification_returned: bool = pa.Field(nullable=True, description="核实结果被退回重填；不在乡镇名单中的为空")
    settlement_returned: bool = pa.Field(nullable=True, description="办理结果被退回重填；没有工单的为空")

    rule_known = pa.check("rule_id", name="rule_in_catalogue")(_within(_rule_ids))
    verification_known = pa.check("verification", name="verification_choice")(_within(_verifications))
    settlement_known = pa.check("settlement", name="settlement_choice")(_within(_settlements))

    class Config:
        strict = False


class FollowupListingRows(pa.DataFrameModel):
    """followup_listing.parquet：一行一条乡镇名单的行（一户或一名非名册人员），及其核实情况。"""

    listing_no: str = pa.Field(unique=True, description="预警编号")
    town: str = pa.Field(description="乡镇")
    verification: str = pa.Field(nullable=True, description="核实结果；未反馈为空")
    verification_overdue: bool = pa.Field(description="核实逾期未反馈")
    verification_returned: bool = pa.Field(description="核实结果被退回重填")

    verification_known = pa.check("verification", name="verification_choice")(_within(_verifications))

    class Config:
        strict = False


class ExitCandidateRows(pa.DataFrameModel):
    """exit_candidates.parquet：一行一户建议风险消除的监测户（纳入监测满6个月、两季度收入不低于监测线、无预警、
    无未办结工单、并非全家无劳动能力）。"""

    proposal_no: str = pa.Field(unique=True, str_matches=r"^\d{4}Q[1-4]-XC-\d{6}$", description="消除建议编号")
    quarter: str = pa.Field(str_matches=QUARTER_PATTERN, description="季度")
    household_id: str = pa.Field(unique=True, description="户编号")
    town: str = pa.Field(description="乡镇")
    months_monitored: int = pa.Field(ge=6, description="纳入监测的整月数")
    since_from_roster: bool = pa.Field(description="纳入监测时间是否来自名册（否：按系统首次记录为监测户的季度）")
    income_now: float = pa.Field(description="本季度名册家庭人均纯收入（元）")
    income_previous: float = pa.Field(description="上季度名册家庭人均纯收入（元）")
    monitoring_line: float = pa.Field(description="监测线（元）")

    @pa.dataframe_check(error="income_below_line")
    def income_at_or_above_the_line(cls, data: pa.PolarsData) -> pl.LazyFrame:
        line = pl.col("monitoring_line")
        return data.lazyframe.select((pl.col("income_now") >= line) & (pl.col("income_previous") >= line))

    class Config:
        strict = False

"""Row contracts (pandera, polars backend) for the staged frame of each dataset.

A staged frame holds the contract's fields, typed and normalised, plus where each row came
from (`source_file`, `source_sheet`, `source_row`). Allowed values come from
`config/datasets.yaml`, so the contract and the county's configuration cannot drift apart.
Each dataframe-level check's `error` is a reason code of `transforms.intake.reasons`.
"""

from __future__ import annotations

from datetime import date

import pandera.polars as pa
import polars as pl

from transforms.config import load_config


def _values(dataset: str, field: str) -> list[str]:
    return list(load_config().dataset(dataset).field(field).values)


class Lineage(pa.DataFrameModel):
    """Where a staged row came from, so a clerk can find it in the file."""

    source_file: str = pa.Field(description="文件名（相对于部门文件夹）")
    source_sheet: str = pa.Field(description="工作表名（CSV为空）")
    source_row: int = pa.Field(ge=1, description="在文件中的行号（与Excel中看到的一致）")

    class Config:
        strict = False


ID_PATTERN = r"^\d{17}[\dX]$"


class RosterPersons(Lineage):
    """监测对象名册：一行一人。"""

    household_id: str = pa.Field(description="户编号，跨季度不变")
    id_number: str = pa.Field(str_matches=ID_PATTERN, description="证件号码，18位")
    name: str = pa.Field(description="姓名")
    relation: str = pa.Field(isin=_values("roster__persons", "relation"), description="与户主关系")
    town: str = pa.Field(description="乡镇（街道）")
    village: str = pa.Field(description="行政村（社区）")
    household_type: str = pa.Field(isin=_values("roster__persons", "household_type"), description="户类型")
    monitoring_type: str = pa.Field(
        nullable=True, isin=_values("roster__persons", "monitoring_type"), description="监测对象类别"
    )
    risk_eliminated: str = pa.Field(
        nullable=True, isin=_values("roster__persons", "risk_eliminated"), description="风险是否消除"
    )
    monitored_since: date = pa.Field(nullable=True, description="纳入监测时间（监测户，可无此列）")
    household_size: int = pa.Field(ge=1, description="家庭人口数")
    per_capita_income: float = pa.Field(ge=0, description="上年家庭人均纯收入（元）")
    labour_status: str = pa.Field(
        nullable=True, isin=_values("roster__persons", "labour_status"), description="劳动技能"
    )
    risk_cause: str = pa.Field(nullable=True, isin=_values("roster__persons", "risk_cause"), description="主要风险类型")

    @pa.dataframe_check(error="monitoring_type_missing")
    def monitoring_households_have_a_type(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("household_type") != "监测户") | pl.col("monitoring_type").is_not_null())


class MedicalEnrolment(Lineage):
    """医保参保信息：一行一个参保记录。"""

    id_number: str = pa.Field(str_matches=ID_PATTERN, description="公民身份号码")
    name: str = pa.Field(description="姓名")
    insured_status: str = pa.Field(isin=_values("medical__enrolment", "insured_status"), description="参保状态")
    scheme: str = pa.Field(isin=_values("medical__enrolment", "scheme"), description="险种类型")
    subsidised: str = pa.Field(
        nullable=True, isin=_values("medical__enrolment", "subsidised"), description="是否资助参保"
    )


class MedicalSettlements(Lineage):
    """医保结算明细：一行一次结算。"""

    id_number: str = pa.Field(str_matches=ID_PATTERN, description="公民身份号码")
    name: str = pa.Field(description="姓名")
    settled_on: date = pa.Field(description="结算日期")
    visit_type: str = pa.Field(isin=_values("medical__settlements", "visit_type"), description="就诊类型")
    total_cost: float = pa.Field(ge=0, description="医疗总费用（元）")
    policy_cost: float = pa.Field(ge=0, description="政策范围内费用（元）")
    fund_paid: float = pa.Field(nullable=True, ge=0, description="基本医保统筹支付（元）")
    serious_illness_paid: float = pa.Field(nullable=True, ge=0, description="大病保险支付（元）")
    assistance_paid: float = pa.Field(nullable=True, ge=0, description="医疗救助支付（元）")
    out_of_pocket: float = pa.Field(ge=0, description="个人自付（元）")
    hospital: str = pa.Field(nullable=True, description="定点医疗机构")

    @pa.dataframe_check(error="policy_cost_exceeds_total")
    def policy_cost_within_total(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("policy_cost") <= pl.col("total_cost") + 0.005)


class CivilAssistance(Lineage):
    """民政救助对象：一行一条低保/特困/临时救助记录。"""

    id_number: str = pa.Field(str_matches=ID_PATTERN, description="身份证号")
    name: str = pa.Field(description="姓名")
    town: str = pa.Field(nullable=True, description="乡镇")
    village: str = pa.Field(nullable=True, description="村（社区）")
    assistance_type: str = pa.Field(isin=_values("civil__assistance", "assistance_type"), description="救助类型")
    status: str = pa.Field(isin=_values("civil__assistance", "status"), description="保障状态")
    start_date: date = pa.Field(description="起始日期")
    end_date: date = pa.Field(nullable=True, description="终止日期")
    amount: float = pa.Field(ge=0, description="金额（元）：低保/特困为月额，临时救助为一次性")

    @pa.dataframe_check(error="end_before_start")
    def ends_after_it_starts(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("end_date").is_null() | (pl.col("end_date") >= pl.col("start_date")))


class HousingAppraisals(Lineage):
    """农村房屋安全鉴定：一行一户（按户主）。"""

    id_number: str = pa.Field(str_matches=ID_PATTERN, description="户主身份证号")
    name: str = pa.Field(description="户主姓名")
    town: str = pa.Field(nullable=True, description="乡镇")
    village: str = pa.Field(nullable=True, description="村")
    appraisal_grade: str = pa.Field(isin=_values("housing__appraisals", "appraisal_grade"), description="鉴定等级")
    appraised_on: date = pa.Field(description="鉴定日期")
    renovation_status: str = pa.Field(isin=_values("housing__appraisals", "renovation_status"), description="改造状态")
    completed_on: date = pa.Field(nullable=True, description="竣工日期")


class EducationStudents(Lineage):
    """学生学籍与资助：一行一名学生。"""

    id_number: str = pa.Field(str_matches=ID_PATTERN, description="学生身份证号")
    name: str = pa.Field(description="学生姓名")
    school: str = pa.Field(nullable=True, description="学校名称")
    stage: str = pa.Field(isin=_values("education__students", "stage"), description="学段")
    enrolment_status: str = pa.Field(isin=_values("education__students", "enrolment_status"), description="学籍状态")
    aid: str = pa.Field(nullable=True, description="资助项目，多项以“、”分隔")


class DisabilityCertificates(Lineage):
    """残疾人证与补贴：一行一人。"""

    id_number: str = pa.Field(str_matches=ID_PATTERN, description="身份证号")
    name: str = pa.Field(description="姓名")
    category: str = pa.Field(isin=_values("disability__certificates", "category"), description="残疾类别")
    grade: str = pa.Field(isin=_values("disability__certificates", "grade"), description="残疾等级")
    issued_on: date = pa.Field(description="发证日期")
    living_subsidy: str = pa.Field(
        isin=_values("disability__certificates", "living_subsidy"), description="困难残疾人生活补贴"
    )
    care_subsidy: str = pa.Field(
        isin=_values("disability__certificates", "care_subsidy"), description="重度残疾人护理补贴"
    )


ROW_CONTRACTS: dict[str, type[Lineage]] = {
    "roster__persons": RosterPersons,
    "medical__enrolment": MedicalEnrolment,
    "medical__settlements": MedicalSettlements,
    "civil__assistance": CivilAssistance,
    "housing__appraisals": HousingAppraisals,
    "education__students": EducationStudents,
    "disability__certificates": DisabilityCertificates,
}


def warm_up() -> None:
    """Register pandera's polars backends (≈ 0.5 s, done on the first validation of a process)
    now: the command calls this while Prefect's temporary server boots."""
    from schemas.outputs import REJECT_COLUMNS, RejectRows

    RejectRows.validate(pl.DataFrame(schema={c: pl.Int64 if c == "row_number" else pl.String for c in REJECT_COLUMNS}))

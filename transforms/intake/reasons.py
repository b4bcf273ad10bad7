"""Why a row was rejected, in words a department clerk understands (Chinese).

Each reason has a stable code (kept in `rejects.parquet` as `reason_code`, for counting and
for tests) and a Chinese template. `{column}` is the header as it stands in the clerk's own
file; `{allowed}` lists the accepted values.
"""

from __future__ import annotations

REASONS: dict[str, str] = {
    "required_missing": "“{column}”为必填项，不能为空",
    "id_float": (
        "“{column}”被Excel存成了数字，末尾几位已丢失（如显示为4.10102E+17或末三位为000），"
        "无法恢复；请把该列设为“文本”格式后重新导出"
    ),
    "id_chars": "“{column}”只能由数字和末位X组成",
    "id_length": "“{column}”应为18位（或15位旧号码），位数不对",
    "id_birth_date": "“{column}”中的出生日期不存在",
    "id_check_digit": "“{column}”校验位不符（GB 11643），请核对是否录错",
    "date_invalid": "“{column}”不是可识别的日期（可用2026-07-15、2026/7/15、2026年7月15日或20260715）",
    "date_too_early": "“{column}”日期过早，请核对",
    "date_after_quarter_end": "“{column}”日期晚于本季度末（{latest}）：该行属于以后季度的数据，请核对日期或在以后季度报送",
    "amount_invalid": "“{column}”不是有效金额",
    "amount_negative": "“{column}”不能为负数",
    "integer_invalid": "“{column}”应为整数",
    "integer_too_small": "“{column}”不能小于{minimum}",
    "enum_invalid": "“{column}”的值不在规定范围内（应为：{allowed}）",
    "policy_cost_exceeds_total": "政策范围内费用大于医疗总费用",
    "end_before_start": "终止日期早于起始日期",
    "monitoring_type_missing": "户类型为监测户，但未填写监测对象类别",
    "key_conflict": "与同批数据中另一行的{column}相同但内容不同（该行已被采用），请核对后只保留一行",
    "doubled_column": "表头中{columns}都是“{field}”，无法确定应采用哪一列，整张表未读取：请只保留一列后重新报送",
    "no_header": "未能识别表头（前{rows}行中找不到{dataset}的必需列：{missing}），整张表无法读取",
    "unreadable_file": "{detail}",
}


# Why a returned row (a town's 核实结果, a department's 办理结果, the county office's 确认结果)
# was refused, in words the cadre or clerk who filled it in understands. The code is kept in
# returns_rejects.parquet as `reason_code`; `{column}` is the header as it stands in the workbook.
RETURN_REASONS: dict[str, str] = {
    "key_missing": "“{column}”为空，无法对应到下发的名单",
    "key_unknown": "“{column}”{key}不是本季度下发的{what}，请核对",
    "other_town": "该行属于{owner}的名单，不是{town}的户：请由{owner}反馈",
    "answer_missing": "填写了其他内容但未填写“{column}”",
    "answer_invalid": "“{column}”应为：{allowed}{optional}",
    "date_invalid": "“{column}”不是可识别的日期（可用2026-12-05、2026/12/5或2026年12月5日）",
    "date_missing": "“{answer_column}”为{answer}，但未填写“{column}”",
    "date_before_publication": "“{column}”早于名单下发日期（{published_on}），请核对",
    "date_after_as_of": "“{column}”晚于统计截止日期（{as_of}），请核对",
}


def explain(code: str, **values: object) -> str:
    """The Chinese sentence for a reason code, with the named values filled in."""
    template = REASONS[code]
    try:
        return template.format(**values)
    except KeyError:
        return template


# Short labels of the reason codes, for counts in the county report.
REASON_LABELS: dict[str, str] = {
    "required_missing": "必填项为空",
    "id_float": "身份证号被存成数字",
    "id_chars": "身份证号含非法字符",
    "id_length": "身份证号位数不对",
    "id_birth_date": "身份证号出生日期不存在",
    "id_check_digit": "身份证号校验位不符",
    "date_invalid": "日期无法识别",
    "date_too_early": "日期过早",
    "date_after_quarter_end": "日期晚于本季度末",
    "amount_invalid": "金额无效",
    "amount_negative": "金额为负",
    "integer_invalid": "应为整数",
    "integer_too_small": "数值过小",
    "enum_invalid": "取值不在规定范围",
    "policy_cost_exceeds_total": "政策范围内费用大于总费用",
    "end_before_start": "终止日期早于起始日期",
    "monitoring_type_missing": "监测户未填类别",
    "key_conflict": "同一人重复且内容不同",
    "doubled_column": "同一字段有两列",
    "no_header": "无法识别表头",
    "unreadable_file": "文件无法读取",
}

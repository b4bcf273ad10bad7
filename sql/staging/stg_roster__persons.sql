-- stg_roster__persons: accepted rows of 监测对象名册（人员） for one quarter, typed; lineage kept.
-- Parameters: $quarter. Source: the registered frame `accepted_rows` (validated in Python).
with source as (
    select * from accepted_rows
),

renamed as (
    select
        $quarter::varchar as quarter,
        household_id::varchar as household_id,  -- 户编号
        id_number::varchar as id_number,  -- 证件号码
        name::varchar as name,  -- 姓名
        relation::varchar as relation,  -- 与户主关系
        town::varchar as town,  -- 乡镇（街道）
        village::varchar as village,  -- 行政村（社区）
        household_type::varchar as household_type,  -- 户类型
        monitoring_type::varchar as monitoring_type,  -- 监测对象类别
        risk_eliminated::varchar as risk_eliminated,  -- 风险是否消除
        monitored_since::date as monitored_since,  -- 纳入监测时间 (optional)
        household_size::integer as household_size,  -- 家庭人口数
        per_capita_income::decimal(14, 2) as per_capita_income,  -- 家庭人均纯收入（元）
        labour_status::varchar as labour_status,  -- 劳动技能
        risk_cause::varchar as risk_cause,  -- 主要风险类型
        source_file::varchar as source_file,
        source_sheet::varchar as source_sheet,
        source_row::integer as source_row
    from source
)

select * from renamed

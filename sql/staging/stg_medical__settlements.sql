-- stg_medical__settlements: accepted rows of 医保结算明细 for one quarter, typed; lineage kept.
-- Parameters: $quarter. Source: the registered frame `accepted_rows` (validated in Python).
with source as (
    select * from accepted_rows
),

renamed as (
    select
        $quarter::varchar as quarter,
        id_number::varchar as id_number,  -- 公民身份号码
        name::varchar as name,  -- 姓名
        settled_on::date as settled_on,  -- 结算日期
        visit_type::varchar as visit_type,  -- 就诊类型
        total_cost::decimal(14, 2) as total_cost,  -- 医疗总费用
        policy_cost::decimal(14, 2) as policy_cost,  -- 政策范围内费用
        fund_paid::decimal(14, 2) as fund_paid,  -- 基本医保统筹支付
        serious_illness_paid::decimal(14, 2) as serious_illness_paid,  -- 大病保险支付
        assistance_paid::decimal(14, 2) as assistance_paid,  -- 医疗救助支付
        out_of_pocket::decimal(14, 2) as out_of_pocket,  -- 个人自付
        hospital::varchar as hospital,  -- 定点医疗机构
        source_file::varchar as source_file,
        source_sheet::varchar as source_sheet,
        source_row::integer as source_row
    from source
)

select * from renamed

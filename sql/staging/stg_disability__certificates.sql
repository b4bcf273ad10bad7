-- stg_disability__certificates: accepted rows of 残疾人证与补贴 for one quarter, typed; lineage kept.
-- Parameters: $quarter. Source: the registered frame `accepted_rows` (validated in Python).
with source as (
    select * from accepted_rows
),

renamed as (
    select
        $quarter::varchar as quarter,
        id_number::varchar as id_number,  -- 身份证号
        name::varchar as name,  -- 姓名
        category::varchar as category,  -- 残疾类别
        grade::varchar as grade,  -- 残疾等级
        issued_on::date as issued_on,  -- 发证日期
        living_subsidy::varchar as living_subsidy,  -- 困难残疾人生活补贴
        care_subsidy::varchar as care_subsidy,  -- 重度残疾人护理补贴
        source_file::varchar as source_file,
        source_sheet::varchar as source_sheet,
        source_row::integer as source_row
    from source
)

select * from renamed

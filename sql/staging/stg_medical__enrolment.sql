-- stg_medical__enrolment: accepted rows of 医保参保信息 for one quarter, typed; lineage kept.
-- Parameters: $quarter. Source: the registered frame `accepted_rows` (validated in Python).
with source as (
    select * from accepted_rows
),

renamed as (
    select
        $quarter::varchar as quarter,
        id_number::varchar as id_number,  -- 公民身份号码
        name::varchar as name,  -- 姓名
        insured_status::varchar as insured_status,  -- 参保状态
        scheme::varchar as scheme,  -- 险种类型
        subsidised::varchar as subsidised,  -- 是否资助参保
        source_file::varchar as source_file,
        source_sheet::varchar as source_sheet,
        source_row::integer as source_row
    from source
)

select * from renamed

-- stg_civil__assistance: accepted rows of 民政救助对象 for one quarter, typed; lineage kept.
-- Parameters: $quarter. Source: the registered frame `accepted_rows` (validated in Python).
with source as (
    select * from accepted_rows
),

renamed as (
    select
        $quarter::varchar as quarter,
        id_number::varchar as id_number,  -- 身份证号
        name::varchar as name,  -- 姓名
        town::varchar as town,  -- 乡镇
        village::varchar as village,  -- 村（社区）
        assistance_type::varchar as assistance_type,  -- 救助类型
        status::varchar as status,  -- 保障状态
        start_date::date as start_date,  -- 起始日期
        end_date::date as end_date,  -- 终止日期
        amount::decimal(14, 2) as amount,  -- 金额（元）
        source_file::varchar as source_file,
        source_sheet::varchar as source_sheet,
        source_row::integer as source_row
    from source
)

select * from renamed

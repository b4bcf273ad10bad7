-- stg_housing__appraisals: accepted rows of 农村房屋安全鉴定 for one quarter, typed; lineage kept.
-- Parameters: $quarter. Source: the registered frame `accepted_rows` (validated in Python).
with source as (
    select * from accepted_rows
),

renamed as (
    select
        $quarter::varchar as quarter,
        id_number::varchar as id_number,  -- 户主身份证号
        name::varchar as name,  -- 户主姓名
        town::varchar as town,  -- 乡镇
        village::varchar as village,  -- 村
        appraisal_grade::varchar as appraisal_grade,  -- 鉴定等级
        appraised_on::date as appraised_on,  -- 鉴定日期
        renovation_status::varchar as renovation_status,  -- 改造状态
        completed_on::date as completed_on,  -- 竣工日期
        source_file::varchar as source_file,
        source_sheet::varchar as source_sheet,
        source_row::integer as source_row
    from source
)

select * from renamed

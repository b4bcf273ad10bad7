-- stg_education__students: accepted rows of 学生学籍与资助 for one quarter, typed; lineage kept.
-- Parameters: $quarter. Source: the registered frame `accepted_rows` (validated in Python).
with source as (
    select * from accepted_rows
),

renamed as (
    select
        $quarter::varchar as quarter,
        id_number::varchar as id_number,  -- 学生身份证号
        name::varchar as name,  -- 学生姓名
        school::varchar as school,  -- 学校名称
        stage::varchar as stage,  -- 学段
        enrolment_status::varchar as enrolment_status,  -- 学籍状态
        aid::varchar as aid,  -- 资助项目
        source_file::varchar as source_file,
        source_sheet::varchar as source_sheet,
        source_row::integer as source_row
    from source
)

select * from renamed

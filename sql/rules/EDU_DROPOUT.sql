-- EDU_DROPOUT: a roster child of compulsory-school age who dropped out or suspended, or is absent from the quarter's (complete) student roll.
with roll as (
    select * from stg_education__students where quarter = $quarter
),

roll_arrived as (
    select count(*) > 0 as arrived from roll
)

select
    'EDU_DROPOUT' as rule_id,
    p.household_id,
    p.id_number,
    p.town,
    p.village,
    'schooling' as cause,
    'education' as department,
    p.age || '周岁（义务教育年龄），' || case when s.id_number is null
        then '本季度学籍数据中无此人'
        else '学籍状态：' || s.enrolment_status || '（' || coalesce(s.school, '学校未填') || '）'
    end as evidence
from int_roster__persons as p
cross join roll_arrived as r
left join roll as s on s.id_number = p.id_number
where p.age between $school_age_from and $school_age_to
  and r.arrived
  and (s.id_number is null or s.enrolment_status in ('辍学', '休学'))

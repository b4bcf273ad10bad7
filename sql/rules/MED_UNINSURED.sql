-- MED_UNINSURED: a roster person not insured — no 正常参保 row, or missing from the quarter's (complete) enrolment extract.
with enrolment as (
    select * from stg_medical__enrolment where quarter = $quarter
),

extract_arrived as (
    select count(*) > 0 as arrived from enrolment
),

status as (
    select
        id_number,
        bool_or(insured_status = '正常参保') as is_insured,
        string_agg(distinct insured_status, '、' order by insured_status) as statuses
    from enrolment
    group by id_number
)

select
    'MED_UNINSURED' as rule_id,
    p.household_id,
    p.id_number,
    p.town,
    p.village,
    'illness' as cause,
    'medical' as department,
    case when s.id_number is null
        then '本季度医保参保数据中无此人（未参保或未登记）'
        else '医保参保状态：' || s.statuses || '，无正常参保记录'
    end as evidence
from int_roster__persons as p
cross join extract_arrived as e
left join status as s on s.id_number = p.id_number
where e.arrived and (s.id_number is null or not s.is_insured)

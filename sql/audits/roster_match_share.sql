-- roster_match_share: per department dataset of persons, the share of its rows whose identity number is on the quarter's roster.
with roster as (
    select distinct id_number from stg_roster__persons where quarter = $quarter
),

rows as (
    select 'medical__enrolment' as subject, id_number from stg_medical__enrolment where quarter = $quarter
    union all
    select 'medical__settlements', id_number from stg_medical__settlements where quarter = $quarter
    union all
    select 'civil__assistance', id_number from stg_civil__assistance where quarter = $quarter
    union all
    select 'housing__appraisals', id_number from stg_housing__appraisals where quarter = $quarter
    union all
    select 'education__students', id_number from stg_education__students where quarter = $quarter
    union all
    select 'disability__certificates', id_number from stg_disability__certificates where quarter = $quarter
)

select r.subject, avg(case when o.id_number is null then 0 else 1 end)::double as value
from rows as r
left join roster as o on o.id_number = r.id_number
group by r.subject

-- out_people: names of the people the quarter's lists mention — roster members, and candidates not on the roster (their name as a department reported it).
with candidates as (
    select id_number from cur_warnings where rule_id = 'NEW_CANDIDATE'
),

reported as (
    select id_number, name from stg_medical__settlements where quarter = $quarter
    union all
    select id_number, name from stg_civil__assistance where quarter = $quarter
    union all
    select id_number, name from stg_housing__appraisals where quarter = $quarter
    union all
    select id_number, name from stg_disability__certificates where quarter = $quarter
)

select id_number, name, household_id, relation from int_roster__persons

union all

select r.id_number, min(r.name) as name, null as household_id, null as relation
from reported as r
semi join candidates as c on c.id_number = r.id_number
group by r.id_number

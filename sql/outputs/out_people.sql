-- out_people: names of the people the quarter's lists mention — roster members, and candidates not on the roster (their name as a department reported it).
with candidates as (
    select id_number from cur_warnings where rule_id = 'NEW_CANDIDATE'
),

reported as (  -- as NEW_CANDIDATE reads them: the datasets whose rows can make a candidate
    select id_number, name from stg_all__people
    where quarter = $quarter
      and dataset in ('medical__settlements', 'civil__assistance', 'housing__appraisals', 'disability__certificates')
)

select id_number, name, household_id, relation from int_roster__persons

union all

select r.id_number, min(r.name) as name, null as household_id, null as relation
from reported as r
semi join candidates as c on c.id_number = r.id_number
group by r.id_number

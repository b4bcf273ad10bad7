-- roster_id_in_one_household: identity numbers listed in more than one household of the quarter's roster.
select id_number, count(distinct household_id) as households
from stg_roster__persons
where quarter = $quarter
group by id_number
having count(distinct household_id) > 1

-- roster_one_head_per_household: households with no 户主 or more than one.
select household_id, count(*) filter (where relation = '户主') as heads
from stg_roster__persons
where quarter = $quarter
group by household_id
having count(*) filter (where relation = '户主') <> 1

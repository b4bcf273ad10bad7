-- roster_size_matches_members: households whose 家庭人口数 differs from the members the roster lists.
select household_id, max(household_size) as household_size, count(*) as members_listed
from stg_roster__persons
where quarter = $quarter
group by household_id
having max(household_size) <> count(*)

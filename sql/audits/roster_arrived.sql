-- roster_arrived: one offending row when the quarter's roster has no accepted rows (nothing can be compared without it).
select '本季度名册无有效行' as problem, count(*) as roster_rows
from stg_roster__persons
where quarter = $quarter
having count(*) = 0

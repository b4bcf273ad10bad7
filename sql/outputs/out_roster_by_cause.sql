-- out_roster_by_cause: the quarter's roster households and persons by household type, monitoring category and risk cause (the table of seed 004).
select
    household_type,
    coalesce(monitoring_type, '') as monitoring_type,
    coalesce(risk_cause, '') as risk_cause,
    count(distinct household_id) as households,
    count(*) as persons
from int_roster__persons
group by all
order by all

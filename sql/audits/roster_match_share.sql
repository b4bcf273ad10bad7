-- roster_match_share: per department dataset of persons (stg_all__people, built from the registry), the share of its rows whose identity number is on the quarter's roster.
with roster as (
    select distinct id_number from stg_roster__persons where quarter = $quarter
),

rows as (
    select dataset as subject, id_number from stg_all__people where quarter = $quarter
)

select r.subject, avg(case when o.id_number is null then 0 else 1 end)::double as value
from rows as r
left join roster as o on o.id_number = r.id_number
group by r.subject

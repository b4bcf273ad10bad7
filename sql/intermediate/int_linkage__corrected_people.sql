-- int_linkage__corrected_people: who this quarter's warnings may rest on through a confirmed correction of an identity number, by department: the persons (and their households) of rows read with a corrected number this quarter, and of earlier claims of the year — accepted under the wrong number or parked for it — whose number and name match a confirmation (year-to-date sums).
with this_quarter as (
    select r.department, c.id_number
    from stg_corrected_rows as c
    inner join registry_datasets as r on r.dataset = c.dataset
    where c.quarter = $quarter
),

earlier_claims as (
    select 'medical' as department, k.corrected_id as id_number
    from (
        select quarter, id_number, name from stg_medical__settlements
        union all
        select quarter, id_number, name from parked_stg_medical__settlements
    ) as s
    inner join cur_confirmed as k
        on k.department = 'medical'
        and k.id_as_written = s.id_number
        and k.name_as_written = regexp_replace(s.name, '\s', '', 'g')
    where s.quarter like $year_prefix and s.quarter < $quarter
)

select distinct x.department, x.id_number, p.household_id
from (select * from this_quarter union all select * from earlier_claims) as x
left join int_roster__persons as p on p.id_number = x.id_number

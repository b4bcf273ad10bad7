-- int_medical__oop_by_person: out-of-pocket and policy-range cost per person, 1 January to the quarter's end, over every quarter's extract of the year (a claim sent twice counts once). A claim whose number and name match a correction the county office confirmed (cur_confirmed) counts for the person confirmed, in earlier quarters' extracts too.
with claims as (
    select distinct
        coalesce(k.corrected_id, s.id_number) as id_number,
        s.settled_on, s.visit_type, s.total_cost, s.policy_cost, s.out_of_pocket, s.hospital
    from stg_medical__settlements as s
    left join cur_confirmed as k
        on k.department = 'medical' and k.id_as_written = s.id_number and k.name_as_written = s.name
    where s.quarter like $year_prefix
      and s.quarter <= $quarter
      and s.settled_on between $year_start::date and $quarter_end::date
),

by_person as (
    select
        id_number,
        sum(out_of_pocket)::double as out_of_pocket,
        sum(policy_cost)::double as policy_cost,
        sum(case when visit_type = '住院' then out_of_pocket else 0 end)::double as inpatient_out_of_pocket,
        count(*) as claims
    from claims
    group by id_number
)

select * from by_person

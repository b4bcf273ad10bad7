-- int_medical__oop_by_person: out-of-pocket and policy-range cost per person, 1 January to the quarter's end, over every quarter's extract of the year (a claim sent twice counts once). A claim whose number and name match a correction the county office confirmed (cur_confirmed) counts for the person confirmed — in earlier quarters' extracts too, whether it was accepted under the wrong number or rejected for it (parked).
with settlements as (
    select quarter, id_number, name, settled_on, visit_type, total_cost, policy_cost, out_of_pocket, hospital, false as parked
    from stg_medical__settlements
    union all
    select quarter, id_number, name, settled_on, visit_type, total_cost, policy_cost, out_of_pocket, hospital, true
    from parked_stg_medical__settlements
),

claims as (
    select distinct
        coalesce(k.corrected_id, s.id_number) as id_number,
        s.settled_on, s.visit_type, s.total_cost, s.policy_cost, s.out_of_pocket, s.hospital
    from settlements as s
    left join cur_confirmed as k
        on k.department = 'medical'
        and k.id_as_written = s.id_number
        and k.name_as_written = regexp_replace(s.name, '\s', '', 'g')
    where s.quarter like $year_prefix
      and s.quarter <= $quarter
      and s.settled_on between $year_start::date and $quarter_end::date
      and (not s.parked or k.corrected_id is not null)
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

-- int_medical__oop_by_person: out-of-pocket and policy-range cost per person, 1 January to the quarter's end, over every quarter's extract of the year (a claim sent twice counts once).
with claims as (
    select distinct
        id_number, settled_on, visit_type, total_cost, policy_cost, out_of_pocket, hospital
    from stg_medical__settlements
    where quarter like $year_prefix
      and quarter <= $quarter
      and settled_on between $year_start::date and $quarter_end::date
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

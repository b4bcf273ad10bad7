-- int_medical__oop_by_person: out-of-pocket and policy-range cost per person, 1 January to the quarter's end, over every quarter's extract of the year (a claim sent twice counts once). A claim whose number and name match a correction the county office confirmed (cur_confirmed) counts for the person confirmed — in earlier quarters' extracts too, whether it was accepted under the wrong number or rejected for it (parked).
-- A claim is counted once: claims whose hash no other claim shares are distinct already; only those sharing one are compared in full (a distinct over every claim of the year would hold them all in memory at once).
with settlements as not materialized (
    select quarter, id_number, name, settled_on, visit_type, total_cost, policy_cost, out_of_pocket, hospital, false as parked
    from stg_medical__settlements
    union all
    select quarter, id_number, name, settled_on, visit_type, total_cost, policy_cost, out_of_pocket, hospital, true
    from parked_stg_medical__settlements
),

claims as not materialized (
    select
        coalesce(k.corrected_id, s.id_number) as id_number,
        s.settled_on, s.visit_type, s.total_cost, s.policy_cost, s.out_of_pocket, s.hospital,
        hash(coalesce(k.corrected_id, s.id_number), s.settled_on, s.visit_type, s.total_cost, s.policy_cost,
             s.out_of_pocket, s.hospital) as claim_hash
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

shared_hashes as materialized (
    select claim_hash from claims group by claim_hash having count(*) > 1
),

distinct_claims as (
    select id_number, visit_type, policy_cost, out_of_pocket
    from claims anti join shared_hashes using (claim_hash)
    union all
    select id_number, visit_type, policy_cost, out_of_pocket
    from (
        select distinct id_number, settled_on, visit_type, total_cost, policy_cost, out_of_pocket, hospital
        from claims semi join shared_hashes using (claim_hash)
    )
),

by_person as (
    select
        id_number,
        sum(out_of_pocket)::double as out_of_pocket,
        sum(policy_cost)::double as policy_cost,
        sum(case when visit_type = '住院' then out_of_pocket else 0 end)::double as inpatient_out_of_pocket,
        count(*) as claims
    from distinct_claims
    group by id_number
)

select * from by_person

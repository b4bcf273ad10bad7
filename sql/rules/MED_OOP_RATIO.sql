-- MED_OOP_RATIO: a roster person whose out-of-pocket share of policy-range cost this year so far is over the limit (work order only).
select
    'MED_OOP_RATIO' as rule_id,
    p.household_id,
    p.id_number,
    p.town,
    p.village,
    'illness' as cause,
    'medical' as department,
    $period_label || '政策范围内费用' || format('{:,.2f}', o.policy_cost) || '元，个人自付'
        || format('{:,.2f}', o.out_of_pocket) || '元，自付比例' || format('{:.1f}', 100 * o.out_of_pocket / o.policy_cost)
        || '%，超过' || format('{:.0f}', $oop_ratio_limit * 100) || '%' as evidence,
    o.out_of_pocket as measure  -- what a town's 不属实 is measured against (material change)
from int_roster__persons as p
inner join int_medical__oop_by_person as o on o.id_number = p.id_number
where o.policy_cost > $oop_ratio_min_policy_cost
  and o.out_of_pocket > $oop_ratio_limit * o.policy_cost

-- MED_HIGH_OOP: a roster household whose out-of-pocket medical spending this year so far exceeds the limit or the set share of last year's household income.
with spending as (
    select p.household_id, sum(o.out_of_pocket) as out_of_pocket
    from int_roster__persons as p
    inner join int_medical__oop_by_person as o on o.id_number = p.id_number
    group by p.household_id
)

select
    'MED_HIGH_OOP' as rule_id,
    h.household_id,
    null::varchar as id_number,
    h.town,
    h.village,
    'illness' as cause,
    'medical' as department,
    $period_label || '家庭医疗个人自付' || format('{:,.2f}', s.out_of_pocket) || '元，'
        || case when s.out_of_pocket > $oop_household_limit
            then '超过' || format('{:,.0f}', $oop_household_limit::double) || '元'
            else '' end
        || case when s.out_of_pocket > $oop_household_limit and s.out_of_pocket > $oop_income_share * h.household_income
            then '，且' else '' end
        || case when s.out_of_pocket > $oop_income_share * h.household_income
            then '超过上年家庭纯收入' || format('{:,.2f}', h.household_income) || '元的'
                || format('{:.0f}', $oop_income_share * 100) || '%'
            else '' end as evidence,
    s.out_of_pocket as measure  -- what a town's 不属实 is measured against (material change)
from spending as s
inner join int_roster__households as h on h.household_id = s.household_id
where s.out_of_pocket > $oop_household_limit
   or s.out_of_pocket > $oop_income_share * h.household_income

-- int_warnings__listed: this quarter's firings with last quarter's answer for the same rule and subject (followup) and whether each is sent to its town (listed): not while a town's 不属实 holds — until the facts it judged change materially (避免重复入户核查). Material (config/rules.yaml material_change): for the spending rules, the amount grown by more than the share and by at least the amount over what the town judged (a smaller amount, as in a new year's first quarter, never is); for the others, the evidence with its period left out differs. `changed_since_judged` says what changed, for the lists.
with compared as (
    select
        c.*,
        a.followup,
        a.judged_evidence,
        a.judged_measure,
        case
            when a.judged_evidence is null then null
            when list_contains($material_spending_rules, c.rule_id) and a.judged_measure is not null
                then c.measure > a.judged_measure * (1 + $material_share)
                    and c.measure - a.judged_measure >= $material_amount
            else regexp_replace(replace(c.evidence, '（身份证号经县级确认更正）', ''), $period_pattern, '', 'g')
                <> regexp_replace(replace(a.judged_evidence, '（身份证号经县级确认更正）', ''), $period_pattern, '', 'g')
        end as changed
    from cur_warnings as c
    left join int_followup__previous_answers as a
        on a.rule_id = c.rule_id and a.subject = coalesce(c.id_number, c.household_id)
)

select
    * exclude (changed),
    coalesce(changed, true) as listed,
    case
        when changed and list_contains($material_spending_rules, rule_id) and judged_measure is not null
            then '个人自付由' || format('{:,.2f}', judged_measure) || '元增至' || format('{:,.2f}', measure) || '元'
    end as changed_since_judged
from compared

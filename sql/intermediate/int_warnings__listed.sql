-- int_warnings__listed: this quarter's firings with last quarter's answer for the same rule and subject (followup) and whether each is sent to its town (listed): not when a town found it 不属实 and its evidence is unchanged (避免重复入户核查).
select
    c.*,
    a.followup,
    not coalesce(a.followup = '不属实' and a.previous_evidence = c.evidence, false) as listed
from cur_warnings as c
left join int_followup__previous_answers as a
    on a.rule_id = c.rule_id and a.subject = coalesce(c.id_number, c.household_id)

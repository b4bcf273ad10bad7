-- int_followup__previous_answers: each warning of the previous quarter with what came back for it — its town's verification (by its list row's 预警编号), whether its work order was settled (已办结 with a date) — and the answer carried when it was not sent then (a 不属实 judgement whose evidence had not changed).
with previous as (
    select rule_id, subject, household_id, id_number, evidence, followup as carried, listed
    from hist_warnings
    where quarter = $previous_quarter
),

answers as (  -- the answer in force per key: latest date, then latest arrival, then later row
    select kind, key, value, answered_on
    from returned_answers
    where quarter = $previous_quarter
    qualify row_number() over (
        partition by kind, key order by answered_on desc nulls last, arrival desc, row_number desc
    ) = 1
),

listing as (
    select subject, number from listing_numbers where quarter = $previous_quarter
),

orders as (
    select rule_id, subject, number from work_order_numbers where quarter = $previous_quarter
)

select
    p.rule_id,
    p.subject,
    p.evidence as previous_evidence,
    v.value as verification,
    coalesce(s.value = '已办结' and s.answered_on is not null, false) as settled,
    case
        when s.value = '已办结' and s.answered_on is not null then '已办结'
        when v.value is not null then v.value
        when not coalesce(p.listed, true) then p.carried
    end as followup
from previous as p
left join listing as l on l.subject = coalesce(p.household_id, p.id_number)
left join answers as v on v.kind = 'verification' and v.key = l.number
left join orders as o on o.rule_id = p.rule_id and o.subject = p.subject
left join answers as s on s.kind = 'settlement' and s.key = o.number

-- int_followup__previous_answers: each warning of the previous quarter with what came back for it — its town's verification (by its list row's 预警编号), whether its work order was settled (已办结 with a date) — the answer carried when it was not sent then (a 不属实 judgement whose facts had not changed materially), and the facts the town judged 不属实 (its evidence and, for the spending rules, the amount), carried quarter after quarter while the judgement holds.
with previous as (
    select rule_id, subject, household_id, id_number, evidence, measure, followup as carried, listed,
        judged_evidence, judged_measure
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
),

answered as (
    select
        p.*,
        v.value as verification,
        coalesce(s.value = '已办结' and s.answered_on is not null, false) as settled,
        -- the town judged it 不属实 last quarter, or the judgement was carried (not sent: unchanged facts)
        v.value = '不属实' as judged_now,
        coalesce(not p.listed and p.carried = '不属实', false) as judged_before
    from previous as p
    left join listing as l on l.subject = coalesce(p.household_id, p.id_number)
    left join answers as v on v.kind = 'verification' and v.key = l.number
    left join orders as o on o.rule_id = p.rule_id and o.subject = p.subject
    left join answers as s on s.kind = 'settlement' and s.key = o.number
)

select
    rule_id,
    subject,
    evidence as previous_evidence,
    verification,
    settled,
    case  -- a town's 不属实 holds whatever the department answered (contract)
        when judged_now then '不属实'
        when settled then '已办结'
        when verification is not null then verification
        when not coalesce(listed, true) then carried
    end as followup,
    case
        when judged_now then evidence
        when judged_before then coalesce(judged_evidence, evidence)  -- (a warehouse from before: last quarter's)
    end as judged_evidence,
    case
        when judged_now then measure
        when judged_before then coalesce(judged_measure, measure)
    end as judged_measure
from answered

-- learn_sent_answers: every warning sent to a town (on a row of its quarter's town list) in the quarters up to $quarter, with the answers in force for it — its list row's 核实结果 (the town's verification) and its work order's 办理结果 with the day it was settled — the labels the yield per rule and per department counts (what the answers teach, contract). The answer in force: the latest by its date, then by the file's arrival, then the later row of a file (as latest_answers.sql).
with answers as (
    select quarter, kind, key, value, answered_on
    from returned_answers
    where quarter <= $quarter
    qualify row_number() over (
        partition by quarter, kind, key order by answered_on desc nulls last, arrival desc, row_number desc
    ) = 1
)

select
    w.quarter,
    w.rule_id,
    w.department,
    w.household_id,
    w.id_number,
    w.town,
    l.number as listing_no,
    o.number as work_order,
    v.value as verification,
    s.value as settlement,
    case when s.value = '已办结' then s.answered_on end as settled_on
from hist_warnings as w
inner join listing_numbers as l  -- sent: its household's (or its person's) row of the town list
    on l.quarter = w.quarter and l.subject = coalesce(w.household_id, w.id_number)
left join work_order_numbers as o
    on o.quarter = w.quarter and o.rule_id = w.rule_id and o.subject = coalesce(w.id_number, w.household_id)
left join answers as v on v.quarter = w.quarter and v.kind = 'verification' and v.key = l.number
left join answers as s on s.quarter = w.quarter and s.kind = 'settlement' and s.key = o.number
where w.listed and w.quarter <= $quarter
order by w.quarter, w.rule_id, l.number, w.id_number

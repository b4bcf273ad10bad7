-- out_closed: the previous quarter's warnings that no longer fire this quarter.
select
    p.quarter,
    p.rule_id,
    p.household_id,
    p.id_number,
    p.town,
    p.village,
    p.cause,
    p.department,
    p.evidence,
    p.status,
    $quarter as closed_in
from hist_warnings as p
where p.quarter = $previous_quarter
  and not exists (
      select 1 from cur_warnings as c
      where c.rule_id = p.rule_id and coalesce(c.id_number, c.household_id) = p.subject
  )

-- lnk_confirmed: the corrections in force: a department's number as written and name -> the roster person's number (是本人 in force, from lnk_answers_in_force; a row confirmed as two persons takes the later answer).
select department, id_as_written, name_as_written, suggested_id_number as corrected_id
from lnk_answers_in_force
where answer = '是本人'
qualify row_number() over (
    partition by department, id_as_written, name_as_written
    order by answered_on desc nulls last, arrival desc, row_number desc
) = 1

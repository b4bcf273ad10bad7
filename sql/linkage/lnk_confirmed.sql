-- lnk_confirmed: the corrections in force for a department's rows: number as written and name -> the roster person's number (是本人 in force; when a row was confirmed as two persons, the latest answer).
with in_force as (
    select * from (
        select department, id_as_written, name_as_written, suggested_id_number, suggested_household_id, answer,
            answered_by, answered_on, file, row_number, suggestion_id, arrival
        from id_corrections
        qualify row_number() over (
            partition by department, id_as_written, name_as_written, suggested_id_number
            order by answered_on desc nulls last, arrival desc, row_number desc
        ) = 1
    )
    where answer = '是本人'
)

select department, id_as_written, name_as_written, suggested_id_number as corrected_id
from in_force
qualify row_number() over (
    partition by department, id_as_written, name_as_written
    order by answered_on desc nulls last, arrival desc, row_number desc
) = 1

-- lnk_answers_in_force: for each department, number as written, name and person suggested, the county office's answer in force (是本人 / 不是本人): the latest by its date, then by the file's arrival, then the later row of a file.
select department, id_as_written, name_as_written, suggested_id_number, suggested_household_id, answer,
    answered_by, answered_on, file, row_number, suggestion_id, arrival
from id_corrections
qualify row_number() over (
    partition by department, id_as_written, name_as_written, suggested_id_number
    order by answered_on desc nulls last, arrival desc, row_number desc
) = 1

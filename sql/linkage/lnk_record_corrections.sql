-- lnk_record_corrections: the county office's answers on suggestions (returned_answers of kind identity) not yet in id_corrections, with the suggestion each answers (id_suggestion_numbers): department, number as written, name, the person suggested. Append-only; rereading the same files adds nothing.
select
    a.key as suggestion_id,
    a.quarter,
    s.department,
    s.id_as_written,
    s.name_as_written,
    s.suggested_id_number,
    s.suggested_household_id,
    a.value as answer,
    a.answered_by,
    a.answered_on,
    a.file,
    a.file_sha256,
    a.sheet,
    a.row_number,
    a.arrival,
    a.recorded_at
from returned_answers as a
inner join id_suggestion_numbers as s on s.quarter = a.quarter and s.number = a.key
where a.quarter = $quarter
  and a.kind = 'identity'
  and not exists (
      select 1 from id_corrections as c
      where c.file_sha256 = a.file_sha256 and c.row_number = a.row_number and c.suggestion_id = a.key
  )

-- id_corrections: the county office's answers on suggestions (append-only, like returned_answers): for the department's number as written and name, 是本人 (the row is that roster person: read with the confirmed number from then on) or 不是本人 (that suggestion is not made again); who answered, when, and from which returned file and row.
create table if not exists id_corrections (
    suggestion_id varchar, quarter varchar, department varchar, id_as_written varchar, name_as_written varchar,
    suggested_id_number varchar, suggested_household_id varchar, answer varchar, answered_by varchar,
    answered_on date, file varchar, file_sha256 varchar, sheet varchar, row_number bigint, arrival bigint,
    recorded_at timestamp
)

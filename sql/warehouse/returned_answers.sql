-- returned_answers: every answer that came back (append-only): what, who, when, from which file (its sha256) and row; a later answer for the same key supersedes an earlier one by its date, then by the file's arrival, and history keeps both.
create table if not exists returned_answers (
    quarter varchar, kind varchar, key varchar, value varchar, answered_by varchar, answered_on date,
    remarks varchar, file varchar, file_sha256 varchar, sheet varchar, row_number bigint,
    arrival bigint, recorded_at timestamp
)
;
-- extras (added later; a warehouse made before gains the column): further answers of the row as JSON by key, e.g. {"propose_monitoring": "是", "help_measures": "…"} (是否建议纳入监测, 帮扶措施).
alter table returned_answers add column if not exists extras varchar

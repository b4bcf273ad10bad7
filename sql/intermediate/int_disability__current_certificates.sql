-- int_disability__current_certificates: each person's current disability certificate this quarter — the latest 发证日期
-- (a re-assessment or a re-issued certificate replaces the earlier one; earlier rows stay staged as history).
-- Rows with the same person and 发证日期 are one row after intake (a second one with other contents is a key conflict),
-- so the order is total; the file position only makes the choice explicit.
select *
from stg_disability__certificates
where quarter = $quarter
qualify row_number() over (
    partition by id_number
    order by issued_on desc, source_file, source_sheet, source_row
) = 1

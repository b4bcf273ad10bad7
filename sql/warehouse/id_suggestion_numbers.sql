-- id_suggestion_numbers: every suggestion ever issued, by its 建议编号 (2026Q3-ID-000012): one department row and the roster person suggested for it. Kept so a rerun of the quarter gives it the same number, and so the county office's answers are matched to what was suggested — even after a rerun no longer suggests it (the row was confirmed).
create table if not exists id_suggestion_numbers (
    quarter varchar, key varchar, number varchar, department varchar, id_as_written varchar,
    name_as_written varchar, suggested_id_number varchar, suggested_household_id varchar
)

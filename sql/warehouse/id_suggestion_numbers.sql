-- id_suggestion_numbers: the 建议编号 of each suggestion (2026Q3-ID-000012): one department row and the roster person suggested for it; kept so a rerun of the quarter gives it the same number, and so the county office's answers are matched by it.
create table if not exists id_suggestion_numbers (
    quarter varchar, key varchar, number varchar
)

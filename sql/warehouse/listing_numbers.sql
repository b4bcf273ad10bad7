-- listing_numbers: the 预警编号 of each town-list row (2026Q3-YJ-000123): a household, or a person not on the roster; kept so a rerun of the quarter gives the row the same number, and so what towns return is matched by it.
create table if not exists listing_numbers (
    quarter varchar, town varchar, subject varchar, number varchar
)

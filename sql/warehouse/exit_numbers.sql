-- exit_numbers: the 消除建议编号 of each household proposed for 风险消除 (2026Q3-XC-000012); kept so a rerun of the quarter gives the household the same number, and so what towns return is matched by it.
create table if not exists exit_numbers (
    quarter varchar, town varchar, household_id varchar, number varchar
)

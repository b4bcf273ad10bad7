-- work_order_numbers: the number each work order got (2026Q3-HOU-000123), kept so a rerun of the quarter gives it the same one; new ones continue the sequence.
create table if not exists work_order_numbers (
    quarter varchar, rule_id varchar, subject varchar, department varchar, number varchar
)

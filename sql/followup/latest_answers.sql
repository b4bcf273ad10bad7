-- latest_answers: the answer in force for each key (预警编号, 工单编号) of a quarter: the latest by its date (核实日期/办结日期; undated answers count as oldest), then by the file's arrival, then the later row of a file.
select kind, key, value, answered_by, answered_on, remarks, file, sheet, row_number, extras
from returned_answers
where quarter = ?
qualify row_number() over (
    partition by kind, key
    order by answered_on desc nulls last, arrival desc, row_number desc
) = 1

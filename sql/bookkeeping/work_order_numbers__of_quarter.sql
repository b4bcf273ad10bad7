-- The 工单编号 the quarter issued: each work order's rule, subject and department.
select rule_id, subject, department, number from work_order_numbers where quarter = $quarter

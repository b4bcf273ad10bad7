-- Keep the quarter's warnings (new_warnings: the comparison's out_warnings, registered) in the history.
insert into hist_warnings by name select * from new_warnings

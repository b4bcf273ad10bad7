-- Keep the quarter's households and their colours (cur_households, out_households) in the history.
insert into hist_households by name select * from cur_households

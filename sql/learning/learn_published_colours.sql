-- learn_published_colours: each roster household's colour as the quarter's run published it (the warehouse's history).
select household_id, town, colour from hist_households where quarter = $quarter

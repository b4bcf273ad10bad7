-- The quarters the warehouse holds a comparison of (its history of warnings).
select distinct quarter from hist_warnings order by quarter

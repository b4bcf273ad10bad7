-- What a staged slice was made of (its rows' digest and count), to skip restaging the same rows.
select digest, row_count from meta_staged_slices where quarter = $quarter and staging_table = $table

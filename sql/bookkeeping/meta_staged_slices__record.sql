-- What a staged slice was made of (its rows' digest and count): a rerun with the same rows skips restaging.
insert into meta_staged_slices values ($quarter, $table, $digest, $rows)

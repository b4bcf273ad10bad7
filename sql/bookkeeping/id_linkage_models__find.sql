-- A model trained before for this roster and these settings (a rerun trains nothing).
select model_json from id_linkage_models where roster_digest = $roster_digest and settings_digest = $settings_digest

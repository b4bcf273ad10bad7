-- Keep a trained model for its roster and settings.
insert into id_linkage_models values ($roster_digest, $settings_digest, $model_json, $trained_at)

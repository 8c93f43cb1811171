-- The tier of every model a client uses, written by routekit.tiers.TierMap.write_model_tiers: the columns arrive
-- bound as lists ($provider, $model, ...), one statement however many models.
CREATE OR REPLACE TABLE model_tiers AS
SELECT unnest($provider::VARCHAR[]) AS provider, unnest($model::VARCHAR[]) AS model,
       unnest($tier::VARCHAR[]) AS tier, unnest($family::VARCHAR[]) AS family,
       unnest($normalised::VARCHAR[]) AS normalised, unnest($rule::VARCHAR[]) AS rule

-- The price catalog for the models a client uses: one row per (provider, model, variant, period), written by
-- routekit.prices.PriceCatalog.write_price_table from a frame of rows (_routekit_price_rows) in one statement.
-- provider and model are the strings observed in calls/usage/invoice, so the engine joins on them exactly.
CREATE OR REPLACE TABLE price_periods AS
SELECT
    CAST(provider AS VARCHAR)                          AS provider,
    CAST(model AS VARCHAR)                             AS model,
    CAST(variant AS VARCHAR)                           AS variant,
    CAST(valid_from AS DATE)                           AS valid_from,
    CAST(valid_to AS DATE)                             AS valid_to,
    CAST(input_per_mtok AS DECIMAL(18, 6))             AS input_per_mtok,
    CAST(cached_input_per_mtok AS DECIMAL(18, 6))      AS cached_input_per_mtok,
    CAST(cache_write_per_mtok AS DECIMAL(18, 6))       AS cache_write_per_mtok,
    CAST(output_per_mtok AS DECIMAL(18, 6))            AS output_per_mtok,
    CAST(above_input_tokens AS BIGINT)                 AS above_input_tokens,
    CAST(input_per_mtok_above AS DECIMAL(18, 6))       AS input_per_mtok_above,
    CAST(cached_input_per_mtok_above AS DECIMAL(18, 6)) AS cached_input_per_mtok_above,
    CAST(cache_write_per_mtok_above AS DECIMAL(18, 6)) AS cache_write_per_mtok_above,
    CAST(output_per_mtok_above AS DECIMAL(18, 6))      AS output_per_mtok_above,
    CAST(matched_model AS VARCHAR)                     AS matched_model,
    CAST(source AS VARCHAR)                            AS source
FROM _routekit_price_rows

-- The price catalog for the models a client uses: one row per (provider, model, variant, period), written by
-- routekit.prices.PriceCatalog.write_price_table in one statement: each column arrives as a list parameter of text
-- ($provider, $model, ...; the lists zip into rows) and is typed here.
-- provider and model are the strings observed in calls/usage/invoice, so the engine joins on them exactly.
CREATE OR REPLACE TABLE price_periods AS
SELECT
    CAST(provider AS VARCHAR)                          AS provider,
    CAST(model AS VARCHAR)                             AS model,
    CAST(variant AS VARCHAR)                           AS variant,
    CAST(valid_from AS DATE)                           AS valid_from,
    CAST(valid_to AS DATE)                             AS valid_to,
    -- the slice of the UTC day (time-of-day prices): from_time inclusive, to_time exclusive, NULL = the day's start /
    -- end, both NULL = all day; day_rate marks such a model's rate for most of the day, for rows with no time of day
    CAST(from_time AS TIME)                            AS from_time,
    CAST(to_time AS TIME)                              AS to_time,
    CAST(day_rate AS BOOLEAN)                          AS day_rate,
    CAST(input_per_mtok AS DECIMAL(18, 6))             AS input_per_mtok,
    CAST(cached_input_per_mtok AS DECIMAL(18, 6))      AS cached_input_per_mtok,
    CAST(cache_write_per_mtok AS DECIMAL(18, 6))       AS cache_write_per_mtok,
    CAST(output_per_mtok AS DECIMAL(18, 6))            AS output_per_mtok,
    CAST(above_input_tokens AS BIGINT)                 AS above_input_tokens,
    CAST(input_per_mtok_above AS DECIMAL(18, 6))       AS input_per_mtok_above,
    CAST(cached_input_per_mtok_above AS DECIMAL(18, 6)) AS cached_input_per_mtok_above,
    CAST(cache_write_per_mtok_above AS DECIMAL(18, 6)) AS cache_write_per_mtok_above,
    CAST(output_per_mtok_above AS DECIMAL(18, 6))      AS output_per_mtok_above,
    -- audio prices (flat, no cliff tier); NULL: the model has none and bills audio as text (routekit/prices.py)
    CAST(input_audio_per_mtok AS DECIMAL(18, 6))       AS input_audio_per_mtok,
    CAST(cached_audio_input_per_mtok AS DECIMAL(18, 6)) AS cached_audio_input_per_mtok,
    CAST(output_audio_per_mtok AS DECIMAL(18, 6))      AS output_audio_per_mtok,
    CAST(matched_model AS VARCHAR)                     AS matched_model,
    CAST(source AS VARCHAR)                            AS source
FROM (
    SELECT unnest($provider::VARCHAR[]) AS provider, unnest($model::VARCHAR[]) AS model,
           unnest($variant::VARCHAR[]) AS variant, unnest($valid_from::VARCHAR[]) AS valid_from,
           unnest($valid_to::VARCHAR[]) AS valid_to, unnest($from_time::VARCHAR[]) AS from_time,
           unnest($to_time::VARCHAR[]) AS to_time, unnest($day_rate::VARCHAR[]) AS day_rate,
           unnest($input_per_mtok::VARCHAR[]) AS input_per_mtok,
           unnest($cached_input_per_mtok::VARCHAR[]) AS cached_input_per_mtok,
           unnest($cache_write_per_mtok::VARCHAR[]) AS cache_write_per_mtok,
           unnest($output_per_mtok::VARCHAR[]) AS output_per_mtok,
           unnest($above_input_tokens::VARCHAR[]) AS above_input_tokens,
           unnest($input_per_mtok_above::VARCHAR[]) AS input_per_mtok_above,
           unnest($cached_input_per_mtok_above::VARCHAR[]) AS cached_input_per_mtok_above,
           unnest($cache_write_per_mtok_above::VARCHAR[]) AS cache_write_per_mtok_above,
           unnest($output_per_mtok_above::VARCHAR[]) AS output_per_mtok_above,
           unnest($input_audio_per_mtok::VARCHAR[]) AS input_audio_per_mtok,
           unnest($cached_audio_input_per_mtok::VARCHAR[]) AS cached_audio_input_per_mtok,
           unnest($output_audio_per_mtok::VARCHAR[]) AS output_audio_per_mtok,
           unnest($matched_model::VARCHAR[]) AS matched_model, unnest($source::VARCHAR[]) AS source
)

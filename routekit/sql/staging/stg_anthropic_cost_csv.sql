-- Claude Console cost CSV → invoice. cost_usd and list_price_usd are in DOLLARS (the Admin API's cost report is
-- in cents). model is the display name ("Claude Sonnet 4.5", "Claude 3.5 Sonnet"): the API id family is the name
-- lower-cased with every run of other characters turned into one hyphen ("claude-sonnet-4-5",
-- "claude-3-5-sonnet"); an API id passes through unchanged. Files of 2024 name the snapshot with its date,
-- "Claude 3.5 Sonnet 2024-10-22" (a real export's row): the date is written as in the API id,
-- claude-3-5-sonnet-20241022. The display name stays in charge_description and
-- attributes. usage_type is 'message' in these files, not a service tier: only another value becomes service_tier.
-- The token_type names for cache writes are unconfirmed: anything naming cache_write or cache_creation is one.
-- api_key is the key's name as in the token-usage CSV (so the two join); its id is kept in attributes.
WITH src AS (
    SELECT *,
           rk_text(usage_date_utc) AS day_text,
           rk_text(model) AS display_model,
           lower(rk_text(token_type)) AS raw_token_type,
           lower(rk_text(cost_type)) AS raw_cost_type
    FROM raw
), parsed AS (
    SELECT *,
           regexp_replace(nullif(trim(regexp_replace(lower(display_model), '[^a-z0-9]+', '-', 'g'), '-'), ''),
                          '-(\d{4})-(\d{2})-(\d{2})$', '-\1\2\3') AS model_id,
           CASE WHEN contains(raw_token_type, 'cache_write') OR contains(raw_token_type, 'cache_creation')
                    THEN 'cache_write'
                WHEN contains(raw_token_type, 'cache_read') THEN 'cached_input'
                WHEN starts_with(raw_token_type, 'input') THEN 'input'
                WHEN starts_with(raw_token_type, 'output') THEN 'output'
                WHEN regexp_matches(coalesce(raw_token_type, '') || ' ' || coalesce(raw_cost_type, ''),
                                    'web[ _]?search') THEN 'web_search'
                ELSE 'other'
           END AS mapped_token_type
    FROM src
)
SELECT
    _source_row,
    rk_ts(day_text) AS charge_period_start,
    rk_console_period_end(day_text) AS charge_period_end,
    'anthropic' AS provider,
    model_id AS model,
    nullif(concat_ws(', ', display_model, rk_text(token_type)), '') AS charge_description,
    mapped_token_type AS token_type,
    CASE WHEN lower(rk_text(usage_type)) <> 'message' THEN rk_text(usage_type) END AS service_tier,
    rk_text(workspace) AS project,
    rk_text(api_key) AS api_key,
    NULL::DOUBLE AS consumed_quantity,
    NULL::VARCHAR AS consumed_unit,
    rk_money(cost_usd) AS billed_cost,
    'USD' AS billing_currency,
    rk_money(cost_usd) * CAST(fx.usd_per_unit AS DECIMAL(38, 12)) AS billed_usd,
    rk_money(list_price_usd) AS list_cost_usd,
    json_object('model_display_name', display_model, 'token_type', rk_text(token_type),
                'cost_type', rk_text(cost_type), 'usage_type', rk_text(usage_type),
                'context_window', rk_text(context_window), 'inference_geo', rk_text(inference_geo),
                'speed', rk_text(speed), 'api_key_id', rk_text(api_key_id),
                'api_key_status', rk_text(api_key_status)) AS attributes,
    [rk_ts_problem('usage_date_utc', usage_date_utc),
     rk_text_problem('cost_usd', cost_usd),
     rk_money_problem('cost_usd', cost_usd),
     rk_money_problem('list_price_usd', list_price_usd),
     CASE WHEN (raw_cost_type IN ('token', 'tokens') OR raw_token_type IS NOT NULL) AND model_id IS NULL
          THEN 'missing model for a token charge: token_type ' || rk_quote(coalesce(token_type, '')) END
    ] AS _problems
FROM parsed
LEFT JOIN currency_rates fx ON fx.code = 'USD'

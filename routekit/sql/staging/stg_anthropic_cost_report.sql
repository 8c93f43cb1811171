-- Anthropic Admin API cost report pages → invoice. amount is a decimal STRING in the currency's lowest unit
-- (cents for USD): "123.45" is $1.2345, so billed_cost = amount / 100 in currency units.
-- cost_type, token_type, model, description and service_tier are null unless grouped by description: such a line
-- is a combined amount and keeps token_type NULL. A model is required only on token lines (cost_type 'tokens').
-- workspace_id is null both for the default workspace and when not grouped by workspace: as in
-- stg_anthropic_usage_report.sql, a null is 'default' only if some row of the file names a workspace.
-- Rows come from the shared walk of the API page envelope (sql/raw/api_page_results.sql).
WITH results AS (
    SELECT _source_row, bk,
           json_transform(rec, '{"amount": "VARCHAR", "currency": "VARCHAR", "cost_type": "VARCHAR",
                                 "token_type": "VARCHAR", "description": "VARCHAR", "model": "VARCHAR",
                                 "service_tier": "VARCHAR", "context_window": "VARCHAR", "inference_geo": "VARCHAR",
                                 "speed": "VARCHAR", "workspace_id": "VARCHAR"}') AS rec
    FROM page_results
), fields AS (
    SELECT _source_row, bk, rec,
           rec.amount AS amount,
           upper(rk_text(rec.currency)) AS currency,
           lower(rk_text(rec.cost_type)) AS cost_type,
           lower(rk_text(rec.token_type)) AS raw_token_type,
           rk_text(rec.model) AS model,
           rk_text(rec.workspace_id) AS workspace_id,
           bool_or(rk_text(rec.workspace_id) IS NOT NULL) OVER () AS grouped_by_workspace
    FROM results
), parsed AS (
    SELECT *,
           rk_money(amount) * 0.01 AS cost,
           CASE WHEN raw_token_type = 'uncached_input_tokens' THEN 'input'
                WHEN raw_token_type = 'cache_read_input_tokens' THEN 'cached_input'
                WHEN starts_with(raw_token_type, 'cache_creation') THEN 'cache_write'
                WHEN raw_token_type = 'output_tokens' THEN 'output'
                WHEN cost_type = 'web_search' THEN 'web_search'
                WHEN cost_type IS NOT NULL OR raw_token_type IS NOT NULL THEN 'other'
           END AS token_type
    FROM fields
)
SELECT
    _source_row,
    rk_ts(bk.starting_at) AS charge_period_start,
    rk_ts(bk.ending_at) AS charge_period_end,
    'anthropic' AS provider,
    model,
    rk_text(rec.description) AS charge_description,
    token_type,
    rk_text(rec.service_tier) AS service_tier,
    CASE WHEN workspace_id IS NOT NULL THEN workspace_id WHEN grouped_by_workspace THEN 'default' END AS project,
    NULL::VARCHAR AS api_key,
    NULL::DOUBLE AS consumed_quantity,
    NULL::VARCHAR AS consumed_unit,
    cost AS billed_cost,
    currency AS billing_currency,
    cost * CAST(fx.usd_per_unit AS DECIMAL(38, 12)) AS billed_usd,
    NULL::DECIMAL(38, 12) AS list_cost_usd,
    json_object('cost_type', cost_type, 'token_type', raw_token_type,
                'context_window', rk_text(rec.context_window), 'inference_geo', rk_text(rec.inference_geo),
                'speed', rk_text(rec.speed), 'amount_cents', rk_text(amount)) AS attributes,
    [rk_ts_problem('starting_at', bk.starting_at),
     CASE WHEN rk_text(bk.ending_at) IS NOT NULL AND rk_ts(bk.ending_at) IS NULL
          THEN 'unparseable timestamp ending_at: ' || rk_quote(bk.ending_at) END,
     rk_text_problem('amount', amount),
     rk_money_problem('amount', amount),
     rk_text_problem('currency', currency),
     CASE WHEN (cost_type = 'tokens' OR raw_token_type IS NOT NULL) AND model IS NULL
          THEN 'missing model for a token charge: token_type ' || rk_quote(coalesce(raw_token_type, '')) END
    ] AS _problems
FROM parsed
LEFT JOIN currency_rates fx ON fx.code = parsed.currency

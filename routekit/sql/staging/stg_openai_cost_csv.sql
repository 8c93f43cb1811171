-- OpenAI dashboard cost CSV → invoice. The Costs API lines as CSV: amount_value in dollars as a decimal string
-- (up to 30 decimals; DECIMAL(38,12) keeps 12), start_time/end_time in unix seconds with *_iso twins.
-- An empty amount_value is how the export writes a day without spend: it loads as a zero-cost line rather than
-- a reject, so the day is still covered; an empty currency on such rows (and on any row) is USD, the only
-- currency OpenAI bills in. user_email is deliberately never read: e-mail addresses must not reach any output.
-- line_item is parsed as in stg_openai_costs.sql, by the same rk_line_item_* macros (sql/macros.sql).
WITH src AS (
    SELECT *,
           coalesce(rk_text(start_time), rk_text(start_time_iso)) AS start_value,
           coalesce(rk_text(end_time), rk_text(end_time_iso)) AS end_value,
           coalesce(upper(rk_text(amount_currency)), 'USD') AS currency,
           rk_text(line_item) AS li_text,
           rk_line_item_head(line_item) AS li_head,
           rk_line_item_surface(line_item) AS li_surface,
           rk_line_item_charge(line_item) AS li_kind
    FROM raw
), kinds AS (
    SELECT *,
           rk_line_item_kind(li_kind) AS kind_type
    FROM src
), parsed AS (
    SELECT *,
           rk_line_item_model(li_head, li_text, kind_type) AS li_model,
           CASE WHEN li_text IS NULL THEN NULL ELSE coalesce(kind_type, 'other') END AS li_token_type,
           coalesce(rk_money(amount_value), CASE WHEN rk_text(amount_value) IS NULL THEN 0 END) AS amount
    FROM kinds
)
SELECT
    _source_row,
    rk_ts(start_value) AS charge_period_start,
    rk_ts(end_value) AS charge_period_end,
    'openai' AS provider,
    li_model AS model,
    li_text AS charge_description,
    li_token_type AS token_type,
    NULL::VARCHAR AS service_tier,
    coalesce(rk_text(project_name), rk_text(project_id)) AS project,
    rk_text(api_key_id) AS api_key,
    TRY_CAST(quantity AS DOUBLE) AS consumed_quantity,
    rk_text(quantity_unit) AS consumed_unit,
    amount AS billed_cost,
    currency AS billing_currency,
    amount * CAST(fx.usd_per_unit AS DECIMAL(38, 12)) AS billed_usd,
    NULL::DECIMAL(38, 12) AS list_cost_usd,
    json_object('charge_kind', CASE WHEN li_head IS NOT NULL OR li_model IS NULL THEN li_kind END,
                'surface', li_surface,
                'project_id', rk_text(project_id), 'organization_id', rk_text(organization_id),
                'organization_name', rk_text(organization_name), 'user_id', rk_text(user_id),
                'api_source', rk_text(api_source)) AS attributes,
    [rk_ts_problem('start_time', start_value),
     CASE WHEN end_value IS NOT NULL AND rk_ts(end_value) IS NULL
          THEN 'unparseable timestamp end_time: ' || rk_quote(end_value) END,
     rk_money_problem('amount_value', amount_value),
     CASE WHEN rk_text(quantity) IS NOT NULL AND TRY_CAST(quantity AS DOUBLE) IS NULL
          THEN 'quantity is not a number: ' || rk_quote(quantity) END,
     CASE WHEN li_token_type IN ('input', 'cached_input', 'cache_write', 'output') AND li_model IS NULL
          THEN 'missing model for a token charge: line_item ' || rk_quote(li_text) END
    ] AS _problems
FROM parsed
LEFT JOIN currency_rates fx ON fx.code = parsed.currency

-- OpenAI Costs API pages → invoice. amount.value is in currency units (dollars), amount.currency lower-case ISO.
-- line_item is free text and not specified ("gpt-4o-2024-08-06, input", "gpt-5-nano, input_tokens",
-- "gpt-4o-2024-08-06, cached input", "Image models", a bare model name): the model is what precedes the LAST
-- comma, the charge kind what follows it. A line without a comma is a charge kind when it names one
-- ("input_tokens"), a model when it looks like a model id (no spaces, a digit or hyphen), else a non-token charge.
-- Real lines (OpenAI's usage-API cookbook, group_by=line_item) also carry the product surface before a bar,
-- "evals | gpt-4o-mini-2024-07-18, input", and name a fine-tune "ft-gpt-4o-2024-08-06, input": the model is what
-- follows the last bar (the surface is kept in attributes), and ft-<base> becomes ft:<base>, the fine-tune id form
-- the Usage API and call logs use, so the line reconciles with the fine-tune's usage (tiers.normalise_model).
-- Without group_by=line_item there is no line_item: the amount spans every charge, so token_type stays NULL.
-- The line-item rules are shared with stg_openai_cost_csv.sql through the rk_line_item_* macros (sql/macros.sql).
-- Rows come from the shared walk of the API page envelope (sql/raw/api_page_results.sql).
WITH results AS (
    SELECT _source_row, bk,
           json_transform(rec, '{"amount": {"value": "VARCHAR", "currency": "VARCHAR"}, "line_item": "VARCHAR",
                                 "project_id": "VARCHAR", "api_key_id": "VARCHAR", "quantity": "VARCHAR",
                                 "quantity_unit": "VARCHAR"}') AS rec
    FROM page_results
), line_items AS (
    SELECT *,
           rk_text(rec.line_item) AS line_item,
           rk_line_item_head(rec.line_item) AS li_head,
           rk_line_item_surface(rec.line_item) AS li_surface,
           rk_line_item_charge(rec.line_item) AS li_kind,
           upper(rk_text(rec.amount.currency)) AS currency
    FROM results
), kinds AS (
    SELECT *,
           rk_line_item_kind(li_kind) AS kind_type
    FROM line_items
), parsed AS (
    SELECT *,
           rk_line_item_model(li_head, line_item, kind_type) AS li_model,
           CASE WHEN line_item IS NULL THEN NULL ELSE coalesce(kind_type, 'other') END AS li_token_type
    FROM kinds
)
SELECT
    _source_row,
    rk_ts(bk.start_time) AS charge_period_start,
    rk_ts(bk.end_time) AS charge_period_end,
    'openai' AS provider,
    li_model AS model,
    line_item AS charge_description,
    li_token_type AS token_type,
    NULL::VARCHAR AS service_tier,
    rk_text(rec.project_id) AS project,
    rk_text(rec.api_key_id) AS api_key,
    TRY_CAST(rec.quantity AS DOUBLE) AS consumed_quantity,
    rk_text(rec.quantity_unit) AS consumed_unit,
    rk_money(rec.amount.value) AS billed_cost,
    currency AS billing_currency,
    rk_money(rec.amount.value) * CAST(fx.usd_per_unit AS DECIMAL(38, 12)) AS billed_usd,
    NULL::DECIMAL(38, 12) AS list_cost_usd,
    json_object('charge_kind', CASE WHEN li_head IS NOT NULL OR li_model IS NULL THEN li_kind END,
                'surface', li_surface) AS attributes,
    [rk_ts_problem('start_time', bk.start_time),
     CASE WHEN rk_text(bk.end_time) IS NOT NULL AND rk_ts(bk.end_time) IS NULL
          THEN 'unparseable timestamp end_time: ' || rk_quote(bk.end_time) END,
     rk_text_problem('amount.value', rec.amount.value),
     rk_money_problem('amount.value', rec.amount.value),
     rk_text_problem('amount.currency', currency),
     CASE WHEN rk_text(rec.quantity) IS NOT NULL AND TRY_CAST(rec.quantity AS DOUBLE) IS NULL
          THEN 'quantity is not a number: ' || rk_quote(rec.quantity) END,
     CASE WHEN li_token_type IN ('input', 'cached_input', 'cache_write', 'output') AND li_model IS NULL
          THEN 'missing model for a token charge: line_item ' || rk_quote(line_item) END
    ] AS _problems
FROM parsed
LEFT JOIN currency_rates fx ON fx.code = parsed.currency

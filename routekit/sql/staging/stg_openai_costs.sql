-- OpenAI Costs API pages → invoice. amount.value is in currency units (dollars), amount.currency lower-case ISO.
-- line_item is free text and not specified ("gpt-4o-2024-08-06, input", "gpt-5-nano, input_tokens",
-- "gpt-4o-2024-08-06, cached input", "Image models", a bare model name): the model is what precedes the LAST
-- comma, the charge kind what follows it. A line without a comma is a charge kind when it names one
-- ("input_tokens"), a model when it looks like a model id (no spaces, a digit or hyphen), else a non-token charge.
-- Without group_by=line_item there is no line_item: the amount spans every charge, so token_type stays NULL.
-- The line-item rules are the same as in stg_openai_cost_csv.sql (the dashboard CSV of this API): keep them equal.
WITH pages AS (
    -- Each JSON value is parsed once into lists and structs: extracting with -> per index would re-parse the whole
    -- page for every bucket and every result (quadratic in the page size).
    SELECT _source_row AS loc, doc,
           CASE WHEN json_type(doc -> '$.data') = 'ARRAY' THEN CAST(doc -> '$.data' AS JSON[]) END AS bucket_list
    FROM docs
), buckets AS (
    SELECT loc, '.data[' || b || ']' AS path, bucket
    FROM (SELECT loc, unnest(range(len(bucket_list))) AS b, unnest(bucket_list) AS bucket FROM pages)
    UNION ALL
    -- the page's data array saved on its own: each document is a bucket
    SELECT loc, '', doc FROM pages WHERE (doc -> '$.data') IS NULL AND (doc -> '$.results') IS NOT NULL
), bucket_fields AS (
    SELECT loc, path,
           json_transform(bucket, '{"start_time": "VARCHAR", "end_time": "VARCHAR"}') AS bk,
           CASE WHEN json_type(bucket -> '$.results') = 'ARRAY'
                THEN CAST(bucket -> '$.results' AS JSON[]) END AS result_list
    FROM buckets
), results AS (
    SELECT rk_at(loc, path || '.results[' || r || ']') AS _source_row, bk,
           json_transform(rec, '{"amount": {"value": "VARCHAR", "currency": "VARCHAR"}, "line_item": "VARCHAR",
                                 "project_id": "VARCHAR", "api_key_id": "VARCHAR", "quantity": "VARCHAR",
                                 "quantity_unit": "VARCHAR"}') AS rec
    FROM (SELECT loc, path, bk, unnest(range(len(result_list))) AS r, unnest(result_list) AS rec FROM bucket_fields)
), line_items AS (
    SELECT *,
           rk_text(rec.line_item) AS line_item,
           CASE WHEN contains(rec.line_item, ',')
                THEN rk_text(regexp_extract(rec.line_item, '^(.*),([^,]*)$', 1)) END AS li_head,
           lower(rk_text(CASE WHEN contains(rec.line_item, ',')
                              THEN regexp_extract(rec.line_item, '^(.*),([^,]*)$', 2)
                              ELSE rec.line_item END)) AS li_kind,
           upper(rk_text(rec.amount.currency)) AS currency
    FROM results
), kinds AS (
    SELECT *,
           CASE WHEN li_kind IS NULL THEN NULL
                WHEN contains(li_kind, 'cache') AND (contains(li_kind, 'write') OR contains(li_kind, 'creat'))
                    THEN 'cache_write'
                WHEN contains(li_kind, 'cached') OR regexp_matches(li_kind, 'cache[ _]?read') THEN 'cached_input'
                WHEN contains(li_kind, 'input') THEN 'input'
                WHEN contains(li_kind, 'output') THEN 'output'
                WHEN regexp_matches(li_kind, 'web[ _]?search') THEN 'web_search'
           END AS kind_type
    FROM line_items
), parsed AS (
    SELECT *,
           CASE WHEN li_head IS NOT NULL THEN
                     CASE WHEN regexp_full_match(li_head, '[A-Za-z0-9][A-Za-z0-9._:/-]*') THEN li_head END
                WHEN kind_type IS NULL AND regexp_full_match(line_item, '[A-Za-z0-9][A-Za-z0-9._:/-]*')
                     AND regexp_matches(line_item, '[0-9-]') THEN line_item
           END AS li_model,
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
    json_object('charge_kind', CASE WHEN li_head IS NOT NULL OR li_model IS NULL THEN li_kind END) AS attributes,
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

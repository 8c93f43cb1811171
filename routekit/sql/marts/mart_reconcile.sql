-- Invoice vs usage vs priced logs, per provider × month × model (the model's normalised id, so the invoice's
-- "gpt-4o-2024-08-06" and the console's "claude-sonnet-4-5" meet the logs' snapshots). Each side is summed on its
-- own and the three are full-outer-joined, so a model billed but never logged (or logged but never billed) shows.
-- likely_causes names what usually explains a gap; log_coverage = priced logs ÷ invoice.
WITH logs AS (
    SELECT c.provider, c.month, coalesce(t.normalised, c.model) AS model_key,
           count(*) AS calls, sum(c.cost_usd) AS logs_priced_usd, sum(c.reported_cost_usd) AS logs_reported_usd,
           count(*) FILTER (c.cost_usd IS NULL) AS unpriced_calls,
           sum(c.cached_input_tokens) AS logs_cached_tokens, count(*) FILTER (c.is_batch) AS batch_calls
    FROM int_calls c LEFT JOIN model_tiers t ON t.model = c.model AND t.provider IS NOT DISTINCT FROM c.provider
    GROUP BY ALL
), byok AS (
    -- OpenRouter calls on the client's own provider key (BYOK): the provider bills their inference on its own invoice
    -- and OpenRouter only its fee (stg_openrouter_activity_csv.sql). Only `calls` keeps that split, in attributes;
    -- the provider filter comes first, so no other call's attributes are read.
    SELECT c.provider, date_trunc('month', c.ts)::DATE AS month, coalesce(t.normalised, c.model) AS model_key,
           count(*) AS byok_calls,
           sum(TRY_CAST(c.attributes ->> 'byok_usage_inference' AS DECIMAL(38, 12))) AS byok_upstream_usd,
           sum(TRY_CAST(c.attributes ->> 'openrouter_fee_usd' AS DECIMAL(38, 12))) AS byok_fee_usd,
           string_agg(DISTINCT c.attributes ->> 'upstream_provider', ', '
                      ORDER BY c.attributes ->> 'upstream_provider') AS byok_billed_by
    FROM calls c LEFT JOIN model_tiers t ON t.model = c.model AND t.provider IS NOT DISTINCT FROM c.provider
    WHERE c.provider = 'openrouter' AND c._format = 'openrouter_activity_csv' AND c.attributes ->> 'byok' = 'true'
    GROUP BY ALL
), usage_side AS (
    SELECT u.provider, u.month, coalesce(t.normalised, u.model) AS model_key,
           sum(u.requests) AS usage_requests, sum(u.cost_usd) AS usage_priced_usd,
           count(*) FILTER (u.cost_usd IS NULL) AS unpriced_usage_rows,
           sum(u.cost_usd) FILTER (u.price_variant = 'batch') AS usage_batch_usd
    FROM int_usage u LEFT JOIN model_tiers t ON t.model = u.model AND t.provider IS NOT DISTINCT FROM u.provider
    GROUP BY ALL
), billed AS (
    SELECT i.provider, date_trunc('month', i.charge_period_start)::DATE AS month,
           coalesce(t.normalised, i.model, '(no model: non-token charges)') AS model_key,
           sum(i.billed_usd) AS billed_usd,
           sum(i.billed_usd) FILTER (i.token_type IN ('cached_input', 'cache_write')) AS billed_cache_usd,
           sum(i.billed_usd) FILTER (i.token_type IN ('web_search', 'other') OR i.model IS NULL) AS billed_non_token_usd,
           sum(i.billed_usd) FILTER (lower(i.service_tier) = 'batch' OR i.charge_description ILIKE '%batch%')
               AS billed_batch_usd,
           count(*) FILTER (i.billed_usd IS NULL) AS unconverted_lines,
           count(*) FILTER (i.billed_usd = round(i.billed_usd, 2)) AS cent_lines
    FROM invoice i LEFT JOIN model_tiers t ON t.model = i.model AND t.provider IS NOT DISTINCT FROM i.provider
    GROUP BY ALL
), joined AS (
    SELECT coalesce(l.provider, u.provider, b.provider) AS provider,
           coalesce(l.month, u.month, b.month) AS month,
           coalesce(l.model_key, u.model_key, b.model_key) AS model,
           l.calls, l.logs_priced_usd, l.logs_reported_usd, l.unpriced_calls, l.logs_cached_tokens, l.batch_calls,
           y.byok_calls, y.byok_upstream_usd, y.byok_fee_usd, y.byok_billed_by,
           u.usage_requests, u.usage_priced_usd, u.unpriced_usage_rows, u.usage_batch_usd,
           b.billed_usd, b.billed_cache_usd, b.billed_non_token_usd, b.billed_batch_usd, b.unconverted_lines,
           -- a line billed in whole cents (the Claude Console's cost CSV) is off its exact amount by up to half a
           -- cent: together they allow this much gap without any other cause
           0.005 * b.cent_lines AS rounding_usd, b.cent_lines
    FROM logs l
    LEFT JOIN byok y ON y.provider = l.provider AND y.month = l.month AND y.model_key = l.model_key
    FULL OUTER JOIN usage_side u
           ON u.provider IS NOT DISTINCT FROM l.provider AND u.month = l.month AND u.model_key = l.model_key
    FULL OUTER JOIN billed b
           ON b.provider IS NOT DISTINCT FROM coalesce(l.provider, u.provider)
          AND b.month = coalesce(l.month, u.month) AND b.model_key = coalesce(l.model_key, u.model_key)
), explained AS (
    SELECT *,
           billed_usd - coalesce(usage_priced_usd, logs_priced_usd, 0) AS gap,
           -- the bill is accounted for: its gap is no more than its lines' rounding and any logs cover it (a
           -- batch job the logs miss is why they cover less); batch traffic, priced at batch rates, then explains
           -- nothing, and naming it made a $0.06 rounding difference read as a batch discount
           coalesce(billed_usd > 0 AND coalesce(usage_priced_usd, logs_priced_usd) IS NOT NULL
                    AND abs(billed_usd - coalesce(usage_priced_usd, logs_priced_usd)) <= rounding_usd
                    AND (logs_priced_usd IS NULL OR logs_priced_usd / billed_usd >= 0.9), false) AS accounted
    FROM joined
)
SELECT * EXCLUDE (gap, accounted, rounding_usd, cent_lines),
       -- what the log source itself charged or computed (OpenRouter's cost_total: what the client was billed) less
       -- the catalog's list price of the same calls; simulations keep list prices so every mix is priced alike
       logs_reported_usd - logs_priced_usd AS logs_source_minus_list_usd,
       -- the bill less what the best export explains (usage covers all traffic, logs maybe not); nothing
       -- explained means the whole bill is the gap
       billed_usd - coalesce(usage_priced_usd, logs_priced_usd, 0) AS gap_usd,
       CASE WHEN billed_usd > 0 THEN logs_priced_usd / billed_usd END AS log_coverage,
       list_filter([
           CASE WHEN billed_usd IS NULL AND coalesce(logs_priced_usd, usage_priced_usd) > 0
                THEN 'no invoice line for this model and month (invoice not provided, or billed elsewhere)' END,
           CASE WHEN billed_usd > 0 AND logs_priced_usd IS NULL AND usage_priced_usd IS NULL
                THEN 'billed but in neither logs nor usage exports' END,
           -- to a tenth of a per cent, as the Log coverage column beside it: round() to none gave '14.0 %' beside
           -- that column's 13.7 % (a DOUBLE rounded to a whole number still prints its '.0')
           CASE WHEN billed_usd > 0 AND logs_priced_usd / billed_usd < 0.9
                THEN 'logs cover ' || round(100 * logs_priced_usd / billed_usd, 1) || ' % of the invoice' END,
           CASE WHEN billed_cache_usd > 0 AND coalesce(logs_cached_tokens, 0) = 0 AND logs_priced_usd IS NOT NULL
                THEN 'the invoice has cache lines the logs do not show' END,
           CASE WHEN accounted AND gap <> 0
                THEN 'within the invoice''s rounding: ' || cent_lines || CASE WHEN cent_lines > 1
                     THEN ' lines billed in whole cents allow' ELSE ' line billed in whole cents allows' END
                     || ' up to ' || rk_usd_text(rounding_usd) || ' either way' END,
           CASE WHEN (billed_batch_usd > 0 OR usage_batch_usd > 0 OR batch_calls > 0) AND NOT accounted
                THEN 'batch traffic (billed at a discount)' END,
           CASE WHEN billed_non_token_usd > 0 THEN 'non-token charges (web search, tools, other)' END,
           CASE WHEN unpriced_calls > 0 OR unpriced_usage_rows > 0 THEN 'models the price catalog does not know' END,
           CASE WHEN unconverted_lines > 0 THEN 'invoice lines in a currency with no rate in routekit.yaml' END,
           CASE WHEN byok_calls > 0
                THEN byok_calls || ' call' || CASE WHEN byok_calls > 1 THEN 's' ELSE '' END
                     || ' on the client''s own provider key (BYOK): their inference (' || rk_usd_text(byok_upstream_usd)
                     || ') is billed by ' || coalesce(byok_billed_by, 'the provider') || ' on its own invoice, not by '
                     || 'OpenRouter, which charged only its fee (' || rk_usd_text(coalesce(byok_fee_usd, 0))
                     || '); the log''s own cost counts both' END,
           CASE WHEN logs_reported_usd > 0 AND logs_priced_usd > 0
                     AND abs(logs_reported_usd - logs_priced_usd) / logs_priced_usd > 0.02
                -- above or below in words: a signed "by -17.8 %" read as a typo
                THEN 'the log source''s own cost (' || rk_usd_text(logs_reported_usd) || ') is '
                     || round(100 * abs(logs_reported_usd - logs_priced_usd) / logs_priced_usd, 1) || ' % '
                     || CASE WHEN logs_reported_usd > logs_priced_usd THEN 'above' ELSE 'below' END
                     || ' list price (' || rk_usd_text(logs_priced_usd) || ')'
                     || CASE WHEN provider = 'openrouter'
                             THEN ': OpenRouter''s cost_total is what it billed (the upstream provider''s price, '
                                  || 'fees, free variants, discounts'
                                  || CASE WHEN byok_calls > 0 THEN '; BYOK calls at their inference cost plus '
                                                                   || 'OpenRouter''s fee' ELSE '' END
                                  || '); simulations price every mix at list prices'
                             ELSE ': simulations price every mix at list prices' END END
       ], lambda x: x IS NOT NULL) AS likely_causes
FROM explained
ORDER BY provider, month, model

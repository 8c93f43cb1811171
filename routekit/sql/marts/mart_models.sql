-- Every model the client uses, from any source, with its tier and how it was priced: so each observed model shows
-- its tier, and an unmapped or unpriced one is visible rather than silently dropped.
WITH seen AS (
    SELECT provider, model, count(*) AS calls, sum(cost_usd) AS calls_cost_usd,
           count(*) FILTER (cost_usd IS NULL) AS unpriced_calls, NULL::BIGINT AS usage_rows,
           NULL::DECIMAL(38, 12) AS usage_cost_usd, NULL::DECIMAL(38, 12) AS billed_usd
    FROM int_calls GROUP BY ALL
    UNION ALL
    SELECT provider, model, NULL, NULL, NULL, count(*), sum(cost_usd), NULL FROM int_usage GROUP BY ALL
    UNION ALL
    SELECT provider, model, NULL, NULL, NULL, NULL, NULL, sum(billed_usd) FROM invoice
    WHERE model IS NOT NULL GROUP BY ALL
)
SELECT s.provider, s.model, t.tier, t.family, t.normalised,
       sum(s.calls) AS calls, sum(s.calls_cost_usd) AS calls_cost_usd, sum(s.unpriced_calls) AS unpriced_calls,
       sum(s.usage_rows) AS usage_rows, sum(s.usage_cost_usd) AS usage_cost_usd, sum(s.billed_usd) AS billed_usd,
       bool_or(p.model IS NOT NULL) AS priced,
       min(p.matched_model) AS priced_as, min(p.source) AS price_source
FROM seen s
LEFT JOIN model_tiers t ON t.model = s.model AND t.provider IS NOT DISTINCT FROM s.provider
LEFT JOIN (SELECT DISTINCT provider, model, matched_model, source FROM price_periods WHERE variant = 'standard') p
       ON p.model = s.model AND p.provider IS NOT DISTINCT FROM s.provider
GROUP BY s.provider, s.model, t.tier, t.family, t.normalised
ORDER BY coalesce(sum(s.calls_cost_usd), 0) + coalesce(sum(s.usage_cost_usd), 0) DESC, s.provider, s.model

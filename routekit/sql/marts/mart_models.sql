-- Every model the client uses, from any source, with its tier and how it was priced: so each observed model shows
-- its tier, and an unmapped or unpriced one is visible rather than silently dropped.
-- A model whose traffic counts audio tokens but whose price lists no audio price bills that audio at its text prices
-- (int_priced.sql): its price_source says so, since a voice model missing from the catalog's audio list would
-- otherwise look priced in full.
WITH seen AS (
    SELECT provider, model, count(*) AS calls, sum(cost_usd) AS calls_cost_usd,
           count(*) FILTER (cost_usd IS NULL) AS unpriced_calls, NULL::BIGINT AS usage_rows,
           NULL::DECIMAL(38, 12) AS usage_cost_usd, NULL::DECIMAL(38, 12) AS billed_usd,
           sum(input_audio_tokens) AS audio_in, sum(output_audio_tokens) AS audio_out
    FROM int_calls GROUP BY ALL
    UNION ALL
    SELECT provider, model, NULL, NULL, NULL, count(*), sum(cost_usd), NULL, sum(input_audio_tokens),
           sum(output_audio_tokens) FROM int_usage GROUP BY ALL
    UNION ALL
    SELECT provider, model, NULL, NULL, NULL, NULL, NULL, sum(billed_usd), NULL, NULL FROM invoice
    WHERE model IS NOT NULL GROUP BY ALL
)
SELECT s.provider, s.model, t.tier, t.family, t.normalised,
       sum(s.calls) AS calls, sum(s.calls_cost_usd) AS calls_cost_usd, sum(s.unpriced_calls) AS unpriced_calls,
       sum(s.usage_rows) AS usage_rows, sum(s.usage_cost_usd) AS usage_cost_usd, sum(s.billed_usd) AS billed_usd,
       bool_or(p.model IS NOT NULL) AS priced,
       min(p.matched_model) AS priced_as,
       min(p.source) || CASE
           WHEN coalesce(sum(s.audio_in), 0) > 0 AND NOT coalesce(bool_or(p.has_audio_in), false)
                AND coalesce(sum(s.audio_out), 0) > 0 AND NOT coalesce(bool_or(p.has_audio_out), false)
           THEN ' (no audio prices: audio input and output at the text prices)'
           WHEN coalesce(sum(s.audio_in), 0) > 0 AND NOT coalesce(bool_or(p.has_audio_in), false)
           THEN ' (no audio input price: audio input at the text price)'
           WHEN coalesce(sum(s.audio_out), 0) > 0 AND NOT coalesce(bool_or(p.has_audio_out), false)
           THEN ' (no audio output price: audio output at the text price)'
           ELSE '' END AS price_source
FROM seen s
LEFT JOIN model_tiers t ON t.model = s.model AND t.provider IS NOT DISTINCT FROM s.provider
-- one row per model (its periods and slices folded), so that the join never repeats a model's traffic
LEFT JOIN (SELECT provider, model, min(matched_model) AS matched_model, min(source) AS source,
                  bool_or(input_audio_per_mtok IS NOT NULL) AS has_audio_in,
                  bool_or(output_audio_per_mtok IS NOT NULL) AS has_audio_out
           FROM price_periods WHERE variant = 'standard' GROUP BY provider, model) p
       ON p.model = s.model AND p.provider IS NOT DISTINCT FROM s.provider
GROUP BY s.provider, s.model, t.tier, t.family, t.normalised
ORDER BY coalesce(sum(s.calls_cost_usd), 0) + coalesce(sum(s.usage_cost_usd), 0) DESC, s.provider, s.model

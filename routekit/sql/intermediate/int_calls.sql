-- Every call with its price at its own date (int_priced over calls), its tier, its task type and its length
-- buckets. Task types come from call_task_types once the classifier has run (its reasons stay there); until then
-- every call is 'other'. Bucket bounds are bound as $in_bounds, $in_labels, $out_bounds, $out_labels. Prompt text
-- stays in `calls`: nothing downstream needs it.
SELECT
    p.request_id, p.ts, date_trunc('month', p.ts)::DATE AS month, p.provider, p.model, p.model_requested,
    p.feature, p.project, p.api_key, p.status, p.requests, p.input_tokens, p.cached_input_tokens,
    p.cache_write_tokens, p.output_tokens, p.reasoning_tokens, p.reported_cost_usd, p.latency_ms, p.is_batch,
    p.service_tier, p.price_variant, p.price_source, p.priced_as, p.cost_usd,
    t.tier, t.family,
    coalesce(tt.task_type, 'other') AS task_type,
    rk_bucket(p.input_tokens, $in_bounds, $in_labels) AS len_in,
    rk_bucket(p.output_tokens, $out_bounds, $out_labels) AS len_out,
    p._source_file, p._source_row
FROM priced_rows p
LEFT JOIN model_tiers t ON t.model = p.model AND t.provider IS NOT DISTINCT FROM p.provider
LEFT JOIN call_task_types tt ON tt._key = hash(p._source_file, p._source_row)

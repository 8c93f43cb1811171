-- Aggregated usage rows (no text, so no task type) with their price at their period's start and their tier.
-- requests stays NULL where the export does not count them (Anthropic).
SELECT
    p.period_start, p.period_end, date_trunc('month', p.period_start)::DATE AS month, p.provider, p.model,
    p.project, p.api_key, p.is_batch, p.service_tier, p.requests, p.input_tokens, p.cached_input_tokens,
    p.cache_write_tokens, p.output_tokens, p.input_audio_tokens, p.cached_audio_tokens, p.output_audio_tokens,
    p.price_variant, p.price_source, p.priced_as, p.cost_usd,
    t.tier, t.family, p._format, p._source_file, p._source_row
FROM priced_rows p
LEFT JOIN model_tiers t ON t.model = p.model AND t.provider IS NOT DISTINCT FROM p.provider

-- Every call with its price at its own date (int_priced over calls), its tier, its task type and its length
-- buckets. Task types come from call_task_types once the classifier has run (its reasons stay there); until then
-- every call is 'other'. Bucket bounds are bound as $in_bounds, $in_labels, $out_bounds, $out_labels, the time-of-day
-- slots' inner bounds and labels (routekit.engine.write_time_slots) as $tod_bounds, $tod_labels, the price catalog's
-- input cliffs (PriceCatalog.input_cliffs) as $input_cliffs.
-- Only what the marts and reports read is written: every column here costs about 0.35 s per 10 M calls. Prompt text,
-- request ids, the model asked for and the service tier stay in `calls` (join on _source_file, _source_row); how a
-- model was priced and its family are per model, in mart_models.
SELECT
    p.ts, date_trunc('month', p.ts)::DATE AS month, p.provider, p.model,
    p.feature, p.project, p.api_key, p.status, p.requests, p.input_tokens, p.cached_input_tokens,
    p.cache_write_tokens, p.output_tokens, p.reasoning_tokens, p.reported_cost_usd, p.latency_ms, p.is_batch,
    -- the audio subsets: the cube carries them so the simulator re-prices a segment at the model's audio prices
    p.input_audio_tokens, p.cached_audio_tokens, p.output_audio_tokens,
    p.price_variant, p.cost_usd,
    t.tier,
    coalesce(tt.task_type, 'other') AS task_type,
    rk_bucket(p.input_tokens, $in_bounds, $in_labels) AS len_in,
    rk_bucket(p.output_tokens, $out_bounds, $out_labels) AS len_out,
    -- the largest cliff the call's input is above (0: none): the cube keeps calls on either side of every model's
    -- cliff apart, so the simulator prices a segment at the above-cliff rates exactly (claude-sonnet-4-5 past 200k
    -- input tokens: input $6 instead of $3, output $22.50 instead of $15 per Mtok), not at the base rate
    rk_input_floor(p.input_tokens, $input_cliffs) AS input_floor,
    -- the slot of the UTC day the call falls in (time_slots): one constant when no time-of-day price is involved
    rk_time_slot(p.ts, $tod_bounds, $tod_labels) AS tod_slot,
    p._source_file, p._source_row
FROM priced_rows p
LEFT JOIN model_tiers t ON t.model = p.model AND t.provider IS NOT DISTINCT FROM p.provider
LEFT JOIN call_task_types tt ON tt._key = hash(p._source_file, p._source_row)

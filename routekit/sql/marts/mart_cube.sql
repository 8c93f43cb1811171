-- The cube every view reads (scenario, widgets, report): calls aggregated by month, provider, model, tier, feature,
-- task type, length buckets, price variant, time-of-day slot (time_slots: one constant unless time-of-day prices
-- are involved, when the simulator prices each row at its slot's time) and input floor (0 unless a call is past a
-- price cliff: int_calls.sql). Small (hundreds to a few thousand rows)
-- whatever the log size, so what-if work runs on it in milliseconds.
SELECT
    month, provider, model, tier, feature, task_type, len_in, len_out, is_batch, price_variant, tod_slot, input_floor,
    count(*) AS calls,
    sum(requests) AS requests,
    sum(input_tokens) AS input_tokens,
    sum(cached_input_tokens) AS cached_input_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(output_tokens) AS output_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    -- audio subsets (NULL where no call counts any), for scenario.token_cost's audio prices
    sum(input_audio_tokens) AS input_audio_tokens,
    sum(cached_audio_tokens) AS cached_audio_tokens,
    sum(output_audio_tokens) AS output_audio_tokens,
    sum(cost_usd) AS cost_usd,
    count(*) FILTER (cost_usd IS NULL) AS unpriced_calls,
    sum(reported_cost_usd) AS reported_cost_usd,
    count(*) FILTER (status = 'error') AS errors,
    avg(latency_ms) AS avg_latency_ms,
    min(ts) AS first_ts,
    max(ts) AS last_ts
FROM int_calls
GROUP BY ALL
UNION ALL BY NAME
-- Traffic the call logs do not show is still traffic: aggregated usage rows, with no text (task type 'other', or the
-- one the client's project / workspace / API-key mapping names: usage_task_types) and no per-request lengths
-- ('unknown'), for each provider and month that has no logged call (Anthropic console usage beside Bedrock
-- invocation logs, or a client with no logs at all). A provider's month with logs is taken from the
-- logs alone, so the same traffic is never counted twice (a usage export and the logs of one provider usually cover
-- the same requests; the reconciliation compares them).
SELECT
    month, provider, model, tier, NULL AS feature, coalesce(ut.task_type, 'other') AS task_type, 'unknown' AS len_in,
    'unknown' AS len_out,
    is_batch, price_variant, NULL AS tod_slot,   -- no time of day: the simulator prices it at the day rate
    0 AS input_floor,   -- no per-request sizes: priced at the base rate
    NULL AS calls, sum(requests) AS requests, sum(input_tokens) AS input_tokens,
    sum(cached_input_tokens) AS cached_input_tokens, sum(cache_write_tokens) AS cache_write_tokens,
    sum(output_tokens) AS output_tokens, NULL AS reasoning_tokens, sum(input_audio_tokens) AS input_audio_tokens,
    sum(cached_audio_tokens) AS cached_audio_tokens, sum(output_audio_tokens) AS output_audio_tokens,
    sum(cost_usd) AS cost_usd,
    count(*) FILTER (cost_usd IS NULL) AS unpriced_calls, NULL AS reported_cost_usd, NULL AS errors,
    NULL AS avg_latency_ms, min(period_start) AS first_ts,
    max(period_end) - INTERVAL 1 MICROSECOND AS last_ts   -- a bucket ends where the next begins
FROM int_usage u
LEFT JOIN usage_task_types ut USING (_source_file, _source_row)
-- a logged call with no provider could be any provider's: its month is then taken from the logs alone
WHERE NOT EXISTS (SELECT 1 FROM int_calls c WHERE c.month = u.month AND (c.provider = u.provider OR c.provider IS NULL))
  -- and only within the logs' own window (whole days), so that adding usage never widens the window the logs'
  -- totals are divided by (mart_cube's first_ts..last_ts is the projection's)
  AND (NOT EXISTS (SELECT 1 FROM int_calls)
       OR (u.period_start >= (SELECT date_trunc('day', min(ts)) FROM int_calls)
           AND u.period_end <= (SELECT date_trunc('day', max(ts)) + INTERVAL 1 DAY FROM int_calls)))
GROUP BY ALL

-- OpenAI Usage API completions pages → usage. input_tokens includes cached and cache-write tokens already, and the
-- audio and image tokens: OpenAI's spec (openai-openapi, UsageCompletionsResult, since 2026-07) says it "includes text,
-- audio, and image tokens" and calls input_audio_tokens "uncached audio input tokens", a part of input_uncached_tokens
-- (input_tokens = uncached + cached + cache-write). Its older text said "text input tokens"; read so, the audio of a
-- cookbook bucket (5,776 beside 3,718,360) would be missing, but the newer spec describes the same field, so the audio
-- counts are not added to input_tokens.
-- They are its audio subsets (schema.sql), priced at the model's audio prices: input_audio_tokens the uncached audio
-- input (the newer spec's "aggregated number of uncached audio input tokens"; openai-ruby's UsageCompletionsResult),
-- input_cached_audio_tokens (2026 spec, "cached audio input tokens") the audio cache reads within input_cached_tokens,
-- output_audio_tokens the audio output within output_tokens. The older spec called input_audio_tokens "audio input
-- tokens used, including cached tokens"; a bucket without input_cached_audio_tokens has no split of its cache reads,
-- which int_priced.sql then splits by the bucket's uncached audio share (for gpt-realtime, gpt-4o-realtime-preview
-- and gpt-4o-mini-realtime-preview cached audio and text cost the same; gpt-realtime-mini's cached audio is
-- 0.3 $/Mtok against 0.06 for text).
-- Each JSON value is parsed once into lists and structs (doc -> i per index would re-parse the page each time).
-- Rows come from the shared walk of the API page envelope (sql/raw/api_page_results.sql).
WITH results AS (
    SELECT _source_row, bk,
           json_transform(rec, '{"model": "VARCHAR", "project_id": "VARCHAR", "api_key_id": "VARCHAR",
               "user_id": "VARCHAR", "service_tier": "VARCHAR", "batch": "VARCHAR", "num_model_requests": "VARCHAR",
               "input_tokens": "VARCHAR", "input_cached_tokens": "VARCHAR", "input_cache_write_tokens": "VARCHAR",
               "output_tokens": "VARCHAR", "input_audio_tokens": "VARCHAR", "output_audio_tokens": "VARCHAR",
               "input_cached_audio_tokens": "VARCHAR", "input_image_tokens": "VARCHAR"}') AS rec
    FROM page_results
)
SELECT
    _source_row,
    rk_ts(bk.start_time) AS period_start,
    rk_ts(bk.end_time) AS period_end,
    'openai' AS provider,
    rk_text(rec.model) AS model,
    rk_text(rec.project_id) AS project,
    rk_text(rec.api_key_id) AS api_key,
    rk_text(rec.user_id) AS user_id,
    rk_text(rec.service_tier) AS service_tier,
    rk_bool(rec.batch) AS is_batch,
    rk_int(rec.num_model_requests) AS requests,
    rk_int(rec.input_tokens) AS input_tokens,
    coalesce(rk_int(rec.input_cached_tokens), 0) AS cached_input_tokens,
    coalesce(rk_int(rec.input_cache_write_tokens), 0) AS cache_write_tokens,
    rk_int(rec.output_tokens) AS output_tokens,
    rk_int(rec.input_audio_tokens) AS input_audio_tokens,
    rk_int(rec.input_cached_audio_tokens) AS cached_audio_tokens,
    rk_int(rec.output_audio_tokens) AS output_audio_tokens,
    json_object('input_image_tokens', rk_int(rec.input_image_tokens)) AS attributes,
    [rk_ts_problem('start_time', bk.start_time),
     rk_required_int_problem('input_tokens', rec.input_tokens),
     rk_required_int_problem('output_tokens', rec.output_tokens),
     rk_required_int_problem('num_model_requests', rec.num_model_requests),
     rk_int_problem('input_cached_tokens', rec.input_cached_tokens),
     rk_int_problem('input_cache_write_tokens', rec.input_cache_write_tokens),
     CASE WHEN rk_int(rec.input_cached_tokens) > rk_int(rec.input_tokens)
          THEN 'input_cached_tokens exceed input_tokens' END,
     rk_int_problem('input_audio_tokens', rec.input_audio_tokens),
     rk_int_problem('input_cached_audio_tokens', rec.input_cached_audio_tokens),
     rk_int_problem('output_audio_tokens', rec.output_audio_tokens),
     -- subsets larger than their whole would price audio the bill never had
     CASE WHEN coalesce(rk_int(rec.input_audio_tokens), 0) + coalesce(rk_int(rec.input_cached_tokens), 0)
               > rk_int(rec.input_tokens)
          THEN 'input_audio_tokens + input_cached_tokens exceed input_tokens' END,
     CASE WHEN rk_int(rec.input_cached_audio_tokens) > coalesce(rk_int(rec.input_cached_tokens), 0)
          THEN 'input_cached_audio_tokens exceed input_cached_tokens' END,
     CASE WHEN rk_int(rec.output_audio_tokens) > rk_int(rec.output_tokens)
          THEN 'output_audio_tokens exceed output_tokens' END
    ] AS _problems
FROM results

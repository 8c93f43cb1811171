-- OpenAI Usage API completions pages → usage. input_tokens includes cached and cache-write tokens already.
WITH buckets AS (
    SELECT _source_row AS loc, b, doc -> '$.data' -> CAST(b AS INTEGER) AS bucket
    FROM docs, LATERAL (SELECT unnest(rk_indices(doc -> '$.data')) AS b)
), results AS (
    SELECT rk_at(loc, '.data[' || b || '].results[' || r || ']') AS _source_row, bucket,
           bucket -> '$.results' -> CAST(r AS INTEGER) AS rec
    FROM buckets, LATERAL (SELECT unnest(rk_indices(bucket -> '$.results')) AS r)
)
SELECT
    _source_row,
    rk_ts(bucket ->> '$.start_time') AS period_start,
    rk_ts(bucket ->> '$.end_time') AS period_end,
    'openai' AS provider,
    rec ->> '$.model' AS model,
    rec ->> '$.project_id' AS project,
    rec ->> '$.api_key_id' AS api_key,
    rec ->> '$.user_id' AS user_id,
    rec ->> '$.service_tier' AS service_tier,
    rk_bool(rec ->> '$.batch') AS is_batch,
    rk_int(rec ->> '$.num_model_requests') AS requests,
    rk_int(rec ->> '$.input_tokens') AS input_tokens,
    coalesce(rk_int(rec ->> '$.input_cached_tokens'), 0) AS cached_input_tokens,
    coalesce(rk_int(rec ->> '$.input_cache_write_tokens'), 0) AS cache_write_tokens,
    rk_int(rec ->> '$.output_tokens') AS output_tokens,
    json_object('input_audio_tokens', rk_int(rec ->> '$.input_audio_tokens'),
                'output_audio_tokens', rk_int(rec ->> '$.output_audio_tokens'),
                'input_image_tokens', rk_int(rec ->> '$.input_image_tokens')) AS attributes,
    [rk_ts_problem('start_time', bucket ->> '$.start_time'),
     rk_required_int_problem('input_tokens', rec ->> '$.input_tokens'),
     rk_required_int_problem('output_tokens', rec ->> '$.output_tokens'),
     rk_required_int_problem('num_model_requests', rec ->> '$.num_model_requests'),
     rk_int_problem('input_cached_tokens', rec ->> '$.input_cached_tokens'),
     rk_int_problem('input_cache_write_tokens', rec ->> '$.input_cache_write_tokens'),
     CASE WHEN rk_int(rec ->> '$.input_cached_tokens') > rk_int(rec ->> '$.input_tokens')
          THEN 'input_cached_tokens exceed input_tokens' END
    ] AS _problems
FROM results

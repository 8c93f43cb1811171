-- Langfuse observations (raw, built by raw_langfuse_observations.sql) → calls: generations and embeddings only
-- (the other observation types are counted in the load note, LangfuseObservations.note).
-- Usage is a map of usage types → units whose names depend on the SDK or integration ("input", "output",
-- "input_cached_tokens", "cache_read_input_tokens", "output_reasoning_tokens", ...). Langfuse keeps each type apart
-- (its integrations subtract the cached and audio tokens from "input") and its UI sums every type whose name contains
-- "input" into the input, "output" into the output: so does this model, hence input_tokens includes cache reads and
-- writes, as the canonical table wants; unless the record's own total shows "input" already held them (see readings).
-- Older exports name them promptTokens / completionTokens.
WITH src AS (
    SELECT *,
           list_transform(map_entries(usage_map), lambda e: {'k': lower(e.key), 'v': e.value}) AS usage_entries,
           upper(coalesce(level, '')) = 'ERROR' AS is_error
    FROM raw
    WHERE obs_class = 'model'
), counted AS (
    SELECT *,
           -- a usage type counts once, where its name puts it; costs, units and totals are not token counts, and a
           -- type given as null is no count at all ({"input": null, "output": null} is a generation without usage)
           list_filter(usage_entries, lambda e: e.v IS NOT NULL
                                                AND NOT (contains(e.k, 'total') OR contains(e.k, 'cost')
                                                         OR contains(e.k, 'unit') OR contains(e.k, 'details')))
               AS counts
    FROM src
), typed AS (
    SELECT *,
           list_filter(counts, lambda e: contains(e.k, 'input') OR starts_with(e.k, 'prompt')) AS input_counts,
           list_filter(counts, lambda e: contains(e.k, 'output') OR starts_with(e.k, 'completion')) AS output_counts,
           rk_int(list_filter(usage_entries, lambda e: e.k = 'total')[1].v) AS usage_total
    FROM counted
), summed AS (
    SELECT *,
           list_sum(list_transform(input_counts, lambda e: rk_int(e.v))) AS input_sum,
           list_sum(list_transform(output_counts, lambda e: rk_int(e.v))) AS output_sum,
           coalesce(list_sum(list_transform(list_filter(input_counts, lambda e: contains(e.k, 'cache')),
                                            lambda e: rk_int(e.v))), 0) AS input_cache_sum,
           -- uncached input audio (cached audio is among the cache types above)
           coalesce(list_sum(list_transform(list_filter(input_counts, lambda e: contains(e.k, 'audio')
                                                                        AND NOT contains(e.k, 'cache')),
                                            lambda e: rk_int(e.v))), 0) AS input_audio_sum,
           coalesce(list_sum(list_transform(list_filter(output_counts, lambda e: contains(e.k, 'reasoning')),
                                            lambda e: rk_int(e.v))), 0) AS output_reasoning_sum,
           coalesce(list_sum(list_transform(list_filter(output_counts, lambda e: contains(e.k, 'audio')),
                                            lambda e: rk_int(e.v))), 0) AS output_audio_sum
    FROM typed
), readings AS (
    -- Langfuse wants every usage type apart, but some writers put the provider's inclusive count in "input" (or
    -- "output") beside the cache, audio (or reasoning, audio) counts it already holds: Langfuse's Codex plugin
    -- (langfuse/codex-observability-plugin #22: input 117231 with cache_read_input_tokens 115584, total 117456), its
    -- JS OpenAI wrapper before 4.4.6 (langfuse #10592), OTel spans ingested before Langfuse's #13110 (langfuse
    -- #12306), and any writer copying an OpenAI Realtime usage (input_tokens "including text and audio tokens") into
    -- "input" beside input_audio_tokens. Summed, those parts would count twice. The writer's own total says which:
    -- it is the sum of the types when they are apart, and falls short of it by exactly the parts held inside.
    -- The candidate readings, most likely first: an inclusive count holds every part of its side (the provider's
    -- prompt / completion count copied whole), on both sides, then on one; then the cache and reasoning parts alone
    -- (the cases above); then the audio parts alone (a writer that subtracted the cache but not the audio); then the
    -- mixed ones. The first whose parts add up to the shortfall wins, and only if the inclusive count ("input" and
    -- the other types that are neither cache nor audio; "output" and the like) is at least the parts it would hold.
    SELECT *,
           input_sum - input_cache_sum - input_audio_sum AS input_plain,
           output_sum - output_reasoning_sum - output_audio_sum AS output_plain,
           CASE WHEN usage_total < input_sum + output_sum THEN input_sum + output_sum - usage_total END AS shortfall
    FROM summed
), nested AS (
    SELECT *,
           coalesce(reading.c, false) AND input_cache_sum > 0 AS input_holds_cache,
           coalesce(reading.a, false) AND input_audio_sum > 0 AS input_holds_audio,
           coalesce(reading.r, false) AND output_reasoning_sum > 0 AS output_holds_reasoning,
           coalesce(reading.o, false) AND output_audio_sum > 0 AS output_holds_audio
    FROM (
        SELECT *,
               CASE WHEN shortfall IS NOT NULL THEN list_filter(
                   [{'c': true, 'a': true, 'r': true, 'o': true}, {'c': true, 'a': true, 'r': false, 'o': false},
                    {'c': false, 'a': false, 'r': true, 'o': true}, {'c': true, 'a': false, 'r': true, 'o': false},
                    {'c': true, 'a': false, 'r': false, 'o': false}, {'c': false, 'a': false, 'r': true, 'o': false},
                    {'c': false, 'a': true, 'r': false, 'o': true}, {'c': false, 'a': true, 'r': false, 'o': false},
                    {'c': false, 'a': false, 'r': false, 'o': true}, {'c': true, 'a': true, 'r': true, 'o': false},
                    {'c': true, 'a': true, 'r': false, 'o': true}, {'c': true, 'a': false, 'r': true, 'o': true},
                    {'c': false, 'a': true, 'r': true, 'o': true}, {'c': true, 'a': false, 'r': false, 'o': true},
                    {'c': false, 'a': true, 'r': true, 'o': false}],
                   lambda h: (CASE WHEN h.c THEN input_cache_sum ELSE 0 END + CASE WHEN h.a THEN input_audio_sum ELSE 0 END
                              + CASE WHEN h.r THEN output_reasoning_sum ELSE 0 END
                              + CASE WHEN h.o THEN output_audio_sum ELSE 0 END) = shortfall
                             AND input_plain >= CASE WHEN h.c THEN input_cache_sum ELSE 0 END
                                                + CASE WHEN h.a THEN input_audio_sum ELSE 0 END
                             AND output_plain >= CASE WHEN h.r THEN output_reasoning_sum ELSE 0 END
                                                 + CASE WHEN h.o THEN output_audio_sum ELSE 0 END)[1]
               END AS reading
        FROM readings
    )
)
SELECT
    _source_row,
    rk_text(observation_id) AS request_id,
    rk_ts(start_text) AS ts,
    -- Langfuse records no provider; LangChain's callback puts one in the metadata (ls_provider). Without it the
    -- price catalog infers the provider from the model name.
    lower(rk_text(metadata_json ->> 'ls_provider')) AS provider,
    rk_text(model_ref) AS model,
    rk_text(model_ref) AS model_requested,
    coalesce(rk_text(metadata_json ->> 'feature'), rk_text(prompt_name), rk_text(trace_name)) AS feature,
    coalesce(rk_text(metadata_json ->> 'project'), rk_text(metadata_json ->> 'team'), rk_text(project_id)) AS project,
    NULL::VARCHAR AS api_key,
    coalesce(rk_text(user_ref), rk_text(metadata_json ->> 'user_id')) AS user_id,
    tags,
    CASE WHEN is_error THEN 'error' ELSE 'success' END AS status,
    CASE WHEN is_error THEN coalesce(rk_text(status_message), 'level ERROR') END AS error,
    1 AS requests,
    input_sum - CASE WHEN input_holds_cache THEN input_cache_sum ELSE 0 END
              - CASE WHEN input_holds_audio THEN input_audio_sum ELSE 0 END AS input_tokens,
    coalesce(list_sum(list_transform(list_filter(counts, lambda e: contains(e.k, 'cache')
                                                  AND NOT (contains(e.k, 'creat') OR contains(e.k, 'write'))),
                                     lambda e: rk_int(e.v))), 0) AS cached_input_tokens,
    coalesce(list_sum(list_transform(list_filter(counts, lambda e: contains(e.k, 'cache')
                                                  AND (contains(e.k, 'creat') OR contains(e.k, 'write'))),
                                     lambda e: rk_int(e.v))), 0) AS cache_write_tokens,
    output_sum - CASE WHEN output_holds_reasoning THEN output_reasoning_sum ELSE 0 END
               - CASE WHEN output_holds_audio THEN output_audio_sum ELSE 0 END AS output_tokens,
    list_sum(list_transform(list_filter(counts, lambda e: contains(e.k, 'reasoning')),
                            lambda e: rk_int(e.v))) AS reasoning_tokens,
    -- audio usage types, each a part of the input or output sum (Langfuse keeps them apart, as the cache reads):
    -- "input_audio_tokens" / "output_audio_tokens" from an OpenAI usage's prompt_tokens_details / completion_tokens_
    -- details flattened as Langfuse does (input_{key}, output_{key}), "input_audio" / "output_audio" from LangChain's
    -- usage_metadata input_token_details / output_token_details. An input audio type without "cache" is uncached
    -- audio, one with it (OpenAI Realtime's cached_tokens_details.audio_tokens) audio cache reads, a part of
    -- cached_input_tokens; NULL where the record has no audio type.
    list_sum(list_transform(list_filter(input_counts, lambda e: contains(e.k, 'audio') AND NOT contains(e.k, 'cache')),
                            lambda e: rk_int(e.v))) AS input_audio_tokens,
    list_sum(list_transform(list_filter(input_counts, lambda e: contains(e.k, 'audio') AND contains(e.k, 'cache')
                                                                AND NOT (contains(e.k, 'creat') OR contains(e.k, 'write'))),
                            lambda e: rk_int(e.v))) AS cached_audio_tokens,
    list_sum(list_transform(list_filter(output_counts, lambda e: contains(e.k, 'audio')),
                            lambda e: rk_int(e.v))) AS output_audio_tokens,
    rk_money(v_cost) AS reported_cost_usd,
    coalesce(epoch_ms(rk_ts(end_text)) - epoch_ms(rk_ts(start_text)), TRY_CAST(latency_s AS DOUBLE) * 1000)
        AS latency_ms,
    false AS is_batch,
    NULL::VARCHAR AS service_tier,
    lower(obs_type) AS operation,
    rk_msgs_system(input_messages) AS system_prompt,
    coalesce(rk_msgs_last_user(input_messages), rk_text(input_text)) AS user_prompt,
    CAST(len(input_messages) AS INTEGER) AS n_messages,
    params.tools IS NOT NULL OR input_tools IS NOT NULL OR coalesce(rk_msgs_has_tool_use(input_messages), false)
        AS has_tools,
    params.response_format IS NOT NULL AS json_mode,
    thinking_budget AS thinking_budget_tokens,
    json_object('trace_id', rk_text(trace_id), 'session_id', rk_text(session_id),
                'observation_name', rk_text(obs_name), 'environment', rk_text(environment),
                'level', rk_text(level),
                -- the usage types Langfuse was given inside "input" / "output" rather than apart (see nested)
                'input_included_cache', CASE WHEN input_holds_cache THEN true END,
                'input_included_audio', CASE WHEN input_holds_audio THEN true END,
                'output_included_reasoning', CASE WHEN output_holds_reasoning THEN true END,
                'output_included_audio', CASE WHEN output_holds_audio THEN true END) AS attributes,
    [rk_text_problem('id', observation_id),
     rk_ts_problem('startTime', start_text),
     rk_text_problem('model', model_ref),
     -- every usage count must be a whole number, named by its usage type
     nullif(array_to_string(list_transform(list_filter(counts, lambda e: rk_int_problem(e.k, e.v) IS NOT NULL),
                                           lambda e: rk_int_problem('usage ' || e.k, e.v)), '; '), ''),
     -- a successful generation always has counts: without them it would be priced as free
     usage_problem,
     -- no usage at all (the field absent or null) counts as none: len() of the missing list is NULL, not 0
     CASE WHEN NOT is_error AND usage_problem IS NULL AND coalesce(len(input_counts), 0) = 0
          THEN 'missing input token count (usageDetails)' END,
     CASE WHEN NOT is_error AND usage_problem IS NULL AND coalesce(len(output_counts), 0) = 0
               AND obs_type <> 'EMBEDDING'
          THEN 'missing output token count (usageDetails)' END,
     rk_money_problem('costDetails.total', v_cost)
    ] AS _problems
FROM nested

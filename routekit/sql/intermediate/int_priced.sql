-- Prices any usage-shaped rows at their own date: reads the view `priceable` (calls, or usage rows with their
-- period start as ts) and price_periods (routekit.engine writes it from the price catalog). The price is the one in
-- force on the row's date for its variant (batch, priority, flex), falling back to the standard price when the
-- catalog has no such variant. A cliff tier (total input over above_input_tokens) is a property of one request: a
-- call is above it by its own input; an aggregated usage row only when the export says so (`above_context`, from
-- Anthropic's context_window), never by its day's total. Above the cliff every token takes the tier's prices.
-- An unknown model keeps cost_usd NULL: reported as unpriced, never $0.
-- Time-of-day prices: a row with a time of day (`time_of_day`: a call's UTC time) takes the slice of the day it falls
-- in; a row without one (aggregated usage: its period start says nothing of when its requests ran) takes the day
-- rate (rk_price_at_time).
-- Cache reads without a split by modality (cached_audio_tokens NULL: LiteLLM, Helicone, Langfuse without a cached
-- audio type, an OpenAI Usage bucket before input_cached_audio_tokens, a generic CSV without the column) in a row
-- that counts uncached audio are split by that uncached input's audio share: cached audio = cache reads × uncached
-- audio ÷ uncached input, rounded to a token. A voice session's cache holds its earlier turns, which are audio as
-- its newest are, so the share is the row's own best evidence; pricing them all as text would understate a model
-- whose audio cache reads cost more (gpt-realtime-mini 0.3 against 0.06 $/Mtok; Gemini 2.5 Flash 0.1 against 0.03)
-- and all as audio overstate it. The error is bounded by cache reads × the price gap, and nil where the two prices
-- agree (gpt-realtime 0.4 both). A row with a split, or with no uncached audio, is left as it is.
WITH priced AS (
    SELECT c.* REPLACE (
               CASE WHEN c.cached_audio_tokens IS NULL AND c.input_audio_tokens > 0 AND c.cached_input_tokens > 0
                         -- a share of at most 1 (a row with more audio than uncached input keeps no split)
                         AND c.input_tokens - c.cached_input_tokens - coalesce(c.cache_write_tokens, 0)
                             >= c.input_audio_tokens
                    THEN CAST(round(CAST(c.cached_input_tokens AS DOUBLE) * c.input_audio_tokens
                                    / (c.input_tokens - c.cached_input_tokens - coalesce(c.cache_write_tokens, 0)))
                              AS BIGINT)
                    ELSE c.cached_audio_tokens END AS cached_audio_tokens),
               rk_price_variant(c.is_batch, c.service_tier) AS price_variant,
               coalesce(pv.source, ps.source) AS price_source,
               coalesce(pv.matched_model, ps.matched_model) AS priced_as,
               coalesce(pv.variant, ps.variant) AS variant_priced,
               CASE WHEN coalesce(pv.above_input_tokens, ps.above_input_tokens) IS NULL THEN false
                    WHEN c.above_context IS NOT NULL THEN c.above_context
                    ELSE c.input_tokens > coalesce(pv.above_input_tokens, ps.above_input_tokens) END AS above_tier,
               pv.input_per_mtok AS v_in, pv.cached_input_per_mtok AS v_cached, pv.cache_write_per_mtok AS v_write,
               pv.output_per_mtok AS v_out, pv.input_per_mtok_above AS v_in_above,
               pv.cached_input_per_mtok_above AS v_cached_above, pv.cache_write_per_mtok_above AS v_write_above,
               pv.output_per_mtok_above AS v_out_above,
               ps.input_per_mtok AS s_in, ps.cached_input_per_mtok AS s_cached, ps.cache_write_per_mtok AS s_write,
               ps.output_per_mtok AS s_out, ps.input_per_mtok_above AS s_in_above,
               ps.cached_input_per_mtok_above AS s_cached_above, ps.cache_write_per_mtok_above AS s_write_above,
               ps.output_per_mtok_above AS s_out_above,
               -- audio prices are flat (no cliff tier): the variant's, else the standard's; NULL bills audio as text
               CASE WHEN pv.model IS NOT NULL THEN pv.input_audio_per_mtok ELSE ps.input_audio_per_mtok END AS p_audio,
               CASE WHEN pv.model IS NOT NULL THEN pv.cached_audio_input_per_mtok
                    ELSE ps.cached_audio_input_per_mtok END AS p_audio_cached,
               CASE WHEN pv.model IS NOT NULL THEN pv.output_audio_per_mtok ELSE ps.output_audio_per_mtok END AS p_audio_out
        FROM priceable c
        LEFT JOIN price_periods pv
               ON pv.model = c.model AND pv.provider IS NOT DISTINCT FROM c.provider
              AND pv.variant = rk_price_variant(c.is_batch, c.service_tier) AND pv.variant <> 'standard'
              AND c.ts >= coalesce(pv.valid_from, DATE '1900-01-01') AND c.ts < coalesce(pv.valid_to, DATE '9999-01-01')
              AND rk_price_at_time(c.time_of_day, pv.from_time, pv.to_time, pv.day_rate)
        LEFT JOIN price_periods ps
               ON ps.model = c.model AND ps.provider IS NOT DISTINCT FROM c.provider AND ps.variant = 'standard'
              AND c.ts >= coalesce(ps.valid_from, DATE '1900-01-01') AND c.ts < coalesce(ps.valid_to, DATE '9999-01-01')
              AND rk_price_at_time(c.time_of_day, ps.from_time, ps.to_time, ps.day_rate)
)
SELECT p.* EXCLUDE (above_context, time_of_day, above_tier, v_in, v_cached, v_write, v_out, v_in_above,
                    v_cached_above, v_write_above, v_out_above, s_in, s_cached, s_write, s_out, s_in_above,
                    s_cached_above, s_write_above, s_out_above, p_audio, p_audio_cached, p_audio_out),
    CASE WHEN p.above_tier THEN
        rk_token_cost(p.input_tokens, p.cached_input_tokens, p.cache_write_tokens, p.output_tokens,
                      coalesce(p.v_in_above, p.s_in_above), coalesce(p.v_cached_above, p.s_cached_above),
                      coalesce(p.v_write_above, p.s_write_above, p.v_write, p.s_write),
                      coalesce(p.v_out_above, p.s_out_above), p.input_audio_tokens, p.cached_audio_tokens,
                      p.output_audio_tokens, p.p_audio, p.p_audio_cached, p.p_audio_out)
    ELSE
        rk_token_cost(p.input_tokens, p.cached_input_tokens, p.cache_write_tokens, p.output_tokens,
                      coalesce(p.v_in, p.s_in), coalesce(p.v_cached, p.s_cached),
                      coalesce(p.v_write, p.s_write), coalesce(p.v_out, p.s_out), p.input_audio_tokens,
                      p.cached_audio_tokens, p.output_audio_tokens, p.p_audio, p.p_audio_cached, p.p_audio_out)
    END AS cost_usd
FROM priced p

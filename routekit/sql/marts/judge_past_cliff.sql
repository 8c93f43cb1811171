-- The calls an LLM judge would read past its model's price cliff, summed at load_cube's grain (scenario.cube_key: the
-- columns below, in that order), with what the cube sums of them: answered requests (requests less failed calls, as
-- load_cube counts them), input and output tokens. Not a mart that is built, a question asked of int_calls when a
-- policy's judge runs on a model with a cliff (routekit/judge_calls.py).
-- A judge's own input is its instructions, the answer it judges (the call's output × the `from` tier's output
-- inflation) and, when it reads the request too, the call's input: so it can be past the cliff when the request is
-- not (a 190k-token request, its 8k answer and a 5k rubric: 203k), or below it when the request is past it and the
-- judge reads the answer alone. Bound: $reads_request (BOOLEAN), $answer_factor (DECIMAL), $instruction_tokens,
-- $cliff (the quote's above_input_tokens: past it means more input than that, PriceQuote.above).
SELECT c.task_type, c.len_in, c.len_out, c.provider, c.model, c.tier, coalesce(c.is_batch, false) AS is_batch,
       s.from_time, c.input_floor,
       coalesce(sum(c.requests), 0) - count(*) FILTER (c.status = 'error') AS requests,
       coalesce(sum(c.input_tokens), 0) AS input_tokens,
       coalesce(sum(c.output_tokens), 0) AS output_tokens
FROM int_calls c LEFT JOIN time_slots s ON s.slot = c.tod_slot
WHERE CASE WHEN $reads_request THEN coalesce(c.input_tokens, 0) ELSE 0 END
      + CAST($answer_factor AS DECIMAL(18, 6)) * coalesce(c.output_tokens, 0) + $instruction_tokens > $cliff
GROUP BY ALL

-- The outcome of the client's mappings and the ordered rules for every call, in one pass over `calls` (classify.py
-- stores it in a temp table, scores what stays undecided with the learned model, then writes call_task_types).
-- The decision itself is one expression built from routekit/data/task_rules.yaml and routekit.yaml, first match
-- wins (CASEs chained by coalesce, runs of rules behind a literal guard: classify.compile_rules); classify.py puts it
-- where /*OUTCOME*/ stands. It references only the columns below and bound parameters ($m_*, $r*, $u*, $n*, $g*):
-- every pattern and mapping key is a value, never SQL text. It yields the 1-based index of the deciding outcome
-- (task type, reason, confidence and kind are looked up by that index in call_task_types.sql), or NULL where nothing
-- decided.
-- Rules read the text lower-cased (their patterns are case-folded to match), and of a long text only its first 3,000
-- and last 1,000 characters: instructions sit at the start or the end, and scanning a pasted document in the middle
-- costs time and invites false matches.
WITH signals AS (
    SELECT
        rowid AS rid, _source_file, _source_row, feature, operation, project, api_key, tags, n_messages,
        lower(CASE WHEN strlen(user_prompt) > 4000 THEN left(user_prompt, 3000) || chr(10) || right(user_prompt, 1000)
                   ELSE user_prompt END) AS usr,
        lower(CASE WHEN strlen(system_prompt) > 4000
                   THEN left(system_prompt, 3000) || chr(10) || right(system_prompt, 1000)
                   ELSE system_prompt END) AS sys,
        -- Tools defined in the request, or a response that stopped to call one (the first turn of an agent loop
        -- carries no tool result yet; its finish reason says tool_use / tool_calls). The pattern needs the text
        -- finish_reason, which a plain substring test rules out far faster on the calls whose attributes lack it.
        coalesce(has_tools, false)
            OR coalesce(contains(CAST(attributes AS VARCHAR), 'finish_reason')
                        AND regexp_matches(CAST(attributes AS VARCHAR), $tool_finish_re), false) AS tool_use,
        coalesce(json_mode, false) AS json_mode,
        -- The raw texts for the code_block condition (rk_code_block), which the rules evaluate only on the calls
        -- that reach a rule using it: computed here for every call it cost 10 % of the classification
        user_prompt AS usr_raw, system_prompt AS sys_raw,
        (rk_has_text(user_prompt) OR rk_has_text(system_prompt)) AS has_text,
        rk_has_text(system_prompt) AS has_system
    FROM calls
)
SELECT rid, _source_file, _source_row, has_text, /*OUTCOME*/ AS outcome
FROM signals

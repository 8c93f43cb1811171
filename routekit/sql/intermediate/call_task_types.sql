-- call_task_types: one row per call with its task type, the reason (which mapping or rule decided, or why nothing
-- did), a confidence and the kind of decision (mapping | structure | keyword | learned | abstained).
-- From rk_task_outcome (int_task_types.sql: the outcome index of the mappings and rules) and rk_task_learned (the
-- learned model's prediction for calls the rules left undecided; empty when no model is in use). A prediction below
-- $min_probability is not taken: the call stays 'other' and says why.
SELECT
    o._source_file, o._source_row,
    -- The call's key as one integer, for int_calls to join on: a hash table of 10 M integers fits in memory where
    -- one of 10 M file and row strings did not (engine.build checks the join kept one row per call).
    hash(o._source_file, o._source_row) AS _key,
    CASE WHEN o.outcome IS NOT NULL THEN $o_task[o.outcome]
         WHEN l.probability >= $min_probability THEN l.task_type
         ELSE 'other' END AS task_type,
    CASE WHEN o.outcome IS NOT NULL THEN $o_reason[o.outcome]
         WHEN l.probability >= $min_probability THEN 'learned model (' || $model_name || ') → ' || l.task_type
         WHEN l.task_type IS NOT NULL
             THEN 'no rule matched and the learned model is unsure (best guess ' || l.task_type || ') → other'
         WHEN o.has_text THEN 'no mapping or rule matched → other'
         ELSE 'no prompt text and no mapping → other' END AS reason,
    CASE WHEN o.outcome IS NOT NULL THEN $o_confidence[o.outcome]
         WHEN l.probability >= $min_probability THEN round(l.probability, 3)
         ELSE 0.0 END AS confidence,
    CASE WHEN o.outcome IS NOT NULL THEN $o_kind[o.outcome]
         WHEN l.probability >= $min_probability THEN 'learned'
         ELSE 'abstained' END AS decided_by,
    CASE WHEN o.outcome IS NOT NULL THEN $o_rule[o.outcome]
         WHEN l.probability >= $min_probability THEN 'learned'
         ELSE NULL END AS rule
FROM rk_task_outcome o
LEFT JOIN rk_task_learned l ON l.rid = o.rid

-- The learned model (TF-IDF + logistic regression, trained by `routekit classify --train`) scored in SQL on the calls
-- the rules left undecided. The model's coefficients are loaded by classify.py into rk_model_vocab (term, idf),
-- rk_model_weights (term, class_idx, weight) and rk_model_classes (class_idx, task_type, intercept); the calls to
-- score are rk_learn_input (rid, system_prompt, user_prompt).
-- Terms are built exactly as classify.model_terms builds them in Python for training: lower-case [a-z0-9]{2,} tokens
-- of the user message (first $max_chars characters, first $max_tokens tokens) with their adjacent pairs, and the
-- system prompt's tokens prefixed 's:'. A call's features are sublinear tf × idf, L2-normalised (scikit-learn's
-- TfidfVectorizer(sublinear_tf=True)); its score per class is features · weights + intercept, and the probability of
-- the best class is its softmax share, as LogisticRegression.predict_proba computes it.
WITH tokens AS (
    SELECT rid,
           list_slice(regexp_extract_all(lower(left(coalesce(user_prompt, ''), $max_chars)), '[a-z0-9]{2,}'),
                      1, $max_tokens) AS u,
           list_slice(regexp_extract_all(lower(left(coalesce(system_prompt, ''), $max_chars)), '[a-z0-9]{2,}'),
                      1, $max_tokens) AS s
    FROM rk_learn_input
), terms AS (
    SELECT rid, unnest(list_concat(u, list_transform(range(1, len(u)), lambda i: u[i] || ' ' || u[i + 1]),
                                   list_transform(s, lambda t: 's:' || t))) AS term
    FROM tokens
), tf AS (
    SELECT rid, term, count(*) AS n FROM terms GROUP BY ALL
), x AS (
    SELECT tf.rid, tf.term, (1 + ln(tf.n)) * v.idf AS v FROM tf JOIN rk_model_vocab v USING (term)
), norms AS (
    SELECT rid, sqrt(sum(v * v)) AS norm FROM x GROUP BY rid
), dots AS (
    SELECT x.rid, w.class_idx, sum(x.v * w.weight) AS dot FROM x JOIN rk_model_weights w USING (term) GROUP BY ALL
), scores AS (
    -- every class for every call to score (a dozen rows per call), so a class no term points to keeps its intercept
    SELECT i.rid, c.task_type, coalesce(d.dot / n.norm, 0) + c.intercept AS z
    FROM rk_learn_input i
    CROSS JOIN rk_model_classes c
    LEFT JOIN norms n ON n.rid = i.rid
    LEFT JOIN dots d ON d.rid = i.rid AND d.class_idx = c.class_idx
), ranked AS (
    SELECT rid, task_type, z, max(z) OVER (PARTITION BY rid) AS z_max FROM scores
)
SELECT rid, arg_max(task_type, z) AS task_type, 1.0 / sum(exp(z - z_max)) AS probability
FROM ranked
GROUP BY rid

"""Which of a cube row's calls an LLM judge reads past its model's price cliff.

A cube row holds calls on one side of every cliff of the catalog by their own input (int_calls.input_floor), but a
judge's input is another size: its instructions and the answer, plus the request when it reads it. Whether that is
past the judge model's cliff (gemini-2.5-pro past 200,000 input tokens: $2.50 / $15 per Mtok instead of $1.25 / $10)
is a question about each call, which the cube's sums cannot answer; the client's database can, in one query over
int_calls per judge (its cliff, what it reads, its instructions and the answer's inflation), asked only when a
policy's judge runs on a model with a cliff and kept for the session.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

Past = dict[tuple, tuple[Decimal, Decimal, Decimal]]


class JudgeCalls:
    """The client's built database (engine.open_built's), opened read-only for each new question: a simulator keeps
    no connection (the dashboard's kernel must not hold the file), as TierExplorer's exports do not."""

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        self._answers: dict[tuple, Past] = {}

    def past(self, cliff: int, reads_request: bool, answer_factor: Decimal, instruction_tokens: int) -> Past:
        """Per cube row (scenario.cube_key), the (answered requests, input tokens, output tokens) of its calls whose
        judge input is past ``cliff``; a row with none is absent."""
        key = (cliff, reads_request, Decimal(answer_factor), instruction_tokens)
        if key not in self._answers:
            from routekit.db import connect, sql_text

            con = connect(self.db_path, read_only=True)
            try:
                rows = con.execute(sql_text("marts/judge_past_cliff.sql"),
                                   {"reads_request": reads_request, "answer_factor": str(answer_factor),
                                    "instruction_tokens": instruction_tokens, "cliff": cliff}).fetchall()
            finally:
                con.close()
            self._answers[key] = {tuple(r[:9]): tuple(Decimal(int(v)) for v in r[9:]) for r in rows}
        return self._answers[key]

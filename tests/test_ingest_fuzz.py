"""Seeded damage to the sample clients' real-format exports: whatever is done to a file, ingest never raises, every
row read is loaded or rejected, a refused file loads nothing, a second ingest changes nothing, and a phrase planted
where a number stood (a column that slipped, putting prompt text there) never reaches a reject reason or a file's
reason. Each case plants the phrase, then does one to three other kinds of damage. With the reject reasons' old
quoting (the first 40 characters of any bad value), 4 of these 40 cases fail. A longer run of the same kind (250
files) found three bugs, now held by tests in test_ingest_robustness.py: a JSON Lines file whose first line was cut
was refused whole, mixed CRLF/LF line ends refused the file, and DuckDB's errors quoted their input."""
from __future__ import annotations

import gzip
import os
import random
import re
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLES

FILES = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and ".routekit" not in p.parts
               and "truth" not in p.parts and p.name.endswith((".csv", ".json", ".jsonl", ".gz")))
SECRET = b"ZQXSECRET merger plan for the board"   # 6 words: a phrase, which reasons never quote
INSERTS = [b'"', b",", b"\n", b"\r\n", b"{", b"}", b"[", "é".encode(), b"\xff", b"-1", b"NaN", b"\t", b'"",',
           b"null", b"1e400", SECRET, b'"' + SECRET + b'",', SECRET + b"\n"]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data)) if data else 0
    kind = rng.randrange(9)
    if kind == 0:
        return data[:i] + data[i + 1:]                                   # a byte lost
    if kind == 1:
        return data[:i] + rng.choice(INSERTS) + data[i:]                 # a byte or a phrase slipped in
    if kind == 2:
        return data[:i]                                                  # cut short
    lines = data.split(b"\n")
    j, k = rng.randrange(len(lines)), rng.randrange(len(lines))
    if kind == 3:
        lines[j], lines[k] = lines[k], lines[j]                          # lines out of order
    elif kind == 4:
        lines.insert(j, lines[j])                                        # a line twice
    elif kind == 5:
        lines[j] = lines[j][: len(lines[j]) // 2]                        # a line cut in the middle
    elif kind == 7:
        lines[0] = lines[0][len(lines[0]) // 2:]                         # a copy resumed mid-line
    elif kind == 8:
        lines = [ln + b"\r" if rng.random() < 0.5 else ln for ln in lines]   # CRLF and LF mixed
    else:
        numbers = list(re.finditer(rb"\d+(\.\d+)?", data))
        if numbers:
            m = rng.choice(numbers)
            return data[:m.start()] + rng.choice([b"-5", b"1e400", b"9" * 25, b"1.5", b"", b"abc"]) + data[m.end():]
    return b"\n".join(lines)


def _cases(n: int, seed: int):
    rng = random.Random(seed)
    for i in range(n):
        src = rng.choice(FILES)
        data = src.read_bytes()
        if src.name.endswith(".gz"):
            data = gzip.decompress(data)
        if src.name.endswith((".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".json.gz")):
            data = b"\n".join(data.split(b"\n")[:30]) + b"\n"           # small: the first 30 lines
        # first a column slipped: the phrase where a number stood (a token count, a cost, a date's digits), then
        # one to three other kinds of damage
        numbers = list(re.finditer(rb"\d+(\.\d+)?", data))
        m = rng.choice(numbers)
        data = data[:m.start()] + SECRET + data[m.end():]
        for _ in range(rng.randint(1, 3)):
            data = _mutate(data, rng)
        yield pytest.param(src, data, id=f"{i}-{src.name}")


# ROUTEKIT_FUZZ_SEED and ROUTEKIT_FUZZ_CASES run another or a longer series (250 cases take about 2.5 minutes)
@pytest.mark.parametrize("src, data", list(_cases(int(os.environ.get("ROUTEKIT_FUZZ_CASES", 40)),
                                                  int(os.environ.get("ROUTEKIT_FUZZ_SEED", 20261123)))))
def test_a_damaged_export_is_loaded_or_refused_whole_never_half_and_never_quoted(src, data, tmp_path):
    from routekit.ingest import ingest

    rel = src.relative_to(SAMPLES)
    client = tmp_path / rel.parts[0]
    target = client / Path(*rel.parts[1:])
    target.parent.mkdir(parents=True)
    target.write_bytes(gzip.compress(data, mtime=0) if src.name.endswith(".gz") else data)
    (client / "routekit.yaml").write_bytes((SAMPLES / rel.parts[0] / "routekit.yaml").read_bytes())
    db = tmp_path / "db.duckdb"

    first = ingest(client, db)
    (f,) = first.files
    assert f.status in ("loaded", "skipped", "failed"), f
    assert f.rows_read == f.rows_loaded + f.rows_rejected, f
    if f.status != "loaded":
        assert f.skipped_reason and f.rows_loaded == 0, f

    def tables():
        con = duckdb.connect(str(db), read_only=True)
        try:
            counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                      for t in ("calls", "usage", "invoice", "rejects")]
            reasons = [r for (r,) in con.execute("SELECT reason FROM rejects").fetchall()]
        finally:
            con.close()
        return counts, reasons

    counts, reasons = tables()
    assert counts[3] == f.rows_rejected
    for text in reasons + [f.skipped_reason or "", f.note or ""]:
        assert "ZQXSECRET" not in text, text
    second = ingest(client, db)
    # a loaded file is not read again; a refused one is tried again (and refused again), adding nothing
    assert [g.status for g in second.files] in (["unchanged"], [f.status]) and tables()[0] == counts

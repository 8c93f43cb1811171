#!/usr/bin/env python3
"""Generate routekit's committed synthetic sample clients (seeded, byte-for-byte deterministic).

Run ``python sample_data/generate.py`` (or ``make samples``). It rewrites the source and truth folders of the three
client folders next to this file, leaving anything else there (such as a routekit ``.routekit/`` cache) alone.
Every file mimics a real provider export exactly (column names and order, value encodings, JSON envelopes; see
shared/reference/formats.md), because routekit detects formats by content. Nothing here reads the clock: timestamps,
ids and token counts come from ``random.Random(seed)`` and ``numpy.random.default_rng(seed)``; gzip members are written
with mtime=0 and no file name.

Clients
-------
brightside_agency/  (seed 20260901)
    A 12-person marketing agency that sends every workflow to GPT-4o (gpt-4o-2024-08-06) through a LiteLLM proxy,
    about $3,200 per quarter at list price. Files: LiteLLM SpendLogs CSV export for September 2026 (gz), the OpenAI
    dashboard Cost CSV for Jul-Sep 2026 (September computed from the same calls as the logs), and the OpenAI Usage API
    completions page for September. No batch use: all traffic is synchronous, which is the point of the case.
northwind_support/  (seed 20261001)
    B2B SaaS customer support on Claude, October 2026. Bedrock model invocation logs as delivered to S3 (one gz per
    day), Anthropic Console token and cost CSV exports for a workspace used directly (nightly Message Batches job and a
    small internal tool: usage only, no call logs), and an OpenRouter activity CSV of triage/extraction experiments
    on open-weight models.
globex_devtools/  (seed 20261002)
    Developer-tools company, October 2026. OpenTelemetry Collector file-exporter traces (gz) from two services: a new
    one on the current GenAI conventions and a legacy one on OpenLLMetry-style attributes (gen_ai.system,
    gen_ai.usage.prompt_tokens, gen_ai.prompt.N.*); OpenAI Admin API usage (JSONL, one page per line, with a nightly
    batch eval project that has no spans) and costs; Anthropic Admin API usage and cost reports (amounts in cents);
    and an in-house gateway CSV (Mistral, DeepSeek) priced in EUR, read through routekit.yaml's generic_csv mapping.

Each client folder holds truth/labels.csv (request_id,task_type) with the true task of every call-log row, keyed by
the id the source file carries (LiteLLM request_id, Bedrock requestId, OTel spanId, OpenRouter generation_id, gateway
req_id), and a routekit.yaml that excludes truth/** from ingest. A few percent of calls carry a feature tag that is
absent or misleading, so classifying by tag alone is not enough.

Token counts are drawn per feature from clipped lognormals and are independent of the (short, synthetic) prompt
text. Invoices and usage exports are computed from the same generated traffic at list prices.
"""
from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import json
import re
import shutil
import string
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, localcontext
from pathlib import Path
import random

import numpy as np

# ----------------------------------------------------------------------------------------------- volumes and seeds
OUT_DIR = Path(__file__).resolve().parent

BRIGHTSIDE_SEED = 20260901
BRIGHTSIDE_CALLS = 13_000             # LiteLLM SpendLogs rows, September 2026
BRIGHTSIDE_SEPT_SPEND = 1065.0        # USD at GPT-4o list price; the logs are calibrated to this
BRIGHTSIDE_QUARTER_SPEND = 3200.0     # USD, Jul + Aug + Sep in the Cost CSV

NORTHWIND_SEED = 20261001
NORTHWIND_BEDROCK_CALLS = 3_000       # Bedrock invocation log records, October 2026
NORTHWIND_OPENROUTER_ROWS = 420       # OpenRouter generations (experiments), October 2026

GLOBEX_SEED = 20261002
GLOBEX_MODEL_SPANS = 3_600            # approx. model-call spans (chat) in the OTel export, October 2026
GLOBEX_GATEWAY_ROWS = 800           # internal gateway CSV rows, October 2026

FAILURE_RATE = 0.02                   # share of calls that fail (status failure / errorCode / status code 2)
ABSENT_TAG_RATE = 0.025               # calls whose feature tag is missing
MISLEADING_TAG_RATE = 0.025           # calls whose feature tag names a feature doing a different task

TASK_TYPES = ("classification", "extraction", "summarization", "qa", "rewrite", "drafting", "chat",
              "code_generation", "code_review", "reasoning", "agentic", "creative", "other")

# List prices, USD per million tokens. cw5m = 5-minute cache write (Anthropic).
PRICES = {
    "gpt-4o-2024-08-06": {"in": 2.50, "cached": 1.25, "out": 10.00},
    "gpt-5-2025-08-07": {"in": 1.25, "cached": 0.125, "out": 10.00},
    "gpt-5-mini-2025-08-07": {"in": 0.25, "cached": 0.025, "out": 2.00},
    "gpt-5-nano-2025-08-07": {"in": 0.05, "cached": 0.005, "out": 0.40},
    "o3-2025-04-16": {"in": 2.00, "cached": 0.50, "out": 8.00},
    "claude-sonnet-4-5-20250929": {"in": 3.00, "cached": 0.30, "cw5m": 3.75, "out": 15.00},
    "claude-haiku-4-5-20251001": {"in": 1.00, "cached": 0.10, "cw5m": 1.25, "out": 5.00},
    "claude-opus-4-1-20250805": {"in": 15.00, "cached": 1.50, "cw5m": 18.75, "out": 75.00},
}
BATCH_DISCOUNT = 0.5

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# ----------------------------------------------------------------------------------------------- small helpers
def epoch_s(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def utc_dt(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=int(ms))


def rand_hex(r: random.Random, n: int) -> str:
    return f"{r.getrandbits(4 * n):0{n}x}"


def sha_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def rand_uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def rand_b62(r: random.Random, n: int) -> str:
    return "".join(r.choice(B62) for _ in range(n))


def weighted(r: random.Random, pairs):
    """Pick a key from ((key, weight), ...)."""
    items = list(pairs)
    return r.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def lognormal_int(g: np.random.Generator, median: float, sigma: float, lo: int, hi: int) -> int:
    return int(min(hi, max(lo, round(median * float(np.exp(g.normal(0.0, sigma)))))))


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def write_file(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if path.suffix == ".gz":
        data = gzip_bytes(data)
    path.write_bytes(data)


def csv_text(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def compact(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def pretty(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def money_str(d: Decimal, places: int) -> str:
    with localcontext() as ctx:
        ctx.prec = 60
        return format(d.quantize(Decimal(1).scaleb(-places)), "f")


def token_cost(model: str, uncached: int, cached: int, out: int, cache_write: int = 0, batch: bool = False) -> Decimal:
    """Exact list-price cost in USD (uncached input, cache reads, 5m cache writes, output are disjoint)."""
    p = PRICES[model]
    mtok = Decimal(1_000_000)
    cost = (Decimal(uncached) * Decimal(str(p["in"])) + Decimal(cached) * Decimal(str(p["cached"]))
            + Decimal(cache_write) * Decimal(str(p.get("cw5m", p["in"]))) + Decimal(out) * Decimal(str(p["out"]))) / mtok
    return cost * Decimal(str(BATCH_DISCOUNT)) if batch else cost


def write_labels(client_dir: Path, labels: list[tuple[str, str]]) -> None:
    ids = [i for i, _ in labels]
    assert len(ids) == len(set(ids)), "duplicate request ids in labels"
    assert all(t in TASK_TYPES for _, t in labels)
    write_file(client_dir / "truth" / "labels.csv", csv_text(["request_id", "task_type"], labels))


# ----------------------------------------------------------------------------------------------- time of day
# Relative call volume per local hour 0..23.
OFFICE_HOURS = [0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.4, 3.8, 6.8, 8.0, 8.2, 6.0, 7.2, 8.0, 7.6, 6.3, 4.2,
                2.4, 1.7, 1.4, 1.1, 0.7, 0.35]
SUPPORT_HOURS = [0.5, 0.35, 0.3, 0.3, 0.4, 0.8, 1.8, 3.6, 6.0, 7.6, 8.0, 8.0, 7.2, 7.6, 7.8, 7.5, 6.8, 5.6,
                 4.2, 3.2, 2.5, 1.9, 1.2, 0.8]


def sample_times_ms(g: np.random.Generator, n: int, first_day: date, ndays: int, tz_hours: float,
                    hour_weights, weekend: float = 0.1, holidays=(), day_noise: float = 0.12) -> np.ndarray:
    """n call start times (epoch ms, sorted) spread over weekdays and local office hours, clamped to the window."""
    days = [first_day + timedelta(days=i) for i in range(ndays)]
    w = np.array([(weekend if d.weekday() >= 5 else 1.0) * (0.25 if d in holidays else 1.0) for d in days])
    w = w * np.exp(g.normal(0.0, day_noise, ndays))
    counts = g.multinomial(n, w / w.sum())
    hw = np.array(hour_weights, dtype=float)
    hw = hw / hw.sum()
    lo_ms = epoch_s(first_day) * 1000
    hi_ms = epoch_s(first_day + timedelta(days=ndays)) * 1000
    out = []
    for d, c in zip(days, counts):
        if c == 0:
            continue
        hours = g.choice(24, size=c, p=hw)
        secs = hours * 3600 + g.uniform(0, 3600, c)
        ms = (epoch_s(d) - tz_hours * 3600 + secs) * 1000
        out.append(ms.astype(np.int64))
    t = np.concatenate(out)
    # Local evening traffic can fall outside the UTC month: fold it back inside.
    span = hi_ms - lo_ms
    t = lo_ms + np.mod(t - lo_ms, span)
    return np.sort(t)


def fold_into_window(items: list, end_ms: int) -> None:
    """Shift every session that runs past the end of the window back inside it (items carry sid, t[, dur|end])."""
    last: dict[int, int] = defaultdict(int)
    for x in items:
        last[x["sid"]] = max(last[x["sid"]], x.get("end", x["t"] + x.get("dur", 0)))
    for x in items:
        over = last[x["sid"]] - end_ms
        if over >= 0:
            x["t"] -= over + 120_000
            if "end" in x:
                x["end"] -= over + 120_000


# ----------------------------------------------------------------------------------------------- prompts
SLOT_RE = re.compile(r"\{([a-z_0-9]+)\}")


def zipf_choice(r: random.Random, items, s: float = 1.0):
    """Popular things are popular: the first item of a list is the most frequent (a few big clients, a few
    go-to phrasings per person)."""
    return r.choices(items, weights=[1.0 / (i + 1) ** s for i in range(len(items))])[0]


def fill(template: str, slots: dict, r: random.Random) -> str:
    chosen: dict[str, str] = {}

    def one(m):
        k = m.group(1)
        if k not in chosen:
            v = slots[k]
            chosen[k] = v(r) if callable(v) else zipf_choice(r, v, 0.8)
        return chosen[k]
    return SLOT_RE.sub(one, template)


@dataclass
class PromptBook:
    systems: dict            # feature or task -> [system prompt v1, v2]: an app's system prompt is fixed per version
    users: dict              # "feature/task" or task -> [user templates]
    slots: dict
    replies: dict = field(default_factory=dict)   # task -> [short assistant replies]

    def prompt(self, sys_key: str, task: str, user_pool: str | None, r: random.Random,
               version: int = 0) -> tuple[str, str]:
        """System prompt of the app code path (sys_key), user message of the true task."""
        versions = self.systems.get(sys_key) or self.systems[task]
        pool = self.users.get(f"{user_pool}/{task}") or self.users[task]
        return versions[version % len(versions)], fill(zipf_choice(r, pool, 1.1), self.slots, r)

    def reply(self, task: str, r: random.Random) -> str:
        return fill(r.choice(self.replies.get(task) or self.replies["default"]), self.slots, r)


def num(lo, hi):
    return lambda r: str(r.randint(lo, hi))


BRIGHTSIDE_BOOK = PromptBook(
    systems={
        "email-draft": [
            "You are Brightside's email assistant. Draft client emails in the agency voice: warm, clear, concise.",
            "You are Brightside's email assistant. Draft client emails in the agency voice: warm, clear. Sign off as the team.",
        ],
        "subject-lines": ["You rewrite email subject lines. Return only the rewritten lines, one per line."],
        "social-tagging": ["You label social media comments for community managers. Answer with the label only."],
        "lead-extract": ["You parse inbound leads for the CRM. Return valid JSON only; use null for missing fields."],
        "client-qa": ["Answer questions about Brightside client accounts using only the documents provided. Cite the source."],
        "campaign-brief": ["You help Brightside strategists write campaign briefs using the agency's standard brief template."],
        "report-narrative": ["You write the narrative sections of monthly client reports: plain English, honest, no hype."],
        "meeting-notes": [
            "You are Brightside's meeting assistant. Summarize transcripts: decisions, owners, dates. Never invent.",
            "You are Brightside's meeting assistant. Summarize call transcripts: decisions, owners, due dates. Invent nothing.",
        ],
        "competitor-analysis": ["You are a senior brand strategist. Reason step by step from the evidence and state your assumptions."],
        "summarization": [
            "You are Brightside's meeting assistant. Summarize for busy account managers: decisions, owners, dates.",
            "You turn long call transcripts into short, accurate recaps. Never invent commitments or numbers.",
            "You write concise, plain-English summaries of marketing results for agency clients.",
        ],
        "drafting": [
            "You are a copywriter at Brightside, a marketing agency. Write in the client's brand voice; be concise.",
            "You draft client emails for Brightside account managers. Friendly, clear, no jargon.",
            "You help account leads write campaign briefs and report sections using the Brightside template.",
        ],
        "reasoning": [
            "You are a senior brand strategist. Reason step by step from the evidence and state your assumptions.",
            "You analyse competitors for agency clients: weigh the evidence, compare options, then recommend.",
        ],
        "rewrite": [
            "You rewrite email subject lines. Return only the rewritten lines, one per line.",
            "You are a copy editor. Keep the meaning, improve clarity and punch, respect any length limit.",
        ],
        "classification": [
            "You label social media comments for community managers. Answer with the label only.",
            "Sentiment classifier for brand community management. Output exactly one word.",
        ],
        "extraction": [
            "Extract contact details into JSON. Use null for missing fields and never guess email addresses.",
            "You parse inbound leads for the CRM. Return valid JSON only, no commentary.",
        ],
        "qa": [
            "Answer questions about Brightside client accounts using only the documents provided. Say if unsure.",
            "You are the Brightside account knowledge base. Cite the contract, SOW or report you used.",
        ],
        "creative": [
            "You are a playful creative writer for brand social content. Be original and family friendly.",
        ],
        "other": [
            "You are a helpful assistant for the Brightside team. Be brief and practical.",
            "You are Brightside's internal helper bot. Keep answers short.",
        ],
    },
    users={
        "meeting-notes/summarization": [
            "Summarize this {meeting} transcript with {client} into decisions, owners and deadlines. Max {n} bullets.",
            "Here are the raw notes from today's {meeting} with {client}. Pull out the action items and open questions, then give a 3-line recap for {person}.",
            "Condense the attached transcript ({client}, {meeting}) into a client-ready recap: what we agreed, what's pending, next meeting date.",
            "TL;DR this {meeting} transcript please: what did {client} approve, what's blocked, and what do we owe them by {day}?",
            "Give me a short summary of the {client} {meeting}: key decisions, budget changes, and next steps for the {deliverable}.",
            "Recap of the {meeting} call with {client} for people who missed it. Keep it under {n} bullet points, owners in brackets.",
            "Turn this Zoom transcript into meeting minutes for {client}'s {meeting}: attendees, decisions, risks, follow-ups.",
        ],
        "report-narrative/summarization": [
            "Summarize {client}'s {period} {channel} performance in plain English: what went up, what went down, and why.",
            "Write a one-paragraph executive summary of the attached {client} {period} campaign results for the monthly report.",
            "Boil these {channel} numbers for {client} down to the 3 things the client should know this month.",
            "Summarize the key trends in {client}'s {period} dashboard export (sessions, CTR, conversions) in 5 bullets.",
        ],
        "report-narrative/drafting": [
            "Write the 'Results & Insights' section of the {client} {period} report from these numbers: CTR {pct}%, CPC ${price}, {n} conversions.",
            "Draft the narrative for slide 4 of {client}'s {period} report: {channel} beat the plan, search underdelivered. Upbeat but honest.",
            "Write the 'What we'll do next month' section for {client}'s report, focused on {campaign} and {channel}.",
            "Draft 2 paragraphs for the {client} monthly report explaining the drop in {channel} reach and our recovery plan.",
        ],
        "email-draft/drafting": [
            "Draft a follow-up email to {person} at {client} confirming the {deliverable} timeline and asking for feedback by {day}.",
            "Write a {tone} email to {client}'s marketing lead explaining that the {deliverable} will slip two days because of {reason}.",
            "Write a short email to {person} introducing our {deliverable} package and suggesting a call next {day}.",
            "Draft a polite reply to {client} pushing back on a third round of revisions to the {deliverable}; offer a compromise.",
            "Email to {person}: thank them for the {meeting}, attach the {deliverable}, and confirm the {campaign} launch date.",
            "Can you write a quick {tone} note to {client} asking for the missing brand assets for the {campaign}?",
            "Draft an email to {person} at {client} with the invoice for {month} and a reminder about the {deliverable} sign-off.",
            "Write a {tone} welcome email to our new client {client}: who's on the team, what happens in the first 2 weeks.",
        ],
        "campaign-brief/drafting": [
            "Draft a creative brief for {client}'s {campaign} on {channel}: objective, audience ({audience}), key message, mandatories, timeline.",
            "Create a campaign brief for {client}: {campaign}, budget ${budget}k, targeting {audience}. Include KPIs and channel mix.",
            "Write the brief for the {campaign} shoot for {client}: shot list themes, tone ({tone}), deliverables, deadlines.",
            "Fill in our brief template for {client}'s {campaign}: background, problem, single-minded proposition, audience, proof points.",
            "Brief for the {channel} creative team: {client} {campaign}, {tone} voice, aimed at {audience}, launch {day}.",
        ],
        "competitor-analysis/reasoning": [
            "Compare {client} with {competitor} on pricing, positioning and {channel} presence. Which gaps can we exploit in Q4, and why?",
            "Based on the attached ads and landing pages, work out why {competitor} is outbidding {client} on branded search and recommend a plan.",
            "Analyse {competitor}'s last three campaigns step by step (audience, offer, creative angle, likely results), then rank the threats to {client}.",
            "{client} lost share to {competitor} in {region}. Weigh the likely causes (price, reviews, ad spend, seasonality) and give a prioritised response.",
            "Build a SWOT for {client} versus {competitor} from the scraped pages below, then decide which positioning we should recommend.",
            "Should {client} match {competitor}'s 20% promo for the {campaign}? Reason through margin, brand and audience impact before answering.",
        ],
        "subject-lines/rewrite": [
            "Rewrite this subject line 5 ways, {tone} tone, under 50 characters: \"{subject}\"",
            "Make this email subject punchier and more specific for {audience}, keep it short: \"{subject}\"",
            "Give me 3 A/B variants of \"{subject}\" that keep the {campaign} offer in each.",
            "Shorten and tighten: \"{subject}\". No emojis, no all-caps, max 40 characters.",
            "Rephrase this subject line so it sounds {tone} and avoids spam-trigger words: \"{subject}\"",
            "{client} newsletter subject needs a refresh: \"{subject}\". 4 options please, {tone}.",
        ],
        "social-tagging/classification": [
            "Classify the sentiment of this {channel} comment as positive, negative, neutral or question. Reply with one label.\nComment: \"{comment}\"",
            "Tag this comment on {client}'s post with sentiment (pos/neg/neu) and topic (price, service, product, shipping, other): \"{comment}\"",
            "Is this {channel} comment a complaint? Answer yes or no.\n\"{comment}\"",
            "Label the comment as praise, complaint, question or spam.\nComment: {comment}",
            "Sentiment for {client} community dashboard (positive / negative / neutral): \"{comment}\"",
        ],
        "lead-extract/extraction": [
            "Extract name, company, job title, email and phone from this signature block as JSON:\n{signature}",
            "Pull the contact details out of this website enquiry and return JSON with keys name, company, email, budget: \"{inquiry}\"",
            "Parse this business card text into fields (name, title, company, phone, website): {signature}",
            "Get the lead's company, team size, budget and timeline from this message as JSON: \"{inquiry}\"",
            "From the enquiry below, extract every person mentioned with their role and company.\n{inquiry}",
        ],
        "client-qa/qa": [
            "What was the total ad spend for {client} on {channel} in {month}, and how does it compare with the plan?",
            "Does our contract with {client} include the {deliverable}, or is that billed separately?",
            "Which {client} campaigns are live on {channel} right now and when do they end?",
            "Who on the {client} side approved the {deliverable}, and on what date was it signed off?",
            "What did we agree with {client} about usage rights for the {campaign} photos?",
            "How many revision rounds are included in the {client} retainer, and how many have we used this quarter?",
            "When is {client}'s contract up for renewal, and what notice period does it have?",
        ],
        "drafting": [
            "Write a short LinkedIn post announcing that Brightside now works with {client}. {tone} tone, no hashtags.",
            "Draft an email to {person} summarising next steps on the {deliverable} and asking for approval by {day}.",
        ],
        "rewrite": [
            "Make this paragraph more {tone} and cut it by a third: \"We are pleased to inform you that the {deliverable} is now ready for your review.\"",
            "Translate this into Spanish, keep the {tone} tone: \"Our {campaign} starts {day}. Don't miss it!\"",
            "Rewrite for clarity, same meaning: \"Per our discussion the {deliverable} timeline is being moved out due to {reason}.\"",
        ],
        "summarization": [
            "Summarize this email thread with {client} about the {deliverable} in 3 bullets.",
            "Can you give me the gist of this long Slack thread about the {campaign} for {client}?",
        ],
        "classification": [
            "Is this email from {client} a complaint, an approval or a question? One word: \"{comment}\"",
            "Which team should handle this request: creative, media, accounts or billing? \"Please resend the {month} invoice.\"",
        ],
        "extraction": [
            "List all dates and deadlines mentioned in this email from {person} at {client} as JSON.",
            "Pull the budget figures and channels out of this media plan paragraph for {client}: spend ${budget}k across {channel} and search.",
        ],
        "creative": [
            "Write a short jingle (4 lines) for {client}'s {campaign}, {tone} and catchy.",
            "Come up with a 150-word short story starring {client}'s mascot for the {campaign} social series.",
            "Write a playful, rhyming poem (8 lines max) for {client}'s {channel} post about the {campaign}.",
            "Invent 10 fun names for {client}'s new seasonal product for the {campaign}.",
        ],
        "reasoning": [
            "We have ${budget}k left for {client} this quarter. Should it go to {channel} or search? Walk through the trade-offs first.",
        ],
        "qa": [
            "What's the agreed turnaround time for {client} social posts, and does it include weekends?",
            "Which photographer did we use for {client}'s last product shoot, and what was the day rate?",
        ],
        "other": [
            "What time is 3pm Eastern in London and Sydney? Need it for the {client} call invite.",
            "Turn this list into a markdown table with two columns (name, note): {client}, {competitor}, {channel}, {budget}k.",
            "What's 18% of ${budget},450? Just a quick sanity check before I send the {client} invoice.",
        ],
    },
    slots={
        "client": ["Harbor & Pine Coffee", "Lumen Fitness", "Oakridge Dental", "Nova Pet Supply", "Crestline Realty",
                   "Meadowbrook Organics", "Tidewater Credit Union", "Solace Skincare", "Ironclad Tools",
                   "Bluebird Travel", "Juniper Kids", "Summit Cycling"],
        "competitor": ["Beanline", "PulseGym", "BrightSmile Dental", "PawPlace", "Keystone Homes", "GreenLeaf Market",
                       "Coastal Savings", "Glow Lab", "ToolNation", "Wanderly", "TinyTrail", "VeloHub"],
        "meeting": ["kickoff call", "weekly status", "creative review", "QBR", "media planning sync",
                    "brand workshop", "retainer check-in"],
        "channel": ["Instagram", "LinkedIn", "TikTok", "newsletter", "Google Ads", "Facebook", "Pinterest",
                    "YouTube pre-roll"],
        "campaign": ["fall refresh", "holiday pre-sale", "Black Friday teaser", "loyalty relaunch",
                     "new store opening", "back-to-school push", "referral programme", "Q4 brand campaign"],
        "audience": ["first-time buyers", "lapsed customers", "small business owners", "Gen Z students",
                     "parents of toddlers", "retirees", "remote workers", "local families"],
        "tone": ["warm", "playful", "confident", "formal", "witty", "reassuring", "upbeat"],
        "deliverable": ["landing page copy", "social calendar", "video storyboard", "media plan",
                        "brand refresh deck", "email sequence", "paid search copy", "monthly report"],
        "person": ["Dana", "Marcus", "Elena", "Raj", "Claire", "Tomas", "Hannah", "Kwame", "Ingrid", "Leo"],
        "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "end of week", "the 15th"],
        "reason": ["the photographer rescheduling", "late legal approval", "a change in the offer",
                   "missing product shots", "the CMS migration"],
        "month": ["July", "August", "September"],
        "period": ["Q3", "August", "September", "summer"],
        "region": ["the Midwest", "Texas", "the Pacific Northwest", "New England", "Florida"],
        "n": ["3", "5", "6", "8", "10"],
        "pct": ["1.8", "2.4", "0.9", "3.1", "4.6"],
        "price": ["0.42", "0.87", "1.35", "2.10"],
        "budget": ["15", "25", "40", "60", "120"],
        "subject": ["Your fall favourites are back", "Don't miss our biggest sale yet",
                    "A little something for our regulars", "Last chance: 20% off ends tonight", "We saved you a seat",
                    "New season, new routine", "Your cart misses you", "Meet the team behind your coffee"],
        "comment": ["love this!! ordering again next week", "why is shipping so expensive now??",
                    "does this come in a larger size?", "worst customer service I've had in years",
                    "my dog goes crazy for these treats", "is the downtown location open on Sundays?",
                    "been waiting 3 weeks for my refund", "this ad keeps following me lol",
                    "great class this morning, thanks coach", "the new formula broke me out, not happy"],
        "signature": ["Maria Gonzalez | Head of Marketing | Verde Foods | maria.g@verdefoods.example | +1 512 555 0142",
                      "Tom Reyes, Owner - Reyes Auto Detailing - (303) 555-0199 - reyesdetail.example",
                      "Priya N. / Growth Lead / Fernwood Apparel / priya@fernwood.example",
                      "Jonas Weber - COO, Alpine Dental Group - jonas.weber@alpinedental.example - 617-555-0108"],
        "inquiry": ["Hi, I'm Sarah from Copperleaf Bakery (12 staff). We need a rebrand and Instagram help before December, budget around $20k.",
                    "We're a 40-person fintech in Austin looking for a paid social agency from Q1. Contact me at dev@ledgerly.example. - Devon",
                    "Hello! Karen Liu, marketing manager at Brookside Vet Clinics. Interested in local SEO + Google Ads, 3 locations, start ASAP."],
    },
)

NORTHWIND_BOOK = PromptBook(
    systems={
        "chat": [
            "You are Nova, Northwind's support assistant. Be warm, concise and accurate; follow the support handbook below.",
            "You reply to Northwind customers on behalf of the support team. Never promise refunds; escalate outages.",
        ],
        "classification": [
            "You triage support tickets. Reply with the category label only.",
            "Ticket router for Northwind support. Output: <category>|<priority>. No explanations.",
        ],
        "summarization": [
            "You summarize support tickets for hand-offs between agents. Be factual and brief.",
            "Summarize customer conversations for account managers in at most 60 words.",
        ],
        "extraction": [
            "Extract structured fields from customer messages. Return JSON only; use null when a field is missing.",
            "You are a parser for order and account data in support tickets. Output valid JSON.",
        ],
        "qa": [
            "Answer using only the Northwind help-center articles provided. If the answer is not there, say so.",
            "You answer product questions from the knowledge base excerpts below and cite the article id.",
        ],
        "rewrite": [
            "You polish support replies: keep every fact, fix tone and grammar, keep it short.",
            "Rewrite agent drafts in Northwind's voice: friendly, clear, no jargon, no blame.",
        ],
        "agentic": [
            "You are the Northwind refund agent. Use the tools to verify the order and apply the refund policy.",
        ],
        "drafting": ["You draft customer-facing messages for Northwind's support team."],
        "other": ["You are a helpful assistant for the Northwind support team. Keep it short."],
    },
    users={
        "chat": [
            "Hi, since this morning our team can't sign in with {area}. We're on the {plan} plan and {n} people are blocked. Any update?",
            "I was charged twice for invoice {invoice}. Can you fix this today? Really frustrating.",
            "Our {area} stopped working after yesterday's update. The error says '{error}'. What should we do?",
            "Thanks for the quick reply! One more thing: how do I {howto} without losing existing data?",
            "Hello, we're evaluating the {plan} plan. Can we get a trial extension? Our pilot with {company} runs until the 20th.",
            "hey, the {area} page just spins forever on my laptop, tried clearing cache already",
            "We need to add {n} seats before Monday's onboarding. Is that something you can do from your side?",
            "Still waiting on ticket #{ticket}. It's been 3 days and {area} is still broken for us.",
        ],
        "classification": [
            "Classify this ticket into one of: billing, bug, how-to, account, feature-request, outage.\nTicket: \"{subject}\"",
            "Priority (P1-P4) and category for: {subject} / customer on {plan}",
            "Route this ticket to a queue (Billing, Tech L1, Tech L2, Success). Queue name only.\n{subject}",
            "Is this ticket about a service outage affecting several users? Answer yes or no.\n\"{subject}\"",
            "Detect the language and the category (billing, bug, how-to, account). Ticket #{ticket}: {subject}",
            "Tag ticket #{ticket} from {company} ({plan} plan) with one category and a priority: {subject}",
        ],
        "summarization": [
            "Summarize ticket #{ticket} ({n} messages) for the L2 hand-off: problem, what was tried, customer mood.",
            "Write a 3-bullet summary of this support conversation with {company} about {area} for the CSM.",
            "Summarize the thread below for the account manager of {company}. Facts only, 60 words max.",
            "Give me the short version of ticket #{ticket}: what's broken in {area} and what we promised.",
            "Summarize the customer's issue with {area} and the steps already taken, for the engineering escalation.",
        ],
        "extraction": [
            "Extract order_id, sku, quantity, amount and refund_reason from this message as JSON: \"{order_msg}\"",
            "Pull the account email, plan and seat count from: \"{company} admin here, we're on {plan} with {n} seats, contact ops@{domain}\"",
            "Find every order number and date mentioned in this ticket and return a JSON list: {order_msg}",
            "Extract invoice number, amount and due date from: \"Invoice {invoice} for $1,{n}40.00 was due on Oct {n}\"",
        ],
        "qa": [
            "A customer asks: how do I {howto}? Answer from the help-center articles provided.",
            "Does the {plan} plan include {feature}, or is it an add-on? Cite the KB article you used.",
            "What is the API rate limit on the {plan} plan, and how do customers request more?",
            "Can customers on the {plan} plan export {thing} to CSV, and is there a row limit? Use the docs below.",
            "Is {feature} available for workspaces hosted in the EU data region, and since when?",
        ],
        "rewrite": [
            "Polish this reply so it sounds warmer and more professional, keep all facts: \"{draft}\"",
            "Rewrite for a frustrated enterprise customer, apologetic but confident: {draft}",
            "Make this shorter and friendlier: {draft}",
            "Fix the grammar and tone of this agent reply, no slang, keep it short: {draft}",
            "Translate this reply to German, keep it polite and formal: {draft}",
        ],
        "agentic": [
            "Customer {customer} requests a refund for order {order}: {reason}. Check eligibility against the refund policy and process it if allowed.",
            "Process the refund request for {order}. Reason given: {reason}. Look up the order and issue a full or partial refund.",
            "Handle ticket #{ticket}: {customer} wants the {plan} renewal refunded. Verify the charge date and refund if within 14 days.",
            "Refund workflow: order {order}, customer says \"{reason}\". Decide and act using the tools.",
        ],
        "drafting": [
            "Draft an outage notice for {plan} customers about degraded {area}, ETA 2 hours.",
            "Write a short apology email to {company} for the {area} incident last week.",
        ],
        "other": [
            "What's the time difference between Chicago and Berlin? Scheduling a call with {company}.",
            "Roughly how much is 1,{n}40 EUR in USD? A customer in Germany asked about the annual price.",
        ],
    },
    slots={
        "area": ["SSO login", "CSV import", "the billing portal", "webhooks", "the mobile app sync",
                 "dashboard exports", "the Slack integration", "two-factor auth", "the reporting API"],
        "plan": ["Starter", "Growth", "Business", "Enterprise"],
        "n": num(2, 9),
        "ticket": num(180000, 249999),
        "invoice": lambda r: f"INV-2026-{r.randint(1000, 9999)}",
        "order": lambda r: f"ORD-{r.randint(40000, 99999)}",
        "error": ["401 invalid_token", "Request timed out", "Webhook signature mismatch", "Quota exceeded",
                  "Something went wrong (E1042)"],
        "howto": ["move a workspace to another region", "reset two-factor for a user", "bulk-import contacts",
                  "change the billing owner", "rotate an API key", "set up SAML with Okta"],
        "company": ["Acme Logistics", "Brightwave Health", "Corvid Labs", "Deltaline Freight", "Everpine Schools",
                    "Fathom Analytics", "Granite Legal", "Helio Solar"],
        "domain": ["acme.example", "brightwave.example", "corvid.example", "deltaline.example"],
        "feature": ["audit logs", "SCIM provisioning", "custom roles", "data residency", "priority support",
                    "the public API", "sandbox workspaces"],
        "thing": ["audit logs", "invoices", "user lists", "usage reports"],
        "subject": ["Can't log in after password reset", "Charged twice this month", "Webhook deliveries failing since 9am",
                    "How do I add a new admin?", "Feature request: dark mode for reports", "Everything is down for us!!",
                    "Export to CSV missing columns", "Need W-9 form for vendor onboarding", "SSO redirect loop on Chrome"],
        "order_msg": ["Hi, order ORD-58213 (2x NW-ROUTER-PRO) arrived damaged, I paid $318 and want my money back",
                      "Please cancel ORD-77104 placed on Oct 3, wrong SKU NW-HUB-S, qty 5",
                      "Refund for ORD-61592 please, the annual plan renewed on 10/02 but we downgraded in September"],
        "draft": ["\"we looked at it and its a known bug, will be fixed sometime next sprint probably\"",
                  "\"You should of read the docs, the setting is under Admin > Security.\"",
                  "\"cant refund that, policy says 14 days. sorry\"",
                  "\"The outage was caused by our upstream provider and is resolved now.\""],
        "customer": ["Jamie Fox", "Ana Ruiz", "Chen Wei", "Olivia Brandt", "Samir Haddad", "Grace Obi"],
        "reason": ["charged after cancelling", "double charge", "item never arrived", "downgraded plan last month",
                   "duplicate subscription"],
    },
    replies={
        "chat": ["Thanks for reaching out! I'm looking into this now.", "Sorry about that, a fix is on its way.",
                 "Happy to help. Could you share a screenshot?", "Done! You should see the change in a few minutes."],
        "classification": ["billing|P3", "bug|P2", "how-to", "outage|P1", "account", "Tech L1", "no"],
        "summarization": ["Customer can't sync; re-auth tried; wants an update today.",
                          "Duplicate charge confirmed; refund requested; customer calm."],
        "extraction": ["{\"order_id\": \"{order}\", \"refund_reason\": \"damaged\"}", "{\"plan\": \"{plan}\", \"seats\": {n}}"],
        "qa": ["Yes, it's included on that plan (see KB-{ticket}).", "No, that needs the Enterprise plan."],
        "rewrite": ["Thanks for your patience! A fix ships next sprint.", "So sorry for the trouble, we're on it."],
        "agentic": ["Refund issued for {order}: $129.00 back to the original card."],
        "default": ["Done."],
    },
)

GLOBEX_BOOK = PromptBook(
    systems={
        "code_generation": [
            "You are Globex Copilot. Write idiomatic, tested code. Reply with code only unless asked to explain.",
            "You complete code in the user's repository style. Prefer the standard library; no placeholder comments.",
        ],
        "code_review": [
            "You are a strict senior reviewer. Flag bugs, security issues and missing tests; suggest concrete fixes.",
            "Review diffs for correctness first, then performance and readability. Be specific, cite line numbers.",
        ],
        "agentic": [
            "You are coder, an autonomous coding agent. Use the tools to read, edit and test code; stop when tests pass.",
        ],
        "reasoning": [
            "You are a staff engineer. Think through trade-offs carefully and produce a step-by-step plan with risks.",
            "Plan before acting: list assumptions, compare options, estimate effort, then recommend one option.",
        ],
        "summarization": [
            "Summarize pull requests for release notes: what changed, why, migrations. Max 5 bullets.",
            "You write short, neutral summaries of code changes and discussions for busy reviewers.",
        ],
        "qa": [
            "Answer questions about the Globex CLI and SDK using the documentation excerpts provided. Cite the page.",
            "You are the Globex docs assistant. If the docs do not cover it, say so and suggest a support channel.",
        ],
        "classification": [
            "You label GitHub issues. Reply with the label names only, comma separated.",
            "Issue triage bot: output exactly one label from the allowed list.",
        ],
        "extraction": [
            "Extract structured data from release notes, commits and logs. Return JSON only.",
            "You parse engineering text into JSON fields. Use null for anything missing.",
        ],
        "chat": [
            "You are the friendly Globex developer-portal assistant. Keep answers short and link docs when useful.",
        ],
        "rewrite": ["You translate and polish technical documentation, preserving code blocks and links exactly."],
        "other": ["You are a helpful assistant for Globex engineers. Answer briefly."],
    },
    users={
        "code_generation": [
            "Write a {lang} function `{fn}` that {does}. Include type hints and a docstring.",
            "Complete this {lang} function, keep the existing signature:\n```\n{snippet}\n```",
            "Generate unit tests with {testfw} for `{fn}` in {file}. Cover empty input and errors.",
            "Implement a small {lang} helper that {does}. Keep it dependency-free.",
            "Add retry with exponential backoff and jitter to `{fn}` in {file}.",
            "Convert this snippet to {lang}, same behaviour:\n```\n{snippet}\n```",
            "Write a SQL migration that adds a nullable `{col}` column to `{table}` with an index.",
        ],
        "code_review": [
            "Review this diff for bugs, race conditions and missing tests:\n```diff\n{diff}\n```",
            "Code review for PR #{pr} touching {file}: point out correctness and security issues.",
            "Is this change safe to merge? Check error handling and edge cases.\n```diff\n{diff}\n```",
            "Review `{fn}` in {file} for performance problems and readability. Suggest a patch.",
            "Second pass on PR #{pr}: did the author address the nil check and the missing test for `{fn}`?",
        ],
        "agentic": [
            "Fix the failing test `{test}` in {file}. Run the test suite after your change.",
            "Task GLX-{pr}: {epic}. Explore the repo, make the change and open a draft PR.",
            "Upgrade {dep} across the monorepo and fix any breaking changes. Run the affected tests.",
            "Find why `{fn}` returns None for empty input, patch it and add a regression test.",
            "Rename the `{col}` field to `{col}_at` everywhere in {service} and update the API docs.",
        ],
        "reasoning": [
            "Plan the migration of {service} from {old} to {new}: steps, risks, rollback, and an estimate in days.",
            "We see p99 latency spikes in {service} every hour. Reason through possible causes and propose an investigation plan.",
            "Design a partitioning strategy for the `{table}` table (2B rows). Compare hash vs range and recommend one.",
            "Break the epic '{epic}' into tasks with dependencies and an order of execution.",
            "Our CI takes 38 minutes. Analyse where time goes (build, tests, caching) and prioritise fixes by impact.",
        ],
        "summarization": [
            "Summarize PR #{pr} for the release notes: what changed, why, and any migration steps.",
            "Write a short summary of these {n} commits on {service} for the changelog reviewer.",
            "TL;DR of the PR #{pr} discussion ({n} comments): what is the consensus and what's still open?",
            "Summarize this week's merged PRs in {service} for the Friday team update, grouped by area.",
        ],
        "qa": [
            "How do I configure {setting} in the Globex CLI for one project without changing the global config?",
            "What's the difference between `{cmd}` and `{cmd2}`, and when should I use each?",
            "Does the Globex SDK support {feature} on {platform}? If not, is there a workaround?",
            "Why does `globex deploy` fail with '{error}' right after login, and how do I fix it?",
            "Where do I set the default region for `{cmd}` so that CI and local runs use the same one?",
        ],
        "classification": [
            "Label this GitHub issue with one of: bug, feature, docs, question, performance.\nTitle: \"{issue}\"",
            "Assign area labels (cli, sdk, api, web, infra) to issue #{pr}: {issue}",
            "Is this issue a duplicate of a known crash? Reply 'duplicate' or 'new'.\n{issue}",
            "Assign a severity (S1-S4) to issue #{pr}, answer with the level only: \"{issue}\"",
        ],
        "extraction": [
            "Extract breaking changes, deprecations and new flags from these release notes for {dep} as JSON.",
            "From this commit list, pull ticket ids (GLX-1234) and the component touched, as JSON.",
            "Parse the stack trace and return file, line and exception type as JSON:\n{trace}",
            "List every CLI flag mentioned in this changelog entry with its default value: `{cmd} --{setting}`",
        ],
        "chat": [
            "hey, quick one: is it normal that `{cmd}` takes 40s on a fresh clone? feels slow to me",
            "thanks! and what about {feature}, can I use it on {platform} or is that still in beta?",
            "I'm new on the {service} team, where should I start reading the code? any good entry points?",
            "morning! any known issues with the sandbox today? `{cmd}` keeps hanging for me",
            "ok that worked, thanks. last thing: can I pin the CLI version per project in the repo config?",
        ],
        "rewrite": [
            "Translate this docs paragraph into {human}, keep code blocks unchanged: \"Run `{cmd}` to link your project.\"",
            "Rewrite this README intro to be clearer for beginners: \"Globex CLI is a tool for deploying {service} things.\"",
            "Make this CLI error message friendlier and add a hint on what to do next: \"{error}\"",
        ],
        "other": [
            "Suggest a fun name for our internal hackathon team, something about {service} and coffee.",
            "What's 17.5% of 2,340? Quick budget check for the offsite, no need to explain.",
        ],
        "test-gen/code_generation": [
            "Generate pytest cases for `{fn}` in {file} covering edge cases and invalid input.",
            "Write table-driven Go tests for `{fn}` in {file}, including the error cases.",
            "Create Jest tests for `{fn}`: happy path, empty array, network error and a timeout.",
        ],
        "log-triage/classification": [
            "Classify this log line as error, warning or noise: {log}",
            "Which component emitted this and is it actionable (yes/no)? {log}",
            "Severity (critical/high/low/ignore) for: {log}",
        ],
        "docs-translate/rewrite": [
            "Translate this docs paragraph into {human}, keep code unchanged: Run `{cmd}` to link your project before deploying.",
            "Translate to {human} for the docs site: {setting} controls how long build caches are kept.",
        ],
        "stacktrace-explain/qa": [
            "What does this error mean and how do I fix it? {trace}",
            "Why would `{cmd}` raise '{error}' on CI but not locally?",
        ],
        "commit-msg/summarization": [
            "Write a one-line conventional commit message summarising this diff: {diff}",
            "Summarize these staged changes as a commit message (subject + 2 bullet body): {diff}",
        ],
    },
    slots={
        "lang": ["Python", "TypeScript", "Go", "Rust", "Kotlin"],
        "fn": ["parse_duration", "retryRequest", "normalizePath", "merge_configs", "chunked_upload", "rateLimiter",
               "resolve_secrets", "diffManifests", "load_plugins", "slugify"],
        "does": ["parses '1h30m' style durations into seconds", "deduplicates events by id within a time window",
                 "streams a large file in 8 MB chunks with resumable offsets",
                 "merges two nested config dicts where the second wins", "validates semver ranges"],
        "testfw": ["pytest", "Jest", "Vitest", "go test", "JUnit 5"],
        "file": ["cli/deploy.py", "sdk/src/client.ts", "internal/store/cache.go", "api/handlers/projects.py",
                 "web/src/hooks/useBuild.ts", "pkg/auth/token.go"],
        "snippet": ["def parse_duration(s: str) -> int:\n    units = {'h': 3600, 'm': 60, 's': 1}\n    ",
                    "export async function retryRequest(fn, attempts = 3) {\n  ",
                    "func (c *Cache) Get(key string) ([]byte, bool) {\n\t", "fn slugify(input: &str) -> String {\n    "],
        "diff": ["-    if user is None:\n+    if not user:\n         raise NotFound()",
                 "-  const ttl = 60\n+  const ttl = opts.ttl ?? 60\n   cache.set(key, value, ttl)",
                 "-\tmu.Lock()\n \tdefer mu.Unlock()\n+\tif len(q) == 0 { return nil }",
                 "+    retries = int(os.environ.get('GLOBEX_RETRIES', 3))\n     for i in range(retries):"],
        "pr": num(4100, 6999),
        "test": ["test_deploy_rollback", "client.spec.ts > retries on 503", "TestCacheEviction", "test_merge_nested"],
        "epic": ["add SSO to the dashboard", "support monorepo deploys", "move build logs to object storage",
                 "rate-limit the public API per token"],
        "dep": ["pydantic v2", "React 19", "Go 1.25", "Node 22", "the AWS SDK v3"],
        "service": ["build-runner", "deploy-api", "artifact-store", "web-dashboard", "billing-service"],
        "old": ["Postgres 13", "Celery", "Heroku", "a cron box"], "new": ["Postgres 17", "Temporal", "Kubernetes",
                                                                         "EventBridge schedules"],
        "table": ["build_events", "artifacts", "deployments", "audit_log"],
        "col": ["archived", "deleted", "expires", "promoted"],
        "n": num(3, 24),
        "setting": ["cache-ttl", "default-region", "parallelism", "proxy", "log-level"],
        "cmd": ["globex deploy", "globex build", "globex link", "globex logs --follow", "globex env pull"],
        "cmd2": ["globex deploy --prebuilt", "globex build --remote", "globex env push"],
        "feature": ["preview deployments", "remote caching", "custom domains", "edge functions", "secrets rotation"],
        "platform": ["Windows", "Alpine Linux", "GitHub Actions", "Bitbucket Pipelines", "ARM Macs"],
        "error": ["EACCES: permission denied, open '.globex/cache'", "401 token expired",
                  "build exceeded 45 minute limit", "ECONNRESET while uploading artifact"],
        "issue": ["CLI crashes with segfault on `globex build` (ARM64)", "Docs: wrong flag name in quickstart",
                  "Support for Bun runtime", "Dashboard takes 12s to load projects list",
                  "Deploy hangs at 'uploading' since 3.4.1", "How do I use env vars in edge functions?"],
        "trace": ["Traceback (most recent call last): File \"cli/deploy.py\", line 212, in upload: KeyError: 'etag'",
                  "TypeError: Cannot read properties of undefined (reading 'id') at client.ts:88:17",
                  "panic: runtime error: index out of range [3] with length 3 (cache.go:141)"],
        "log": ["WARN build-runner cache miss for key node_modules-7f3a (fallback to cold build)",
                "ERROR deploy-api upstream timeout after 30000ms project=prj_991",
                "INFO artifact-store gc removed 1,204 objects", "ERROR billing-service stripe webhook 400 signature"],
        "human": ["German", "Japanese", "French", "Brazilian Portuguese", "Spanish"],
    },
    replies={"default": ["Done."]},
)


# ----------------------------------------------------------------------------------------------- traffic model
@dataclass
class Feature:
    name: str
    share: float                     # share of calls (before multi-call expansion)
    tasks: tuple                     # ((task_type, weight), ...): the true task of a correctly tagged call
    tok_in: tuple                    # (median, sigma, lo, hi) total input tokens, cache included
    tok_out: tuple                   # (median, sigma, lo, hi) output tokens
    decoys: tuple = ()               # true tasks of calls that carry this feature's tag misleadingly
    opts: dict = field(default_factory=dict)


def draw_truth(r: random.Random, feat: Feature, absent_rate: float = ABSENT_TAG_RATE) -> tuple[str, str | None, str | None]:
    """(true task, feature tag or None, user-prompt pool feature or None) for one call.

    A misleading call goes through the feature's code path (its system prompt and tag) but the user asks for
    something else; an untagged call is an ordinary call of the feature whose tag was lost."""
    task = weighted(r, feat.tasks)
    u = r.random()
    if u < absent_rate:
        return task, None, feat.name
    if u < absent_rate + MISLEADING_TAG_RATE and feat.decoys:
        return r.choice(feat.decoys), feat.name, None
    return task, feat.name, feat.name


def split_counts(g: np.random.Generator, n: int, feats) -> list[int]:
    shares = np.array([f.share for f in feats], dtype=float)
    return list(g.multinomial(n, shares / shares.sum()))


def openai_cached(g: np.random.Generator, prompt_tokens: int, prefix: int, hit: float) -> int:
    """OpenAI automatic prompt caching: prompts >= 1024 tokens, cached prefix in 128-token steps."""
    if prefix <= 0 or prompt_tokens < 1024 or g.random() >= hit:
        return 0
    cached = min(prefix + 128 * int(g.integers(0, 4)), prompt_tokens - 64)
    cached = (cached // 128) * 128
    return cached if cached >= 1024 else 0


# ================================================================================================ client 1: Brightside
BRIGHTSIDE_FEATURES = [
    # Short, simple helpers make up most calls; long-context workflows (transcripts, analytics exports, scraped
    # competitor sites, brand books) make up most of the spend.
    Feature("email-draft", 0.22, (("drafting", 1),), (6000, 0.45, 1500, 20000), (600, 0.45, 80, 2000),
            ("rewrite", "summarization", "classification", "other"),
            dict(prefix=3200, hit=0.55, stream=True, users=("accounts", "creative"), session=(2.2, (30_000, 240_000)))),
    Feature("subject-lines", 0.11, (("rewrite", 1),), (2000, 0.4, 400, 6000), (150, 0.4, 20, 500),
            ("drafting", "creative"), dict(prefix=1536, hit=0.4, users=("creative",), session=(2.5, (10_000, 90_000)))),
    Feature("social-tagging", 0.15, (("classification", 1),), (1200, 0.3, 400, 3000), (6, 0.5, 1, 40),
            ("extraction", "summarization"), dict(prefix=1024, hit=0.7, users=("auto",), session=(10.0, (150, 2_500)))),
    Feature("lead-extract", 0.07, (("extraction", 1),), (2500, 0.45, 500, 8000), (180, 0.4, 40, 600),
            ("classification", "summarization"), dict(prefix=1024, hit=0.3, users=("auto",), session=(1.6, (500, 4_000)))),
    Feature("client-qa", 0.08, (("qa", 1),), (44000, 0.45, 6000, 110000), (500, 0.5, 50, 1500),
            ("summarization", "extraction", "other"),
            dict(calibrate=True, prefix=2048, hit=0.6, stream=True, users=("accounts",), session=(1.5, (60_000, 600_000)))),
    Feature("campaign-brief", 0.08, (("drafting", 1),), (55000, 0.35, 12000, 115000), (3400, 0.35, 600, 7000),
            ("creative", "reasoning"),
            dict(calibrate=True, prefix=6144, hit=0.35, stream=True, users=("creative", "strategy"), session=(2.5, (60_000, 400_000)))),
    Feature("report-narrative", 0.085, (("drafting", 0.55), ("summarization", 0.45)), (66000, 0.35, 12000, 120000),
            (2400, 0.4, 300, 6000), ("qa", "rewrite"),
            dict(calibrate=True, prefix=2048, hit=0.3, users=("accounts",), session=(3.0, (30_000, 300_000)))),
    Feature("meeting-notes", 0.10, (("summarization", 1),), (16000, 0.2, 6000, 20000), (1700, 0.4, 300, 4000),
            ("drafting", "extraction"), dict(calibrate=True, prefix=1152, hit=0.2, users=("auto",), session=(1.2, (2_000, 20_000)))),
    Feature("competitor-analysis", 0.065, (("reasoning", 1),), (96000, 0.2, 30000, 120000), (4500, 0.3, 800, 9000),
            ("summarization", "creative"),
            dict(calibrate=True, prefix=1280, hit=0.2, users=("strategy",), session=(1.8, (120_000, 900_000)))),
]
BRIGHTSIDE_STAFF = [  # (user id, team, relative activity)
    ("jane.morales", "accounts", 1.6), ("tom.becker", "creative", 1.2), ("priya.shah", "strategy", 1.0),
    ("luis.ortega", "accounts", 1.1), ("emma.clarke", "creative", 0.9), ("noah.kim", "accounts", 0.7),
    ("ava.russo", "creative", 1.4), ("sam.okafor", "strategy", 0.8), ("mia.lindgren", "accounts", 1.0),
    ("ben.hart", "creative", 0.5), ("zoe.chen", "accounts", 0.9), ("omar.haddad", "strategy", 0.4),
]
BRIGHTSIDE_QA_FOLLOWUPS = [
    "And what about {channel}? Same period please, and flag anything unusual.",
    "Thanks. Can you check {month} as well and tell me if it was over budget?",
    "Who's our day-to-day contact on their side for that, and are they still in that role?",
    "Is that number before or after the agency fee? Need it for the client call at 3.",
    "Ok, and does that include the {deliverable}, or was that a separate change order?",
]
BRIGHTSIDE_QA_REPLIES = [
    "Per the SOW, the {deliverable} is included; {n} revision rounds are covered.",
    "{channel} spend in {month} was about 8% under plan, mostly due to the paused retargeting set.",
    "Their marketing lead, {person}, signed it off on the 14th.",
]
BRIGHTSIDE_ERRORS = [  # (error_class, http code, message, weight)
    ("RateLimitError", "429", "litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for gpt-4o "
     "in organization org-bS7x on tokens per min (TPM): Limit 800000.", 0.5),
    ("Timeout", "408", "litellm.Timeout: APITimeoutError - Request timed out. timeout value=600.0", 0.2),
    ("InternalServerError", "500", "litellm.InternalServerError: OpenAIException - The server had an error while "
     "processing your request. Sorry about that!", 0.15),
    ("BadRequestError", "400", "litellm.BadRequestError: OpenAIException - Invalid prompt: your prompt was flagged as "
     "potentially violating our usage policy.", 0.15),
]


def pg_timestamp(ms: int) -> str:
    """PostgreSQL text output of timestamptz(3) in UTC: trailing zeros of the fraction dropped."""
    s = utc_dt(ms).strftime("%Y-%m-%d %H:%M:%S")
    frac = int(ms) % 1000
    if frac:
        s += "." + f"{frac:03d}".rstrip("0")
    return s + "+00"


def jsonb_text(obj) -> str:
    """PostgreSQL jsonb text output: keys ordered by (length, bytes), ', ' and ': ' separators."""
    def order(o):
        if isinstance(o, dict):
            return {k: order(o[k]) for k in sorted(o, key=lambda k: (len(k.encode()), k.encode()))}
        if isinstance(o, list):
            return [order(x) for x in o]
        return o
    return json.dumps(order(obj), ensure_ascii=False, separators=(", ", ": "))


def pg_csv_field(v) -> str:
    """One field as PostgreSQL COPY ... CSV writes it (NULL is empty, the empty string is quoted)."""
    if v is None:
        return ""
    if isinstance(v, float):                                # float8 output: shortest round-trip form, 0 not 0.0
        s = str(int(v)) if v.is_integer() else repr(v)
    else:
        s = str(v)
    if s == "" or s == "\\." or any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def gpt4o_spend(prompt: int, cached: int, completion: int) -> float:
    # LiteLLM's own float arithmetic: prompt cost (uncached + cached) plus completion cost.
    p = PRICES["gpt-4o-2024-08-06"]
    prompt_cost = (prompt - cached) * (p["in"] / 1e6) + cached * (p["cached"] / 1e6)
    return prompt_cost + completion * (p["out"] / 1e6)


SEPT_PROMPT_V2_MS = epoch_s(date(2026, 9, 16)) * 1000     # the apps shipped a new system prompt version that day


def build_brightside(root: Path) -> dict:
    r = random.Random(BRIGHTSIDE_SEED)
    g = np.random.default_rng(BRIGHTSIDE_SEED)
    book = BRIGHTSIDE_BOOK
    model = "gpt-4o-2024-08-06"
    first, ndays, tz = date(2026, 9, 1), 30, -4            # US Eastern (EDT)
    holidays = (date(2026, 9, 7),)                          # Labor Day

    teams = {t: rand_uuid(r) for t in ("accounts", "creative", "strategy", "ops")}
    keys = {}                                               # user id -> (hashed key, alias, team, email, ip)
    for i, (uid, team, _) in enumerate(BRIGHTSIDE_STAFF):
        alias = f"copilot-{uid.split('.')[0]}"
        keys[uid] = (sha_hex(f"sk-brightside-{alias}"), alias, team, f"{uid}@brightside.example", f"10.12.0.{21 + i}")
    keys["auto"] = (sha_hex("sk-brightside-n8n-automations"), "n8n-automations", "ops", "ops@brightside.example",
                    "172.31.4.17")
    staff_by_team = defaultdict(list)
    for uid, team, act in BRIGHTSIDE_STAFF:
        staff_by_team[team].append((uid, act))
    model_id = sha_hex("brightside/gpt-4o/openai/deployment-1")

    # --- sessions: a person iterating on one feature (or regenerating), an automation processing a burst
    counts = split_counts(g, BRIGHTSIDE_CALLS, BRIGHTSIDE_FEATURES)
    rows = []
    for feat, n in zip(BRIGHTSIDE_FEATURES, counts):
        o = feat.opts
        auto_only = o["users"] == ("auto",)
        mean_len, gap = o["session"]
        profile = SUPPORT_HOURS if auto_only else OFFICE_HOURS
        weekend = 0.45 if feat.name == "social-tagging" else (0.2 if auto_only else 0.07)
        n_sessions = max(1, int(round(n / mean_len)))
        if feat.name == "report-narrative":                 # monthly reports are written in the first week
            starts = np.sort(np.concatenate([
                sample_times_ms(g, n_sessions * 2 // 3, first, 8, tz, profile, weekend=weekend, holidays=holidays),
                sample_times_ms(g, n_sessions - n_sessions * 2 // 3, first, ndays, tz, profile, weekend=weekend,
                                holidays=holidays)]))
        else:
            starts = sample_times_ms(g, n_sessions, first, ndays, tz, profile, weekend=weekend, holidays=holidays)
        for t in starts:
            t = int(t)
            sid = len(rows)
            group = r.choice(o["users"])
            if group == "auto":
                user = "auto"
            else:
                people = staff_by_team[group]
                user = r.choices([u for u, _ in people], weights=[a for _, a in people])[0]
            untagged = r.random() < ABSENT_TAG_RATE
            k = 1 + int(g.poisson(mean_len - 1))
            prev = None
            for j in range(k):
                if j:
                    t += int(g.uniform(*gap))
                task, tag, pool = draw_truth(r, feat, absent_rate=0.0)
                if untagged:
                    tag = None
                version = int(t >= SEPT_PROMPT_V2_MS)
                if prev and prev["task"] == task and r.random() < 0.35:     # regenerate: same prompt again
                    system, user_msg, prompt = prev["messages"][0]["content"], prev["messages"][1]["content"], prev["prompt"]
                else:
                    system, user_msg = book.prompt(feat.name, task, pool, r, version)
                    prompt = lognormal_int(g, *feat.tok_in)
                messages = [{"role": "system", "content": system}, {"role": "user", "content": user_msg}]
                session = None
                turns = weighted(r, ((1, 70), (2, 17), (3, 9), (4, 4))) if feat.name == "client-qa" else 1
                if turns > 1:
                    session = rand_uuid(r)
                for turn in range(turns):
                    if turn:
                        t += int(g.integers(40_000, 240_000))
                        messages = messages + [
                            {"role": "assistant", "content": fill(r.choice(BRIGHTSIDE_QA_REPLIES), book.slots, r)},
                            {"role": "user", "content": fill(r.choice(BRIGHTSIDE_QA_FOLLOWUPS), book.slots, r)}]
                        prompt = prompt + rows[-1]["completion"] + lognormal_int(g, 900, 0.5, 100, 6000)
                    row = dict(sid=sid, t=t, feat=feat, user=user, task=task, tag=tag, messages=messages, session=session,
                               prompt=prompt, completion=lognormal_int(g, *feat.tok_out),
                               failed=g.random() < FAILURE_RATE, rid=rand_uuid(r))
                    rows.append(row)
                prev = rows[-1] if turns == 1 else None
    fold_into_window(rows, epoch_s(first + timedelta(days=ndays)) * 1000)
    rows.sort(key=lambda x: x["t"])

    # --- calibrate the long-context workflows so September matches the published spend at list price
    # (short helpers keep their drawn sizes; GPT-4o's context window caps any single prompt)
    def cap(x):
        followup = x["messages"][-2]["role"] == "assistant"
        return min(int(x["feat"].tok_in[3] * (1.5 if followup else 1)), 125_000)

    ok = [x for x in rows if not x["failed"]]
    heavy = [x for x in ok if x["feat"].opts.get("calibrate")]
    light_cost = sum(gpt4o_spend(x["prompt"], 0, x["completion"]) for x in ok if not x["feat"].opts.get("calibrate"))
    for _ in range(5):
        heavy_cost = sum(gpt4o_spend(x["prompt"], 0, x["completion"]) for x in heavy)
        s = (BRIGHTSIDE_SEPT_SPEND / 0.95 - light_cost) / heavy_cost    # 0.95: rough prompt-cache discount
        for x in heavy:
            x["prompt"] = int(min(cap(x), max(x["feat"].tok_in[2], round(x["prompt"] * s))))
            x["completion"] = int(min(x["feat"].tok_out[3], max(1, round(x["completion"] * s))))
    for x in rows:
        o = x["feat"].opts
        x["cached"] = openai_cached(g, x["prompt"], o.get("prefix", 0), o.get("hit", 0.0))
    light_cost = sum(gpt4o_spend(x["prompt"], x["cached"], x["completion"]) for x in ok if not x["feat"].opts.get("calibrate"))
    heavy_cost = sum(gpt4o_spend(x["prompt"], x["cached"], x["completion"]) for x in heavy)
    s = (BRIGHTSIDE_SEPT_SPEND - light_cost) / heavy_cost
    for x in heavy:                                         # final nudge on uncached input and output
        x["prompt"] = min(cap(x), x["cached"] + max(1, round((x["prompt"] - x["cached"]) * s)))
        x["completion"] = max(1, round(x["completion"] * s))

    # --- LiteLLM_SpendLogs rows
    header = ["request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
              "startTime", "endTime", "completionStartTime", "model", "model_id", "model_group",
              "custom_llm_provider", "api_base", "user", "metadata", "cache_hit", "cache_key", "request_tags",
              "team_id", "end_user", "requester_ip_address", "status", "messages", "response", "session_id"]
    lines = [",".join(header)]
    labels = []
    daily = defaultdict(lambda: [0, 0, 0, 0])               # day -> [input incl cached, cached, output, requests]
    for x in rows:
        feat, uid = x["feat"], x["user"]
        hkey, alias, team, email, ip = keys[uid]
        stream = feat.opts.get("stream", False)
        start = x["t"]
        if x["failed"]:
            err = r.choices(BRIGHTSIDE_ERRORS, weights=[e[3] for e in BRIGHTSIDE_ERRORS])[0]
            end = start + (600_000 if err[0] == "Timeout" else int(g.integers(80, 2500)))
            prompt = cached = completion = 0
            spend, first_tok, status = 0.0, None, "failure"
            usage = None
        else:
            prompt, cached, completion = x["prompt"], x["cached"], x["completion"]
            ttft = int(220 + prompt * 0.018 + g.lognormal(5.3, 0.5))
            gen = int(completion / float(np.clip(g.normal(78, 16), 28, 150)) * 1000)
            end = start + ttft + gen
            first_tok = start + ttft if stream else end
            spend = gpt4o_spend(prompt, cached, completion)
            status = "success"
            usage = {"prompt_tokens": prompt, "completion_tokens": completion,
                     "prompt_tokens_details": {"cached_tokens": cached}}
            day = utc_dt(start).date()
            d = daily[day]
            d[0] += prompt; d[1] += cached; d[2] += completion; d[3] += 1
        meta = {"user_api_key_alias": alias, "user_api_key_team_alias": team, "user_api_key_user_email": email,
                "spend_logs_metadata": {"feature": x["tag"]} if x["tag"] else {}, "usage_object": usage,
                "status": status}
        if x["failed"]:
            meta["error_information"] = {"error_code": err[1], "error_class": err[0], "error_message": err[2]}
        tags = ([f"feature:{x['tag']}"] if x["tag"] else []) + [f"team:{team}"]
        fields = [x["rid"], "acompletion", hkey, spend, prompt + completion, prompt, completion,
                  pg_timestamp(start), pg_timestamp(end), pg_timestamp(first_tok) if first_tok else None,
                  model, model_id, "gpt-4o", "openai", "https://api.openai.com/v1",
                  "" if uid == "auto" else uid, jsonb_text(meta), "False", "Cache OFF", jsonb_text(tags),
                  teams[team], "", ip, status, jsonb_text(x["messages"]), "{}", x["session"]]
        lines.append(",".join(pg_csv_field(v) for v in fields))
        labels.append((x["rid"], x["task"]))
    write_file(root / "litellm" / "LiteLLM_SpendLogs_2026-09.csv.gz", "\n".join(lines) + "\n")
    write_labels(root, labels)

    # --- OpenAI Usage API page (September, daily, grouped by model + project)
    project_id = "proj_" + rand_b62(r, 24)
    sept_days = [first + timedelta(days=i) for i in range(ndays)]
    buckets = []
    for d in sept_days:
        inp, cached, out, n = daily[d]
        buckets.append({"object": "bucket", "start_time": epoch_s(d), "end_time": epoch_s(d + timedelta(days=1)),
                        "results": [{"object": "organization.usage.completions.result", "input_tokens": inp,
                                     "input_cached_tokens": cached, "output_tokens": out, "num_model_requests": n,
                                     "project_id": project_id, "model": model, "input_audio_tokens": 0,
                                     "output_audio_tokens": 0, "user_id": None, "api_key_id": None, "batch": None}]
                        if n else []})
    write_file(root / "openai" / "usage_completions_2026-09.json",
               pretty({"object": "page", "data": buckets, "has_more": False, "next_page": None}))

    # --- OpenAI dashboard Cost CSV, Jul 1 - Sep 30 (September straight from the logs)
    per_day = {d: (daily[d][0] - daily[d][1], daily[d][1], daily[d][2]) for d in sept_days}
    wk = [v for d, v in per_day.items() if d.weekday() < 5 and d not in holidays]
    we = [v for d, v in per_day.items() if d.weekday() >= 5]
    mean_wk = np.mean(np.array(wk, dtype=float), axis=0)
    mean_we = np.mean(np.array(we, dtype=float), axis=0)
    summer = {}
    for i in range(62):
        d = date(2026, 7, 1) + timedelta(days=i)
        base = mean_we if d.weekday() >= 5 else mean_wk
        factor = (0.3 if d == date(2026, 7, 3) else 1.0) * (0.96 if d.month == 8 else 1.0)
        summer[d] = base * factor * np.exp(g.normal(0, 0.12, 3))
    sept_cost = sum(float(token_cost(model, *per_day[d][:2], per_day[d][2])) for d in sept_days)
    summer_cost = sum(float(token_cost(model, int(v[0]), int(v[1]), int(v[2]))) for v in summer.values())
    scale = (BRIGHTSIDE_QUARTER_SPEND - sept_cost) / summer_cost
    for d in summer:
        per_day[d] = tuple(int(round(v * scale)) for v in summer[d])
    org_id = "org-" + rand_b62(r, 24)
    cost_rows = []
    p = PRICES[model]
    for d in sorted(per_day):
        uncached, cached, out = per_day[d]
        s0, s1 = epoch_s(d), epoch_s(d + timedelta(days=1))
        for item, qty, price in (("input", uncached, p["in"]), ("cached input", cached, p["cached"]),
                                 ("output", out, p["out"])):
            amount = Decimal(qty) * Decimal(str(price)) / Decimal(1_000_000)
            cost_rows.append([s0, s1, utc_dt(s0 * 1000).isoformat(), utc_dt(s1 * 1000).isoformat(),
                              money_str(amount, 30), "usd", qty, "tokens", f"{model}, {item}", "", "", project_id,
                              org_id, "LiteLLM proxy", "Brightside Agency", "", ""])
    write_file(root / "openai" / "cost_2026-07-01_2026-09-30.csv",
               csv_text(["start_time", "end_time", "start_time_iso", "end_time_iso", "amount_value",
                         "amount_currency", "quantity", "quantity_unit", "line_item", "user_id", "api_key_id",
                         "project_id", "organization_id", "project_name", "organization_name", "user_email",
                         "api_source"], cost_rows))
    write_file(root / "routekit.yaml", CLIENT_CONFIGS["brightside_agency"])

    month_cost = {m: sum(float(token_cost(model, *per_day[d][:2], per_day[d][2])) for d in per_day if d.month == m)
                  for m in (7, 8, 9)}
    return {"client": "brightside_agency", "calls": len(rows), "labels": Counter(t for _, t in labels),
            "failures": sum(x["failed"] for x in rows),
            "tags": Counter("absent" if x["tag"] is None else ("ok" if x["task"] in dict(x["feat"].tasks) else "misleading")
                            for x in rows),
            "month_cost_usd": round(month_cost[9], 2), "quarter_cost_usd": round(sum(month_cost.values()), 2),
            "cost_by_month": {k: round(v, 2) for k, v in month_cost.items()}}


# ================================================================================================ client 2: Northwind
AWS_ACCOUNT = "123456789012"
BEDROCK_MODEL_IDS = {
    "plain": "anthropic.claude-haiku-4-5-20251001-v1:0",
    "fm_arn": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
    "profile": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "profile_arn": f"arn:aws:bedrock:us-east-1:{AWS_ACCOUNT}:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
}
BEDROCK_ROLES = {
    "support-copilot": f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/nw-support-copilot-prod/copilot-api",
    "triage-worker": f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/nw-triage-worker/i-0c41f2a9d83b7e615",
    "orders-sync": f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/nw-orders-sync-lambda/orders-sync",
    "help-widget": f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/nw-help-widget/help-widget-prod",
    "refund-agent": f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/nw-refund-agent-lambda/refund-agent",
}
# feature opts: model key, modelId form(s), operation(s), caller role, cached system prefix tokens, (mean calls per
# session, gap ms), max_tokens
NORTHWIND_FEATURES = [
    Feature("ticket-triage", 0.33, (("classification", 1),), (560, 0.35, 150, 2500), (9, 0.5, 2, 40),
            ("extraction", "summarization"),
            dict(ids=(("plain", 1),), ops=(("InvokeModel", 1),), role="triage-worker", session=(5.0, (300, 4000)),
                 max_tokens=50)),
    Feature("support-reply", 0.30, (("chat", 1),), (2200, 0.6, 300, 20000), (380, 0.5, 40, 1500),
            ("rewrite", "qa", "drafting"),
            dict(ids=(("profile", 0.7), ("profile_arn", 0.3)), ops=(("ConverseStream", 0.85), ("Converse", 0.15)),
                 role="support-copilot", cache=14_200, session=(3.5, (30_000, 200_000)), max_tokens=1024)),
    Feature("ticket-summary", 0.12, (("summarization", 1),), (3300, 0.5, 400, 20000), (220, 0.4, 40, 800),
            ("extraction", "classification"),
            dict(ids=(("fm_arn", 1),), ops=(("InvokeModel", 1),), role="triage-worker", session=(1.3, (500, 5000)),
                 max_tokens=400)),
    Feature("order-extract", 0.09, (("extraction", 1),), (1100, 0.45, 200, 5000), (140, 0.4, 30, 500),
            ("classification",),
            dict(ids=(("plain", 1),), ops=(("Converse", 1),), role="orders-sync", session=(3.0, (300, 4000)),
                 max_tokens=300)),
    Feature("kb-answer", 0.08, (("qa", 1),), (4200, 0.5, 800, 20000), (320, 0.45, 40, 1200), ("chat", "summarization"),
            dict(ids=(("profile", 1),), ops=(("InvokeModel", 1),), role="help-widget", cache=2_600,
                 session=(1.4, (20_000, 200_000)), max_tokens=800)),
    Feature("tone-polish", 0.05, (("rewrite", 1),), (600, 0.4, 100, 3000), (240, 0.4, 30, 900), ("drafting", "chat"),
            dict(ids=(("plain", 1),), ops=(("InvokeModelWithResponseStream", 1),), role="support-copilot",
                 session=(1.8, (15_000, 120_000)), max_tokens=600)),
    Feature("refund-agent", 0.02, (("agentic", 1),), (2600, 0.4, 600, 12000), (150, 0.4, 30, 600), (),
            dict(ids=(("profile_arn", 1),), ops=(("InvokeModel", 0.5), ("Converse", 0.5)), role="refund-agent",
                 cache=1_900, session=(1.0, (0, 0)), max_tokens=1024)),
]
NORTHWIND_ERRORS = (("ThrottlingException", 0.6), ("ModelTimeoutException", 0.15), ("ServiceUnavailableException", 0.15),
                    ("ValidationException", 0.1))
REFUND_TOOLS_ANTHROPIC = [
    {"name": "lookup_order", "description": "Fetch an order and its payment by order id.",
     "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}},
    {"name": "issue_refund", "description": "Refund all or part of an order to the original payment method.",
     "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"},
                                                       "reason": {"type": "string"}},
                      "required": ["order_id", "amount"]}},
]
REFUND_TOOLS_CONVERSE = {"tools": [{"toolSpec": {"name": t["name"], "description": t["description"],
                                                 "inputSchema": {"json": t["input_schema"]}}}
                                   for t in REFUND_TOOLS_ANTHROPIC]}


def rfc3339(ms: int) -> str:
    return utc_dt(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def bedrock_bodies(op: str, system: str, turns: list, reply, max_tokens: int, cached: bool, tools: bool,
                   latency_ms: int, stop: str):
    """(inputBodyJson, outputBodyJson) for one call. turns: [(role, [content blocks in Anthropic shape])]."""
    if op.startswith("InvokeModel"):
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": max_tokens}
        body["system"] = [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}] if cached else system
        if tools:
            body["tools"] = REFUND_TOOLS_ANTHROPIC
        body["messages"] = [{"role": role, "content": blocks} for role, blocks in turns]
        if reply is None:
            return body, None
        if op == "InvokeModelWithResponseStream":
            return body, [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": reply}},
                          {"type": "message_delta", "delta": {"stop_reason": stop}}]
        content = [reply] if isinstance(reply, dict) else [{"type": "text", "text": reply}]
        return body, {"type": "message", "role": "assistant", "content": content, "stop_reason": stop}

    def conv(block):                                          # Anthropic content block -> Converse content block
        if block["type"] == "text":
            return {"text": block["text"]}
        if block["type"] == "tool_use":
            return {"toolUse": {"toolUseId": block["id"], "name": block["name"], "input": block["input"]}}
        return {"toolResult": {"toolUseId": block["tool_use_id"], "content": [{"text": block["content"]}]}}
    body = {"system": [{"text": system}] + ([{"cachePoint": {"type": "default"}}] if cached else []),
            "messages": [{"role": role, "content": [conv(b) for b in blocks]} for role, blocks in turns],
            "inferenceConfig": {"maxTokens": max_tokens, "temperature": 0.3}}
    if tools:
        body["toolConfig"] = REFUND_TOOLS_CONVERSE
    if reply is None:
        return body, None
    content = [conv(reply)] if isinstance(reply, dict) else [{"text": reply}]
    return body, {"output": {"message": {"role": "assistant", "content": content}}, "stopReason": stop,
                  "metrics": {"latencyMs": latency_ms}}


def build_northwind(root: Path) -> dict:
    r = random.Random(NORTHWIND_SEED)
    g = np.random.default_rng(NORTHWIND_SEED)
    book = NORTHWIND_BOOK
    first, ndays, tz = date(2026, 10, 1), 31, -5             # US Central (CDT)
    prompt_v2_ms = epoch_s(date(2026, 10, 19)) * 1000

    # --- Bedrock calls grouped in sessions (queue bursts, agents answering a ticket, refund agent runs)
    counts = split_counts(g, NORTHWIND_BEDROCK_CALLS, NORTHWIND_FEATURES)
    calls = []
    for feat, n in zip(NORTHWIND_FEATURES, counts):
        o = feat.opts
        mean_len, gap = o["session"]
        if feat.name == "refund-agent":
            mean_len = 2.8                                    # model calls per agent run
        starts = sample_times_ms(g, max(1, int(round(n / mean_len))), first, ndays, tz, SUPPORT_HOURS, weekend=0.3)
        for t0 in starts:
            t = int(t0)
            sid = len(calls)
            untagged = r.random() < ABSENT_TAG_RATE
            if feat.name == "refund-agent":
                run = dict(order=fill("{order}", book.slots, r), steps=weighted(r, ((2, 30), (3, 60), (4, 10))),
                           op=weighted(r, o["ops"]))
                task, tag, pool = draw_truth(r, feat, absent_rate=0.0)
                system, user_msg = book.prompt("agentic", task, pool, r, int(t >= prompt_v2_ms))
                run.update(system=system, user=user_msg, task=task)
                for step in range(run["steps"]):
                    calls.append(dict(sid=sid, t=t, feat=feat, run=run, step=step, tag=None if untagged else tag,
                                      task=task))
                    t += int(g.integers(1500, 9000))
                continue
            k = 1 + int(g.poisson(mean_len - 1))
            for _ in range(k):
                task, tag, pool = draw_truth(r, feat, absent_rate=0.0)
                system, user_msg = book.prompt(feat.tasks[0][0], task, pool, r, int(t >= prompt_v2_ms))
                calls.append(dict(sid=sid, t=t, feat=feat, run=None, tag=None if untagged else tag, task=task,
                                  system=system, user=user_msg))
                t += int(g.uniform(*gap))
    fold_into_window(calls, epoch_s(first + timedelta(days=ndays)) * 1000)
    calls.sort(key=lambda c: c["t"])

    last_cache_use: dict[str, int] = {}                       # feature -> last call time (prompt cache 5 min TTL)
    by_day: dict[date, list] = defaultdict(list)
    labels, n_failed = [], 0
    tokens_total = Counter()
    cost_total = Decimal(0)
    for c in calls:
        feat, o = c["feat"], c["feat"].opts
        rid = rand_uuid(r)
        op = c["run"]["op"] if c["run"] else weighted(r, o["ops"])
        model_key = weighted(r, o["ids"])
        model_id = BEDROCK_MODEL_IDS[model_key]
        model = "claude-sonnet-4-5-20250929" if "sonnet" in model_id else "claude-haiku-4-5-20251001"
        failed = g.random() < FAILURE_RATE
        uncached = lognormal_int(g, *feat.tok_in)
        out = lognormal_int(g, *feat.tok_out)
        cache_read = cache_write = 0
        if o.get("cache"):
            prev = last_cache_use.get(feat.name)
            if prev is not None and c["t"] - prev < 300_000:
                cache_read = o["cache"]
            else:
                cache_write = o["cache"]
            if not failed:
                last_cache_use[feat.name] = c["t"]
        # request content
        tools = False
        if c["run"]:
            run, step = c["run"], c["step"]
            tools = True
            system = run["system"]
            turns = [("user", [{"type": "text", "text": run["user"]}])]
            amount = run.setdefault("amount", float(r.choice([49, 89, 129, 199, 318, 540])))
            tool_ids = run.setdefault("tool_ids", ["toolu_bdrk_01" + rand_b62(r, 22) for _ in range(3)])
            for s in range(step):
                if s == 0:
                    use = {"type": "tool_use", "id": tool_ids[0], "name": "lookup_order", "input": {"order_id": run["order"]}}
                    result = compact({"status": "delivered", "amount": amount, "paid_at": "2026-10-02"})
                else:
                    use = {"type": "tool_use", "id": tool_ids[s], "name": "issue_refund",
                           "input": {"order_id": run["order"], "amount": amount}}
                    result = compact({"refund_id": f"rf_{run['order'][-5:]}", "status": "succeeded"})
                turns += [("assistant", [use]), ("user", [{"type": "tool_result", "tool_use_id": use["id"], "content": result}])]
            uncached += 350 * step
            if step == 0:
                reply = {"type": "tool_use", "id": tool_ids[0], "name": "lookup_order", "input": {"order_id": run["order"]}}
            elif step < run["steps"] - 1:
                reply = {"type": "tool_use", "id": tool_ids[step], "name": "issue_refund",
                         "input": {"order_id": run["order"], "amount": amount}}
            else:
                reply = f"Refund issued for {run['order']}: ${amount:.2f} back to the original card within 5-10 days."
            stop = "tool_use" if isinstance(reply, dict) else "end_turn"
        else:
            system = c["system"]
            turns = [("user", [{"type": "text", "text": c["user"]}])]
            if feat.name == "support-reply" and r.random() < 0.35:        # follow-up in an open conversation
                turns = [("user", [{"type": "text", "text": fill(r.choice(book.users["chat"]), book.slots, r)}]),
                         ("assistant", [{"type": "text", "text": book.reply("chat", r)}])] + turns
                uncached += lognormal_int(g, 700, 0.5, 100, 5000)
            reply = book.reply(c["task"], r)
            stop = "end_turn"
        latency = int(350 + (uncached + cache_write) * 0.02 + out / float(np.clip(g.normal(70, 15), 25, 140)) * 1000)
        in_body, out_body = bedrock_bodies(op, system, turns, None if failed else reply, o["max_tokens"],
                                           bool(o.get("cache")), tools, latency, stop)
        rec = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": rfc3339(c["t"]),
               "accountId": AWS_ACCOUNT, "identity": {"arn": BEDROCK_ROLES[o["role"]]}, "region": "us-east-1"}
        if model_id.startswith(("us.", f"arn:aws:bedrock:us-east-1:{AWS_ACCOUNT}:inference-profile")):
            rec["inferenceRegion"] = weighted(r, (("us-east-1", 0.5), ("us-east-2", 0.3), ("us-west-2", 0.2)))
        rec.update({"requestId": rid, "operation": op, "modelId": model_id})
        meta = {"feature": c["tag"], "team": "support"} if c["tag"] else {"team": "support"}
        if failed:
            n_failed += 1
            rec["input"] = {"inputContentType": "application/json", "inputBodyJson": in_body, "inputTokenCount": 0,
                            "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 0}
            rec["output"] = {"outputContentType": "application/json", "outputTokenCount": 0}
            rec["requestMetadata"] = meta
            rec["errorCode"] = weighted(r, NORTHWIND_ERRORS)
        else:
            rec["input"] = {"inputContentType": "application/json", "inputBodyJson": in_body, "inputTokenCount": uncached,
                            "cacheReadInputTokenCount": cache_read, "cacheWriteInputTokenCount": cache_write}
            rec["output"] = {"outputContentType": "application/json", "outputBodyJson": out_body, "outputTokenCount": out}
            rec["requestMetadata"] = meta
            tokens_total.update(input=uncached, cache_read=cache_read, cache_write=cache_write, output=out)
            cost_total += token_cost(model, uncached, cache_read, out, cache_write)
        by_day[utc_dt(c["t"]).date()].append(compact(rec))
        labels.append((rid, c["task"]))

    # S3 delivery: one object per ISO week (the brief allows fewer, bigger files than Bedrock's ~5-minute objects),
    # stored under the date/hour prefix of its first record.
    by_week: dict[tuple, list] = defaultdict(list)
    for day, lines in sorted(by_day.items()):
        by_week[day.isocalendar()[:2]].extend(lines)
    for _, lines in sorted(by_week.items()):
        first_ms = int(datetime.strptime(json.loads(lines[0])["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
                       .replace(tzinfo=UTC).timestamp() * 1000)
        dt = utc_dt(first_ms)
        name = f"{dt:%Y%m%dT%H%M%S}Z_{rand_hex(r, 16)}.json.gz"
        write_file(root / "AWSLogs" / AWS_ACCOUNT / "BedrockModelInvocationLogs" / "us-east-1" / f"{dt:%Y}" /
                   f"{dt:%m}" / f"{dt:%d}" / f"{dt:%H}" / name, "\n".join(lines) + "\n")
    bedrock_calls = len(calls)

    # --- OpenRouter activity export: triage / extraction experiments on open-weight models
    or_models = {  # permaslug -> [(provider, $/MTok in, $/MTok out, reasoning?)]
        "meta-llama/llama-3.3-70b-instruct": [("DeepInfra", 0.23, 0.40, False), ("Groq", 0.59, 0.79, False),
                                              ("Together", 0.88, 0.88, False)],
        "qwen/qwen3-235b-a22b-2507": [("DeepInfra", 0.09, 0.58, False), ("Novita", 0.09, 0.58, False)],
        "openai/gpt-oss-120b": [("Groq", 0.15, 0.60, True), ("Cerebras", 0.25, 0.69, True),
                                ("DeepInfra", 0.05, 0.45, True)],
    }
    run_days = [d for d in (first + timedelta(days=i) for i in range(ndays)) if d.weekday() < 5]
    run_days = sorted(r.sample(run_days, 7))
    or_rows = []
    per_run = NORTHWIND_OPENROUTER_ROWS // len(run_days)
    for i, d in enumerate(run_days):
        app = "triage-experiment" if i % 3 != 2 else "extract-experiment"
        task = "classification" if app == "triage-experiment" else "extraction"
        model = list(or_models)[i % 3]
        t = (epoch_s(d) + int(g.integers(14, 21)) * 3600 + int(g.integers(0, 3600))) * 1000
        n = per_run + (NORTHWIND_OPENROUTER_ROWS - per_run * len(run_days) if i == len(run_days) - 1 else 0)
        for _ in range(n):
            t += int(g.integers(300, 6000))
            provider, p_in, p_out, reasoning = r.choice(or_models[model])
            true_task, app_name = task, app
            u = r.random()
            if u < 0.03:
                app_name = ""                                     # key used from a notebook without X-Title
            elif u < 0.05:
                true_task = "extraction" if task == "classification" else "classification"
            prompt = lognormal_int(g, 520 if task == "classification" else 1150, 0.35, 120, 4000)
            visible = lognormal_int(g, 10 if task == "classification" else 150, 0.5, 1, 800)
            reasoning_tok = lognormal_int(g, 260, 0.6, 20, 2500) if reasoning else 0
            completion = visible + reasoning_tok
            cancelled = g.random() < 0.025
            finish = "length" if g.random() < 0.01 else "stop"
            if cancelled:
                completion = int(completion * g.uniform(0, 0.6))
                reasoning_tok = min(reasoning_tok, completion)
                finish = ""
            cost = (prompt * p_in + completion * p_out) / 1e6
            gen_ms = int(completion / float(np.clip(g.normal(180 if provider in ("Groq", "Cerebras") else 60, 15), 20, 600)) * 1000)
            ttft = int(g.lognormal(5.6, 0.5))
            gen_id = f"gen-{t // 1000}-{rand_b62(r, 20)}"
            created = utc_dt(t).strftime("%Y-%m-%d %H:%M:%S.") + f"{t % 1000:03d}"
            or_rows.append([gen_id, created, f"{cost:.10f}".rstrip("0").rstrip(".") if cost else "0", "0", "0", "0", "0",
                            prompt, completion, reasoning_tok, 0, model, provider, "standard",
                            "true" if cancelled else "false", "false", "", finish,
                            finish, gen_ms + ttft, ttft, "false", "northwind-experiments", app_name])
            labels.append((gen_id, true_task))
    write_file(root / "openrouter" / "activity_2026-10.csv",
               csv_text(["generation_id", "created_at", "cost_total", "cost_web_search", "cost_cache",
                         "cost_file_processing", "byok_usage_inference", "tokens_prompt", "tokens_completion",
                         "tokens_reasoning", "tokens_cached", "model_permaslug", "provider_name", "variant",
                         "cancelled", "streamed", "user", "finish_reason_raw", "finish_reason_normalized",
                         "generation_time_ms", "time_to_first_token_ms", "api_key_disabled", "api_key_name",
                         "app_name"], or_rows))
    or_cost = sum(float(x[2]) for x in or_rows)
    write_labels(root, labels)

    # --- Anthropic Console exports (direct API workspace: nightly batch digests + internal KB tool; no call logs)
    display = {"claude-sonnet-4-5-20250929": "Claude Sonnet 4.5", "claude-haiku-4-5-20251001": "Claude Haiku 4.5"}
    key_ids = {"nightly-digest": "apikey_01" + rand_b62(r, 22), "kb-tool": "apikey_01" + rand_b62(r, 22)}
    workspace = "Support Analytics"
    token_rows, cost_rows = [], []
    direct_cost = Decimal(0)
    for i in range(ndays):
        d = first + timedelta(days=i)
        weekday = d.weekday() < 5
        usage = []  # (model, key, tier, no_cache, cw5m, cache_read, out)
        noise = lambda: float(np.exp(g.normal(0, 0.15)))   # noqa: E731
        usage.append(("claude-haiku-4-5-20251001", "nightly-digest", "batch",
                      int(2_300_000 * (1 if weekday else 0.45) * noise()), 0, 0,
                      int(290_000 * (1 if weekday else 0.45) * noise())))
        if d.weekday() == 0:                                  # weekly account digests on Mondays
            usage.append(("claude-sonnet-4-5-20250929", "nightly-digest", "batch", int(1_400_000 * noise()), 0, 0,
                          int(160_000 * noise())))
        if weekday:
            usage.append(("claude-sonnet-4-5-20250929", "kb-tool", "standard", int(380_000 * noise()),
                          int(70_000 * noise()), int(900_000 * noise()), int(75_000 * noise())))
            usage.append(("claude-haiku-4-5-20251001", "kb-tool", "standard", int(120_000 * noise()), 0, 0,
                          int(22_000 * noise())))
        for model, key, tier, no_cache, cw5m, cread, out in usage:
            token_rows.append([d.isoformat(), model, key, workspace, tier, "≤ 200k", no_cache, cw5m, 0, cread, out, 0,
                               "not_available", ""])
            batch = tier == "batch"
            p = PRICES[model]
            for token_type, qty, price in (("input_no_cache", no_cache, p["in"]), ("input_cache_read", cread, p["cached"]),
                                           ("input_cache_write_5m", cw5m, p["cw5m"]), ("output", out, p["out"])):
                if batch and token_type in ("input_cache_read", "input_cache_write_5m"):
                    continue
                cost = Decimal(qty) * Decimal(str(price)) / Decimal(1_000_000) * (Decimal("0.5") if batch else 1)
                direct_cost += cost
                amount = money_str(cost, 2)
                cost_rows.append([d.isoformat(), display[model], workspace, key, "message", "≤ 200k", token_type,
                                  amount, amount, "token", "not_available", "", key_ids[key], "active"])
    write_file(root / "anthropic" / "claude_api_tokens_2026_10.csv",
               csv_text(["usage_date_utc", "model_version", "api_key", "workspace", "usage_type", "context_window",
                         "usage_input_tokens_no_cache", "usage_input_tokens_cache_write_5m",
                         "usage_input_tokens_cache_write_1h", "usage_input_tokens_cache_read", "usage_output_tokens",
                         "web_search_count", "inference_geo", "speed"], token_rows))
    write_file(root / "anthropic" / "claude_api_cost_2026_10.csv",
               csv_text(["usage_date_utc", "model", "workspace", "api_key", "usage_type", "context_window",
                         "token_type", "cost_usd", "list_price_usd", "cost_type", "inference_geo", "speed",
                         "api_key_id", "api_key_status"], cost_rows))
    write_file(root / "routekit.yaml", CLIENT_CONFIGS["northwind_support"])
    return {"client": "northwind_support", "calls": bedrock_calls + len(or_rows), "bedrock_calls": bedrock_calls,
            "openrouter_rows": len(or_rows), "failures": n_failed, "labels": Counter(t for _, t in labels),
            "bedrock_tokens": dict(tokens_total),
            "month_cost_usd": round(float(cost_total) + or_cost + float(direct_cost), 2),
            "cost_parts": {"bedrock": round(float(cost_total), 2), "openrouter": round(or_cost, 2),
                           "anthropic_direct": round(float(direct_cost), 2)}}


# ================================================================================================ client 3: Globex
GLOBEX_MODELS = {  # request model -> (provider, response model)
    "gpt-5": ("openai", "gpt-5-2025-08-07"), "gpt-5-mini": ("openai", "gpt-5-mini-2025-08-07"),
    "gpt-5-nano": ("openai", "gpt-5-nano-2025-08-07"), "o3": ("openai", "o3-2025-04-16"),
    "claude-sonnet-4-5": ("anthropic", "claude-sonnet-4-5-20250929"),
    "claude-opus-4-1": ("anthropic", "claude-opus-4-1-20250805"),
}
# opts: svc (new = code-assistant on current GenAI semconv, legacy = devportal-api on OpenLLMetry attributes),
# models, max_tokens, (mean calls per session, gap ms), reasoning share of output, prompt cache (hit rate, prefix)
GLOBEX_FEATURES = [
    Feature("code-complete", 0.27, (("code_generation", 1),), (3000, 0.6, 300, 30000), (420, 0.6, 20, 4000),
            ("chat", "qa", "code_review"),
            dict(svc="new", models=(("gpt-5-mini", 0.8), ("claude-sonnet-4-5", 0.2)), max_tokens=2048,
                 session=(3.0, (5_000, 120_000)), reasoning=0.35, cache=(0.5, 1536))),
    Feature("pr-review", 0.10, (("code_review", 1),), (11000, 0.5, 2000, 60000), (900, 0.45, 100, 4000),
            ("summarization", "qa"),
            dict(svc="new", models=(("claude-sonnet-4-5", 1),), max_tokens=4096, session=(1.5, (10_000, 60_000)),
                 cache=(0.7, 4200))),
    Feature("coder-agent", 0.24, (("agentic", 1),), (400, 0.5, 50, 3000), (450, 0.5, 40, 3000), (),
            dict(svc="new", models=(("claude-sonnet-4-5", 0.85), ("claude-opus-4-1", 0.15)), max_tokens=8192,
                 session=(5.5, (0, 0)))),
    Feature("plan-mode", 0.05, (("reasoning", 1),), (7000, 0.5, 1500, 40000), (3200, 0.45, 400, 20000),
            ("code_generation", "code_review"),
            dict(svc="new", models=(("o3", 0.5), ("gpt-5", 0.5)), max_tokens=16000, session=(1.3, (60_000, 600_000)),
                 reasoning=0.75, cache=(0.3, 2048))),
    Feature("docs-qa", 0.11, (("qa", 1),), (3500, 0.45, 600, 16000), (330, 0.5, 30, 1500),
            ("code_generation", "chat", "other"),
            dict(svc="legacy", models=(("gpt-5-mini", 1),), max_tokens=1024, session=(1.6, (20_000, 180_000)),
                 reasoning=0.3, cache=(0.4, 1280))),
    Feature("issue-labeler", 0.11, (("classification", 1),), (650, 0.4, 150, 3000), (70, 0.5, 8, 400),
            ("extraction", "summarization"),
            dict(svc="legacy", models=(("gpt-5-nano", 1),), max_tokens=256, session=(6.0, (500, 3000)), reasoning=0.8)),
    Feature("changelog-extract", 0.03, (("extraction", 1),), (1900, 0.5, 300, 8000), (260, 0.4, 40, 1000),
            ("summarization",),
            dict(svc="legacy", models=(("gpt-5-nano", 1),), max_tokens=1024, session=(2.0, (1000, 8000)),
                 reasoning=0.5)),
    Feature("pr-summary", 0.04, (("summarization", 1),), (6000, 0.5, 800, 30000), (380, 0.4, 60, 1200),
            ("code_review",),
            dict(svc="legacy", models=(("gpt-5-mini", 1),), max_tokens=1024, session=(1.5, (2000, 30000)),
                 reasoning=0.3)),
    Feature("devchat", 0.05, (("chat", 1),), (3200, 0.5, 400, 20000), (380, 0.5, 20, 1500),
            ("qa", "other", "code_generation"),
            dict(svc="legacy", models=(("claude-sonnet-4-5", 1),), max_tokens=2048, session=(3.0, (20_000, 180_000)),
                 cache=(0.6, 1600))),
]
GLOBEX_GATEWAY_ROUTES = [  # route, task, vendor, model, share, (in median, sigma), (out median, sigma)
    ("log-triage", "classification", "mistral", "mistral-small-latest", 0.35, (420, 0.4), (8, 0.5)),
    ("test-gen", "code_generation", "deepseek", "deepseek-chat", 0.30, (2600, 0.5), (700, 0.5)),
    ("stacktrace-explain", "qa", "deepseek", "deepseek-chat", 0.15, (1500, 0.5), (350, 0.5)),
    ("docs-translate", "rewrite", "mistral", "mistral-large-latest", 0.10, (900, 0.4), (950, 0.4)),
    ("commit-msg", "summarization", "mistral", "mistral-small-latest", 0.10, (1800, 0.6), (60, 0.4)),
]
GATEWAY_EUR_PRICES = {  # EUR per MTok: input, cached input, output
    "mistral-small-latest": (0.09, 0.09, 0.28), "mistral-large-latest": (1.85, 1.85, 5.55),
    "deepseek-chat": (0.26, 0.026, 0.39),
}
AGENT_TOOLS = ("read_file", "grep", "list_dir", "apply_patch", "run_tests")
AGENT_TOOL_RESULTS = ("1 file changed, 4 insertions(+), 2 deletions(-)", "3 passed, 1 failed: test_deploy_rollback",
                      "cli/deploy.py:212: raise KeyError('etag')", "12 passed in 4.31s")
ANTHROPIC_DISPLAY = {"claude-sonnet-4-5-20250929": "Claude Sonnet 4.5", "claude-opus-4-1-20250805": "Claude Opus 4.1",
                     "claude-haiku-4-5-20251001": "Claude Haiku 4.5"}
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(ms: int, r: random.Random) -> str:
    t = "".join(CROCKFORD[(ms >> (5 * i)) & 31] for i in range(9, -1, -1))
    return t + "".join(r.choice(CROCKFORD) for _ in range(16))


def attr(key: str, value):
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}     # OTLP/JSON encodes int64 as a string
    if isinstance(value, list):
        return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}}}
    return {"key": key, "value": {"stringValue": value}}


def cents_str(d: Decimal) -> str:
    s = money_str(d, 6).rstrip("0")
    whole, _, frac = s.partition(".")
    return f"{whole}.{frac:0<2}"


def build_globex(root: Path) -> dict:
    r = random.Random(GLOBEX_SEED)
    g = np.random.default_rng(GLOBEX_SEED)
    book = GLOBEX_BOOK
    first, ndays = date(2026, 10, 1), 31
    prompt_v2_ms = epoch_s(date(2026, 10, 14)) * 1000

    def times(n, weekend=0.08):
        """Engineers in Berlin (60 %) and San Francisco (40 %)."""
        n_eu = int(round(n * 0.6))
        return np.sort(np.concatenate([sample_times_ms(g, n_eu, first, ndays, 2, OFFICE_HOURS, weekend=weekend),
                                       sample_times_ms(g, n - n_eu, first, ndays, -7, OFFICE_HOURS, weekend=weekend)]))

    calls = []        # model calls: dict(t, feat, task, tag, model, messages, agent=run or None, step)
    others = []       # agent and tool spans: dict(t, end, kind, ...)
    counts = split_counts(g, GLOBEX_MODEL_SPANS, GLOBEX_FEATURES)
    for feat, n in zip(GLOBEX_FEATURES, counts):
        o = feat.opts
        mean_len, gap = o["session"]
        for t0 in times(max(1, int(round(n / mean_len)))):
            t = int(t0)
            sid = len(calls) + len(others)
            untagged = r.random() < ABSENT_TAG_RATE
            model = weighted(r, o["models"])
            if feat.name == "coder-agent":
                steps = 2 + int(g.poisson(mean_len - 2))
                task, tag, pool = draw_truth(r, feat, absent_rate=0.0)
                system, user_msg = book.prompt("agentic", task, pool, r, int(t >= prompt_v2_ms))
                run = dict(trace=rand_hex(r, 32), span=rand_hex(r, 16), start=t, model=model,
                           tag=None if untagged else tag)
                context = lognormal_int(g, 9000, 0.25, 5000, 20000)
                warm = g.random() < 0.5
                for step in range(steps):
                    msgs = [("system", system), ("user", user_msg)]
                    if step:
                        msgs.append(("tool", r.choice(AGENT_TOOL_RESULTS)))
                    added = lognormal_int(g, 2600, 0.6, 200, 20000)
                    if step == 0:
                        cache_read, cache_write, uncached = (context, 0, 350) if warm else (0, context, 350)
                    else:
                        cache_read, cache_write, uncached = context, added, int(g.integers(60, 400))
                        context += added
                    for attempt in range(2):
                        failed = attempt == 0 and g.random() < FAILURE_RATE
                        out = lognormal_int(g, *feat.tok_out)
                        dur = int(600 + (uncached + cache_write) * 0.02 + out / float(np.clip(g.normal(55, 12), 20, 120)) * 1000)
                        if failed:
                            dur = int(g.integers(200, 30_000))
                        calls.append(dict(sid=sid, t=t, dur=dur, feat=feat, task=task, tag=run["tag"], model=model, messages=msgs,
                                          agent=run, failed=failed, final=step == steps - 1,
                                          tokens=(uncached, cache_read, cache_write, out, 0)))
                        t += dur + int(g.integers(5, 60))
                        if not failed:
                            break
                    if step < steps - 1:
                        tool = r.choice(AGENT_TOOLS)
                        tdur = int(g.integers(4_000, 90_000)) if tool == "run_tests" else int(g.integers(15, 400))
                        others.append(dict(sid=sid, kind="tool", t=t, end=t + tdur, run=run, tool=tool))
                        t += tdur + int(g.integers(5, 50))
                others.append(dict(sid=sid, kind="agent", t=run["start"], end=t, run=run))
                continue
            k = 1 + int(g.poisson(mean_len - 1))
            for _ in range(k):
                task, tag, pool = draw_truth(r, feat, absent_rate=0.0)
                system, user_msg = book.prompt(feat.tasks[0][0], task, pool, r, int(t >= prompt_v2_ms))
                msgs = [("system", system), ("user", user_msg)]
                if feat.name == "devchat" and r.random() < 0.4:
                    msgs = [("system", system), ("user", fill(r.choice(book.users["chat"]), book.slots, r)),
                            ("assistant", "Yes, that's expected on a cold cache. Try `globex build --remote`.")] + msgs[1:]
                total_in = lognormal_int(g, *feat.tok_in)
                out = lognormal_int(g, *feat.tok_out)
                provider = GLOBEX_MODELS[model][0]
                hit, prefix = o.get("cache", (0.0, 0))
                cache_read = cache_write = 0
                if provider == "openai":
                    cache_read = openai_cached(g, total_in, prefix, hit)
                elif prefix and total_in > prefix + 200:
                    if g.random() < hit:
                        cache_read = prefix
                    else:
                        cache_write = prefix
                uncached = total_in - cache_read - cache_write
                reasoning = int(out * o.get("reasoning", 0) * float(g.uniform(0.6, 1.2))) if provider == "openai" else 0
                reasoning = min(reasoning, out - 1) if reasoning else 0
                dur = int(400 + total_in * 0.015 + out / float(np.clip(g.normal(65, 15), 20, 160)) * 1000)
                failed = g.random() < FAILURE_RATE
                if failed:
                    dur = int(g.integers(150, 20_000))
                calls.append(dict(sid=sid, t=t, dur=dur, feat=feat, task=task, tag=None if untagged else tag, model=model,
                                  messages=msgs, agent=None, failed=failed,
                                  tokens=(uncached, cache_read, cache_write, out, reasoning)))
                t += dur + int(g.uniform(*gap))

    fold_into_window(calls + others, epoch_s(first + timedelta(days=ndays)) * 1000)

    # --- spans
    usage_oa = defaultdict(lambda: [0, 0, 0, 0])      # (day, model, project, batch) -> [input incl cached, cached, out, n]
    usage_an = defaultdict(lambda: [0, 0, 0, 0])      # (day, model, workspace) -> [uncached, cache_write, cache_read, out]
    projects = {"new": "proj_" + rand_b62(r, 24), "legacy": "proj_" + rand_b62(r, 24), "evals": "proj_" + rand_b62(r, 24)}
    workspaces = {"new": "wrkspc_01" + rand_b62(r, 22), "legacy": "wrkspc_01" + rand_b62(r, 22)}
    spans_by_svc = defaultdict(list)                  # svc -> [(end_ns, scope, span)]
    labels = []
    errors = {"openai": ("RateLimitError", "Error code: 429 - Rate limit reached for requests"),
              "anthropic": ("OverloadedError", "Error code: 529 - {'type': 'overloaded_error', 'message': 'Overloaded'}")}

    def nanos(ms):
        return str(ms * 1_000_000 + int(g.integers(0, 1000)) * 1000)

    for c in calls:
        feat, model = c["feat"], c["model"]
        svc = feat.opts["svc"]
        provider, resp_model = GLOBEX_MODELS[model]
        uncached, cache_read, cache_write, out, reasoning = c["tokens"]
        total_in = uncached + cache_read + cache_write
        span_id = rand_hex(r, 16)
        run = c["agent"]
        trace = run["trace"] if run else rand_hex(r, 32)
        resp_id = ("chatcmpl-" + rand_b62(r, 29)) if provider == "openai" else ("msg_01" + rand_b62(r, 22))
        max_tokens = feat.opts["max_tokens"]
        tool_turn = run is not None and not c.get("final")
        if provider == "openai":
            finish = "tool_calls" if tool_turn else "stop"
        else:
            finish = "tool_use" if tool_turn else "end_turn"
        if svc == "new":
            a = [attr("gen_ai.operation.name", "chat"), attr("gen_ai.provider.name", provider),
                 attr("gen_ai.request.model", model), attr("gen_ai.request.max_tokens", max_tokens)]
            if c["tag"]:
                a.append(attr("app.feature", c["tag"]))
            if not c["failed"]:
                a += [attr("gen_ai.response.model", resp_model), attr("gen_ai.response.id", resp_id),
                      attr("gen_ai.response.finish_reasons", [finish]),
                      attr("gen_ai.usage.input_tokens", total_in), attr("gen_ai.usage.output_tokens", out)]
                if cache_read or provider == "anthropic":
                    a.append(attr("gen_ai.usage.cache_read.input_tokens", cache_read))
                if provider == "anthropic":
                    a.append(attr("gen_ai.usage.cache_creation.input_tokens", cache_write))
                if reasoning:
                    a.append(attr("gen_ai.usage.reasoning.output_tokens", reasoning))
            msgs = [{"role": role, "parts": [{"type": "tool_call_response", "id": "call_1", "response": text}]
                     if role == "tool" else [{"type": "text", "content": text}]} for role, text in c["messages"]]
            a.append(attr("gen_ai.input.messages", compact(msgs)))
            name = f"chat {model}"
            scope = "genai-" + provider
        else:
            a = [attr("llm.request.type", "chat"), attr("gen_ai.system", "openai" if provider == "openai" else "Anthropic"),
                 attr("gen_ai.request.model", model), attr("gen_ai.request.max_tokens", max_tokens)]
            if c["tag"]:
                a.append(attr("app.feature", c["tag"]))
            if not c["failed"]:
                a += [attr("gen_ai.response.model", resp_model), attr("gen_ai.response.id", resp_id),
                      attr("gen_ai.usage.prompt_tokens", total_in), attr("gen_ai.usage.completion_tokens", out),
                      attr("llm.usage.total_tokens", total_in + out)]
                if cache_read:
                    a.append(attr("gen_ai.usage.cache_read_input_tokens", cache_read))
                if cache_write:
                    a.append(attr("gen_ai.usage.cache_creation_input_tokens", cache_write))
            for i, (role, text) in enumerate(c["messages"]):
                a += [attr(f"gen_ai.prompt.{i}.role", role), attr(f"gen_ai.prompt.{i}.content", text)]
            name = f"{provider}.chat"
            scope = "openllmetry-" + provider
        span = {"traceId": trace, "spanId": span_id}
        if run:
            span["parentSpanId"] = run["span"]
        span.update({"name": name, "kind": 3, "startTimeUnixNano": nanos(c["t"]),
                     "endTimeUnixNano": nanos(c["t"] + c["dur"]), "attributes": a})
        if c["failed"]:
            err = errors[provider]
            span["attributes"].append(attr("error.type", err[0]))
            span["status"] = {"code": 2, "message": err[1]}
        else:
            span["status"] = {}
            day = utc_dt(c["t"]).date()
            if provider == "openai":
                u = usage_oa[(day, resp_model, projects[svc], False)]
                u[0] += total_in; u[1] += cache_read; u[2] += out; u[3] += 1
            else:
                u = usage_an[(day, resp_model, workspaces[svc])]
                u[0] += uncached; u[1] += cache_write; u[2] += cache_read; u[3] += out
        spans_by_svc[svc].append((c["t"] + c["dur"], scope, span))
        labels.append((span_id, c["task"]))

    for o in others:
        run = o["run"]
        if o["kind"] == "agent":
            a = [attr("gen_ai.operation.name", "invoke_agent"), attr("gen_ai.agent.name", "coder"),
                 attr("gen_ai.provider.name", "anthropic"), attr("gen_ai.request.model", run["model"])]
            span = {"traceId": run["trace"], "spanId": run["span"], "name": "invoke_agent coder", "kind": 1}
        else:
            a = [attr("gen_ai.operation.name", "execute_tool"), attr("gen_ai.tool.name", o["tool"])]
            span = {"traceId": run["trace"], "spanId": rand_hex(r, 16), "parentSpanId": run["span"],
                    "name": f"execute_tool {o['tool']}", "kind": 1}
        if run["tag"]:
            a.append(attr("app.feature", run["tag"]))
        span.update({"startTimeUnixNano": nanos(o["t"]), "endTimeUnixNano": nanos(o["end"]), "attributes": a,
                     "status": {}})
        spans_by_svc["new"].append((o["end"], "agent", span))

    resources = {
        "new": [attr("service.name", "code-assistant"), attr("service.version", "2.3.0"),
                attr("deployment.environment.name", "production"), attr("telemetry.sdk.language", "python")],
        "legacy": [attr("service.name", "devportal-api"), attr("service.version", "1.14.2"),
                   attr("deployment.environment", "prod"), attr("telemetry.sdk.language", "python")],
    }
    scopes = {"genai-openai": {"name": "opentelemetry.instrumentation.openai_v2", "version": "0.1b0"},
              "genai-anthropic": {"name": "opentelemetry.instrumentation.anthropic", "version": "0.1b0"},
              "agent": {"name": "globex.coder", "version": "2.3.0"},
              "openllmetry-openai": {"name": "opentelemetry.instrumentation.openai", "version": "0.33.12"},
              "openllmetry-anthropic": {"name": "opentelemetry.instrumentation.anthropic", "version": "0.33.12"}}
    lines = []
    for svc, items in spans_by_svc.items():
        items.sort(key=lambda x: x[0])
        i = 0
        while i < len(items):
            n = int(g.integers(20, 101))
            chunk = items[i:i + n]
            i += n
            grouped = defaultdict(list)
            for _, scope, span in chunk:
                grouped[scope].append(span)
            req = {"resourceSpans": [{"resource": {"attributes": resources[svc]},
                                      "scopeSpans": [{"scope": scopes[s], "spans": sp} for s, sp in grouped.items()]}]}
            lines.append((chunk[-1][0], compact(req)))
    lines.sort(key=lambda x: x[0])
    write_file(root / "otel" / "traces-2026-10.jsonl.gz", "\n".join(x for _, x in lines) + "\n")
    n_spans = sum(len(v) for v in spans_by_svc.values())

    # --- nightly batch evals (OpenAI Batch API, project "evals"): usage and cost only, no spans
    for i in range(ndays):
        d = first + timedelta(days=i)
        n = int(g.integers(380, 520))
        u = usage_oa[(d, "gpt-5-mini-2025-08-07", projects["evals"], True)]
        u[0] += int(n * 4200 * float(g.uniform(0.9, 1.1))); u[2] += int(n * 520 * float(g.uniform(0.9, 1.1))); u[3] += n
        if d.weekday() == 6:
            n = int(g.integers(90, 140))
            u = usage_oa[(d, "gpt-5-2025-08-07", projects["evals"], True)]
            u[0] += int(n * 5200 * float(g.uniform(0.9, 1.1))); u[2] += int(n * 1400 * float(g.uniform(0.9, 1.1))); u[3] += n

    days = [first + timedelta(days=i) for i in range(ndays)]
    usage_buckets, cost_buckets = [], []
    openai_cost = Decimal(0)
    for d in days:
        results, costs = [], []
        for (day, model, proj, batch), (inp, cached, out, n) in sorted(usage_oa.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][3])):
            if day != d:
                continue
            results.append({"object": "organization.usage.completions.result", "input_tokens": inp,
                            "input_cached_tokens": cached, "output_tokens": out, "num_model_requests": n,
                            "project_id": proj, "model": model, "input_audio_tokens": 0, "output_audio_tokens": 0,
                            "user_id": None, "api_key_id": None, "batch": batch})
            p = PRICES[model]
            k = Decimal("0.5") if batch else Decimal(1)
            pre = "batch " if batch else ""
            items = [(f"{pre}input", inp - cached, p["in"]), (f"{pre}output", out, p["out"])]
            if cached:
                items.insert(1, (f"{pre}cached input", cached, p["cached"]))
            for item, qty, price in items:
                amount = Decimal(qty) * Decimal(str(price)) / Decimal(1_000_000) * k
                openai_cost += amount
                costs.append({"object": "organization.costs.result", "amount": {"value": float(round(amount, 10)),
                                                                                  "currency": "usd"},
                              "line_item": f"{model}, {item}", "project_id": proj, "quantity": qty,
                              "quantity_unit": "tokens"})
        s0, s1 = epoch_s(d), epoch_s(d + timedelta(days=1))
        usage_buckets.append({"object": "bucket", "start_time": s0, "end_time": s1, "results": results})
        cost_buckets.append({"object": "bucket", "start_time": s0, "end_time": s1, "results": costs})
    pages = []
    for i in range(0, ndays, 7):                                  # default limit for 1d buckets is 7
        last = i + 7 >= ndays
        pages.append(compact({"object": "page", "data": usage_buckets[i:i + 7], "has_more": not last,
                              "next_page": None if last else "page_" + base64.b64encode(
                                  f"{usage_buckets[i + 7]['start_time']}".encode()).decode().rstrip("=")}))
    write_file(root / "openai" / "usage_completions_2026-10.jsonl", "\n".join(pages) + "\n")
    write_file(root / "openai" / "costs_2026-10.json",
               compact({"object": "page", "data": cost_buckets, "has_more": False, "next_page": None}))

    # --- Anthropic Admin API usage and cost reports
    web_search_day = date(2026, 10, 21)
    web_searches = 143
    an_usage, an_cost = [], []
    anthropic_cost = Decimal(0)
    token_types = (("uncached_input_tokens", 0, "in", "Input Tokens"),
                   ("cache_creation.ephemeral_5m_input_tokens", 1, "cw5m", "Input Tokens, 5m Cache Write"),
                   ("cache_read_input_tokens", 2, "cached", "Input Tokens, Cache Read"),
                   ("output_tokens", 3, "out", "Output Tokens"))
    for d in days:
        results, costs = [], []
        for (day, model, ws), v in sorted(usage_an.items(), key=lambda kv: (kv[0][1], kv[0][2])):
            if day != d:
                continue
            searches = web_searches if (d == web_search_day and ws == workspaces["legacy"]) else 0
            results.append({"uncached_input_tokens": v[0],
                            "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": v[1]},
                            "cache_read_input_tokens": v[2], "output_tokens": v[3],
                            "server_tool_use": {"web_search_requests": searches}, "api_key_id": None,
                            "workspace_id": ws, "model": model, "service_tier": "standard",
                            "context_window": "0-200k", "inference_geo": "global"})
            for token_type, idx, price_key, label in token_types:
                cents = Decimal(v[idx]) * Decimal(str(PRICES[model][price_key])) / Decimal(10_000)
                anthropic_cost += cents / 100
                costs.append({"currency": "USD", "amount": cents_str(cents), "workspace_id": ws,
                              "description": f"{ANTHROPIC_DISPLAY[model]} Usage - {label}", "cost_type": "tokens",
                              "context_window": "0-200k", "model": model, "service_tier": "standard",
                              "token_type": token_type, "inference_geo": "global"})
            if searches:
                cents = Decimal(searches)                       # $10 per 1,000 searches = 1 cent each
                anthropic_cost += cents / 100
                costs.append({"currency": "USD", "amount": cents_str(cents), "workspace_id": ws,
                              "description": "Web Search Usage", "cost_type": "web_search", "context_window": None,
                              "model": None, "service_tier": None, "token_type": None, "inference_geo": None})
        start, end = f"{d.isoformat()}T00:00:00Z", f"{(d + timedelta(days=1)).isoformat()}T00:00:00Z"
        an_usage.append({"starting_at": start, "ending_at": end, "results": results})
        an_cost.append({"starting_at": start, "ending_at": end, "results": costs})
    write_file(root / "anthropic" / "usage_report_messages_2026-10.json",
               compact({"data": an_usage, "has_more": False, "next_page": None}))
    write_file(root / "anthropic" / "cost_report_2026-10.json",
               compact({"data": an_cost, "has_more": False, "next_page": None}))

    # --- internal gateway CSV (Mistral, DeepSeek), costs in EUR
    gw_rows = []
    route_w = [x[4] for x in GLOBEX_GATEWAY_ROUTES]
    gw_cost_eur = Decimal(0)
    for t in times(GLOBEX_GATEWAY_ROWS, weekend=0.15):
        t = int(t)
        route, task, vendor, llm, _, tin, tout = r.choices(GLOBEX_GATEWAY_ROUTES, weights=route_w)[0]
        route_tag, pool = route, route
        u = r.random()
        if u < ABSENT_TAG_RATE:
            route_tag = ""
        elif u < ABSENT_TAG_RATE + MISLEADING_TAG_RATE:
            task = r.choice([x[1] for x in GLOBEX_GATEWAY_ROUTES if x[1] != task])
            pool = None
        prompt = fill(zipf_choice(r, book.users.get(f"{pool}/{task}") or book.users[task], 1.1), book.slots, r)
        prompt = prompt.replace("\n", " ")
        req_id = ulid(t, r)
        if g.random() < FAILURE_RATE:
            gw_rows.append([req_id, utc_dt(t).strftime("%Y-%m-%d %H:%M:%S"), vendor, llm, route_tag, 0, 0, 0,
                            "0.000000", "error", prompt])
        else:
            tok_in = lognormal_int(g, tin[0], tin[1], 30, 60000)
            tok_out = lognormal_int(g, tout[0], tout[1], 1, 8000)
            cached = (min(tok_in - 1, 1024 + 64 * int(g.integers(0, 16))) // 64) * 64 \
                if vendor == "deepseek" and tok_in > 1200 and g.random() < 0.45 else 0
            p_in, p_cached, p_out = GATEWAY_EUR_PRICES[llm]
            cost = (Decimal(tok_in - cached) * Decimal(str(p_in)) + Decimal(cached) * Decimal(str(p_cached))
                    + Decimal(tok_out) * Decimal(str(p_out))) / Decimal(1_000_000)
            gw_cost_eur += cost
            gw_rows.append([req_id, utc_dt(t).strftime("%Y-%m-%d %H:%M:%S"), vendor, llm, route_tag, tok_in, cached,
                            tok_out, money_str(cost, 6), "ok", prompt])
        labels.append((req_id, task))
    write_file(root / "gateway" / "requests_2026-10.csv",
               csv_text(["req_id", "ts", "vendor", "llm", "route", "tok_in", "tok_cached", "tok_out", "cost_eur",
                         "status", "prompt"], gw_rows))
    write_labels(root, labels)
    write_file(root / "routekit.yaml", CLIENT_CONFIGS["globex_devtools"])
    eur = 1.08
    return {"client": "globex_devtools", "calls": len(calls) + len(gw_rows), "model_spans": len(calls),
            "all_spans": n_spans, "gateway_rows": len(gw_rows), "failures": sum(c["failed"] for c in calls),
            "labels": Counter(t for _, t in labels),
            "month_cost_usd": round(float(openai_cost + anthropic_cost) + float(gw_cost_eur) * eur, 2),
            "cost_parts": {"openai": round(float(openai_cost), 2), "anthropic": round(float(anthropic_cost), 2),
                           "gateway_usd": round(float(gw_cost_eur) * eur, 2), "gateway_eur": round(float(gw_cost_eur), 2)}}




# Each client's routekit.yaml as a consultant would write it: exclusions, the generic CSV mapping, and the
# classify mappings of the client's own feature names to task types.
CLIENT_CONFIGS = {
    'brightside_agency': 'client: Brightside Agency\ningest:\n  exclude: ["truth/**"]\nclassify:\n  # The agency\'s LiteLLM feature tags, mapped by what each workflow does. report-narrative is left to the text\n  # rules: it writes report sections (drafting) and summarises campaign results (summarization).\n  # The OpenAI project in the usage export is the proxy\'s, shared by every workflow: it stays unattributed.\n  mappings:\n    feature:\n      email-draft: drafting\n      subject-lines: rewrite\n      social-tagging: classification\n      lead-extract: extraction\n      meeting-notes: summarization\n      client-qa: qa\n      campaign-brief: drafting\n      competitor-analysis: reasoning\n',
    'northwind_support': 'client: Northwind Support\ningest:\n  exclude: ["truth/**"]\nclassify:\n  # Bedrock requestMetadata features and the OpenRouter app names (those rows carry no prompt text).\n  mappings:\n    feature:\n      ticket-triage: classification\n      triage-experiment: classification\n      order-extract: extraction\n      extract-experiment: extraction\n      ticket-summary: summarization\n      support-reply: chat\n      kb-answer: qa\n      tone-polish: rewrite\n      refund-agent: agentic\n    # The Claude Console usage export (no call logs): the nightly batch writes account digests, kb-tool answers\n    # agents\' questions from the knowledge base.\n    api_key:\n      nightly-digest: summarization\n      kb-tool: qa\n',
    'globex_devtools': 'client: Globex Devtools\ningest:\n  exclude: ["truth/**"]\ncurrency_rates: {EUR: 1.08}        # USD per 1 unit of the currency, used to convert non-USD amounts\nsources:\n  generic_csv:\n    - name: internal_gateway\n      columns:                       # canonical field: column in the file\n        request_id: req_id\n        timestamp: ts\n        provider: vendor\n        model: llm\n        feature: route\n        input_tokens: tok_in\n        cached_input_tokens: tok_cached\n        output_tokens: tok_out\n        cost: cost_eur\n        status: status\n        prompt: prompt\n      currency: EUR\n      input_includes_cached: true\n      success_values: [ok]\nclassify:\n  # Span feature attributes and the gateway\'s routes. The usage exports\' projects and workspaces each serve several\n  # features (and the nightly "evals" batch job\'s task is not known), so aggregated usage stays unattributed.\n  mappings:\n    feature:\n      code-complete: code_generation\n      test-gen: code_generation\n      coder-agent: agentic\n      pr-review: code_review\n      pr-summary: summarization\n      commit-msg: summarization\n      docs-qa: qa\n      stacktrace-explain: qa\n      devchat: chat\n      issue-labeler: classification\n      log-triage: classification\n      changelog-extract: extraction\n      docs-translate: rewrite\n      plan-mode: reasoning\n',
}


# ================================================================================================ main
CLIENTS = (  # (folder, builder, the subfolders this script owns)
    ("brightside_agency", build_brightside, ("litellm", "openai", "truth")),
    ("northwind_support", build_northwind, ("AWSLogs", "anthropic", "openrouter", "truth")),
    ("globex_devtools", build_globex, ("otel", "openai", "anthropic", "gateway", "truth")),
)


def main(out_dir: Path = OUT_DIR) -> list[dict]:
    summaries = []
    for name, build, owned in CLIENTS:
        client_dir = out_dir / name
        for sub in owned:                                  # stale files (e.g. renamed log objects) must not linger;
            if (client_dir / sub).exists():                # anything else (a routekit .routekit/ cache) is left alone
                shutil.rmtree(client_dir / sub)
        summaries.append(build(client_dir))
    for s in summaries:
        labels = s.pop("labels")
        print(f"{s.pop('client')}: " + ", ".join(f"{k}={v}" for k, v in s.items()))
        print("    labels: " + ", ".join(f"{k}={v}" for k, v in sorted(labels.items(), key=lambda kv: -kv[1])))
    return summaries


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Regenerate the synthetic sample clients (seeded, deterministic).")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder to write the clients into")
    main(parser.parse_args().out)

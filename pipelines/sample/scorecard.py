"""The simulated center's QA scorecard and queues.

The scorecard is one list of attributes (the ``attributes`` stream); which of
them an interaction is scored on depends on its queue (:data:`SCORED`), as in
a real center: a sales call has no troubleshooting, a billing call no
retention offer. Each attribute carries transcript excerpts that Auto QA
quotes as evidence.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.sample.clock import Clock, timestamps


@dataclass(frozen=True)
class AttributeSpec:
    attribute_id: str
    name: str
    target: float
    weight: float
    good: tuple[str, str, str]  # transcript excerpts of a score at or above target
    bad: tuple[str, str, str]  # ... and below it
    is_compliance: bool = False


ATTRIBUTES = (
    AttributeSpec(
        "greeting",
        "Greeting",
        85.0,
        0.5,
        (
            "Thank you for calling, my name is Sam, how can I help you today?",
            "Good morning and welcome, I'm here to help.",
            "Hi, thanks for reaching out! Who am I speaking with?",
        ),
        ("Yeah, what do you need?", "Hold on.", "Account number."),
    ),
    AttributeSpec(
        "empathy",
        "Empathy",
        78.0,
        1.5,
        (
            "I completely understand how frustrating that must be.",
            "I'm sorry you had to deal with this twice.",
            "That sounds stressful, let's sort it out together.",
        ),
        (
            "That's just our policy.",
            "There's nothing I can do about that.",
            "You should have read the terms.",
        ),
    ),
    AttributeSpec(
        "active_listening",
        "Active Listening",
        75.0,
        1.0,
        (
            "So if I understand correctly, the charge appeared after the upgrade?",
            "Let me repeat that back to make sure I have it right.",
            "You mentioned the router restarts at night, is that right?",
        ),
        (
            "Sorry, can you say all that again?",
            "As I said, what's your issue?",
            "Wait, which account was this?",
        ),
    ),
    AttributeSpec(
        "product_knowledge",
        "Product Knowledge",
        80.0,
        1.5,
        (
            "The Plus plan includes roaming at no extra cost.",
            "That error code means the firmware needs an update; I can push it now.",
            "Your refund posts within three business days.",
        ),
        (
            "I'm not sure what that plan includes.",
            "I think that might work, maybe try it?",
            "Have you tried turning it off and on?",
        ),
    ),
    AttributeSpec(
        "resolution",
        "Resolution",
        72.0,
        2.0,
        (
            "I've applied the credit; you'll see it on your next bill.",
            "The replacement ships today, tracking comes by email.",
            "It's fixed on our side; can you confirm it works now?",
        ),
        (
            "You'll need to call back another day.",
            "I can't fix that, try another department.",
            "Someone will probably get back to you.",
        ),
    ),
    AttributeSpec(
        "call_control",
        "Call Control",
        70.0,
        1.0,
        (
            "Let's settle the billing question first, then the upgrade.",
            "I'll place you on a short hold, about two minutes.",
            "To keep this quick, I'll walk you through three steps.",
        ),
        ("Um, let me see, hold on, hmm...", "[silence for 95 seconds]", "Sorry, where were we?"),
    ),
    AttributeSpec(
        "compliance_disclosure",
        "Compliance Disclosure",
        90.0,
        2.0,
        (
            "This call is recorded for quality and training purposes.",
            "Before we continue, can you confirm the last four digits of your card?",
            "A cancellation fee of 25 dollars applies; do you agree to proceed?",
        ),
        (
            "[recording disclosure not given]",
            "[account changed without identity verification]",
            "[fee not disclosed before the change]",
        ),
        is_compliance=True,
    ),
    AttributeSpec(
        "closing",
        "Closing",
        80.0,
        0.5,
        (
            "Is there anything else I can help you with today?",
            "Thanks for your patience, have a great evening!",
            "You'll get a summary by email; thanks for being with us.",
        ),
        ("Ok bye.", "[customer disconnected without a closing]", "That's it."),
    ),
    AttributeSpec(
        "troubleshooting",
        "Troubleshooting",
        75.0,
        1.5,
        (
            "Let's check the cable first, then the router's lights, then the line test.",
            "I ran a line test: the fault is at the street cabinet, a technician is booked.",
            "Please restart in safe mode; I'll stay on the line while it boots.",
        ),
        (
            "Just try again later.",
            "I don't know why it does that.",
            "[reset the account without checking the device]",
        ),
    ),
    AttributeSpec(
        "retention_offer",
        "Retention Offer",
        70.0,
        1.5,
        (
            "Before you go: I can move you to the Flex plan at the same price for a year.",
            "You've been with us six years; let me see what loyalty discount applies.",
            "If speed is the issue, the upgrade is free for three months, no commitment.",
        ),
        (
            "OK, I'll cancel it then.",
            "[no offer made before the cancellation]",
            "There's nothing I can offer you.",
        ),
    ),
)
ATTRIBUTE_IDS = [a.attribute_id for a in ATTRIBUTES]
COMPLIANCE = next(i for i, a in enumerate(ATTRIBUTES) if a.is_compliance)
TARGETS = np.array([a.target for a in ATTRIBUTES])
WEIGHTS = np.array([a.weight for a in ATTRIBUTES])
# Per-interaction spread of a true score around the agent's level.
NOISE_SD = np.array([7.0, 9.0, 9.0, 8.0, 10.0, 8.0, 1.5, 7.0, 9.0, 10.0])
QUALITY_LOADING = np.where(np.arange(len(ATTRIBUTES)) == COMPLIANCE, 0.0, 1.0)
DRIFTING_ATTRIBUTE = ATTRIBUTE_IDS.index("active_listening")  # the upgraded model scores it higher
PHRASES = pl.Series([p for a in ATTRIBUTES for p in (*a.good, *a.bad)])


@dataclass(frozen=True)
class QueueSpec:
    topics: tuple[str, ...]
    intents: tuple[str, ...]
    sentiment: float  # how the queue's customers feel at the start (retention: unhappy)
    attributes: tuple[str, ...]  # its scorecard, beyond what every queue scores


_EVERY_QUEUE = ("greeting", "active_listening", "closing")
QUEUES: dict[str, QueueSpec] = {
    "billing": QueueSpec(
        ("invoice question", "payment failed", "refund request", "unexpected charge"),
        ("inquiry", "complaint", "refund"),
        0.0,
        ("empathy", "product_knowledge", "resolution", "compliance_disclosure"),
    ),
    "tech_support": QueueSpec(
        ("no connection", "slow speed", "device setup", "outage"),
        ("troubleshooting", "complaint", "inquiry"),
        -0.3,
        ("empathy", "product_knowledge", "resolution", "call_control", "troubleshooting"),
    ),
    "sales": QueueSpec(
        ("plan upgrade", "new line", "device offer", "price quote"),
        ("purchase", "inquiry"),
        0.6,
        ("product_knowledge", "call_control", "compliance_disclosure"),
    ),
    "retention": QueueSpec(
        ("cancellation", "contract renewal", "competitor offer", "price increase"),
        ("cancel", "negotiate", "complaint"),
        -0.8,
        ("empathy", "resolution", "call_control", "compliance_disclosure", "retention_offer"),
    ),
}
QUEUE_NAMES = list(QUEUES)
QUEUE_SENTIMENT = np.array([q.sentiment for q in QUEUES.values()])
# (queue, attribute): whether the queue's scorecard has the attribute
SCORED = np.array(
    [[a in _EVERY_QUEUE + q.attributes for a in ATTRIBUTE_IDS] for q in QUEUES.values()]
)
COACHABLE = np.arange(len(ATTRIBUTES)) != COMPLIANCE  # compliance is enforced, not coached


def scorecard_frame(clock: Clock) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "attribute_id": ATTRIBUTE_IDS,
            "name": [a.name for a in ATTRIBUTES],
            "target_score": [a.target for a in ATTRIBUTES],
            "weight": [a.weight for a in ATTRIBUTES],
            "is_compliance": [a.is_compliance for a in ATTRIBUTES],
            "active": [True] * len(ATTRIBUTES),
            "updated_at": timestamps(np.full(len(ATTRIBUTES), clock.at(0, 6.0))),
        }
    )

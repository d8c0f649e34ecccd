"""Answering an alert by SMS: the reply code in each alert SMS, and the citizen's reply through the gateway.

Codes. Each SMS delivery gets, when first claimed, a reply code of 4 digits (5, then 6, once half of the shorter
ones are taken for that number) that no other message to the same number ever had, and the keyed hash of that
number (`deliveries.reply_codes_assign`); its text ends "Reply 1 safe / 2 help (code 4821), or answer here:
<link>". A code names one message of one number for good, so an old code is known as expired, not unknown.

Replies (`sms_reply_receive`, behind `POST /api/v1/sms/inbound`). The words are read after NFKC (full-width digits
and letters count), case-insensitive: an answer word (`1`, `SAFE`, `OK`, `平安`, `安全` — `2`, `HELP`, `SOS`,
`求助`, `救命`) and a code, in either order ("1 4821", "4821 1", "平安 4821", "4821平安"; "14821" too, when only one of
its readings is a code of that number), or the answer alone.
Whatever follows is the citizen's message (kept with the check-in, as on the page). With a code, the message of
that number with that code is answered. Without one, only "need help" is: on the newest of the number's messages
still answered (past neither their alert's validity nor its cancellation, plus ALERTS_CHECKIN_GRACE_HOURS, and
not failed), whichever alert it was, also when several alerts are open or several registrations share the number
(one case; the call-back goes to the number). A lone "safe" is `code_required`: sender numbers can be spoofed,
and a false "safe" in an incident registry can stop a search, while a false "need help" costs a call-back. The
answer SMS (to the number, not to whoever spoofed it) lists the codes to reply with; where one alert is listed
more than once (registrations sharing the number), each is named by its trip's place.
A code of another number is unknown: one answer, `not_understood`, for a wrong code and a wrong number.

Guessing. WRONG_CODES_MAX replies from one number with a code that is none of its codes within an hour (counted
in the cache, like the help-request follow-up codes) lock the number's codes for LOCK_SECONDS: a reply with a
code (or digits read as one) is then `locked`, answered once per lock with the hotline, and records nothing,
except "need help", which still works.

The answer is recorded by `checkins.checkin_record_delivery` — the same effects as the link: "safe" reaches the
incident registry, "need help" opens (or adds to) the case. Outcomes: `recorded`, `not_understood`,
`expired`, `code_required`, `locked`. Each inbound message is kept once per gateway message id (`SmsReply`): a
gateway retry, even concurrent, finds it and records nothing twice. Its text is not kept; the number only
(encrypted) until the answer SMS is sent. The answer SMS, in the language of the message answered, goes after the
commit through the task `sms_reply_answer` (the SMS channel adapter, the idempotency key `reply-<id>`); at most
ANSWERS_PER_HOUR per number (and the one `locked` answer), so that two machines never answer each other forever.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, override
from django_tasks import task

from consular.alerts.checkins import CHECKIN_EXPIRED, MESSAGE_MAX, checkin_deadline, checkin_record_delivery
from consular.alerts.codes import DeliveryChannel, DeliveryStatus
from consular.alerts.models import CheckInStatus, Delivery, SmsReply, SmsReplyOutcome
from consular.core.audit import audit_record
from consular.core.crypto import keyed_hash
from consular.core.db import insert_unless_exists
from consular.core.errors import ApplicationError
from consular.core.system import SystemActor
from consular.notify.channels import Channel, ChannelNotConfigured, Message, Status, get_channel
from consular.travel.models import TripLeg

# The system receiving the gateway's inbound messages and answering them.
SMS_REPLY_ACTOR = SystemActor("sms_reply")

SAFE_WORDS = frozenset({"1", "SAFE", "OK", "平安", "安全"})
HELP_WORDS = frozenset({"2", "HELP", "SOS", "求助", "救命"})
CODE = re.compile(r"\d{4,6}")
# Digit runs, Latin words, runs of Chinese characters: "4821平安" is two tokens, "1,4821" too.
_TOKEN = re.compile(r"\d+|[A-Za-zＡ-Ｚａ-ｚ]+|[\u3400-\u9fff\uf900-\ufaff]+")
_STRIP = " \t\r\n,.;:!?-/|()[]，。；：！？、（）"
ANSWERS_PER_HOUR = 5
LISTED_CODES = 3  # a `code_required` answer lists at most this many alerts and their codes
WRONG_CODES_MAX = 5  # replies with a code that is none of the number's codes, within WRONG_CODES_WINDOW ...
WRONG_CODES_WINDOW = 3600
LOCK_SECONDS = 3600  # ... lock its codes for this long ("need help" still works)

PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"


@dataclass(frozen=True)
class Parsed:
    status: str | None  # "safe", "need_help", or None (no answer word where one was expected)
    code: str | None
    message: str = ""
    # No answer word, but one run of digits that may be an answer and a code typed without a space ("14821",
    # "48212"): the (status, code) readings, tried against the number's codes (`reply_unglue`).
    glued: tuple[tuple[str, str], ...] = ()


def _status(word: str) -> str | None:
    if word in SAFE_WORDS:
        return CheckInStatus.SAFE.value
    if word in HELP_WORDS:
        return CheckInStatus.NEED_HELP.value
    return None


def _word(token: str) -> str:
    """A token compared: digits of any script as ASCII digits, letters NFKC and upper case."""
    if token.isdigit():
        return "".join(str(unicodedata.digit(c)) for c in token)
    return unicodedata.normalize("NFKC", token).upper()


def reply_parse(text: str) -> Parsed:
    """The answer, the code and the message of an SMS reply (see the module's doc)."""
    text = text or ""
    tokens = list(_TOKEN.finditer(text))[:2]
    if not tokens:
        return Parsed(None, None)
    first = _word(tokens[0].group())
    second = _word(tokens[1].group()) if len(tokens) > 1 else ""
    status, code, end = _status(first), None, tokens[0].end()
    if status is not None:
        if second and CODE.fullmatch(second):
            code, end = second, tokens[1].end()
    elif CODE.fullmatch(first) and second and _status(second) is not None:
        status, code, end = _status(second), first, tokens[1].end()
    else:
        glued: list[tuple[str, str]] = []
        if first.isdigit() and 5 <= len(first) <= 7:
            for answer, rest in ((first[0], first[1:]), (first[-1], first[:-1])):
                if _status(answer) is not None and CODE.fullmatch(rest) and not rest.startswith("0"):
                    glued.append((str(_status(answer)), rest))
        message = text[tokens[0].end():].strip(_STRIP + "\u3000")[:MESSAGE_MAX] if glued else ""
        return Parsed(None, first if CODE.fullmatch(first) else None, message, tuple(glued))
    return Parsed(status, code, text[end:].strip(_STRIP + "\u3000")[:MESSAGE_MAX])


def reply_unglue(parsed: Parsed, phone_hash: str) -> Parsed:
    """An answer and a code typed without a space ("14821" for "1 4821"): read so when exactly one reading names
    a code of that number and the digits as a whole do not; otherwise the reply as parsed."""
    if parsed.status is not None or not parsed.glued or not phone_hash:
        return parsed
    mine = Delivery.objects.filter(phone_hash=phone_hash, channel=DeliveryChannel.SMS)
    if parsed.code is not None and mine.filter(reply_code=parsed.code).exists():
        return parsed  # the whole is a code: a code without an answer
    codes = set(mine.filter(reply_code__in=[code for _answer, code in parsed.glued])
                .values_list("reply_code", flat=True))
    readings = [(status, code) for status, code in parsed.glued if code in codes]
    if len(readings) != 1:
        return parsed
    return Parsed(readings[0][0], readings[0][1], parsed.message)


@dataclass
class Resolution:
    outcome: str
    delivery: Delivery | None = None  # answered (recorded, expired) or the latest of the number (its language)
    choices: list[Delivery] = field(default_factory=list)  # code_required: the latest message of each alert


def _answerable(delivery: Delivery, now: datetime.datetime) -> bool:
    return now <= checkin_deadline(delivery)


# --- Guessing codes -------------------------------------------------------------------------------------------------

def _fail_key(phone_hash: str) -> str:
    return f"sms-reply-fail:{phone_hash}"


def _lock_key(phone_hash: str) -> str:
    return f"sms-reply-lock:{phone_hash}"


def reply_locked(phone_hash: str) -> bool:
    """Whether the number's codes are locked after too many wrong codes (see the module's doc)."""
    return bool(phone_hash) and cache.get(_lock_key(phone_hash)) is not None


def _is_guess(parsed: Parsed) -> bool:
    return parsed.code is not None or bool(parsed.glued)


def _wrong_code(parsed: Parsed, phone_hash: str) -> bool:
    """A reply carrying a code (or digits read as one) that is none of the number's codes."""
    if not _is_guess(parsed):
        return False
    candidates = {code for _status, code in parsed.glued} | ({parsed.code} if parsed.code else set())
    return not Delivery.objects.filter(phone_hash=phone_hash, channel=DeliveryChannel.SMS,
                                       reply_code__in=candidates).exists()


def _count_wrong_code(phone_hash: str) -> None:
    """Count one wrong code of the number; the WRONG_CODES_MAX-th locks its codes for LOCK_SECONDS."""
    key = _fail_key(phone_hash)
    cache.add(key, 0, timeout=WRONG_CODES_WINDOW)
    try:
        count = int(cache.incr(key))
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=WRONG_CODES_WINDOW)
        count = 1
    if count >= WRONG_CODES_MAX:
        cache.add(_lock_key(phone_hash), 0, timeout=LOCK_SECONDS)


def _lock_told(phone_hash: str) -> bool:
    """Whether the `locked` answer was already sent during this lock (marks it sent otherwise)."""
    return not cache.add(f"sms-reply-lock-told:{phone_hash}", 1, timeout=LOCK_SECONDS)


def reply_resolve(*, phone_hash: str, parsed: Parsed, now: datetime.datetime, locked: bool = False) -> Resolution:
    """Which message of the number `phone_hash` the reply answers (see the module's doc)."""
    mine = (Delivery.objects.filter(phone_hash=phone_hash, channel=DeliveryChannel.SMS).exclude(reply_code="")
            .select_related("alert__published_edition", "edition__incident"))
    latest = mine.order_by("-id").first() if phone_hash else None
    if locked and _is_guess(parsed) and parsed.status != CheckInStatus.NEED_HELP:
        return Resolution(SmsReplyOutcome.LOCKED, latest)
    if parsed.status is None or latest is None:
        return Resolution(SmsReplyOutcome.NOT_UNDERSTOOD, latest)
    if parsed.code is not None:
        delivery = mine.filter(reply_code=parsed.code).first()
        if delivery is None:
            return Resolution(SmsReplyOutcome.NOT_UNDERSTOOD, latest)
        if not _answerable(delivery, now):
            return Resolution(SmsReplyOutcome.EXPIRED, delivery)
        return Resolution(SmsReplyOutcome.RECORDED, delivery)
    # Only these may still be answered: the end of an alert is at most its latest edition's validity.
    since = now - datetime.timedelta(hours=settings.ALERTS_CHECKIN_GRACE_HOURS)
    recent = (mine.filter(Q(edition__valid_until__gte=since) | Q(alert__published_edition__valid_until__gte=since))
              .exclude(status__in=[DeliveryStatus.FAILED, DeliveryStatus.SUPPRESSED]).order_by("-id")[:50])
    by_alert: dict[tuple[object, object, object], Delivery] = {}
    for delivery in recent:  # newest first: each alert (for each person) keeps its latest message
        if _answerable(delivery, now):
            by_alert.setdefault((delivery.alert_id, delivery.registration_id, delivery.user_id), delivery)
    choices = list(by_alert.values())
    if not choices:
        return Resolution(SmsReplyOutcome.EXPIRED, latest)
    if parsed.status == CheckInStatus.SAFE:  # never without a code: the sender may be spoofed
        return Resolution(SmsReplyOutcome.CODE_REQUIRED, choices[0], choices)
    # "Need help" without a code: one call for help, on the newest message still answered (of several alerts, or
    # of one alert to several registrations sharing the number). Whoever is in danger is not asked for a code
    # first: the case opens at once and the call-back goes to this number.
    return Resolution(SmsReplyOutcome.RECORDED, choices[0])


# --- The answer SMS -----------------------------------------------------------------------------------------------

def _hotline() -> str:
    return str(settings.CONSULAR_DEPLOYMENT.get("hotline", ""))


def _language(resolution: Resolution, text: str) -> str:
    if resolution.delivery is not None:
        return "en" if resolution.delivery.language.lower().startswith("en") else "zh-hans"
    latin = unicodedata.normalize("NFKC", text or "")
    return "en" if latin.isascii() and any(c.isalpha() for c in latin) else "zh-hans"


def _place(delivery: Delivery) -> str:
    """The first place of the trip of a delivery's registration (its city, else its country code)."""
    if delivery.registration_id is None:
        return ""
    leg = TripLeg.objects.filter(registration_id=delivery.registration_id).order_by("position").first()
    return "" if leg is None else (leg.city.strip()[:30] or leg.country_id)


def _listed(choices: list[Delivery]) -> str:
    """"ALT-…: 4821, …": an alert listed more than once (registrations sharing the number) names the trip's place."""
    shown = choices[:LISTED_CODES]
    alerts = [delivery.alert_id for delivery in shown]
    items = []
    for delivery in shown:
        name = delivery.alert.reference
        place = _place(delivery) if alerts.count(delivery.alert_id) > 1 else ""
        items.append(f"{name} ({place}): {delivery.reply_code}" if place else f"{name}: {delivery.reply_code}")
    return ", ".join(items)


def _answer_text(outcome: str, resolution: Resolution, status: str | None, case: str | None) -> str:
    delivery = resolution.delivery
    reference = delivery.alert.reference if delivery is not None else ""
    if outcome == SmsReplyOutcome.RECORDED and status == CheckInStatus.SAFE:
        return gettext("Thank you: \"I am safe\" recorded for alert %(reference)s.") % {"reference": reference}
    if outcome == SmsReplyOutcome.RECORDED:
        text = gettext("Your call for help on alert %(reference)s was received; we will contact you.") % {
            "reference": reference}
        if case:
            text += " " + gettext("Case %(case)s.") % {"case": case}
        return text + " " + gettext("Hotline: %(hotline)s") % {"hotline": _hotline()}
    if outcome == SmsReplyOutcome.CODE_REQUIRED:
        first = resolution.choices[0].reply_code
        return gettext("Please reply 1 and the code from the alert, e.g. \"1 %(code)s\". Codes: %(codes)s") % {
            "code": first, "codes": _listed(resolution.choices)}
    if outcome == SmsReplyOutcome.LOCKED:
        return gettext("Too many wrong codes from this number: codes are refused for an hour. If you need help, "
                       "reply 2 or call the hotline %(hotline)s.") % {"hotline": _hotline()}
    if outcome == SmsReplyOutcome.EXPIRED:
        return gettext("This alert is no longer in force. If you need help, call the 24-hour hotline "
                       "%(hotline)s.") % {"hotline": _hotline()}
    return gettext("Not understood. Reply 1 (safe) or 2 (help) and the code from the alert SMS, e.g. \"1 1234\". "
                   "Hotline: %(hotline)s") % {"hotline": _hotline()}


# --- The service --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InboundIn:
    gateway_id: str
    phone: str
    text: str
    received_at: datetime.datetime | None = None


@dataclass
class ReceiveResult:
    reply: SmsReply
    repeated: bool  # a gateway retry of a message already received: nothing was done again


def sms_reply_receive(*, data: InboundIn, now: datetime.datetime | None = None) -> ReceiveResult:
    """Receive one inbound SMS (already verified as the gateway's): resolve it, record the check-in, keep it once
    per gateway message id, queue the answer SMS. See the module's doc."""
    now = now or timezone.now()
    gateway_id = data.gateway_id.strip()[:200]
    known = SmsReply.objects.filter(gateway_id=gateway_id).first()
    if known is not None:
        return ReceiveResult(known, repeated=True)
    phone_hash = keyed_hash(data.phone, kind="phone")
    parsed = reply_parse(data.text)
    locked = reply_locked(phone_hash)
    if locked:  # digits typed without a space are read only as a call for help
        parsed = replace(parsed, glued=tuple(g for g in parsed.glued if g[0] == CheckInStatus.NEED_HELP))
    parsed = reply_unglue(parsed, phone_hash)
    resolution = reply_resolve(phone_hash=phone_hash, parsed=parsed, now=now, locked=locked)
    if resolution.outcome != SmsReplyOutcome.LOCKED and _wrong_code(parsed, phone_hash):
        _count_wrong_code(phone_hash)
    with transaction.atomic():
        reply = SmsReply(gateway_id=gateway_id, phone=data.phone.strip(), phone_hash=phone_hash,
                         received_at=data.received_at, outcome=resolution.outcome, delivery=resolution.delivery,
                         language=_language(resolution, data.text), created_at=now)
        if not insert_unless_exists(reply, ["gateway_id"]):  # the same message, received concurrently
            return ReceiveResult(SmsReply.objects.get(gateway_id=gateway_id), repeated=True)
        case = None
        if resolution.outcome == SmsReplyOutcome.RECORDED:
            assert resolution.delivery is not None and parsed.status is not None
            try:
                result = checkin_record_delivery(delivery=resolution.delivery, status=parsed.status,
                                                 message=parsed.message, via="sms", now=now)
            except ApplicationError as error:  # only expiry: the answer and message were checked above
                if error.code != CHECKIN_EXPIRED:
                    raise
                reply.outcome = SmsReplyOutcome.EXPIRED
            else:
                reply.checkin = result.checkin
                case = result.case.reference if result.case is not None else None
        with override(reply.language):
            reply.answer = _answer_text(reply.outcome, resolution, parsed.status, case)[:400]
        answered = SmsReply.objects.filter(phone_hash=phone_hash, created_at__gte=now - datetime.timedelta(hours=1),
                                           answer_status__in=[PENDING, SENT]).count()
        reply.answer_status = PENDING if answered < ANSWERS_PER_HOUR else SKIPPED
        if reply.outcome == SmsReplyOutcome.LOCKED:  # one answer per lock, even past ANSWERS_PER_HOUR
            reply.answer_status = SKIPPED if _lock_told(phone_hash) else PENDING
        if reply.answer_status == SKIPPED:
            reply.phone = ""
        reply.save(update_fields=["outcome", "checkin", "answer", "answer_status", "phone"])
        audit_record(actor=SMS_REPLY_ACTOR, action="alert.sms_reply", obj=reply, data={
            "gateway_id": gateway_id, "outcome": reply.outcome, "delivery": reply.delivery_id,
            "checkin": str(reply.checkin_id) if reply.checkin_id else None, "answer": reply.answer_status,
        })
        if reply.answer_status == PENDING:
            transaction.on_commit(partial(sms_reply_answer.enqueue, reply.pk))
    return ReceiveResult(reply, repeated=False)


def sms_reply_answer_send(reply_id: int, *, adapter: Channel | None = None) -> str:
    """Send the answer SMS of one inbound message (once: a repeat finds it sent) and forget the number."""
    reply = SmsReply.objects.get(pk=reply_id)
    if reply.answer_status != PENDING:
        return reply.answer_status
    error = ""
    try:
        channel = adapter or get_channel("sms")
    except ChannelNotConfigured as problem:
        status, error = FAILED, f"not configured: {problem}"
    else:
        outcome = channel.send(Message(channel="sms", to=reply.phone, subject="", text=reply.answer,
                                       idempotency_key=f"reply-{reply.pk}", language=reply.language))
        status = SENT if outcome.status is Status.DELIVERED else FAILED
        error = "" if status == SENT else outcome.reason
    with transaction.atomic():
        SmsReply.objects.filter(pk=reply.pk, answer_status=PENDING).update(
            answer_status=status, answer_error=error[:500], phone="")
        audit_record(actor=SMS_REPLY_ACTOR, action="alert.sms_answer", obj=reply,
                     data={"status": status, "error": error[:200]})
    return status


@task()
def sms_reply_answer(reply_id: int) -> str:
    """The task sending the answer SMS of an inbound message (it takes the id: the number stays encrypted)."""
    return sms_reply_answer_send(reply_id)

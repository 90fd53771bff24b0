"""Who receives a letter and over which channel (SPEC 2.5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dunning.domain.configuration.config import Subsidiary
from dunning.domain.engine.content import letter_channels
from dunning.domain.model import Channel, Contact, Customer, Invoice, Letter
from dunning.domain.patterns import is_email
from dunning.domain.postal import is_e164
from dunning.domain.sms import phone_key

DUNNING_ROLE = "dunning"


MAX_RECIPIENTS = 50  # SES takes at most 50 addresses (To + Cc) per message
MAX_PHONES = 10  # texts per letter: the customer's phone and a few dunning contacts


def address_key(address: str) -> str:
    """How an address is compared and stored (bounce marks): trimmed, lower case."""
    return address.strip().lower()


def letter_departments(letter: Letter, invoices: Mapping[str, Invoice]) -> frozenset[str]:
    """The departments a letter is about: its own (one letter per department), else
    those of the invoices it lists."""
    if letter.department:
        return frozenset({letter.department})
    found = (invoices.get(item.invoice_id) for item in letter.items)
    return frozenset(inv.department for inv in found if inv is not None and inv.department)


@dataclass(frozen=True)
class Route:
    """Who receives a letter and how."""

    to: tuple[str, ...]
    cc: tuple[str, ...]
    channels: tuple[Channel, ...]
    sender: str | None  # the subsidiary's verified sender; None when not emailed
    reply_to: str | None
    note: str | None = None  # why the letter is printed instead of emailed, when it is
    phones: tuple[str, ...] = ()  # E.164 numbers texted (channel sms), none marked

    @property
    def addresses(self) -> tuple[str, ...]:
        return self.to + self.cc

    @property
    def marks(self) -> tuple[str, ...]:
        """Every address and phone whose mark (bounce, opt-out) the claim checks."""
        return self.addresses + self.phones

    @property
    def texted(self) -> bool:
        return Channel.SMS in self.channels

    @property
    def emailed(self) -> bool:
        return Channel.EMAIL in self.channels

    @property
    def printed(self) -> bool:
        return Channel.PRINT in self.channels


def route(
    letter: Letter,
    customer: Customer,
    contacts: Sequence[Contact],
    subsidiary: Subsidiary,
    *,
    departments: frozenset[str] = frozenset(),
    bounced: frozenset[str] = frozenset(),
    level_channels: tuple[Channel, ...] | None = None,
) -> Route:
    """Recipients and channels of one letter.

    - to: the customer's own addresses unless it excludes them, then its contacts with
      the dunning role; a contact with a department only for letters about that
      department's invoices. Invalid and bounced addresses are left out; duplicates
      once.
    - channels: the customer's delivery decides (email takes the level's channels,
      print prints only, both does both), and a letter escalated to print
      (`print_too`) is printed as well; email with nobody left to write to, or no
      sender configured, is printed instead.
    - the dunning manager (the customer's manager_email) is the reply-to and is
      copied; else the subsidiary's reply_to. The sender is always the subsidiary's.
    - sms (SPEC 2.9): the customer's phone and its dunning contacts' (as their emails
      are chosen), marked ones left out; with no phone left the other channels still
      go, and a letter that was to be texted only is printed.
    `bounced` holds address keys (address_key) and phone keys (phone_key) of marks.
    """
    wanted = letter_channels(
        customer.delivery, level_channels if level_channels is not None else letter.channels
    )
    if letter.print_too and Channel.PRINT not in wanted:  # print_after_unanswered (SPEC 2.9)
        wanted = (*wanted, Channel.PRINT)
    to = _recipients(customer, contacts, departments, bounced)
    phones: tuple[str, ...] = ()
    note = None
    if Channel.SMS in wanted:
        phones = phone_recipients(customer, contacts, departments, bounced)
        if not phones:
            wanted = tuple(c for c in wanted if c is not Channel.SMS) or (Channel.PRINT,)
            if wanted == (Channel.PRINT,):
                note = "no phone to text: printed instead"
    sender = subsidiary.sender.strip() if subsidiary.sender else None
    if Channel.EMAIL in wanted:
        if not sender or not is_email(sender):
            note = f"no valid sender address configured for subsidiary {subsidiary.subsidiary_id}"
        elif not to:
            note = _why_nobody(customer, contacts, departments, bounced)
        if note:  # print instead of email
            wanted = (*(c for c in wanted if c is not Channel.EMAIL), Channel.PRINT)
    channels = tuple(c for c in (Channel.EMAIL, Channel.PRINT, Channel.SMS) if c in wanted)
    if Channel.EMAIL not in channels:
        return Route((), (), channels, None, None, note, phones)
    to = to[:MAX_RECIPIENTS]
    manager = _usable(customer.manager_email, bounced)
    cc: tuple[str, ...] = ()
    if manager and len(to) < MAX_RECIPIENTS and address_key(manager) not in _keys(to):
        cc = (manager,)
    reply_to = _usable(customer.manager_email, bounced) or _usable(subsidiary.reply_to, bounced)
    return Route(to, cc, channels, sender, reply_to, None, phones)


def email_recipients(
    customer: Customer, contacts: Sequence[Contact], bounced: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """Whom an email about the customer goes to, as a letter's `to` is chosen (a thank-you
    note, SPEC 2.9): its own addresses unless excluded, its dunning contacts without a
    department; invalid, bounced and repeated addresses left out."""
    return _recipients(customer, contacts, frozenset(), bounced)[:MAX_RECIPIENTS]


def _keys(addresses: Iterable[str]) -> set[str]:
    return {address_key(a) for a in addresses}


def _usable(address: str | None, bounced: frozenset[str]) -> str | None:
    if not address:
        return None
    address = address.strip()
    ok = is_email(address) and address_key(address) not in bounced
    return address if ok else None


def _listed(contact: Contact, departments: frozenset[str]) -> bool:
    """A dunning contact; one with a department only for that department's letters."""
    if (contact.role or "").strip().lower() != DUNNING_ROLE:
        return False
    if not contact.department or not contact.department.strip():
        return True
    wanted = {d.strip().casefold() for d in departments}
    return contact.department.strip().casefold() in wanted


def _candidates(
    customer: Customer, contacts: Sequence[Contact], departments: frozenset[str]
) -> list[str]:
    found = [] if customer.exclude_customer_email else list(customer.emails)
    found.extend(c.email for c in contacts if _listed(c, departments))
    return [a.strip() for a in found if a and a.strip()]


def _recipients(
    customer: Customer,
    contacts: Sequence[Contact],
    departments: frozenset[str],
    bounced: frozenset[str],
) -> tuple[str, ...]:
    seen: set[str] = set()
    result = []
    for address in _candidates(customer, contacts, departments):
        key = address_key(address)
        if key in seen or key in bounced or not is_email(address):
            continue
        seen.add(key)
        result.append(address)
    return tuple(result)


def phone_recipients(
    customer: Customer,
    contacts: Sequence[Contact],
    departments: frozenset[str],
    marked: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """The E.164 numbers a letter is texted to: the customer's own, then its dunning
    contacts' (a contact with a department only for that department's letters); each
    once, marked (opted-out) ones left out."""
    found = [customer.phone, *(c.phone for c in contacts if _listed(c, departments))]
    seen: set[str] = set()
    result = []
    for phone in found:
        key = phone_key(phone or "")
        if not key or key in seen or key in marked or not is_e164(key):
            continue
        seen.add(key)
        result.append(key)
    return tuple(result[:MAX_PHONES])


def _why_nobody(
    customer: Customer,
    contacts: Sequence[Contact],
    departments: frozenset[str],
    bounced: frozenset[str],
) -> str:
    candidates = _candidates(customer, contacts, departments)
    valid = [a for a in candidates if is_email(a)]
    if valid and all(address_key(a) in bounced for a in valid):
        return "every email address bounced: printed instead"
    return "no valid email address: printed instead"

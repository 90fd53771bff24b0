"""AWS requests per SMS sent by the real render-and-send handler on the embedded AWS
(SPEC 2.9), counted as bench_delivery.py counts them: botocore `before-call` hooks on
the composition root's own clients (DynamoDB, S3, SES and now SNS).

Two mornings: letters whose level texts only (`channels: [sms]`, one phone each), then
letters that are emailed and texted (`[email, sms]`). SQS receive/delete is Lambda's
event source mapping and is not counted.

    .venv/bin/python bench/bench_sms.py [--letters 20]

Per texted letter one SNS CheckIfPhoneNumberIsOptedOut and one Publish per phone come
on top of the letter's own requests (the ledger Query, the claim, the PDF archived in
S3, the outcome written with the batch's).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bench_delivery import Counter_

from dunning.adapters.dynamodb.models import ALL_MODELS, bind
from dunning.composition import send_deps
from dunning.domain.model import Customer, Invoice, ScopeKind, ScopeRef, letter_id_for
from dunning.settings import Settings
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.driver import LocalDriver
from dunning_local.table import DunningTable

RENDER = "RenderAndSendFunction"
DAY = date(2026, 10, 5)

CONFIG = """
subsidiaries:
  - {{id: BENCH, name: Acme Bench B.V., base_currency: EUR, timezone: UTC, locale: en,
     sender: collections@acme.example, payment_url: "https://pay.acme.example/",
     default_procedure: STD}}
procedures:
  - id: STD
    applies_to: customer
    levels: [{{days: 1, template: friendly, channels: {channels}}}]
"""


def seed(repo: DunningTable, letters: int, first: int, emailed: bool) -> list[str]:
    customers, invoices = [], []
    for n in range(first, first + letters):
        cid = f"T{n:04d}"
        emails = (f"ap@{cid.lower()}.example",) if emailed else ()
        phone = f"+3161{n:07d}"
        customers.append(Customer(cid, "BENCH", f"Customer {cid}", emails, "en", phone=phone))
        due = DAY - timedelta(days=5)
        amount = Decimal("250.00")
        invoices.append(
            Invoice(f"{cid}-0", cid, f"NR-{cid}", due - timedelta(30), due, "EUR", amount, amount)
        )
    repo.put_customers(customers)
    repo.put_invoices(invoices)
    return [c.customer_id for c in customers]


def morning(
    aws: EmbeddedAws,
    driver: LocalDriver,
    meter: Counter_,
    day: date,
    customers: list[str],
    channels: str,
) -> tuple[int, int, Counter[str]]:
    """Evaluate, then drain the letters through the metered handler: the letters sent,
    the texts SNS took, and the requests."""
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"],
        Key="dunning.yaml",
        Body=CONFIG.format(channels=channels).encode(),
    )
    driver.fire_schedule(datetime(day.year, day.month, day.day, 6, tzinfo=UTC))
    driver.drain(only=["EvaluationQueue"])
    meter.calls.clear()
    driver.drain(only=["LetterQueue"])
    calls = Counter(meter.calls)
    repo, sent, texts = DunningTable(), 0, 0
    for cid in customers:
        letter_id = letter_id_for("BENCH", ScopeRef(ScopeKind.CUSTOMER, cid, "EUR"), day)
        found = repo.get_letter(cid, letter_id)
        assert found is not None and found.status == "sent", (cid, found)
        sent += 1
        texts += len(found.delivery["sms"]["sent"])
    return sent, texts, calls


def report(label: str, calls: Counter[str], letters: int, texts: int) -> None:
    total = sum(calls.values())
    sns = sum(n for op, n in calls.items() if op.startswith("sns."))
    parts = ", ".join(f"{op} {n / letters:.2f}" for op, n in sorted(calls.items()))
    print(f"{label}: {letters} letters, {texts} texts")
    print(f"  {total / letters:.2f} AWS requests per letter ({parts})")
    print(f"  {total / texts:.2f} AWS requests per SMS sent, {sns / texts:.2f} of them SNS")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20, help="letters of each kind")
    args = parser.parse_args()
    with EmbeddedAws() as aws:
        bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
        aws.client("ses").verify_domain_identity(Domain="acme.example")
        repo = DunningTable()
        driver = LocalDriver(aws, log=open(os.devnull, "w"))  # noqa: SIM115 - the run's life
        with aws.function_env(RENDER):
            settings = replace(Settings.from_env(), fixed_now=datetime(2026, 10, 5, 12, tzinfo=UTC))
        bundle = send_deps(settings)
        meter = Counter_()
        assert bundle.sms is not None
        texter = bundle.sms.texter
        for client in {id(c): c for c in (texter._client, texter._reader)}.values():  # type: ignore[attr-defined]
            meter.attach(client)
        meter.attach(bundle.mailer._ses._client)  # type: ignore[attr-defined]
        meter.attach(bundle.documents._client)  # type: ignore[attr-defined]
        clients = {id(c): c for c in (m._get_connection().connection.client for m in ALL_MODELS)}
        for client in clients.values():
            meter.attach(client)
        driver.deps[RENDER] = bundle

        customers = seed(repo, args.letters, 0, emailed=False)
        sent, texts, calls = morning(aws, driver, meter, DAY, customers, "[sms]")
        report("texted only", calls, sent, texts)

        day = DAY + timedelta(days=1)
        driver.deps[RENDER] = send_deps(
            replace(settings, fixed_now=datetime(2026, 10, 6, 12, tzinfo=UTC))
        )
        customers = seed(repo, args.letters, args.letters, emailed=True)
        sent, texts, calls = morning(aws, driver, meter, day, customers, "[email, sms]")
        report("emailed and texted", calls, sent, texts)
        return 0


if __name__ == "__main__":
    sys.exit(main())

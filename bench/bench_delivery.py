"""AWS requests per letter sent by the real render-and-send handler on the embedded AWS.

Customers are written to DynamoDB Local, the real schedule -> evaluate path queues
their letters (up to 25 letter jobs per message), then the letter queue is drained
into the render-and-send handler (the template's BatchSize of messages per
invocation) with the composition root's own dependency bundle. botocore `before-call` hooks on that
bundle's clients count every request: S3 (configuration, documents), SES, and
PynamoDB's DynamoDB client. SQS receive/delete is Lambda's event source mapping, not
the function's, and is not counted.

    .venv/bin/python bench/bench_delivery.py [--letters 20] [--one-per-message]

Prints requests per emailed letter and per printed letter, by operation, and what a
cold start adds (the template override sync). Yardstick: <= 4 requests per letter.
`--one-per-message` re-queues every job as a message of its own first: a day with a
letter here and there, each from another shard.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dunning.adapters.dynamodb.models import ALL_MODELS, bind
from dunning.composition import cached_client, send_deps
from dunning.domain.model import Customer, Invoice, ScopeKind, ScopeRef, letter_id_for
from dunning.messages import SendLetters
from dunning.settings import Settings
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.driver import LocalDriver
from dunning_local.table import DunningTable

RENDER = "RenderAndSendFunction"
DAY = date(2026, 10, 5)
TARGET = 4.0

CONFIG = """
subsidiaries:
  - {id: BENCH, name: Acme Bench B.V., base_currency: EUR, timezone: UTC, locale: en,
     sender: collections@acme.example, iban: NL91ABNA0417164300, default_procedure: STD}
procedures:
  - id: STD
    applies_to: customer
    levels: [{days: 1, template: friendly}]
"""


class Counter_:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call", self._before)

    def _before(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}.{model.name}"] += 1


def seed(repo: DunningTable, letters: int, printed: bool, first: int) -> list[str]:
    customers, invoices = [], []
    for n in range(first, first + letters):
        cid = f"B{n:04d}"
        emails = () if printed else (f"ap@{cid.lower()}.example",)
        customers.append(Customer(cid, "BENCH", f"Customer {cid}", emails, "en"))
        for k in range(3):  # three lines on each letter
            due = DAY - timedelta(days=5 + k)
            invoices.append(
                Invoice(
                    f"{cid}-{k}",
                    cid,
                    f"NR-{cid}-{k}",
                    due - timedelta(days=30),
                    due,
                    "EUR",
                    Decimal("250.00"),
                    Decimal("250.00"),
                )
            )
    repo.put_customers(customers)
    repo.put_invoices(invoices)
    return [c.customer_id for c in customers]


def run(
    aws: EmbeddedAws,
    driver: LocalDriver,
    meter: Counter_,
    day: date,
    customers: list[str],
    one_per_message: bool,
) -> tuple[int, Counter[str]]:
    """One morning: evaluate, then drain the letters through the metered handler.
    Returns the letters delivered (each checked in the ledger) and the requests."""
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG.encode()
    )
    driver.fire_schedule(datetime(day.year, day.month, day.day, 6, tzinfo=UTC))
    driver.drain(only=["EvaluationQueue"])
    jobs = requeue_one_per_message(aws) if one_per_message else None
    meter.calls.clear()
    before = driver.invocations.get(RENDER, 0)
    started = time.perf_counter()
    messages = driver.drain(only=["LetterQueue"])
    seconds = time.perf_counter() - started
    invocations = driver.invocations[RENDER] - before
    calls = Counter(meter.calls)  # before the checks below read the ledger
    repo = DunningTable()
    done = 0
    for cid in customers:
        letter_id = letter_id_for("BENCH", ScopeRef(ScopeKind.CUSTOMER, cid, "EUR"), day)
        found = repo.get_letter(cid, letter_id)
        assert found is not None and found.status in ("sent", "printed"), (cid, found)
        done += 1
    shape = f" (re-queued one per message: {jobs})" if jobs is not None else ""
    print(f"  {done} letters in {messages} messages{shape}, {invocations} invocations")
    print(f"  {seconds:.1f} s wall, {seconds / done * 1000:.0f} ms per letter (the embedded AWS)")
    return done, calls


def requeue_one_per_message(aws: EmbeddedAws) -> int:
    """Take the letter messages off the queue and put each job back on its own."""
    sqs, url = aws.client("sqs"), aws.deployment.refs["LetterQueue"]
    jobs = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for m in got:
            jobs += SendLetters.from_json(m["Body"]).jobs
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    for job in jobs:
        sqs.send_message(QueueUrl=url, MessageBody=SendLetters((job,)).to_json())
    return len(jobs)


def report(label: str, calls: Counter[str], letters: int) -> float:
    total = sum(calls.values()) / letters
    parts = ", ".join(f"{op} {n / letters:.2f}" for op, n in sorted(calls.items()))
    verdict = "ok" if total <= TARGET else "OVER TARGET"
    print(f"{label}: {total:.2f} AWS requests per letter ({parts})")
    print(f"  target <= {TARGET:.0f}: {verdict}")
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20, help="letters of each kind")
    parser.add_argument(
        "--one-per-message", action="store_true", help="every letter job in a message of its own"
    )
    args = parser.parse_args()
    with EmbeddedAws() as aws:
        bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
        aws.client("ses").verify_domain_identity(Domain="acme.example")
        repo = DunningTable()
        driver = LocalDriver(aws, log=open(os.devnull, "w"))  # noqa: SIM115 - the run's life
        with aws.function_env(RENDER):
            settings = replace(Settings.from_env(), fixed_now=datetime(2026, 10, 5, 12, tzinfo=UTC))
        meter = Counter_()
        s3 = cached_client("s3", settings.region, settings.endpoint_url, None)
        meter.attach(s3)  # before the bundle exists: the cold start's template sync counts
        bundle = send_deps(settings)
        cold = dict(meter.calls)
        meter.attach(bundle.mailer._ses._client)
        # PynamoDB keeps a connection (and botocore client) per model class
        clients = {id(c): c for c in (m._get_connection().connection.client for m in ALL_MODELS)}
        for client in clients.values():
            meter.attach(client)
        driver.deps[RENDER] = bundle
        print(f"cold start (template override sync): {sum(cold.values())} requests {cold}")

        customers = seed(repo, args.letters, printed=False, first=0)
        print("emailed letters")
        emailed, email_calls = run(aws, driver, meter, DAY, customers, args.one_per_message)

        customers = seed(repo, args.letters, printed=True, first=args.letters)
        bundle = send_deps(replace(settings, fixed_now=datetime(2026, 10, 6, 12, tzinfo=UTC)))
        driver.deps[RENDER] = bundle
        print("printed letters (no email address: the print queue)")
        day = DAY + timedelta(days=1)
        printed, print_calls = run(aws, driver, meter, day, customers, args.one_per_message)

        print()
        per_email = report("emailed letter", email_calls, emailed)
        per_print = report("printed letter", print_calls, printed)
        return 0 if per_email > 0 and per_print > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

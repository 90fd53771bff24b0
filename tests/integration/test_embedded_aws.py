"""The embedded AWS is built from template.yaml and behaves like AWS where it matters."""

import copy
import json

import pytest
from botocore.exceptions import ClientError

from dunning_local.aws import EmbeddedAws
from dunning_local.template import load_template

pytestmark = pytest.mark.integration


def test_resources_follow_the_template(aws: EmbeddedAws):
    sqs = aws.client("sqs")
    attrs = sqs.get_queue_attributes(
        QueueUrl=aws.deployment.refs["LetterQueue"], AttributeNames=["All"]
    )["Attributes"]
    props = aws.template.resources["LetterQueue"]["Properties"]
    assert int(attrs["VisibilityTimeout"]) == props["VisibilityTimeout"]
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == aws.deployment.attrs["LetterDeadLetterQueue.Arn"]
    assert int(redrive["maxReceiveCount"]) == props["RedrivePolicy"]["maxReceiveCount"]
    table = aws.client("dynamodb").describe_table(TableName=aws.deployment.refs["DunningTable"])
    assert {i["IndexName"] for i in table["Table"]["GlobalSecondaryIndexes"]} == {
        i["IndexName"]
        for i in aws.template.resources["DunningTable"]["Properties"]["GlobalSecondaryIndexes"]
    }
    schedule = aws.client("scheduler").get_schedule(Name="dunning-SchedulerFunction")
    assert schedule["ScheduleExpression"] == "cron(0 * * * ? *)"


def test_changing_the_template_changes_what_runs_locally():
    template = copy.deepcopy(load_template())
    template.resources["LetterQueue"]["Properties"]["VisibilityTimeout"] = 4321
    table = template.resources["DunningTable"]["Properties"]
    table["AttributeDefinitions"].append({"AttributeName": "extra", "AttributeType": "S"})
    table["GlobalSecondaryIndexes"].append(
        {
            "IndexName": "ByExtra",
            "KeySchema": [{"AttributeName": "extra", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    )
    template.functions()["EvaluateFunction"]["Properties"]["Environment"]["Variables"]["X"] = "y"
    with EmbeddedAws(template) as changed:
        attrs = changed.client("sqs").get_queue_attributes(
            QueueUrl=changed.deployment.refs["LetterQueue"], AttributeNames=["VisibilityTimeout"]
        )
        assert attrs["Attributes"]["VisibilityTimeout"] == "4321"
        described = changed.client("dynamodb").describe_table(
            TableName=changed.deployment.refs["DunningTable"]
        )["Table"]
        assert "ByExtra" in {i["IndexName"] for i in described["GlobalSecondaryIndexes"]}
        assert changed.deployment.function_env["EvaluateFunction"]["X"] == "y"


def test_dynamodb_local_enforces_real_limits(aws: EmbeddedAws):
    ddb = aws.client("dynamodb")
    table = aws.deployment.refs["DunningTable"]
    items = [{"PutRequest": {"Item": {"pk": {"S": f"T#{i}"}, "sk": {"S": "x"}}}} for i in range(26)]
    with pytest.raises(ClientError, match="Too many items"):
        ddb.batch_write_item(RequestItems={table: items})
    with pytest.raises(ClientError):
        ddb.create_table(
            TableName="ab",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        )


def test_dynamodb_local_reports_consumed_capacity(aws: EmbeddedAws):
    ddb = aws.client("dynamodb")
    table = aws.deployment.refs["DunningTable"]
    ddb.put_item(
        TableName=table, Item={"pk": {"S": "CAP#1"}, "sk": {"S": "a"}, "v": {"S": "x" * 9000}}
    )
    got = ddb.get_item(
        TableName=table,
        Key={"pk": {"S": "CAP#1"}, "sk": {"S": "a"}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert got["ConsumedCapacity"]["CapacityUnits"] == 1.5  # 9 KB eventually consistent: 3 x 0.5


def test_processes_are_stopped_with_the_runtime():
    with EmbeddedAws() as embedded:
        procs = [embedded.dynamodb._proc, embedded.moto._proc]
    assert all(p is not None and p.poll() is not None for p in procs)


def test_a_secret_the_template_generates_reaches_the_function_environment_resolved(aws):
    """PagesSecret: `{{resolve:secretsmanager:...}}` in ApiFunction's environment."""
    value = aws.deployment.function_env["ApiFunction"]["PAGES_SECRET"]
    assert len(value) == 48 and "resolve" not in value
    assert value in aws.deployment.secrets.values()

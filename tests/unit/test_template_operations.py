"""The template keeps the reliability issue's promises: every stuck or terminal state
raises an alarm that reaches a person, each function logs to a group of its own with a
set retention, and the privileges are tight. Checked on template.yaml and on what SAM
turns it into (samtranslator, offline), since cfn-lint cannot see inside
AWS::Serverless::* resources."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

from dunning import observability
from dunning.adapters.dynamodb.models import AddressItem, LetterItem
from dunning.settings import Settings
from dunning_local.template import TEMPLATE_PATH, load_template

pytestmark = pytest.mark.unit

T = load_template()
RESOURCES = T.resources


def _transformed() -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location(
        "sam_transform", Path(__file__).parents[2] / "infra" / "sam_transform.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    sam = module.as_packaged(yaml_parse(TEMPLATE_PATH.read_text()))
    translator = Translator(managed_policy_map={}, sam_parser=Parser())
    cfn = translator.translate(
        sam, parameter_values=dict(module.PLACEHOLDERS), get_managed_policy_map=dict
    )
    return json.loads(json.dumps(cfn, default=str))


CFN = _transformed()
CFN_RESOURCES: dict[str, Any] = CFN["Resources"]


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if v["Type"] == kind}


ALARMS = of_type(CFN_RESOURCES, "AWS::CloudWatch::Alarm")
QUEUES = of_type(CFN_RESOURCES, "AWS::SQS::Queue")
FUNCTIONS = of_type(CFN_RESOURCES, "AWS::Lambda::Function")


def _dead_letter_queues() -> set[str]:
    """Every queue some queue redrives to, some function's DLQ or on-failure destination."""
    dlqs = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in QUEUES.values()
        if "RedrivePolicy" in q["Properties"]
    }
    for fn in FUNCTIONS.values():
        target = fn["Properties"].get("DeadLetterConfig", {}).get("TargetArn")
        if target:
            dlqs.add(target["Fn::GetAtt"][0])
    for config in of_type(CFN_RESOURCES, "AWS::Lambda::EventInvokeConfig").values():
        failure = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        dlqs.add(failure["Fn::GetAtt"][0])
    return dlqs


def test_every_dead_letter_queue_has_an_alarm_on_its_visible_messages():
    dlqs = _dead_letter_queues()
    assert dlqs == {
        "EvaluationDeadLetterQueue",
        "LetterDeadLetterQueue",
        "ImportDeadLetterQueue",
        "BouncesDeadLetterQueue",
        "SchedulerDeadLetterQueue",
        "PrintRoomDeadLetterQueue",
    }
    watched = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in ALARMS.values()
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    }
    assert dlqs <= watched
    for alarm in ALARMS.values():
        props = alarm["Properties"]
        if props["MetricName"] == "ApproximateNumberOfMessagesVisible":
            assert props["Namespace"] == "AWS/SQS"
            assert (props["Threshold"], props["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_the_counted_failures_raise_alarms_on_the_metrics_the_handlers_emit():
    watched = {
        (a["Properties"]["Dimensions"][0]["Value"], a["Properties"]["MetricName"])
        for a in ALARMS.values()
        if a["Properties"]["Namespace"] == observability.NAMESPACE
    }
    assert watched == {
        ("render_and_send", observability.LETTER_OUTCOMES["failed"]),
        ("render_and_send", observability.LETTER_OUTCOMES["needs_reconciliation"]),
        ("scheduler", observability.RUNS_SKIPPED_STALE),
        ("importer", observability.IMPORTS_REJECTED),
        ("print_room", observability.PRINT_DAYS_REPUBLISHED),
    }
    for alarm in ALARMS.values():
        props = alarm["Properties"]
        if props["Namespace"] == observability.NAMESPACE:
            assert props["Dimensions"][0]["Name"] == "service"
            assert (props["Statistic"], props["Threshold"]) == ("Sum", 0)
            assert props["TreatMissingData"] == "notBreaching"


def test_every_alarm_notifies_the_encrypted_alarm_topic_which_mails_the_alarm_address():
    (topic,) = [name for name in of_type(CFN_RESOURCES, "AWS::SNS::Topic") if name == "AlarmTopic"]
    for name, alarm in ALARMS.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic}], name
        assert alarm["Properties"]["AlarmDescription"], name
    key = CFN_RESOURCES[topic]["Properties"]["KmsMasterKeyId"]
    # CloudWatch cannot use alias/aws/sns: the key is ours, and lets CloudWatch publish
    (key_name,) = key.values()
    statements = CFN_RESOURCES[key_name]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s["Principal"] == {"Service": "cloudwatch.amazonaws.com"} for s in statements)
    subscription = CFN_RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": topic},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    assert CFN["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    assert CFN["Parameters"]["AlarmEmail"]["Default"] == ""


def test_every_function_logs_to_its_own_group_with_the_retention_parameter_and_traces():
    groups = of_type(CFN_RESOURCES, "AWS::Logs::LogGroup")
    used = set()
    for name, fn in FUNCTIONS.items():
        (group,) = fn["Properties"]["LoggingConfig"]["LogGroup"].values()
        used.add(group)
        props = groups[group]["Properties"]
        assert props["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
        assert props["LogGroupName"]["Fn::Sub"].startswith("/aws/lambda/${AWS::StackName}-")
        assert fn["Properties"]["TracingConfig"] == {"Mode": "Active"}, name
    # scheduler, evaluate, render, bounces, api, importer, print room, authorizer
    assert used == set(groups) and len(used) == len(FUNCTIONS) == 8


def test_every_parameter_is_documented():
    for name, parameter in CFN["Parameters"].items():
        assert parameter.get("Description"), name


# --- least privilege ------------------------------------------------------------------


def _role_statements(function: str) -> list[dict[str, Any]]:
    role = FUNCTIONS[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = CFN_RESOURCES[role]["Properties"].get("Policies", [])
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def _resources(statement: dict[str, Any]) -> list[Any]:
    found = statement["Resource"]
    return found if isinstance(found, list) else [found]


def test_no_policy_names_buckets_by_a_wildcard():
    for function in FUNCTIONS:
        for statement in _role_statements(function):
            for resource in _resources(statement):
                text = json.dumps(resource)
                if ":s3:::" in text:
                    assert "*-" not in text and ":::*" not in text, (function, text)


def test_the_import_role_names_the_import_buckets_own_name():
    # the bucket's fixed name: "dunning-import-" and the stack id's UUID
    prefix, suffix = CFN_RESOURCES["ImportBucket"]["Properties"]["BucketName"]["Fn::Join"][1]
    arns = [
        r
        for s in _role_statements("ImportFunction")
        if any(a.startswith("s3:") for a in s["Action"])
        for r in _resources(s)
        if prefix in json.dumps(r)
    ]
    assert len(arns) == 2  # its objects, and the listing
    for arn in arns:
        parts = arn["Fn::Join"][1]  # "arn:", partition, ":s3:::", name..., ["/*"]
        assert parts[3] == suffix and parts[2].endswith(f":s3:::{prefix}-")
        assert parts[4:] in ([], ["/*"])


def test_render_and_send_writes_only_letter_items_and_opt_out_marks_and_checks_only_marks():
    statements = _role_statements("RenderAndSendFunction")
    writes = [
        s
        for s in statements
        if any(a.startswith("dynamodb:") and a != "dynamodb:Query" for a in s["Action"])
    ]
    puts = [s for s in writes if s["Action"] == ["dynamodb:PutItem"]]
    checks = [s for s in writes if s["Action"] == ["dynamodb:ConditionCheckItem"]]
    assert len(puts) == 2 and len(checks) == 1 and len(writes) == 3
    by_keys = {
        tuple(s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]): s for s in puts
    }
    assert set(by_keys) == {("CUST#*",), ("PHONE#*",)}
    allowed = set(
        by_keys[("CUST#*",)]["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]
    )
    letter_attributes = {a.attr_name for a in LetterItem.get_attributes().values()}
    assert allowed == letter_attributes
    # what an invoice, a credit, a promise or a pause needs is not among them
    assert not {"amount", "amount_remaining", "due_date", "amount_unapplied", "reason"} & allowed
    # an opt-out mark is an AddressItem under PHONE#, never in the shard or reference index
    marks = set(
        by_keys[("PHONE#*",)]["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]
    )
    mark_attributes = {a.attr_name for a in AddressItem.get_attributes().values()}
    assert marks <= mark_attributes and not {"gsi1pk", "gsi2pk", "status", "body"} & marks
    (check,) = checks
    assert check["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["EMAIL#*", "PHONE#*"]}
    }


def test_render_and_send_texts_phones_and_publishes_to_no_topic():
    statements = _role_statements("RenderAndSendFunction")
    sns = [s for s in statements if any(a.startswith("sns:") for a in s["Action"])]
    allow = [s for s in sns if s["Effect"] == "Allow"]
    deny = [s for s in sns if s["Effect"] == "Deny"]
    assert [sorted(s["Action"]) for s in allow] == [
        ["sns:CheckIfPhoneNumberIsOptedOut", "sns:Publish"]
    ]
    (denied,) = deny
    assert denied["Action"] == ["sns:Publish"]
    assert "arn:${AWS::Partition}:sns:*:*:*" in json.dumps(denied["Resource"])


# --- storage -----------------------------------------------------------------------------


def test_every_bucket_refuses_requests_without_tls():
    policies = {
        p["Properties"]["Bucket"]["Ref"]: p["Properties"]["PolicyDocument"]["Statement"]
        for p in of_type(CFN_RESOURCES, "AWS::S3::BucketPolicy").values()
    }
    buckets = of_type(CFN_RESOURCES, "AWS::S3::Bucket")
    assert set(policies) == set(buckets)
    for bucket, statements in policies.items():
        assert {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [
                {"Fn::GetAtt": [bucket, "Arn"]},
                {"Fn::Sub": f"${{{bucket}.Arn}}/*"},
            ],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        } in statements, bucket


def test_the_table_and_the_buckets_survive_a_stack_deletion_or_replacement():
    for name, resource in CFN_RESOURCES.items():
        if resource["Type"] in ("AWS::S3::Bucket", "AWS::DynamoDB::Table"):
            assert resource.get("DeletionPolicy") == "Retain", name
            assert resource.get("UpdateReplacePolicy") == "Retain", name


def test_the_letter_archive_is_versioned_and_expires_old_versions_after_the_parameter():
    props = CFN_RESOURCES["LetterBucket"]["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = [
        r for r in props["LifecycleConfiguration"]["Rules"] if "NoncurrentVersionExpiration" in r
    ]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": {"Ref": "LetterArchiveNoncurrentDays"}
    }


# --- the API -----------------------------------------------------------------------------


def test_the_api_stages_are_throttled():
    stages = of_type(CFN_RESOURCES, "AWS::ApiGateway::Stage").values()
    assert len(stages) == 2  # the machines' (IAM) and the people's (Cognito)
    for stage in stages:
        (setting,) = stage["Properties"]["MethodSettings"]
        assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
        assert setting["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
        assert setting["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}


def test_the_api_answers_one_configured_origin_on_aws_and_any_only_locally():
    env = RESOURCES["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert env["ALLOWED_ORIGIN"] == {"Ref": "AllowedOrigin"}
    parameter = CFN["Parameters"]["AllowedOrigin"]
    assert "*" not in parameter["Default"]
    base = {"TABLE_NAME": "t", "CONFIG_BUCKET": "b"}
    assert (
        Settings.from_env(base | {"ALLOWED_ORIGIN": parameter["Default"]}).allowed_origin
        == (parameter["Default"])
    )
    assert Settings.from_env(base).allowed_origin == "*"


def test_every_api_instance_signs_the_pages_forms_with_one_generated_secret():
    env = RESOURCES["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert env["PAGES_SECRET"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${PagesSecret}:SecretString}}"
    }
    secret = RESOURCES["PagesSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    base = {"TABLE_NAME": "t", "CONFIG_BUCKET": "b"}
    assert Settings.from_env(base | {"PAGES_SECRET": "s3cr3t"}).pages_secret == "s3cr3t"
    assert Settings.from_env(base).pages_secret == ""

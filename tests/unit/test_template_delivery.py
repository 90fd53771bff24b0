"""The template wires delivery as SPEC 2.5 needs it: letters are sent with a
configuration set whose bounces and complaints reach the bounces function over SNS,
and each function may do only its part."""

import pytest

from dunning_local.template import load_template

pytestmark = pytest.mark.unit

T = load_template()
FUNCTIONS = T.functions()


def statements(function: str) -> list[dict]:
    return [s for p in FUNCTIONS[function]["Properties"]["Policies"] for s in p["Statement"]]


def test_bounces_and_complaints_of_letters_reach_the_bounces_function():
    env = FUNCTIONS["RenderAndSendFunction"]["Properties"]["Environment"]["Variables"]
    (config_set,) = T.of_type("AWS::SES::ConfigurationSet")
    assert env["SES_CONFIGURATION_SET"] == {"Ref": config_set}
    (destination,) = T.of_type("AWS::SES::ConfigurationSetEventDestination").values()
    props = destination["Properties"]
    assert props["ConfigurationSetName"] == {"Ref": config_set}
    assert props["EventDestination"]["Enabled"] is True
    assert sorted(props["EventDestination"]["MatchingEventTypes"]) == [
        "bounce",
        "click",
        "complaint",
        "delivery",
        "open",
    ]  # SPEC 2.9: every event of a letter's email is recorded on it
    topic = props["EventDestination"]["SnsDestination"]["TopicARN"]
    subscribers = [ev.function for ev in T.events if ev.kind == "SNS"]
    assert subscribers == ["BouncesFunction"]
    (sns,) = [ev for ev in T.events if ev.kind == "SNS"]
    assert sns.properties["Topic"] == topic


def test_only_ses_of_this_account_may_publish_to_the_topic():
    policy = T.resources["DeliveryEventsTopicPolicy"]  # the alarm topic has its own
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"]["StringEquals"]["AWS:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_the_bounces_function_only_marks_addresses_and_tracks_letters_and_has_a_dlq():
    by_action = {a: s for s in statements("BouncesFunction") for a in s["Action"]}
    assert sorted(by_action) == [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    ]
    leading = {
        action: s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        for action, s in by_action.items()
        if "Condition" in s
    }
    # marks are put whole; a letter is read, its tracking and counters only updated
    assert leading == {
        "dynamodb:PutItem": ["EMAIL#*"],
        "dynamodb:GetItem": ["CUST#*"],
        "dynamodb:UpdateItem": ["CUST#*", "FIG#*"],
    }
    assert by_action["dynamodb:Query"]["Resource"] == {"Fn::Sub": "${DunningTable.Arn}/index/ByRef"}
    dlq = FUNCTIONS["BouncesFunction"]["Properties"]["DeadLetterQueue"]
    assert dlq["Type"] == "SQS" and dlq["TargetArn"]["Fn::GetAtt"][0] in T.of_type(
        "AWS::SQS::Queue"
    )


def test_evaluate_sends_thank_you_notes_only_as_the_sender_with_the_configuration_set():
    env = FUNCTIONS["EvaluateFunction"]["Properties"]["Environment"]["Variables"]
    assert env["SES_CONFIGURATION_SET"] == {"Ref": "DeliveryEvents"}
    (ses,) = [s for s in statements("EvaluateFunction") if s["Action"] == ["ses:SendRawEmail"]]
    resources = [r["Fn::Sub"] for r in ses["Resource"]]
    assert any(r.endswith(":identity/${SenderIdentity}") for r in resources)
    assert any(r.endswith(":configuration-set/${DeliveryEvents}") for r in resources)


def test_render_and_send_sends_only_as_the_sender_with_the_configuration_set():
    (ses,) = [s for s in statements("RenderAndSendFunction") if s["Action"] == ["ses:SendRawEmail"]]
    resources = [r["Fn::Sub"] for r in ses["Resource"]]
    assert any(r.endswith(":identity/${SenderIdentity}") for r in resources)
    assert any(r.endswith(":configuration-set/${DeliveryEvents}") for r in resources)


def test_render_and_send_deletes_only_in_the_print_queue_and_lists_only_templates():
    by_action = {a: s for s in statements("RenderAndSendFunction") for a in s["Action"]}
    assert by_action["s3:DeleteObject"]["Resource"] == {
        "Fn::Sub": "${LetterBucket.Arn}/print-queue/*"
    }
    assert by_action["s3:ListBucket"]["Condition"] == {"StringLike": {"s3:prefix": ["templates/*"]}}
    assert "dynamodb:DeleteItem" not in by_action and "dynamodb:Scan" not in by_action


def test_a_full_batch_of_letter_jobs_fits_the_render_functions_time_and_one_outcome_write():
    from dunning.adapters.dynamodb.letter_ledger import TRANSACTION_ITEMS
    from dunning.messages import JOBS_PER_MESSAGE
    from dunning.usecases.letter_batch import RESERVE_SECONDS

    props = FUNCTIONS["RenderAndSendFunction"]["Properties"]
    (letters,) = [ev for ev in T.events if ev.function == "RenderAndSendFunction"]
    most = letters.properties["BatchSize"] * JOBS_PER_MESSAGE
    assert most <= TRANSACTION_ITEMS  # the batch's outcomes: one TransactWriteItems
    slowest_letter = 0.8  # seconds: a two-page letter rendered, stored and sent (README)
    assert most * slowest_letter <= props["Timeout"] - RESERVE_SECONDS


def _subs(resource: object) -> list[str]:
    found = resource if isinstance(resource, list) else [resource]
    return sorted(r["Fn::Sub"] if isinstance(r, dict) and "Fn::Sub" in r else str(r) for r in found)


def test_the_print_room_reads_the_queue_and_writes_only_its_own_folder():
    by_action = {a: s for s in statements("PrintRoomFunction") for a in s["Action"]}
    assert set(by_action) == {"s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:DeleteObject"}
    for write in ("s3:PutObject", "s3:DeleteObject"):
        assert _subs(by_action[write]["Resource"]) == ["${LetterBucket.Arn}/print-room/*"]
    reads = [s for s in statements("PrintRoomFunction") if s["Action"] == ["s3:GetObject"]]
    assert sorted(r for s in reads for r in _subs(s["Resource"])) == [
        "${ConfigBucket.Arn}/dunning.yaml",
        "${LetterBucket.Arn}/print-queue/*",
        "${LetterBucket.Arn}/print-room/*",
    ]
    assert by_action["s3:ListBucket"]["Resource"] == {"Fn::GetAtt": ["LetterBucket", "Arn"]}
    assert by_action["s3:ListBucket"]["Condition"] == {
        "StringLike": {"s3:prefix": ["print-queue/*", "print-room/*"]}
    }


def test_the_print_room_runs_hourly_with_retries_and_a_dead_letter_queue():
    props = FUNCTIONS["PrintRoomFunction"]["Properties"]
    (schedule,) = [ev for ev in T.events if ev.function == "PrintRoomFunction"]
    assert schedule.kind == "ScheduleV2"
    assert schedule.properties["ScheduleExpression"] == "cron(15 * * * ? *)"
    assert "<aws.scheduler.scheduled-time>" in schedule.properties["Input"]
    dlq = {"Fn::GetAtt": ["PrintRoomDeadLetterQueue", "Arn"]}
    assert schedule.properties["DeadLetterConfig"] == {"Arn": dlq}
    assert schedule.properties["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert props["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": dlq}
    env = props["Environment"]["Variables"]
    # its previous day is complete at that local hour: no render Lambda outlives 15 minutes
    assert int(env["PRINT_HOUR"]) >= 1 and int(env["PRINT_LOOKBACK_DAYS"]) >= 2
    assert env["LETTER_BUCKET"] == {"Ref": "LetterBucket"}

"""The template keeps the promises of ENGINEERING.md: DLQs, visibility, partial batch
responses, private encrypted buckets, least privilege, one table definition."""

import pytest

from dunning.adapters.dynamodb.models import Item
from dunning_local.template import TEMPLATE_PATH, load_template

pytestmark = pytest.mark.unit

T = load_template()
FUNCTIONS = T.functions()


def _consumers():
    for ev in T.events:
        if ev.kind == "SQS":
            yield ev, ev.properties["Queue"]["Fn::GetAtt"][0]


def test_every_queue_consumer_reports_partial_failures_and_has_a_dlq():
    for ev, queue in _consumers():
        assert ev.properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        redrive = T.resources[queue]["Properties"]["RedrivePolicy"]
        assert redrive["maxReceiveCount"] >= 5
        assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in T.of_type("AWS::SQS::Queue")


def test_visibility_timeout_is_at_least_six_times_the_consumer_timeout():
    for ev, queue in _consumers():
        timeout = FUNCTIONS[ev.function]["Properties"].get("Timeout", 30)
        assert T.resources[queue]["Properties"]["VisibilityTimeout"] >= 6 * timeout


def test_buckets_are_private_and_encrypted():
    for name, bucket in T.of_type("AWS::S3::Bucket").items():
        props = bucket["Properties"]
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], name
        assert all(props["PublicAccessBlockConfiguration"].values()), name


def test_each_function_has_its_own_policy_and_no_wildcard_actions():
    for name, fn in FUNCTIONS.items():
        statements = [s for p in fn["Properties"].get("Policies", []) for s in p["Statement"]]
        # The authorizer reads the user pool's public keys over HTTPS: no AWS permission.
        assert statements or name == "AuthorizerFunction", name
        for s in statements:
            assert all("*" not in a for a in s["Action"]), (name, s["Action"])


def test_only_render_and_send_is_an_image_the_others_are_light_zips_on_the_shared_layer():
    for name, fn in FUNCTIONS.items():
        props = fn["Properties"]
        if name == "RenderAndSendFunction":  # WeasyPrint's native libraries come in its image
            assert props["PackageType"] == "Image"
            assert not {"CodeUri", "Runtime", "Handler", "Layers"} & props.keys()
            continue
        assert props.get("PackageType", "Zip") == "Zip", name
        assert props["Runtime"] == "python3.12", name
        assert props["Layers"][0] == {"Ref": "SharedLayer"}, name


def test_the_import_trigger_listens_under_incoming():
    (s3,) = [ev for ev in T.events if ev.kind == "S3"]
    rules = {r["Name"]: r["Value"] for r in s3.properties["Filter"]["S3Key"]["Rules"]}
    assert rules["prefix"] == "incoming/"


def test_pynamodb_models_match_the_table_keys_and_indexes():
    (table,) = T.of_type("AWS::DynamoDB::Table").values()
    props = table["Properties"]
    keys = {k["AttributeName"]: k["KeyType"] for k in props["KeySchema"]}
    assert keys == {"pk": "HASH", "sk": "RANGE"}
    indexes = {
        i["IndexName"]: (
            {k["AttributeName"]: k["KeyType"] for k in i["KeySchema"]},
            i["Projection"]["ProjectionType"],
        )
        for i in props["GlobalSecondaryIndexes"]
    }
    models = {
        idx.Meta.index_name: (
            {
                a.attr_name: ("HASH" if a.is_hash_key else "RANGE")
                for a in idx.Meta.attributes.values()
            },
            idx.Meta.projection.projection_type,
        )
        for idx in (Item.by_shard, Item.by_ref, Item.by_status)
    }
    assert models == indexes


def test_the_api_requires_iam_except_for_unsigned_cors_preflights():
    api = T.resources["CollectionsApi"]
    assert api["Properties"]["Auth"]["DefaultAuthorizer"] == "AWS_IAM"
    authorizers = {
        (ev.properties["Path"], ev.properties["Method"]): ev.properties.get("Auth", {}).get(
            "Authorizer"
        )
        for ev in T.events
        if ev.kind == "Api" and ev.properties["RestApiId"] == {"Ref": "CollectionsApi"}
    }
    # OPTIONS reads and changes nothing; every other method is signed
    assert authorizers == {
        ("/", "ANY"): None,
        ("/{proxy+}", "ANY"): None,
        ("/{proxy+}", "OPTIONS"): "NONE",
    }


def test_the_template_names_no_key_twice_in_one_mapping():
    """YAML keeps the last of two equal keys silently: a merge once left a function
    with two Layers lists, and it lost the shared layer."""
    import yaml

    todo = [yaml.compose(TEMPLATE_PATH.read_text(encoding="utf-8"))]
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.MappingNode):
            keys = [k.value for k, _ in node.value]
            assert len(keys) == len(set(keys)), f"a key twice at {node.start_mark}"
            todo += [v for _, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            todo += node.value

"""The embedded AWS: DynamoDB Local and a moto server, with every resource of
template.yaml created in them (tables, queues with their DLQs, buckets, the SES
identity, the schedule), and each function's environment resolved from the
template as Lambda would see it.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

from dunning_local.services import DynamoDbLocal, MotoServer
from dunning_local.template import Resolver, Template, load_template

REGION = "eu-west-1"
ACCOUNT = "123456789012"
STACK = "dunning"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass
class Deployment:
    """What the template became locally: names, URLs and ARNs by logical id."""

    refs: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, str] = field(default_factory=dict)
    function_env: dict[str, dict[str, str]] = field(default_factory=dict)
    # SNS -> Lambda subscriptions: (function, topic ARN, URL of the local inbox queue)
    sns_inboxes: list[tuple[str, str, str]] = field(default_factory=list)
    # Secrets Manager secrets the template generates: ARN -> the value made for this run
    secrets: dict[str, str] = field(default_factory=dict)


class EmbeddedAws:
    """Start with `with EmbeddedAws() as aws:`; both processes stop on exit."""

    def __init__(self, template: Template | None = None, parameters: dict[str, Any] | None = None):
        self.template = template or load_template()
        # Locally the API answers any origin (the dashboard and tests call it from anywhere).
        self.parameters = self.template.parameters | {"AllowedOrigin": "*"} | (parameters or {})
        self.dynamodb = DynamoDbLocal()
        self.moto = MotoServer()
        self.deployment = Deployment()
        self._saved_env: dict[str, str | None] = {}
        self._session = boto3.session.Session()
        self._clients: dict[str, Any] = {}

    # --- life cycle ----------------------------------------------------------------

    def __enter__(self) -> EmbeddedAws:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        try:
            self.dynamodb.start()
            self.moto.start()
            self._set_env(self.endpoint_env())
            self.deploy()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.moto.stop()
        self.dynamodb.stop()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def endpoint_env(self) -> dict[str, str]:
        """How boto3 (and PynamoDB, through botocore) finds the embedded services."""
        return CREDENTIALS | {
            "AWS_ENDPOINT_URL": self.moto.url,
            "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb.url,
        }

    def _set_env(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, region_name=REGION)
        return self._clients[service]

    @contextmanager
    def function_env(self, function: str) -> Iterator[None]:
        """The environment Lambda gives `function`, for the length of one invocation."""
        values = self.deployment.function_env[function] | {
            "AWS_LAMBDA_FUNCTION_NAME": function,
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here (Tracing: Active on AWS)
        }
        saved = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    # --- deployment from the template ----------------------------------------------

    def deploy(self) -> None:
        t = self.template
        for name, res in t.of_type("AWS::DynamoDB::Table").items():
            self._create_table(name, res["Properties"])
        for name in self._queues_in_dependency_order():
            self._create_queue(name, t.resources[name].get("Properties", {}))
        for name, res in t.of_type("AWS::S3::Bucket").items():
            self._create_bucket(name, res.get("Properties", {}))
        for name, res in t.of_type("AWS::SES::EmailIdentity").items():
            identity = self.resolver()(res["Properties"]["EmailIdentity"])
            self.client("ses").verify_domain_identity(Domain=identity)
            self.deployment.refs[name] = identity
        self._create_topics_and_configuration_sets()
        for name in t.of_type("AWS::Serverless::Api"):  # API Gateway is not run here
            self.deployment.refs[name] = f"{STACK}-{name}".lower()
        self._create_user_pools()
        for name, res in t.of_type("AWS::SecretsManager::Secret").items():
            self._generate_secret(name, res.get("Properties", {}))
        for name in t.functions():
            self.deployment.refs[name] = f"{STACK}-{name}"
            self.deployment.attrs[f"{name}.Arn"] = _arn("lambda", f"function:{STACK}-{name}")
        self._subscribe_functions()
        for name in t.of_type("AWS::Serverless::LayerVersion"):
            self.deployment.refs[name] = _arn("lambda", f"layer:{STACK}-{name}:1")
        self._create_schedules()
        self._resolve_function_env()

    def resolver(self) -> Resolver:
        d = self.deployment
        return Resolver(self.parameters, d.refs, d.attrs, d.secrets)

    def _generate_secret(self, name: str, props: dict[str, Any]) -> None:
        """A secret GenerateSecretString makes on AWS: a fresh random one per run here,
        which `{{resolve:secretsmanager:...}}` in a function's environment reads."""
        length = int(props.get("GenerateSecretString", {}).get("PasswordLength", 32))
        arn = _arn("secretsmanager", f"secret:{STACK}-{name}")
        self.deployment.refs[name] = arn
        self.deployment.secrets[arn] = secrets.token_urlsafe(length)[:length]

    def _create_table(self, name: str, props: dict[str, Any]) -> None:
        table = f"{STACK}-{name}"
        keep = (
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "BillingMode",
            "LocalSecondaryIndexes",
            "ProvisionedThroughput",
        )
        ddb = self.client("dynamodb")
        ddb.create_table(TableName=table, **{k: props[k] for k in keep if k in props})
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            ddb.update_time_to_live(TableName=table, TimeToLiveSpecification=ttl)
        self.deployment.refs[name] = table
        self.deployment.attrs[f"{name}.Arn"] = _arn("dynamodb", f"table/{table}")

    def _queues_in_dependency_order(self) -> list[str]:
        queues = self.template.of_type("AWS::SQS::Queue")
        has_dlq = {n for n, r in queues.items() if "RedrivePolicy" in r.get("Properties", {})}
        return sorted(queues, key=lambda n: n in has_dlq)  # dead-letter queues first

    def _create_queue(self, name: str, props: dict[str, Any]) -> None:
        attributes = {}
        for key, value in self.resolver()(props).items():
            if key == "RedrivePolicy":
                attributes[key] = json.dumps(value)
            elif key in (
                "VisibilityTimeout",
                "MessageRetentionPeriod",
                "DelaySeconds",
                "ReceiveMessageWaitTimeSeconds",
                "MaximumMessageSize",
            ):
                attributes[key] = str(value)
        url = self.client("sqs").create_queue(QueueName=f"{STACK}-{name}", Attributes=attributes)[
            "QueueUrl"
        ]
        self.deployment.refs[name] = url
        self.deployment.attrs[f"{name}.Arn"] = _arn("sqs", f"{STACK}-{name}", sep=":")
        self.deployment.attrs[f"{name}.QueueName"] = f"{STACK}-{name}"

    def _create_bucket(self, name: str, props: dict[str, Any]) -> None:
        bucket = f"{STACK}-{name.lower()}-local"
        s3 = self.client("s3")
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        if "BucketEncryption" in props:
            # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSide...
            rules = [
                {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
                for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(
                Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules}
            )
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=bucket,
                PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"],
            )
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(
                Bucket=bucket, VersioningConfiguration=props["VersioningConfiguration"]
            )
        self.deployment.refs[name] = bucket
        self.deployment.attrs[f"{name}.Arn"] = f"arn:aws:s3:::{bucket}"

    def _create_topics_and_configuration_sets(self) -> None:
        """SNS topics, and SES configuration sets with their event destinations."""
        t, sns, ses = self.template, self.client("sns"), self.client("ses")
        for name in t.of_type("AWS::SNS::Topic"):
            arn = sns.create_topic(Name=f"{STACK}-{name}")["TopicArn"]
            self.deployment.refs[name] = arn
            self.deployment.attrs[f"{name}.TopicArn"] = arn
            self.deployment.attrs[f"{name}.TopicName"] = f"{STACK}-{name}"
        for name in t.of_type("AWS::SES::ConfigurationSet"):
            ses.create_configuration_set(ConfigurationSet={"Name": f"{STACK}-{name}"})
            self.deployment.refs[name] = f"{STACK}-{name}"
        for res in t.of_type("AWS::SES::ConfigurationSetEventDestination").values():
            props = self.resolver()(res["Properties"])
            dest = props["EventDestination"]
            destination = {
                "Name": dest["Name"],
                "Enabled": bool(dest.get("Enabled", False)),
                "MatchingEventTypes": dest["MatchingEventTypes"],
            }
            if "SnsDestination" in dest:
                destination["SNSDestination"] = {"TopicARN": dest["SnsDestination"]["TopicARN"]}
            ses.create_configuration_set_event_destination(
                ConfigurationSetName=props["ConfigurationSetName"], EventDestination=destination
            )

    def _subscribe_functions(self) -> None:
        """SNS -> Lambda: moto cannot invoke a function, so each such subscription is a
        local inbox queue subscribed to the topic, which the driver drains into the
        function as SNS events."""
        resolve, sns, sqs = self.resolver(), self.client("sns"), self.client("sqs")
        for n, event in enumerate(ev for ev in self.template.events if ev.kind == "SNS"):
            topic = resolve(event.properties["Topic"])
            name = f"{STACK}-{event.function}-sns-{n}"
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=_arn("sqs", name))
            self.deployment.sns_inboxes.append((event.function, topic, url))

    def _create_schedules(self) -> None:
        scheduler = self.client("scheduler")
        resolve = self.resolver()
        for event in self.template.events:
            if event.kind != "ScheduleV2":
                continue
            props = resolve(event.properties)
            scheduler.create_schedule(
                Name=f"{STACK}-{event.function}",
                ScheduleExpression=props["ScheduleExpression"],
                ScheduleExpressionTimezone=props.get("ScheduleExpressionTimezone", "UTC"),
                FlexibleTimeWindow={"Mode": "OFF"},
                Target={
                    "Arn": self.deployment.attrs[f"{event.function}.Arn"],
                    "RoleArn": _arn("iam", f"role/{STACK}-{event.function}-scheduler", region=""),
                    "Input": props.get("Input", "{}"),
                    **{k: props[k] for k in ("RetryPolicy", "DeadLetterConfig") if k in props},
                },
            )

    def _create_user_pools(self) -> None:
        """The people's Cognito pool, its groups, domain and app client, in moto (which
        signs real ID tokens and serves the pool's keys: the authorizer verifies them)."""
        t, resolve, idp = self.template, self.resolver(), self.client("cognito-idp")
        for name, res in t.of_type("AWS::Cognito::UserPool").items():
            props = resolve(res["Properties"])
            pool_keys = ("Policies", "AdminCreateUserConfig", "UsernameConfiguration")
            pool = idp.create_user_pool(
                PoolName=props["UserPoolName"], **{k: props[k] for k in pool_keys if k in props}
            )["UserPool"]
            self.deployment.refs[name] = pool["Id"]
            self.deployment.attrs[f"{name}.Arn"] = pool["Arn"]
        for name, res in t.of_type("AWS::Cognito::UserPoolGroup").items():
            props = resolve(res["Properties"])
            idp.create_group(UserPoolId=props["UserPoolId"], GroupName=props["GroupName"])
            self.deployment.refs[name] = props["GroupName"]
        for name, res in t.of_type("AWS::Cognito::UserPoolDomain").items():
            pool_id = resolve(res["Properties"]["UserPoolId"])
            domain = f"{STACK}-{name}".lower()  # the template's derives from the stack id
            idp.create_user_pool_domain(UserPoolId=pool_id, Domain=domain)
            self.deployment.refs[name] = domain
        for name, res in t.of_type("AWS::Cognito::UserPoolClient").items():
            props = resolve(res["Properties"])
            client_keys = (
                "GenerateSecret",
                "AllowedOAuthFlows",
                "AllowedOAuthScopes",
                "CallbackURLs",
            )
            client = idp.create_user_pool_client(
                UserPoolId=props["UserPoolId"],
                ClientName=props["ClientName"],
                # moto's own sign-in (admin_initiate_auth) stands in for the hosted one
                ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                **{k: props[k] for k in client_keys if k in props},
            )["UserPoolClient"]
            self.deployment.refs[name] = client["ClientId"]

    def _resolve_function_env(self) -> None:
        resolve = self.resolver()
        for name, fn in self.template.functions().items():
            own = fn["Properties"].get("Environment", {}).get("Variables", {})
            env = resolve(self.template.globals_env | own)
            self.deployment.function_env[name] = {k: str(v) for k, v in env.items()}


def _arn(service: str, resource: str, sep: str = ":", region: str = REGION) -> str:
    account = ACCOUNT if service != "s3" else ""
    return f"arn:aws:{service}:{region}:{account}{sep}{resource}"

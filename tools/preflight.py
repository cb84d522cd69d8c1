"""Preflight: is everything the spec keeps outside our Terraform there and usable?

    ./dailydesk preflight --env prod [--json FILE]     # make preflight ENV=prod

Terraform does not roll back, so a deploy that meets a missing manual parameter, secret,
certificate or connection half-way leaves a half-applied workspace. This checks the
whole pre-existing world first, in the configured account and region, and prints one row
per item (item, kind, status, what to do). Exit codes (tools/deploy/exit_codes.py): 0 every
row is `ready`, 2 something is missing or unusable (found), 1 the check could not run.

The table is derived from the same catalogue and config the stacks use (the catalogue's
`Manual` parameters and secrets, `network`, `rds.security_group_id`, `certificate`,
every bucket and distribution of `hosting`, `pipelines.connection_arn`, and the permissions
boundary every role of the stacks carries, which must hold what `policy/iam/permissions-boundary.json`
renders): there is no second list.

Values are never read by default: parameters are checked with `DescribeParameters` and
secrets with `DescribeSecret` (existence, deletion, a current version) — metadata only,
so the preflight's role needs no `ssm:GetParameter*` or `secretsmanager:GetSecretValue`.
Whether a secret holds the JSON key the EventBridge connection needs can only be answered
from its value: `--read-secret-keys` opts into that check, which parses the value in
memory (`_json_keys`) and keeps only the key *names* (the deploy role may read the two
secrets; the plan role may not). Without it, a missing key is found by
`tools.api_keys sync` after the backend's apply, which then fails naming the secret.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from config.schema import EnvironmentConfig, uncovered_hosts
from tools import iam_policies
from tools.aws import Clients, environment_for
from tools.deploy import exit_codes
from tools.table import table
from workspace import catalogue
from workspace.naming import Namer

READY, MISSING, UNUSABLE, ERROR = "ready", "missing", "unusable", "error"
# Only against the emulator: an AWS API moto does not implement (CodeStar Connections in
# moto 5.2.5). Shown in the table, not counted as a failure; never possible on AWS.
NOT_EMULATED = "not emulated"
NOT_IMPLEMENTED_CODES = frozenset({"404", "500", "501", "NotImplemented"})
NOT_FOUND_CODES = frozenset({
    "ParameterNotFound", "ResourceNotFoundException", "InvalidVpcID.NotFound", "InvalidSubnetID.NotFound",
    "InvalidGroup.NotFound", "InvalidGroupId.NotFound",
    "NoSuchDistribution", "NoSuchBucket", "NoSuchEntity", "404", "NotFound",
})  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    item: str
    kind: str
    status: str
    detail: str = ""
    fix: str = ""

    @property
    def ready(self) -> bool:
        return self.status in (READY, NOT_EMULATED)


Check = Callable[[Clients], Row]


@dataclass(frozen=True)
class Requirement:
    item: str
    kind: str
    check: Check


def _error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "")) or None
    return None


def _guarded(item: str, kind: str, check: Callable[[Clients], Row], missing_fix: str) -> Check:
    """Turn AWS errors into rows: not-found -> `missing` with the fix, anything else -> `error`."""

    def run(clients: Clients) -> Row:
        try:
            return check(clients)
        except Exception as error:
            code = _error_code(error)
            if code in NOT_FOUND_CODES:
                return Row(item, kind, MISSING, f"not found ({code})", missing_fix)
            # botocore messages name the action and the resource, never a parameter value.
            return Row(
                item,
                kind,
                ERROR,
                f"{type(error).__name__}: {code or error}",
                "check the credentials' permissions for this call (see docs/operations/day-2.md)",
            )

    return run


# ----------------------------------------------------------------------------- checks


def _account(config: EnvironmentConfig) -> Requirement:
    item, kind = f"{config.account_id}/{config.region}", "AWS account"

    def check(clients: Clients) -> Row:
        account = clients("sts").get_caller_identity()["Account"]
        if account != config.account_id:
            return Row(
                item,
                kind,
                UNUSABLE,
                f"the credentials are for account {account}",
                f"use credentials (AWS_PROFILE / role) of account {config.account_id}",
            )
        return Row(item, kind, READY, f"credentials of {account}, region {config.region}")

    return Requirement(item, kind, _guarded(item, kind, check, "use credentials of the configured account"))


def _parameter(config: EnvironmentConfig, namer: Namer, parameter: catalogue.Parameter) -> Requirement:
    name = namer.parameter(parameter.name)
    kind = f"SSM parameter ({parameter.type})"
    create = (
        f"aws ssm put-parameter --region {config.region} --name {name} --type {parameter.type} "
        f"--description '{parameter.description}' --value <value>"
    )

    def check(clients: Clients) -> Row:
        found = clients("ssm").describe_parameters(
            ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
        )["Parameters"]
        if not found:
            return Row(name, kind, MISSING, "not found", create)
        actual = found[0].get("Type")
        if actual != parameter.type:
            return Row(
                name,
                kind,
                UNUSABLE,
                f"type is {actual}, expected {parameter.type}",
                f"recreate it as {parameter.type}: aws ssm delete-parameter --name {name}, then {create}",
            )
        return Row(name, kind, READY, f"{actual}, version {found[0].get('Version', '?')}")

    return Requirement(name, kind, _guarded(name, kind, check, create))


def _json_keys(clients: Clients, secret_id: str) -> frozenset[str] | None:
    """The top-level key names of a secret's JSON value (None if it is not a JSON object).

    The value itself never leaves this function: not returned, not logged, not in an
    exception message.
    """
    response = clients("secretsmanager").get_secret_value(SecretId=secret_id)
    text = response.get("SecretString")
    del response
    try:
        document = json.loads(text) if text else None
    except ValueError:
        document = None
    keys = frozenset(str(k) for k in document) if isinstance(document, dict) else None
    del text, document
    return keys


def _secret(config: EnvironmentConfig, secret: catalogue.Secret, read_keys: bool) -> Requirement:
    item, kind = secret.name, "secret (JSON)"
    create = (
        f"aws secretsmanager create-secret --region {config.region} --name {secret.name} "
        f"--description '{secret.description}' --secret-string '{{\"{secret.key}\":\"<api key>\"}}'"
    )
    put = (
        f"aws secretsmanager put-secret-value --region {config.region} --secret-id {secret.name} "
        f'--secret-string \'{{"{secret.key}":"<api key>"}}\''
    )

    def check(clients: Clients) -> Row:
        described = clients("secretsmanager").describe_secret(SecretId=secret.name)
        if described.get("DeletedDate"):
            return Row(
                item,
                kind,
                UNUSABLE,
                "scheduled for deletion",
                f"aws secretsmanager restore-secret --secret-id {secret.name}",
            )
        stages = [stage for stages in described.get("VersionIdsToStages", {}).values() for stage in stages]
        if "AWSCURRENT" not in stages:
            return Row(item, kind, UNUSABLE, "has no current version", put)
        if not read_keys:
            return Row(item, kind, READY, f"has a current version (key {secret.key!r} not read: --read-secret-keys)")
        keys = _json_keys(clients, secret.name)
        if keys is None:
            return Row(item, kind, UNUSABLE, f"its value is not a JSON object (needs key {secret.key!r})", put)
        if secret.key not in keys:
            return Row(
                item, kind, UNUSABLE, f"its JSON has no key {secret.key!r} (keys: {', '.join(sorted(keys))})", put
            )
        return Row(item, kind, READY, f"holds key {secret.key!r}")

    return Requirement(item, kind, _guarded(item, kind, check, create))


def _vpc(config: EnvironmentConfig) -> Requirement:
    item, kind = config.network.vpc_id, "VPC"

    def check(clients: Clients) -> Row:
        vpcs = clients("ec2").describe_vpcs(VpcIds=[item])["Vpcs"]
        if not vpcs:
            return Row(item, kind, MISSING, "not found", "fix network.vpc_id in the environment file")
        return Row(item, kind, READY, vpcs[0].get("State", ""))

    return Requirement(item, kind, _guarded(item, kind, check, "fix network.vpc_id in the environment file"))


def _subnet(config: EnvironmentConfig, subnet_id: str, tier: str) -> Requirement:
    item, kind = subnet_id, f"subnet ({tier})"
    fix = f"fix network.{tier}_subnet_ids in the environment file"

    def check(clients: Clients) -> Row:
        subnets = clients("ec2").describe_subnets(SubnetIds=[item])["Subnets"]
        if not subnets:
            return Row(item, kind, MISSING, "not found", fix)
        if subnets[0].get("VpcId") != config.network.vpc_id:
            return Row(item, kind, UNUSABLE, f"in {subnets[0].get('VpcId')}, not {config.network.vpc_id}", fix)
        return Row(item, kind, READY, f"in {config.network.vpc_id}, {subnets[0].get('AvailabilityZone', '')}")

    return Requirement(item, kind, _guarded(item, kind, check, fix))


def _rds_security_group(config: EnvironmentConfig) -> Requirement:
    item, kind = config.rds.security_group_id, "security group (RDS)"
    fix = "fix rds.security_group_id in the environment file"

    def check(clients: Clients) -> Row:
        groups = clients("ec2").describe_security_groups(GroupIds=[item])["SecurityGroups"]
        if not groups:
            return Row(item, kind, MISSING, "not found", fix)
        if groups[0].get("VpcId") != config.network.vpc_id:
            return Row(item, kind, UNUSABLE, f"in {groups[0].get('VpcId')}, not {config.network.vpc_id}", fix)
        return Row(item, kind, READY, f"{groups[0].get('GroupName', '')} in {config.network.vpc_id}")

    return Requirement(item, kind, _guarded(item, kind, check, fix))


def _certificate(config: EnvironmentConfig) -> Requirement:
    item, kind = config.certificate.arn, "ACM certificate"
    wanted = config.certificate.names
    alternatives = "".join(f" '{name}'" for name in wanted[1:])
    request = (
        f"request it (aws acm request-certificate --domain-name '{wanted[0]}'"
        + (f" --subject-alternative-names{alternatives}" if alternatives else "")
        + " --validation-method DNS) and set certificate.arn in the environment file"
    )

    def check(clients: Clients) -> Row:
        certificate = clients("acm").describe_certificate(CertificateArn=item)["Certificate"]
        status = certificate.get("Status")
        if status != "ISSUED":
            return Row(
                item,
                kind,
                UNUSABLE,
                f"status {status}",
                "complete its DNS validation (the CNAME records shown by describe-certificate)"
                if status == "PENDING_VALIDATION"
                else request,
            )
        names = sorted({certificate.get("DomainName", ""), *certificate.get("SubjectAlternativeNames", [])} - {""})
        uncovered = uncovered_hosts(names, config.served_hosts)
        if uncovered:
            hosts = ", ".join(sorted(set(uncovered.values())))
            return Row(item, kind, UNUSABLE, f"issued for {', '.join(names)}: does not cover {hosts}", request)
        return Row(item, kind, READY, f"ISSUED for {', '.join(names)}")

    return Requirement(item, kind, _guarded(item, kind, check, request))


def _connection(config: EnvironmentConfig) -> Requirement:
    item, kind = config.pipelines.connection_arn, "CodeStar connection"
    create = (
        "create a GitHub connection (Developer Tools > Settings > Connections), complete the handshake, "
        "and set pipelines.connection_arn"
    )

    def check(clients: Clients) -> Row:
        connection = clients("codestar-connections").get_connection(ConnectionArn=item)["Connection"]
        status = connection.get("ConnectionStatus")
        if status != "AVAILABLE":
            return Row(
                item,
                kind,
                UNUSABLE,
                f"status {status}",
                "complete the handshake: Developer Tools > Settings > Connections > Update pending connection",
            )
        return Row(item, kind, READY, f"AVAILABLE ({connection.get('ProviderType', '')})")

    def check_or_not_emulated(clients: Clients) -> Row:
        try:
            return check(clients)
        except Exception as error:
            if config.is_emulated and _error_code(error) in NOT_IMPLEMENTED_CODES:
                return Row(item, kind, NOT_EMULATED, "the emulator has no CodeStar Connections API; checked on AWS")
            raise

    return Requirement(item, kind, _guarded(item, kind, check_or_not_emulated, create))


def _bucket(config: EnvironmentConfig, field: str, bucket: str) -> Requirement:
    """A hosting bucket named by `hosting.<field>`."""
    item, kind = bucket, f"S3 bucket ({field})"
    fix = f"create it (it is hosted outside this project) or fix hosting.{field}"

    def check(clients: Clients) -> Row:
        try:
            clients("s3").head_bucket(Bucket=bucket, ExpectedBucketOwner=config.account_id)
        except Exception as error:
            if _error_code(error) in ("403", "AccessDenied"):
                return Row(item, kind, UNUSABLE, f"not owned by {config.account_id}, or not accessible", fix)
            raise
        return Row(item, kind, READY, f"owned by {config.account_id}")

    return Requirement(item, kind, _guarded(item, kind, check, fix))


def _distribution(field: str, distribution_id: str) -> Requirement:
    item, kind = distribution_id, f"CloudFront distribution ({field})"
    fix = f"fix hosting.{field} (the distribution is hosted outside this project)"

    def check(clients: Clients) -> Row:
        distribution = clients("cloudfront").get_distribution(Id=distribution_id)["Distribution"]
        if not distribution.get("DistributionConfig", {}).get("Enabled", True):
            return Row(item, kind, UNUSABLE, "disabled", "enable it, or fix the id")
        return Row(item, kind, READY, f"{distribution.get('Status', '')} {distribution.get('DomainName', '')}".strip())

    return Requirement(item, kind, _guarded(item, kind, check, fix))


def _policy_document(document: Any) -> Any:
    """A policy version's document: botocore decodes it; a raw answer is URL-encoded JSON."""
    return json.loads(urllib.parse.unquote(document)) if isinstance(document, str) else document


def _permissions_boundary(config: EnvironmentConfig) -> Requirement:
    """The managed policy every role of the stacks carries as its boundary (created once per
    account, outside the stacks): it exists, and its default version is what the template
    renders (a role whose policy outgrew an older boundary would fail at run time)."""
    item, kind = config.permissions_boundary_arn, "IAM policy (permissions boundary)"
    name = config.permissions_boundary_name
    render = f"python -m tools.iam_policies --env {config.name} --role boundary --out iam-policies"
    document = f"file://iam-policies/{name}.json"
    create = f"as an administrator: {render}; aws iam create-policy --policy-name {name} --policy-document {document}"
    update = (
        f"as an administrator (the CI roles may not): {render}; "
        f"aws iam create-policy-version --policy-arn {item} --policy-document {document} --set-as-default"
    )

    def check(clients: Clients) -> Row:
        iam = clients("iam")
        version_id = iam.get_policy(PolicyArn=item)["Policy"]["DefaultVersionId"]
        version = iam.get_policy_version(PolicyArn=item, VersionId=version_id)["PolicyVersion"]
        if _policy_document(version["Document"]) != iam_policies.render_boundary(config):
            return Row(
                item, kind, UNUSABLE, f"{version_id} differs from policy/iam/{iam_policies.BOUNDARY_POLICY}", update
            )
        return Row(item, kind, READY, f"{version_id}, as policy/iam/{iam_policies.BOUNDARY_POLICY} renders it")

    return Requirement(item, kind, _guarded(item, kind, check, create))


# ----------------------------------------------------------------------------- the table


def requirements(config: EnvironmentConfig, read_secret_keys: bool = False) -> list[Requirement]:
    """Everything the workspaces of `config` expect to exist, from the catalogue and config."""
    namer = config.namer
    return [
        _account(config),
        *(_parameter(config, namer, p) for p in catalogue.manual_parameters()),
        *(_secret(config, s, read_secret_keys) for s in catalogue.SECRETS),
        _vpc(config),
        *(_subnet(config, s, "public") for s in config.network.public_subnet_ids),
        *(_subnet(config, s, "private") for s in config.network.private_subnet_ids),
        _rds_security_group(config),
        _certificate(config),
        _connection(config),
        *(_bucket(config, field, value) for field, value in config.hosting.buckets().items()),
        *(_distribution(field, value) for field, value in config.hosting.distributions().items()),
        _permissions_boundary(config),
    ]


def run(config: EnvironmentConfig, clients: Clients | None = None, read_secret_keys: bool = False) -> list[Row]:
    clients = clients or Clients(config)
    return [requirement.check(clients) for requirement in requirements(config, read_secret_keys)]


def render(rows: list[Row]) -> str:
    headers = ("ITEM", "KIND", "STATUS", "WHAT TO DO")
    lines = table(
        headers,
        [
            (r.item, r.kind, r.status, "-" if r.status == READY else f"{r.detail}: {r.fix}" if r.fix else r.detail)
            for r in rows
        ],
    )
    # A row the emulator cannot check does not block, but it is not "ready" either.
    ready = sum(r.status == READY for r in rows)
    unchecked = sum(r.status == NOT_EMULATED for r in rows)
    failing = len(rows) - ready - unchecked
    lines.append(
        f"\n{ready}/{len(rows)} ready"
        + (f", {unchecked} not emulated" if unchecked else "")
        + (f", {failing} not ready" if failing else "")
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dailydesk preflight", description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, help="environment name (config/environments/<env>.toml)")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE ('-' for stdout)")
    parser.add_argument(
        "--read-secret-keys",
        action="store_true",
        help="also check each secret holds its JSON key (calls GetSecretValue; the value is never shown)",
    )
    args = parser.parse_args(argv)
    config = environment_for(args.env, "run the preflight")
    if config is None:
        return exit_codes.ERROR
    return report(config, json_path=args.json, read_secret_keys=args.read_secret_keys)


def report(
    config: EnvironmentConfig,
    clients: Clients | None = None,
    json_path: str | None = None,
    read_secret_keys: bool = False,
) -> int:
    """Print the table (and write the JSON); OK when every row is ready, FOUND otherwise."""
    where = config.emulator.endpoint if config.emulator else f"account {config.account_id}, {config.region}"
    print(f"preflight {config.name} ({where})", flush=True)
    rows = run(config, clients, read_secret_keys)
    if json_path:
        document = json.dumps(
            {"environment": config.name, "ready": all(r.ready for r in rows), "rows": [asdict(r) for r in rows]},
            indent=2,
        )
        if json_path == "-":
            print(document)
        else:
            with open(json_path, "w", encoding="utf-8") as output:
                output.write(document + "\n")
    if json_path != "-":
        print(render(rows))
    return exit_codes.OK if all(r.ready for r in rows) else exit_codes.FOUND


if __name__ == "__main__":
    sys.exit(main())

"""The IAM policies of the CI roles, rendered for one environment.

    ./dailydesk iam-policy --env prod --role plan      # make iam-policy ENV=prod ROLE=plan
    ./dailydesk iam-policy --env prod --role deploy [--out DIR]
    ./dailydesk iam-policy --env prod --role keys      # the scheduled API-key sync's role
    ./dailydesk iam-policy --env prod --role boundary  # the roles' permissions boundary

The templates are files in `policy/iam/`: `read.json` (what refreshing every resource
type we manage and every data source we read needs, plus what the preflight reads),
`plan-role.json` (state read only, and no secret value ever) and `deploy-role.json`
(writing our resource types, the state and its lock file, and reading the two API-key
secrets and the connections' own secrets for `tools.api_keys`). A role gets the managed
policies of `read` and of its own file (`ROLES`), each cut into parts that fit IAM's size
limit of a managed policy (statements are never split). The CI workflow assumes the plan
role in the GitHub environments `<env>-plan` and the deploy role in `<env>`
(docs/operations/day-2.md).

`keys-role.json` is the third role, alone (no read set): the scheduled `sync-api-keys` and
`check-api-keys` of the CI workflow, in the GitHub environment `<env>-keys`. It may read the
two API-key secrets (DescribeSecret, GetSecretValue) and the connections' own secrets
(GetSecretValue), and describe and update exactly the two connections; nothing else, and
every other secret value and connection update is denied outright. No KMS permission: the
secrets are under Secrets Manager's AWS-managed key (no CMK is configured for them or for the
connections), whose key policy admits any caller Secrets Manager admits.

Each role's trust policy is a template beside them (`trust-plan-role.json`,
`trust-deploy-role.json`, `TRUST_POLICIES`): GitHub's OIDC provider for this repository only
(`ci.github_repository`), the deploy role for `environment:<env>`, the plan role for pull
requests and `environment:<env>-plan`, the keys role for `environment:<env>-keys`, audience
`sts.amazonaws.com`; with Terraform Cloud state,
also its OIDC provider for the runs of exactly this environment's workspaces (plan phase for the
plan role, apply phase for the deploy role). Statements whose Sid starts with `TerraformCloud`
are left out for the other environments.

`permissions-boundary.json` is the permissions boundary every role of the stacks carries
(`config.permissions_boundary_arn`; created once per account outside the stacks, like the state
bucket): the most any of those roles may do, whatever policy the deploy role writes into one.

Placeholders `${name}` are filled from the environment's config, the naming rules and the
catalogue (`variables`); a placeholder that is a whole element of a list and names a list
(`"${manual_parameter_arns}"`) becomes its elements. An unknown placeholder is an error.
Statements whose Sid starts with `State` are about the S3 state backend and are left out
for environments whose state is elsewhere (Terraform Cloud, local files).

Prints one JSON object: for a role, `trust_policy` (the role's trust policy) and
`managed_policies` (policy name -> document); for `boundary`, policy name -> document.
`--out DIR` writes one file each (`<policy name>.json`, `<project>-<env>-<role>-trust.json`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from config import ConfigError, load_environment
from config.schema import CloudState, EnvironmentConfig, S3State
from tools.paths import REPO_ROOT
from workspace import catalogue
from workspace.layers import NAMES as LAYERS

POLICY_DIR = REPO_ROOT / "policy" / "iam"
READ_POLICY = "read.json"
ROLES: dict[str, tuple[str, ...]] = {
    "plan": (READ_POLICY, "plan-role.json"),
    "deploy": (READ_POLICY, "deploy-role.json"),
    # Not the read set: the keys role syncs the two connections' keys and can do nothing else.
    "keys": ("keys-role.json",),
}
TRUST_POLICIES: dict[str, str] = {
    "plan": "trust-plan-role.json",
    "deploy": "trust-deploy-role.json",
    "keys": "trust-keys-role.json",
}
BOUNDARY = "boundary"
BOUNDARY_POLICY = "permissions-boundary.json"
STATE_SID_PREFIX = "State"
CLOUD_SID_PREFIX = "TerraformCloud"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
# The audience Terraform Cloud's workload identity tokens carry for AWS (its documented default).
TERRAFORM_CLOUD_AUDIENCE = "aws.workload.identity"
# IAM's size limit of a managed policy, counted without whitespace.
MAX_MANAGED_POLICY_CHARACTERS = 6144
_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")

Variables = dict[str, str | list[str]]


class PolicyError(Exception):
    """A template that cannot be rendered for an environment."""


def _codestar_connection_arns(arn: str) -> list[str]:
    """The connection under both of its service names (CodeStar Connections was renamed
    CodeConnections; both ARN forms address the same connection)."""
    services = ("codestar-connections", "codeconnections")
    service = arn.split(":")[2]
    return [arn, *(arn.replace(f":{service}:", f":{other}:", 1) for other in services if other != service)]


def terraform_cloud_subjects(config: EnvironmentConfig, state: CloudState, run_phase: str) -> list[str]:
    """The `sub` of the workload identity tokens of this environment's runs in `run_phase`:
    exactly its workspaces (`dailydesk-<layer>-<env>`). The project is any: a workspace name is
    unique in its organization."""
    namer = config.namer
    return [
        f"organization:{state.organization}:project:*:workspace:{namer.workspace(layer)}:run_phase:{run_phase}"
        for layer in LAYERS
    ]


def variables(config: EnvironmentConfig) -> Variables:
    """The value of every placeholder for `config`."""
    namer = config.namer
    partition, region, account = config.partition, config.region, config.account_id
    hosting_buckets = [f"arn:{partition}:s3:::{b}" for b in config.hosting.buckets().values()]
    found: Variables = {
        "partition": partition,
        "region": region,
        "account_id": account,
        "environment": config.name,
        "project": config.project,
        "name_prefix": namer.prefix.removesuffix("-"),
        "parameter_prefix": config.parameter_prefix,
        "parameters_key_alias": f"alias/{catalogue.parameters_key_alias(namer)}",
        "vpc_id": config.network.vpc_id,
        "certificate_arn": config.certificate.arn,
        "codestar_connection_arns": _codestar_connection_arns(config.pipelines.connection_arn),
        "hosting_bucket_arns": hosting_buckets,
        "hosting_bucket_object_arns": [f"{bucket}/*" for bucket in hosting_buckets],
        "node_image_repository_arn": config.node_image_repository_arn,
        "permissions_boundary_arn": config.permissions_boundary_arn,
        "github_repository": config.ci.github_repository,
        "github_oidc_provider_arn": f"arn:{partition}:iam::{account}:oidc-provider/{GITHUB_OIDC_HOST}",
        "distribution_arns": [
            f"arn:{partition}:cloudfront::{account}:distribution/{d}" for d in config.hosting.distributions().values()
        ],
        "manual_parameter_arns": [
            catalogue.parameter_arn(config, namer, p.name) for p in catalogue.manual_parameters()
        ],
        "api_key_secret_arns": [secret.arn_pattern(config) for secret in catalogue.SECRETS],
        "connection_secret_arns": [
            catalogue.connection_secret_arn_pattern(config, name)
            for name in catalogue.api_key_connections(config, namer).values()
        ],
        "api_key_connection_arns": [
            arn
            for name in catalogue.api_key_connections(config, namer).values()
            for arn in catalogue.connection_arn_patterns(config, name)
        ],
    }
    if isinstance(config.state, S3State):
        if not config.state.kms_key_id.startswith("alias/"):
            raise PolicyError(
                f"{config.name}: state.kms_key_id {config.state.kms_key_id!r}: the policies scope the state key "
                "by its alias; give the alias (alias/...)"
            )
        found |= {
            "state_bucket": config.state.bucket,
            "state_region": config.state.region,
            "state_key_prefix": f"{config.state.key_prefix}/{config.name}",
            "state_kms_key_alias": config.state.kms_key_id,
        }
    if isinstance(config.state, CloudState):
        host = config.state.hostname
        found |= {
            "terraform_cloud_hostname": host,
            "terraform_cloud_oidc_provider_arn": f"arn:{partition}:iam::{account}:oidc-provider/{host}",
            "terraform_cloud_plan_subjects": terraform_cloud_subjects(config, config.state, "plan"),
            "terraform_cloud_apply_subjects": terraform_cloud_subjects(config, config.state, "apply"),
        }
    return found


def _fill(text: str, values: Variables) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise PolicyError(f"unknown placeholder ${{{name}}}")
        value = values[name]
        if isinstance(value, list):
            raise PolicyError(f"${{{name}}} is a list: it can only be a whole element of a list")
        return value

    return _PLACEHOLDER.sub(one, text)


def _render(node: Any, values: Variables) -> Any:
    if isinstance(node, dict):
        return {_fill(key, values): _render(value, values) for key, value in node.items()}
    if isinstance(node, list):
        rendered: list[Any] = []
        for item in node:
            whole = _PLACEHOLDER.fullmatch(item) if isinstance(item, str) else None
            if whole and isinstance(values.get(whole.group(1)), list):
                rendered.extend(values[whole.group(1)])
            else:
                rendered.append(_render(item, values))
        return rendered
    if isinstance(node, str):
        whole = _PLACEHOLDER.fullmatch(node)
        if whole and isinstance(values.get(whole.group(1)), list):
            items = values[whole.group(1)]
            return items[0] if len(items) == 1 else list(items)
        return _fill(node, values)
    return node


def _kept(statement: dict[str, Any], config: EnvironmentConfig) -> bool:
    sid = statement.get("Sid", "")
    if sid.startswith(STATE_SID_PREFIX):
        return isinstance(config.state, S3State)
    if sid.startswith(CLOUD_SID_PREFIX):
        return isinstance(config.state, CloudState)
    return True


def render_document(template: dict[str, Any], config: EnvironmentConfig) -> dict[str, Any]:
    """One template filled in for `config` (S3-state statements only with S3 state, Terraform
    Cloud statements only with Terraform Cloud state)."""
    statements = [statement for statement in template["Statement"] if _kept(statement, config)]
    return dict(_render({**template, "Statement": statements}, variables(config)))


def _template(file: str) -> dict[str, Any]:
    return dict(json.loads((POLICY_DIR / file).read_text()))


def size(document: dict[str, Any]) -> int:
    """The length IAM counts against its limit (whitespace excluded)."""
    return len(re.sub(r"\s", "", json.dumps(document, separators=(",", ":"))))


def parts(document: dict[str, Any], limit: int = MAX_MANAGED_POLICY_CHARACTERS) -> list[dict[str, Any]]:
    """`document` as consecutive documents of whole statements, each within `limit`."""
    found: list[dict[str, Any]] = []
    for statement in document["Statement"]:
        if found and size({**found[-1], "Statement": [*found[-1]["Statement"], statement]}) <= limit:
            found[-1]["Statement"].append(statement)
            continue
        part = {**document, "Statement": [statement]}
        if size(part) > limit:
            raise PolicyError(f"statement {statement.get('Sid')} alone is over {limit} characters")
        found.append(part)
    return found


def render(config: EnvironmentConfig, role: str) -> dict[str, dict[str, Any]]:
    """Policy name -> document, for each managed policy of `role` in `config`."""
    if role not in ROLES:
        raise PolicyError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    policies = {}
    for file in ROLES[role]:
        template = _template(file)
        name = f"{config.project}-{config.name}-{role}-{'read' if file == READ_POLICY else role}"
        for number, part in enumerate(parts(render_document(template, config)), start=1):
            policies[f"{name}-{number}"] = part
    return policies


def render_trust(config: EnvironmentConfig, role: str) -> dict[str, Any]:
    """The trust policy of `role` in `config`."""
    if role not in TRUST_POLICIES:
        raise PolicyError(f"unknown role {role!r}: one of {', '.join(TRUST_POLICIES)}")
    return render_document(_template(TRUST_POLICIES[role]), config)


def trust_policy_name(config: EnvironmentConfig, role: str) -> str:
    return f"{config.project}-{config.name}-{role}-trust"


def render_boundary(config: EnvironmentConfig) -> dict[str, Any]:
    """The permissions boundary of every role the stacks create in `config` (one managed policy)."""
    document = render_document(_template(BOUNDARY_POLICY), config)
    if size(document) > MAX_MANAGED_POLICY_CHARACTERS:
        raise PolicyError(f"{BOUNDARY_POLICY} is over {MAX_MANAGED_POLICY_CHARACTERS} characters for {config.name}")
    return document


def rendered(config: EnvironmentConfig, role: str) -> dict[str, Any]:
    """What `make iam-policy ROLE=<role>` prints."""
    if role == BOUNDARY:
        return {config.permissions_boundary_name: render_boundary(config)}
    return {"trust_policy": render_trust(config, role), "managed_policies": render(config, role)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dailydesk iam-policy", description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, help="environment name (config/environments/<env>.toml)")
    parser.add_argument("--role", required=True, choices=sorted([*ROLES, BOUNDARY]))
    parser.add_argument("--out", type=Path, help="write <policy name>.json files into this directory")
    args = parser.parse_args(argv)
    try:
        config = load_environment(args.env)
        output = rendered(config, args.role)
    except (ConfigError, PolicyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.out:
        files = dict(output)
        if args.role != BOUNDARY:
            files = {trust_policy_name(config, args.role): output["trust_policy"], **output["managed_policies"]}
        args.out.mkdir(parents=True, exist_ok=True)
        for name, document in files.items():
            (args.out / f"{name}.json").write_text(json.dumps(document, indent=2) + "\n")
            print(args.out / f"{name}.json")
    else:
        print(json.dumps(output, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Exact IDs for the resources the seed stands in for (the world that is not ours).

The environment files name existing resources by ID (VPC, subnets, the RDS security
group, the certificate ARN, CloudFront distributions). moto honours its `_custom_id_`
tag for a few services only (moto/utilities/id_generator.py); these patches extend the
same mechanism: create the resource with a `_custom_id_` tag whose value is the wanted
ID, and it gets that ID. The tag is consumed, never stored, so no data source or
resource ever reads it back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from types import ModuleType

from tools.emulator.patches import patch

CUSTOM_ID_TAG = "_custom_id_"

# One slot per ID kind, so creating a VPC with a custom ID does not hand that ID to the
# default security group moto creates inside the same call.
_WANTED: dict[str, ContextVar[str | None]] = {}


def _slot(kind: str) -> ContextVar[str | None]:
    return _WANTED.setdefault(kind, ContextVar(f"dailydesk_custom_id_{kind}", default=None))


def pop_custom_id(tags: object) -> tuple[str | None, object]:
    """(wanted ID or None, the tags without `_custom_id_`) for moto's three tag shapes:
    a list of {Key, Value}, a {key: value} dict, or {resource type: {key: value}}."""
    if isinstance(tags, list):
        wanted = next((t.get("Value") for t in tags if t.get("Key") == CUSTOM_ID_TAG), None)
        return wanted, [t for t in tags if t.get("Key") != CUSTOM_ID_TAG]
    if isinstance(tags, dict):
        if CUSTOM_ID_TAG in tags:
            return tags[CUSTOM_ID_TAG], {k: v for k, v in tags.items() if k != CUSTOM_ID_TAG}
        for key, value in tags.items():
            if isinstance(value, dict) and CUSTOM_ID_TAG in value:
                wanted, rest = pop_custom_id(value)
                return wanted, {**tags, key: rest}
    return None, tags


@contextlib.contextmanager
def _wanting(kind: str, wanted: str | None) -> Iterator[None]:
    token = _slot(kind).set(wanted)
    try:
        yield
    finally:
        _slot(kind).reset(token)


def _id_source(
    kind: str, original: Callable[..., str], shape: Callable[[str], str] = lambda v: v
) -> Callable[..., str]:
    def generate(*args: object, **kwargs: object) -> str:
        wanted = _slot(kind).get()
        if wanted:
            _slot(kind).set(None)  # consumed: the next ID of this kind is random again
            return shape(wanted)
        return original(*args, **kwargs)

    return generate


def _wrap_creator(owner: type, method: str, kind: str, tags_argument: str, position: int | None = None) -> None:
    original = getattr(owner, method)

    def create(self: object, *args: object, **kwargs: object) -> object:
        if tags_argument in kwargs:
            wanted, kwargs[tags_argument] = pop_custom_id(kwargs[tags_argument])
        elif position is not None and len(args) > position:
            wanted, tags = pop_custom_id(args[position])
            args = (*args[:position], tags, *args[position + 1 :])
        else:
            wanted = None
        with _wanting(kind, wanted):
            return original(self, *args, **kwargs)

    setattr(owner, method, create)


def _replace_id_source(module: ModuleType, function: str, kind: str) -> None:
    # Replaces the ID generator in `module`'s namespace, where the module's code looks it
    # up. moto imports it there without re-exporting it, hence getattr/setattr.
    setattr(module, function, _id_source(kind, getattr(module, function)))


@patch("ec2", "CreateVpc", "CreateSubnet", "CreateSecurityGroup")
def ec2_custom_ids() -> None:
    """CreateVpc, CreateSubnet and CreateSecurityGroup give the resource the ID in its
    `_custom_id_` tag (from TagSpecifications), as moto already does for a few services.

    Our environment files reference the existing VPC, its subnets and the RDS security
    group by ID; the seed must create them with exactly those IDs so the `local` stacks
    read them with the same data sources as production.
    """
    from moto.ec2.models import security_groups, subnets, vpcs

    _replace_id_source(vpcs, "random_vpc_id", "vpc")
    _replace_id_source(subnets, "random_subnet_id", "subnet")
    _replace_id_source(security_groups, "random_security_group_id", "security-group")
    _wrap_creator(vpcs.VPCBackend, "create_vpc", "vpc", "tags")
    _wrap_creator(subnets.SubnetBackend, "create_subnet", "subnet", "tags")
    _wrap_creator(security_groups.SecurityGroupBackend, "create_security_group", "security-group", "tags")


@patch("acm", "ImportCertificate", "RequestCertificate")
def acm_custom_arn() -> None:
    """ImportCertificate/RequestCertificate give the certificate the ARN (or the
    certificate ID) in its `_custom_id_` tag.

    The environment file names the ISSUED wildcard certificate by ARN; the seed imports
    one with exactly that ARN so the listener and the certificate data source find it.
    """
    from moto.acm import models

    # Imported into moto.acm.models without being re-exported, hence getattr/setattr.
    original: Callable[[str, str], str] = getattr(models, "make_arn_for_certificate")

    def make_arn(account_id: str, region_name: str) -> str:
        wanted = _slot("acm").get()
        if wanted:
            _slot("acm").set(None)
            return (
                wanted
                if wanted.startswith("arn:")
                else original(account_id, region_name).rsplit("/", 1)[0] + "/" + wanted
            )
        return original(account_id, region_name)

    setattr(models, "make_arn_for_certificate", make_arn)
    _wrap_creator(models.AWSCertificateManagerBackend, "import_certificate", "acm", "tags", position=4)
    _wrap_creator(models.AWSCertificateManagerBackend, "request_certificate", "acm", "tags", position=3)


@patch("cloudfront", "CreateDistributionWithTags")
def cloudfront_custom_ids() -> None:
    """CreateDistributionWithTags gives the distribution the ID in its `_custom_id_` tag.

    The environment file names the website, tablet and booking distributions by ID (the
    frontend pipeline invalidates them); the seed creates them with exactly those IDs.
    """
    from moto.cloudfront import models

    models.random_id = _id_source("cloudfront", models.random_id)
    # CreateDistribution(WithTags) both arrive here, with tags as a keyword.
    _wrap_creator(models.CloudFrontBackend, "create_distribution", "cloudfront", "tags", position=1)

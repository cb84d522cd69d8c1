"""Tests against the launched emulator (session fixture `emulator_endpoint`)."""

from __future__ import annotations

from tools.aws import emulator_client

REGION = "us-east-1"


def aws(service: str, endpoint: str):
    """A boto3 client for the emulator only, with its throwaway credentials."""
    return emulator_client(service, endpoint, REGION)


def network(endpoint: str, cidr: str = "10.90.0.0/16") -> tuple[str, list[str], str]:
    """A VPC with two subnets in two AZs and a security group: (vpc, subnets, group)."""
    ec2 = aws("ec2", endpoint)
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    base = cidr.split(".")
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"{base[0]}.{base[1]}.{i}.0/24", AvailabilityZone=f"{REGION}{az}")[
            "Subnet"
        ]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    group = ec2.create_security_group(GroupName=f"sg-{vpc}", Description="test", VpcId=vpc)["GroupId"]
    return vpc, subnets, group


def register_fargate(ecs, family: str, image: str = "nginx") -> dict:
    """A Fargate revision of `family` with one container `app` running `image`."""
    return ecs.register_task_definition(
        family=family,
        containerDefinitions=[{"name": "app", "image": image}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )["taskDefinition"]


def fargate_service(endpoint: str, name: str, cidr: str, *, task_definition: str | None = None, **settings):
    """Cluster `name` with the Fargate service `svc` on its own network; the service runs
    `task_definition` (default: a first revision of family `name`). Returns the ECS client."""
    ecs = aws("ecs", endpoint)
    _, subnets, group = network(endpoint, cidr)
    ecs.create_cluster(clusterName=name)
    if task_definition is None:
        task_definition = register_fargate(ecs, name)["taskDefinitionArn"]
    ecs.create_service(
        cluster=name,
        serviceName="svc",
        taskDefinition=task_definition,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group]}},
        **settings,
    )
    return ecs


def pipeline_deploy(ecs, cluster: str, service: str, image: str, container: str = "api") -> str:
    """What CodePipeline's standard ECS deploy action does: the revision the service runs now,
    with the container's image replaced, registered as a new revision of the same family (with
    its tags), and the service pointed at it. Returns the new revision's ARN."""
    running = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["taskDefinition"]
    described = ecs.describe_task_definition(taskDefinition=running, include=["TAGS"])
    registrable = ecs.meta.service_model.operation_model("RegisterTaskDefinition").input_shape.members
    request = {key: value for key, value in described["taskDefinition"].items() if key in registrable}
    for definition in request["containerDefinitions"]:
        if definition["name"] == container:
            definition["image"] = image
    if described.get("tags"):
        request["tags"] = described["tags"]
    arn = ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=cluster, service=service, taskDefinition=arn)
    return arn

import pytest

from tests.emulator import aws
from tools.emulator.patches.custom_ids import CUSTOM_ID_TAG
from tools.emulator.seed import self_signed

pytestmark = pytest.mark.emulator


def custom(value: str) -> dict:
    return {"Key": CUSTOM_ID_TAG, "Value": value}


def test_ec2_ids_from_the_tag_and_the_tag_is_not_kept(emulator_endpoint):
    ec2 = aws("ec2", emulator_endpoint)
    vpc = ec2.create_vpc(
        CidrBlock="10.94.0.0/16",
        TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [custom("vpc-0abc00000000000a1"), {"Key": "Name", "Value": "v"}]}
        ],
    )["Vpc"]
    assert vpc["VpcId"] == "vpc-0abc00000000000a1"
    subnet = ec2.create_subnet(
        VpcId=vpc["VpcId"],
        CidrBlock="10.94.1.0/24",
        TagSpecifications=[{"ResourceType": "subnet", "Tags": [custom("subnet-0abc00000000000b1")]}],
    )["Subnet"]
    assert subnet["SubnetId"] == "subnet-0abc00000000000b1"
    group = ec2.create_security_group(
        GroupName="custom",
        Description="d",
        VpcId=vpc["VpcId"],
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [custom("sg-0abc00000000000c1")]}],
    )
    assert group["GroupId"] == "sg-0abc00000000000c1"
    described = ec2.describe_vpcs(VpcIds=["vpc-0abc00000000000a1"])["Vpcs"][0]
    assert {t["Key"]: t["Value"] for t in described.get("Tags", [])} == {"Name": "v"}
    assert "Tags" not in ec2.describe_subnets(SubnetIds=["subnet-0abc00000000000b1"])["Subnets"][0] or all(
        t["Key"] != CUSTOM_ID_TAG
        for t in ec2.describe_subnets(SubnetIds=["subnet-0abc00000000000b1"])["Subnets"][0]["Tags"]
    )
    # The VPC's default security group is not given the VPC's ID, and the next IDs are random again.
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    assert default["GroupId"].startswith("sg-") and default["GroupId"] != "sg-0abc00000000000c1"
    assert ec2.create_vpc(CidrBlock="10.95.0.0/16")["Vpc"]["VpcId"] != "vpc-0abc00000000000a1"


def test_imported_certificate_gets_the_arn_from_the_tag(emulator_endpoint):
    acm = aws("acm", emulator_endpoint)
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-4333-8444-555555555555"
    certificate, key = self_signed(("*.example.test", "example.test"))
    assert acm.import_certificate(Certificate=certificate, PrivateKey=key, Tags=[custom(arn)])["CertificateArn"] == arn
    described = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert described["Status"] == "ISSUED" and described["DomainName"] == "*.example.test"
    assert acm.list_tags_for_certificate(CertificateArn=arn).get("Tags", []) == []


def test_cloudfront_distribution_gets_the_id_from_the_tag(emulator_endpoint):
    cloudfront = aws("cloudfront", emulator_endpoint)
    config = {
        "CallerReference": "custom-id-test",
        "Comment": "c",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "o",
                    "DomainName": "b.s3.us-east-1.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "o",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
    }
    created = cloudfront.create_distribution_with_tags(
        DistributionConfigWithTags={"DistributionConfig": config, "Tags": {"Items": [custom("E9CUSTOMID0001")]}}
    )
    assert created["Distribution"]["Id"] == "E9CUSTOMID0001"
    arn = created["Distribution"]["ARN"]
    assert arn.endswith("distribution/E9CUSTOMID0001")
    assert cloudfront.get_distribution(Id="E9CUSTOMID0001")["Distribution"]["Id"] == "E9CUSTOMID0001"
    assert all(
        t["Key"] != CUSTOM_ID_TAG for t in cloudfront.list_tags_for_resource(Resource=arn)["Tags"].get("Items", [])
    )

import pytest

from tests.emulator import aws, network

pytestmark = pytest.mark.emulator


def test_group_reference_rules_keep_their_description(emulator_endpoint):
    ec2 = aws("ec2", emulator_endpoint)
    vpc, _, service = network(emulator_endpoint, "10.96.0.0/16")
    alb = ec2.create_security_group(GroupName="alb-desc", Description="alb", VpcId=vpc)["GroupId"]
    ingress = ec2.authorize_security_group_ingress(
        GroupId=service,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3000,
                "ToPort": 3000,
                "UserIdGroupPairs": [{"GroupId": alb, "Description": "API traffic from the load balancer"}],
            }
        ],
    )["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    egress = ec2.authorize_security_group_egress(
        GroupId=alb,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3000,
                "ToPort": 3000,
                "UserIdGroupPairs": [{"GroupId": service, "Description": "to the service"}],
            }
        ],
    )["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    rules = {
        r["SecurityGroupRuleId"]: r
        for r in ec2.describe_security_group_rules(SecurityGroupRuleIds=[ingress, egress])["SecurityGroupRules"]
    }
    assert rules[ingress]["Description"] == "API traffic from the load balancer"
    assert rules[ingress]["ReferencedGroupInfo"]["GroupId"] == alb
    assert rules[egress]["Description"] == "to the service"

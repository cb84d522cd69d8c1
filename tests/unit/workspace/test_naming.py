import pytest

from workspace.naming import MAX_ALB_NAME, MAX_ELASTICACHE_ID, MAX_IAM_ROLE_NAME, Namer, logical_id


def test_names_carry_project_and_environment():
    namer = Namer("dailydesk", "prod")
    assert namer.name("api") == "dailydesk-prod-api"
    assert namer.parameter("admin/email") == "/dailydesk/prod/admin/email"
    assert namer.stack("backend") == "backend-prod"
    assert namer.workspace("backend") == "dailydesk-backend-prod"


def test_long_names_are_cut_with_a_hash_and_stay_distinct():
    namer = Namer("dailydesk", "staging")
    for limit in (MAX_ALB_NAME, MAX_ELASTICACHE_ID, MAX_IAM_ROLE_NAME):
        first = namer.name("a-very-long-component-name-for-testing", "one", "more", "part", max_len=limit)
        second = namer.name("a-very-long-component-name-for-testing", "one", "more", "park", max_len=limit)
        assert len(first) <= limit and len(second) <= limit
        assert first != second
        assert not first.endswith("-") and "--" not in first


def test_every_name_starts_with_the_prefix():
    namer = Namer("dailydesk", "prod")
    assert namer.prefix == "dailydesk-prod-"
    assert namer.name("redis-memory", "001").startswith(namer.prefix)
    assert namer.name("x" * 80).startswith(namer.prefix)


def test_names_are_lower_case_and_dash_separated():
    assert Namer("dailydesk", "dev").name("Task Role_x") == "dailydesk-dev-task-role-x"


def test_standard_tags():
    tags = Namer("dailydesk", "dev").tags("parent", {"Owner": "platform"})
    assert tags == {
        "Owner": "platform",
        "Project": "dailydesk",
        "Environment": "dev",
        "Workspace": "parent-dev",
        "ManagedBy": "cdktf",
    }


@pytest.mark.parametrize("stack", ["parent-prod", "backend-prod", "frontend-local"])
def test_logical_id_is_the_one_cdktf_allocates(synthesized, stack):
    """Every resource and data source of a synthesized stack: the same name from its path."""
    blocks = [*synthesized[stack]["resource"].values(), *synthesized[stack].get("data", {}).values()]
    checked = 0
    for block in blocks:
        for name, body in block.items():
            if "//" not in body:  # terraform_remote_state carries no construct metadata
                continue
            path = tuple(body["//"]["metadata"]["path"].split("/")[1:])
            assert logical_id(path) == name
            checked += 1
    assert checked > 20

from workspace.naming import MAX_ALB_NAME, MAX_ELASTICACHE_ID, MAX_IAM_ROLE_NAME, Namer


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

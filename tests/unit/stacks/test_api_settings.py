"""What the container is told: variable names, and which parameters are secrets."""

import pytest

from stacks.backend.api_settings import secret_parameters, variable_name
from workspace.catalogue import CATALOGUE, manual_parameters


@pytest.mark.parametrize(
    ("spec_name", "variable"),
    [
        ("rds/password", "RDS_PASSWORD"),
        ("cloudfront/sales-export-private-key", "CLOUDFRONT_SALES_EXPORT_PRIVATE_KEY"),
        ("jwt-refresh-secret", "JWT_REFRESH_SECRET"),
        ("technician-scheduler", "TECHNICIAN_SCHEDULER"),
    ],
)
def test_variable_names(spec_name, variable):
    assert variable_name(spec_name) == variable


def test_secrets_are_every_manual_parameter_and_every_securestring():
    names = {p.name for p in secret_parameters()}
    assert {p.name for p in manual_parameters()} <= names
    assert names == {p.name for p in CATALOGUE if p.type == "SecureString"}
    assert names - {p.name for p in manual_parameters()} == {"rds/username", "gsm/username"}


def test_variable_names_are_unique():
    names = [variable_name(p.name) for p in CATALOGUE]
    assert len(names) == len(set(names))

"""EventBridge -> API: one connection per API-key secret the jobs use, one scheduled call per job."""

from __future__ import annotations

from dataclasses import dataclass

from constructs_lib.backend.scheduled_api_call import (
    ApiKeyConnection,
    ApiKeyConnectionProps,
    ScheduledApiCall,
    ScheduledApiCallProps,
)
from stacks.backend.api import Api
from stacks.base import WorkspaceStack
from workspace.catalogue import SECRETS_BY_NAME, api_key_connections
from workspace.outputs import ParentOutputs


@dataclass(frozen=True)
class Jobs:
    connections: dict[str, ApiKeyConnection]
    calls: dict[str, ScheduledApiCall]


def compose_jobs(stack: WorkspaceStack, parent: ParentOutputs, api: Api) -> Jobs:
    namer, config = stack.namer, stack.config
    connections: dict[str, ApiKeyConnection] = {
        name: ApiKeyConnection(
            stack,
            f"connection-{name}",
            props=ApiKeyConnectionProps(
                name=connection_name,
                header=api.api_keys[name].header,
                placeholder=SECRETS_BY_NAME[name].placeholder,
                description=f"API key of the {name} secret, sent as {SECRETS_BY_NAME[name].key}",
            ),
        )
        for name, connection_name in api_key_connections(config, namer).items()
    }
    backend_url = parent.parameter_value("backend-url")
    calls = {
        job.name: ScheduledApiCall(
            stack,
            f"job-{job.name}",
            props=ScheduledApiCallProps(
                context=stack.context,
                job_name=job.name,
                schedule=job.schedule,
                endpoint=f"{backend_url}{job.path}",
                method=job.method,
                connection_arn=connections[job.secret].connection.arn,
            ),
        )
        for job in config.jobs
    }
    return Jobs(connections, calls)

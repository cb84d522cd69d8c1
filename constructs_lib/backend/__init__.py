"""The backend's constructs: network, registry, logs, roles, the Fargate service, the load balancer,
Redis and the cron jobs."""

"""Delivery: CodeBuild projects, the two CodePipelines, the external hosting they deploy to, notifications."""

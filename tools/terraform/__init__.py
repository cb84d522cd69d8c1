"""Terraform, driven as a plain CLI (no cdktf CLI): the command wrapper (cli), process
control with Terraform's own interrupt semantics (process), the `-json` UI parser
(json_ui) and the project's CLI configuration with the provider mirror (config)."""

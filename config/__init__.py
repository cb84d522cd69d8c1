"""Environment configuration: data files in `environments/`, one schema, one loader."""

from config.loader import ConfigError, load_environment, load_environments
from config.schema import EnvironmentConfig

__all__ = ["ConfigError", "EnvironmentConfig", "load_environment", "load_environments"]

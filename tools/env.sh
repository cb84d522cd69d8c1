# shellcheck shell=bash
# Sourced by the Makefile and .ci/run: the environment every command of the project runs in.
# No registry host is written here: pip's own default index is asked of pip itself.
if [ -z "${PIP_INDEX_URL:-}" ]; then
  PIP_INDEX_URL="$(python3 -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')"
  export PIP_INDEX_URL
fi
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PIPENV_VENV_IN_PROJECT=1
export PIPENV_NOSPIN=1
export PIPENV_VERBOSITY=-1
export TF_CLI_CONFIG_FILE="${_root}/.terraform.d/terraformrc"
export TF_PLUGIN_CACHE_DIR="${_root}/.terraform.d/plugin-cache"
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export PATH="${_root}/node_modules/.bin:${PATH}"
mkdir -p "${TF_PLUGIN_CACHE_DIR}"
unset _root

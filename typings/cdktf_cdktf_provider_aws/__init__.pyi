# mypy's view of the AWS provider package root: empty, as workspace/provider_bindings.py makes
# it at run time. The real `__init__.py` imports all ~2,100 resource modules, which mypy would
# then analyse on every run (125 s and 3.5 GB on a cold cache instead of 23 s and 0.6 GB).
# `py.typed` says "partial": every submodule we import (ssm_parameter, ecs_service, ...) is
# still read, fully typed, from the installed package.

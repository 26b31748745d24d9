"""a2c-iam: identity and access management for AWS App2Container.

The package is layered (see DESIGN.md): ``policy`` is the pure policy language and engine; the
other packages build on it. Nothing is imported here so that ``a2c-iam --help`` stays fast.
"""

__version__ = "0.1.0"

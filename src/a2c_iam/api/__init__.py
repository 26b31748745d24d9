"""The wire: an ASGI app speaking the AWS query protocol for IAM and STS, with SigV4.

Nothing below this package knows HTTP. Handlers are thin adapters over ``a2c_iam.identity``.
"""

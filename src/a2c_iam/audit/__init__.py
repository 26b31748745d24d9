"""Account audit: the seed's IAM best practices, and who can do what, over one account.

The account comes from a GetAccountAuthorizationDetails document (a file, a live endpoint, the
local store); every question about access is asked of the policy engine.

Public surface::

    from a2c_iam.audit import account_from_gaad, AccessModel, run_audit, AuditOptions
"""

from .access import AccessModel, Path, Principal
from .checks import AuditOptions, AuditReport, run_audit
from .credentials import parse_credential_report
from .errors import AuditError, AuditInputError
from .findings import CHECKS, Finding, Severity
from .model import Account, account_from_gaad

__all__ = [
    "CHECKS",
    "AccessModel",
    "Account",
    "AuditError",
    "AuditInputError",
    "AuditOptions",
    "AuditReport",
    "Finding",
    "Path",
    "Principal",
    "Severity",
    "account_from_gaad",
    "parse_credential_report",
    "run_audit",
]

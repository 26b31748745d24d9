"""Who runs what: the identities the seed sets apart.

The seed asks for a general-purpose group that runs every command except those with
``--deploy``, a separate deployment user with elevated rights, and the identities the Jenkins and
Azure DevOps pipelines use. Kept in its own module so that sections, the command map and the
generator can all name a persona without importing each other.
"""

from __future__ import annotations

from enum import StrEnum


class Persona(StrEnum):
    GENERAL = "general"
    DEPLOY = "deploy"
    JENKINS = "jenkins"
    AZURE_DEVOPS = "azure-devops"

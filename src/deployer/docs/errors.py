"""Why a hand-over document could not be written."""

from __future__ import annotations

from deployer.errors import DeployerError, ExitCode


class DocsError(DeployerError):
    """A template that does not render, or a PDF LibreOffice could not make."""

    exit_code = ExitCode.DOCS_FAILED

"""Word documents turned into PDF by LibreOffice, headless, in one start for all of them."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from deployer.docs.errors import DocsError

#: Seconds LibreOffice may take for a whole set (its first start in a new profile is slow).
TIMEOUT = 600


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_libreoffice() -> str:
    program = libreoffice()
    if program is None:
        raise DocsError(
            "PDF needs LibreOffice (soffice), which is not installed here: install it "
            "(Debian: libreoffice-writer-nogui) or leave pdf out of --format"
        )
    return program


def to_pdf(documents: Sequence[Path], folder: Path) -> list[Path]:
    """Convert ``documents`` into PDFs of the same names in ``folder``."""
    program = require_libreoffice()
    # A profile of its own: a LibreOffice the user has open would otherwise take the job
    # over, and a first start leaves nothing behind in the user's home.
    with tempfile.TemporaryDirectory(prefix="deployer-lo-") as profile:
        command = [
            program,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *(str(path) for path in documents),
        ]
        try:
            done = subprocess.run(  # noqa: S603 (an argument list, no shell)
                command, capture_output=True, text=True, timeout=TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise DocsError(f"LibreOffice did not finish the PDFs in {TIMEOUT} s") from None
    made = [folder / f"{path.stem}.pdf" for path in documents]
    missing = [path.name for path in made if not path.exists()]
    if done.returncode != 0 or missing:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise DocsError(
            f"LibreOffice made no PDF of {', '.join(missing) or 'the documents'} "
            f"(exit {done.returncode}): {' / '.join(tail) or 'no output'}"
        )
    return made

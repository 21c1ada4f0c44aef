"""``deployer docs SPEC``: the hand-over documents the customer signs, from the records."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from deployer.cli.common import add_spec_arguments, load_target
from deployer.cli.io import Streams
from deployer.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from deployer.report.i18n import Lang

FORMATS = ("docx", "pdf", "html")
LANGS = ("zh", "en")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "docs",
        help="write the hand-over documents: implementation report, configuration manual, "
        "operations guide, FAQ and acceptance sheet",
        description="Write the five hand-over documents from the spec, the support matrix and "
        "the run journal (the last scan and its accepted risks, every apply, rollback and "
        "import). Nothing is asked of the hosts: the same journal gives the same documents, "
        "and each names the runs it was made from.",
    )
    add_spec_arguments(parser)
    parser.add_argument(
        "--lang",
        default="zh",
        metavar="zh|en[,...]",
        help="languages, comma-separated (default: zh)",
    )
    parser.add_argument(
        "--format",
        dest="formats",
        default=None,
        metavar="docx,pdf,html",
        help="formats, comma-separated (default: all three, pdf only where LibreOffice is)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder to write into (default: handover-ENVIRONMENT here)",
    )
    parser.set_defaults(handler=run_docs)


def _choices(text: str, allowed: tuple[str, ...], option: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in allowed]
    if unknown or not chosen:
        raise UsageError(
            f"{option}: {', '.join(unknown) or 'nothing'} is not one of {', '.join(allowed)}"
        )
    return list(dict.fromkeys(chosen))


def run_docs(args: argparse.Namespace, streams: Streams) -> int:
    from deployer.docs.generate import write_handover
    from deployer.docs.pdf import libreoffice
    from deployer.docs.records import read_site
    from deployer.journal import Journal

    chosen = _choices(args.lang, LANGS, "--lang")
    langs: list[Lang] = [lang for lang in ("zh", "en") if lang in chosen]
    if args.formats is None:
        formats = [f for f in FORMATS if f != "pdf" or libreoffice() is not None]
        if "pdf" not in formats:
            streams.say("no PDF: LibreOffice (soffice) is not installed here")
    else:
        formats = _choices(args.formats, FORMATS, "--format")
    target = load_target(args, restrict=False)
    site = read_site(target.loaded, Journal(target.journal_root))
    out = args.out or Path(f"handover-{target.loaded.env.environment}")
    written = write_handover(
        site, out, langs=langs, formats=formats, spec_shown=target.spec_argument
    )
    for entry in written:
        names = ", ".join(path.name for path in entry.files)
        streams.say(f"{entry.document.title} ({entry.document.lang}): {names}")
    streams.say(f"{len(written)} documents in {out}, made from {len(site.made_from)} runs")
    return ExitCode.OK

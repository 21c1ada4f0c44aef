"""Streams: text from specs is printed as given and can never drive the terminal."""

from __future__ import annotations

import io

from deployer.cli.io import Streams, printable


def test_control_characters_are_escaped() -> None:
    assert printable("a\x1b[2Jb\x07c\x9bd") == "a\\x1b[2Jb\\x07c\\x9bd"
    assert printable("中文 and plain text\n") == "中文 and plain text\n"


def test_no_markup_emoji_or_escape_reaches_the_stream() -> None:
    out, err = io.StringIO(), io.StringIO()
    streams = Streams(out=out, err=err)
    streams.error("f.yml:1:1: key: unknown field '[bold]x[/bold]:smile:\x1b[31m'")
    streams.say("ok :thumbs_up:")
    assert err.getvalue() == "f.yml:1:1: key: unknown field '[bold]x[/bold]:smile:\\x1b[31m'\n"
    assert out.getvalue() == "ok :thumbs_up:\n"


def test_quiet_silences_say_but_not_error_or_data() -> None:
    out, err = io.StringIO(), io.StringIO()
    streams = Streams(out=out, err=err, verbosity=-1)
    streams.say("hidden")
    streams.detail("hidden")
    streams.error("shown")
    streams.data('{"a": 1}')
    assert (out.getvalue(), err.getvalue()) == ('{"a": 1}\n', "shown\n")


def test_detail_only_when_verbose() -> None:
    err = io.StringIO()
    Streams(out=io.StringIO(), err=err, verbosity=1).detail("more")
    assert err.getvalue() == "more\n"

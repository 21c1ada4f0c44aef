"""The start of the probe script: its environment and the sh helpers every snippet may use.

The probe's cost on a host is its forks (the benchmark against a bare ``ssh host true`` is
about process starts, not work), so the helpers do with the shell's own builtins what small
programs did: ``read`` loops and ``case`` globs instead of ``cat``, ``head`` and ``grep``,
``cd -P`` instead of ``readlink -f`` where no link needs reading, and variables rather than
output so that no command substitution is needed to use them. ``base.py`` lists them.
"""

from __future__ import annotations

#: Seconds any single program in the probe may run before ``timeout`` stops it.
COMMAND_TIMEOUT_S = 5

_PRELUDE = r"""# deployer probe: read-only; collects the facts that `deployer check` evaluates.
# Only the directories PATH lacks: a program no directory has is looked for once in each.
for deployer_d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  case :$PATH: in
    *:"$deployer_d":*) ;;
    *) PATH=${PATH:+$PATH:}$deployer_d ;;
  esac
done
export PATH
unset CDPATH
deployer_lang=${LANG-}
deployer_lc_all=${LC_ALL-}
LC_ALL=C
export LC_ALL
if command -v timeout >/dev/null 2>&1; then
  deployer_t='timeout COMMAND_TIMEOUT_S'
else
  deployer_t=''
fi
# A newline. Patterns use it unquoted (${x%%$deployer_nl*}): within double quotes posh
# mistakes a quoted part after %%, and a newline is no glob character anyway.
deployer_nl='
'
deployer_pwd=$PWD
deployer_seen='|'
deployer_new() {
  case $deployer_seen in *"|$1|"*) return 1 ;; esac
  deployer_seen="$deployer_seen$1|"
}
deployer_dir() {
  # A cd in this shell, not $(cd ...; pwd -P): no fork. Back to where the probe started.
  deployer_r=$1
  if cd -P -- "$1" 2>/dev/null; then deployer_r=$PWD; fi
  cd -- "$deployer_pwd" 2>/dev/null || :
}
deployer_real() {
  # readlink -f only when the file itself is a link: cd -P resolves the folders it is in.
  if [ -L "$1" ]; then
    deployer_r=$(readlink -f -- "$1" 2>/dev/null) && [ -n "$deployer_r" ] || deployer_r=$1
    return 0
  fi
  case $1 in
    */*) deployer_d=${1%/*} ;;
    *) deployer_d=. ;;
  esac
  deployer_dir "${deployer_d:-/}"
  deployer_r=${deployer_r%/}/${1##*/}
}
deployer_which() {
  # deployer_w=$(command -v NAME) for a program, without the fork: PATH's first executable.
  deployer_w='' deployer_ws=$PATH:
  while [ -n "$deployer_ws" ]; do
    deployer_wd=${deployer_ws%%:*}
    deployer_ws=${deployer_ws#*:}
    if [ -f "${deployer_wd:-.}/$1" ] && [ -x "${deployer_wd:-.}/$1" ]; then
      deployer_w=${deployer_wd:-.}/$1
      return 0
    fi
  done
  return 1
}
deployer_match() {
  # True when LINE matches one of the case globs that follow it.
  deployer_m=$1
  shift
  for deployer_g in "$@"; do
    # shellcheck disable=SC2254 # the globs are the caller's patterns
    case $deployer_m in $deployer_g) return 0 ;; esac
  done
  return 1
}
deployer_read() {
  # deployer_found=$(grep -m MAX GLOB... FILE), by read: at most MAX lines (-1: all) of FILE
  # that match one of the case globs; false when none does.
  deployer_n=$1 deployer_f=$2 deployer_found='' deployer_hit=''
  shift 2
  [ -r "$deployer_f" ] || return 1
  while [ "$deployer_n" != 0 ] && { IFS= read -r deployer_l || [ -n "$deployer_l" ]; }; do
    if deployer_match "$deployer_l" "$@"; then
      deployer_found=$deployer_found$deployer_nl$deployer_l deployer_hit=1
      deployer_n=$((deployer_n - 1))
    fi
  done <"$deployer_f"
  deployer_found=${deployer_found#$deployer_nl}
  [ -n "$deployer_hit" ]
}
deployer_lines() {
  # Print, each after PREFIX, at most MAX lines (-1: all) of TEXT that match one of the case
  # globs: `printf '%s\n' TEXT | grep | head` without forks; false when none matches.
  deployer_n=$1 deployer_p=$2 deployer_rest=$3 deployer_hit=''
  shift 3
  while [ "$deployer_n" != 0 ] && [ -n "$deployer_rest" ]; do
    deployer_l=${deployer_rest%%$deployer_nl*}
    case $deployer_rest in
      *$deployer_nl*) deployer_rest=${deployer_rest#*$deployer_nl} ;;
      *) deployer_rest='' ;;
    esac
    if deployer_match "$deployer_l" "$@"; then
      printf '%s%s\n' "$deployer_p" "$deployer_l"
      deployer_hit=1 deployer_n=$((deployer_n - 1))
    fi
  done
  [ -n "$deployer_hit" ]
}
"""

PRELUDE = _PRELUDE.replace("COMMAND_TIMEOUT_S", str(COMMAND_TIMEOUT_S))

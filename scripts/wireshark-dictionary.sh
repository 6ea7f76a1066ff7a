#!/usr/bin/env bash
# Teaches Wireshark kmebind's S6a extension (the KME-Request/Answer command and the KME AVPs of
# vendor 32473), so that captures show them by name instead of "Unknown AVP" (docs/diameter.md,
# "Reading captures in Wireshark"). The dictionary fragment comes from `kmebind
# wireshark-dictionary`; it goes into the diameter/Custom.xml of a Wireshark data directory,
# between two marker comments, so that running this again replaces it and other additions stay.
#
#   scripts/wireshark-dictionary.sh overlay DIR   for a user: DIR becomes a data directory that
#                                                 links to the system one, with the fragment added;
#                                                 then `export WIRESHARK_DATA_DIR=DIR` (DIR new,
#                                                 empty or an earlier overlay; run again to renew)
#   scripts/wireshark-dictionary.sh install       as root: into the system data directory
#   scripts/wireshark-dictionary.sh uninstall     as root: takes it out again
#
# Options: --kme-command-code N (as diameter.kme_command_code in hss.yaml/cnn.yaml; default
# 16777214), --kmebind PATH (default: $KMEBIND, `kmebind` on PATH, or this checkout's build),
# --data-dir DIR (the system data directory; default /usr/share/wireshark).
# Wireshark ignores WIRESHARK_DATA_DIR when run as root: root uses `install`.
# A Wireshark upgrade replaces the system Custom.xml: run `install` again after it.
# Exit codes: 0 done, 1 failed, 2 bad usage.
set -euo pipefail

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}
die() {
  echo "wireshark-dictionary.sh: $*" >&2
  exit 1
}

mode="${1:-}"
[[ "$mode" == overlay || "$mode" == install || "$mode" == uninstall ]] || usage
shift
overlay_dir=""
if [[ "$mode" == overlay ]]; then
  [[ $# -ge 1 && "$1" != --* ]] || usage
  overlay_dir="$1"
  shift
fi
code_args=()
kmebind="${KMEBIND:-}"
data_dir=/usr/share/wireshark
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kme-command-code) [[ $# -ge 2 ]] || usage; code_args=(--kme-command-code "$2"); shift 2 ;;
    --kmebind) [[ $# -ge 2 ]] || usage; kmebind="$2"; shift 2 ;;
    --data-dir) [[ $# -ge 2 ]] || usage; data_dir="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "wireshark-dictionary.sh: unknown option $1" >&2; usage ;;
  esac
done

[[ -f "$data_dir/diameter/dictionary.xml" ]] ||
  die "$data_dir/diameter/dictionary.xml not found: install Wireshark (apt-get install tshark) or give --data-dir"

begin='<!-- kmebind begin: scripts/wireshark-dictionary.sh -->'
end='<!-- kmebind end -->'

# Prints FILE without the kmebind block.
without_block() {
  awk -v b="$begin" -v e="$end" '$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip' "$1"
}

if [[ "$mode" == uninstall ]]; then
  custom="$data_dir/diameter/Custom.xml"
  [[ -f "$custom" ]] || die "$custom not found"
  without_block "$custom" > "$custom.kmebind-tmp"
  chmod 0644 "$custom.kmebind-tmp"  # readable by every Wireshark user whatever root's umask
  mv "$custom.kmebind-tmp" "$custom"
  echo "wireshark-dictionary.sh: kmebind's fragment removed from $custom"
  exit 0
fi

# Wireshark reads Custom.xml only because its dictionary.xml includes it (Wireshark 4.0 does).
grep -q '&Custom;' "$data_dir/diameter/dictionary.xml" ||
  die "$data_dir/diameter/dictionary.xml does not include Custom.xml (no &Custom; entity), so this Wireshark would not read the fragment; add the output of 'kmebind wireshark-dictionary' to its dictionary by hand"

if [[ -z "$kmebind" ]]; then
  repo="$(cd "$(dirname "$0")/.." && pwd)"
  if command -v kmebind >/dev/null 2>&1; then
    kmebind="$(command -v kmebind)"
  else
    for b in release ci dev; do
      if [[ -x "$repo/build/$b/apps/kmebind/kmebind" ]]; then kmebind="$repo/build/$b/apps/kmebind/kmebind"; break; fi
    done
  fi
fi
[[ -n "$kmebind" && -x "$kmebind" ]] ||
  die "no kmebind binary: build it (scripts/demo.sh does) or give --kmebind PATH"

fragment="$("$kmebind" wireshark-dictionary "${code_args[@]}")" || {
  rc=$?
  [[ $rc -eq 2 ]] && exit 2
  die "kmebind wireshark-dictionary failed (exit $rc)"
}

# Writes SOURCE_CUSTOM without any old block, plus the fragment between the markers, to TARGET.
write_custom() {
  local source="$1" target="$2"
  {
    if [[ -f "$source" ]]; then without_block "$source"; fi
    echo "$begin"
    echo "$fragment"
    echo "$end"
  } > "$target.kmebind-tmp"
  # Readable by every Wireshark user whatever the umask (under umask 077 a 0600 Custom.xml makes
  # Wireshark report "Could not open file: 'Custom.xml'" and drop the fragment for everyone else).
  chmod 0644 "$target.kmebind-tmp"
  mv "$target.kmebind-tmp" "$target"
}

if [[ "$mode" == install ]]; then
  [[ -w "$data_dir/diameter" ]] || die "$data_dir/diameter is not writable: run as root, or use overlay DIR"
  write_custom "$data_dir/diameter/Custom.xml" "$data_dir/diameter/Custom.xml"
  echo "wireshark-dictionary.sh: kmebind's fragment is in $data_dir/diameter/Custom.xml (run again after a Wireshark upgrade)"
  exit 0
fi

# overlay DIR: symbolic links to every entry of the data directory, except diameter/, whose
# entries are linked one by one except Custom.xml, which is a copy with the fragment.
system_dir="$(cd "$data_dir" && pwd -P)"
# DIR must be new, empty or an overlay made before (its Custom.xml holds the block): the links
# below replace entries of the same names (cfilters, colorfilters, dfilters, ...), which in a
# personal configuration directory are the user's own.
if [[ -d "$overlay_dir" && -n "$(ls -A "$overlay_dir")" ]] &&
    ! grep -qxF "$begin" "$overlay_dir/diameter/Custom.xml" 2>/dev/null; then
  die "$overlay_dir is not empty and not an overlay made by this script: give a new or empty directory"
fi
mkdir -p "$overlay_dir"
overlay_dir="$(cd "$overlay_dir" && pwd -P)"
[[ "$overlay_dir" != "$system_dir" ]] || die "the overlay must be another directory than $system_dir"
for entry in "$system_dir"/* "$system_dir"/.[!.]*; do
  [[ -e "$entry" ]] || continue
  name="$(basename "$entry")"
  [[ "$name" == diameter ]] && continue
  ln -sfn "$entry" "$overlay_dir/$name"
done
# A link left by an older layout goes; the directory of an earlier run stays (rm -f fails on it).
if [[ -L "$overlay_dir/diameter" ]]; then rm -f "$overlay_dir/diameter"; fi
mkdir -p "$overlay_dir/diameter"
for entry in "$system_dir"/diameter/*; do
  name="$(basename "$entry")"
  [[ "$name" == Custom.xml ]] && continue
  ln -sfn "$entry" "$overlay_dir/diameter/$name"
done
write_custom "$system_dir/diameter/Custom.xml" "$overlay_dir/diameter/Custom.xml"
chmod -R a+rX "$overlay_dir"
echo "wireshark-dictionary.sh: overlay ready; for kmebind's AVPs in Wireshark run:"
printf '  export WIRESHARK_DATA_DIR=%q\n' "$overlay_dir"
if [[ "$(id -u)" == 0 ]]; then
  echo "(Wireshark ignores WIRESHARK_DATA_DIR when run as root: as root, use '$0 install')"
fi

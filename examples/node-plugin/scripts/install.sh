#!/bin/sh
# install.sh DEST PLUGINS_DIR: installs the plugin's files (after `npm ci`)
# in DEST and writes PLUGINS_DIR/payhost-plugin-NAME (NAME from the entry
# script beside package.json, payhost-plugin-hmacnode here), a wrapper that
# embeds the SHA-256 of every file the plugin runs, checks them, then execs
# Node. Pin the wrapper (payhost plugins pin): any change to a file under
# DEST changes the wrapper, hence its pin (docs/plugin-protocol.md, section 7).
#
# Run it as the user who owns DEST (root, or the deploy user), never as the
# host's user: DEST must not be writable by the host.
set -eu
if [ $# -ne 2 ]; then
  echo "usage: $0 DEST PLUGINS_DIR" >&2
  exit 2
fi
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1" "$2"
dest=$(cd "$1" && pwd)
plugins=$(cd "$2" && pwd)
case "$dest/" in "$plugins/"*) echo "DEST must be outside PLUGINS_DIR: the host runs every payhost-plugin-* there" >&2; exit 2;; esac
[ -d "$src/node_modules" ] || { echo "run npm ci in $src first" >&2; exit 1; }
entry=$(cd "$src" && ls -d payhost-plugin-*)
case "$entry" in *[!A-Za-z0-9_.-]*) echo "one entry script payhost-plugin-NAME beside package.json, please (found: $entry)" >&2; exit 1;; esac
node=$(command -v node) || { echo "node is not on PATH" >&2; exit 1; }
node=$(readlink -f "$node")
sha256sum=$(command -v sha256sum) || { echo "sha256sum (GNU coreutils) is missing" >&2; exit 1; }
find=$(command -v find)
sort=$(command -v sort)
case "$dest$node" in *"'"*) echo "no quote in DEST or in node's path, please" >&2; exit 2;; esac

# The plugin's own files, its dependencies and the contract's proto (a copy
# of sdk/proto, since the repository is not installed).
rm -rf "$dest/src" "$dest/proto" "$dest/node_modules" "$dest/sdk-proto"
cp -R "$src/src" "$src/proto" "$src/node_modules" "$dest/"
cp "$src/package.json" "$src/package-lock.json" "$src/$entry" "$dest/"
if [ -d "$src/sdk-proto" ]; then contract="$src/sdk-proto"; else contract="$src/../../sdk/proto"; fi
cp -R "$contract" "$dest/sdk-proto"
rm -rf "$dest/node_modules/.bin" # command-line tools the plugin does not run
chmod -R go-w "$dest"

# The list of names too: a file added beside the checked ones (a
# node_modules/long.js shadows node_modules/long/) would run unchecked.
names=$(cd "$dest" && "$find" . ! -type d -print | LC_ALL=C "$sort" | "$sha256sum" | cut -d' ' -f1)
wrapper="$plugins/$entry"
tmp="$wrapper.tmp.$$"
{
  cat <<EOF
#!/bin/sh
# $entry, installed in $dest: checks the SHA-256 of every
# file the plugin runs, then runs it with $node. Written by
# examples/node-plugin/scripts/install.sh; run it again after any change.
set -eu
cd '$dest'
if ! $sha256sum --check --strict --quiet >&2 <<'SUMS'; then
EOF
  (cd "$dest" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 "$sha256sum")
  cat <<EOF
SUMS
  echo "$entry: files under $dest changed since the wrapper was written; refusing to run" >&2
  exit 1
fi
if [ "\$($find . ! -type d -print | LC_ALL=C $sort | $sha256sum)" != "$names  -" ]; then
  echo "$entry: files were added under $dest since the wrapper was written; refusing to run" >&2
  exit 1
fi
# \$PPID is the host: Node watches it (it would see only its new parent if
# the host died during the check).
exec '$node' '$dest/$entry' --proto-dir '$dest/sdk-proto' --host-pid "\$PPID"
EOF
} >"$tmp"
chmod 0755 "$tmp"
mv "$tmp" "$wrapper"
echo "$wrapper: sha256:$("$sha256sum" "$wrapper" | cut -d' ' -f1)"

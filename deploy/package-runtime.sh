#!/usr/bin/env bash
# Produces the runtime folder of the wagate image in OUT_DIR: package.json, dist/ (the launcher
# bundle main.js, the one-shot migrate.js, the SQL migrations in dist/drizzle) and the production
# node_modules of the packages the bundle leaves external. The Dockerfile runs exactly this script,
# so running it by hand gives the image's /app without a Docker engine:
#
#   deploy/package-runtime.sh /tmp/wagate-runtime
#   cd /tmp/wagate-runtime && MIGRATIONS_DIR=$PWD/dist/drizzle node dist/main.js --target=all
#
# --no-install skips `pnpm install --frozen-lockfile`, for a checkout that is already installed
# (the deploy tests use it so they never rewrite the node_modules other processes are using).
set -euo pipefail

usage() {
  echo "usage: $0 [--no-install] <out dir>" >&2
  exit 2
}

install=1
out_dir=''
for arg in "$@"; do
  case "$arg" in
    --no-install) install=0 ;;
    -*) usage ;;
    *) [[ -z "$out_dir" ]] || usage; out_dir="$arg" ;;
  esac
done
[[ -n "$out_dir" ]] || usage
if [[ -e "$out_dir" && -n "$(ls -A "$out_dir")" ]]; then
  echo "$out_dir is not empty; give a new or empty folder" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The image installs pnpm globally; elsewhere the version pinned in packageManager runs through npx.
if command -v pnpm >/dev/null 2>&1; then
  pnpm=(pnpm)
else
  pnpm=(npx -y "$(node -p "require('./package.json').packageManager")")
fi

if [[ "$install" == 1 ]]; then
  "${pnpm[@]}" install --frozen-lockfile
fi
"${pnpm[@]}" --filter @wagate/launcher run build
# pnpm 10 deploys without injected workspace packages only in legacy mode. The workspace packages
# are inside the bundle already; what the runtime needs from node_modules are the launcher's own
# dependencies that the bundle leaves external (deploy/build-service.mjs, UNBUNDLED). Legacy deploy
# resolves versions again: prefer the store and metadata cache, but a fresh machine's cache holds
# no metadata after a frozen-lockfile install, so the registry must stay allowed (not --offline).
"${pnpm[@]}" --filter @wagate/launcher deploy --prod --legacy --prefer-offline "$out_dir"
# Keep only what runs: the launcher's sources, test and build configuration stay behind.
find "$out_dir" -mindepth 1 -maxdepth 1 \
  ! -name package.json ! -name dist ! -name node_modules -exec rm -rf {} +
echo "runtime folder ready in $out_dir (start it with: node dist/main.js --target=all)"

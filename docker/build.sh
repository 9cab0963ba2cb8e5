#!/usr/bin/env bash
# Build the Recoverable tool image from this checkout (see the Dockerfile beside the package).
#
#   bash docker/build.sh [--tag recoverable:<version>] [--base postgres:18]
#
# Stages a build context with the packed package (what `npm pack` ships, built first), its production
# dependencies installed from the npm registry (or npm's cache), and the Node binary this checkout runs on,
# then runs `docker build` on it with the top-level Dockerfile. Exits non-zero, naming the step, on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

tag=""
base="postgres:18"
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --base) base="$2"; shift 2 ;;
    *) echo "docker/build.sh: unknown option $1 (known: --tag, --base)" >&2; exit 2 ;;
  esac
done

[ -n "$tag" ] || tag="recoverable:$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json | head -n 1)"

say() { printf '[image] %s\n' "$*"; }
docker info --format '{{.ServerVersion}}' >/dev/null 2>&1 || { echo "[image] no Docker engine answers (start one: .ci/docker-engine.sh)" >&2; exit 3; }
docker image inspect "$base" >/dev/null 2>&1 || { echo "[image] base image $base is not here: docker pull $base, or build it from Debian's packages with .ci/pg-images.sh" >&2; exit 3; }

node_bin="node_modules/node/bin/node"
[ -x "$node_bin" ] || { echo "[image] $node_bin is missing: run npm ci first (Node 24 comes from the npm registry as a devDependency)" >&2; exit 3; }

context="$(mktemp -d "${TMPDIR:-/tmp}/recoverable-image.XXXXXX")"
trap 'rm -rf "$context"' EXIT

say "building and packing the package"
npm run --silent build
tarball="$(npm pack --silent --pack-destination "$context" | tail -n 1)"

say "installing its production dependencies into the context"
mkdir -p "$context/app"
printf '{ "name": "recoverable-image", "private": true }\n' > "$context/app/package.json"
npm install --prefix "$context/app" --omit=dev --no-audit --no-fund --no-package-lock --loglevel=error "$context/$tarball" >/dev/null
rm -f "$context/$tarball"
cp "$node_bin" "$context/node"

say "docker build -t $tag (base $base)"
# No bridge network exists on some hosts (and nothing in the build needs one).
docker build --network host --build-arg "BASE_IMAGE=$base" -t "$tag" -f Dockerfile "$context"
say "built $tag"

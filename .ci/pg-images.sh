#!/usr/bin/env bash
# Build local PostgreSQL images from Debian packages (idempotent; run as root, after
# .ci/docker-engine.sh). No container registry is reachable on CI machines, so nothing
# can be pulled: each image is a debootstrap'd Debian rootfs imported with `docker import`.
#
#   recoverable/postgres:13   Debian bullseye, postgresql-13
#   recoverable/postgres:15   Debian bookworm, postgresql-15
#   recoverable/postgres:17   Debian trixie,   postgresql-17
#   recoverable/postgres:18   Debian forky,    postgresql-18
#   recoverable/postgres:15-17  17's image plus 15's server tree, for pg_upgrade rehearsals
#                               (.ci/pg-two-majors.Dockerfile; built from the two images above
#                               with `docker build --network none`, nothing is downloaded)
#
# The server binaries are on PATH (/usr/lib/postgresql/<major>/bin), as in the official
# images. Since PostgreSQL 10, Debian ships contrib (amcheck, ...) inside the server
# package: postgresql-contrib-<major> is only a virtual package provided by
# postgresql-<major> (checked with apt-cache for bookworm; the build fails if
# amcheck.control is missing). The `postgres` user's uid is whatever Debian assigned
# (100 in the bookworm and trixie images, 101 in forky's, 999 in the official images):
# never assume a uid.
#
# Existing images are left alone, so a second run only checks and returns.
#
# Environment:
#   DEBIAN_MIRROR            Debian mirror (default: the one this machine's apt sources name,
#                            read by .ci/debian-mirror.sh)
#   PG_IMAGES_MAJORS         majors to build (default "13 15 17 18")
#   PG_IMAGES_PARALLEL       1 = build the missing images concurrently (default; falls back
#                            to sequential when disk is tight), 0 = one after the other.
#                            Measured on a 2-core CI machine, all three images: sequential
#                            139 s and 266 s, concurrent 164 s and 109 s. The mirror's speed
#                            dominates and varies; concurrent builds overlap its waits. They
#                            are independent (one rootfs each; ~110 s CPU in total).
#   PG_IMAGES_TMPDIR         where the temporary rootfs trees go (default /var/tmp)
#   PG_IMAGES_MIN_FREE_GB    minimum free disk to start building (default 3)
#   PG_IMAGES_UPGRADES       two-major images to build after the majors, as <from>-<to>
#                            (default "15-17"; both majors must be among PG_IMAGES_MAJORS or present)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

mirror="${DEBIAN_MIRROR:-$(bash "$(dirname "${BASH_SOURCE[0]}")/debian-mirror.sh")}"
majors="${PG_IMAGES_MAJORS:-13 15 17 18}"
parallel="${PG_IMAGES_PARALLEL:-1}"
tmp_parent="${PG_IMAGES_TMPDIR:-/var/tmp}"
min_free_gb="${PG_IMAGES_MIN_FREE_GB:-3}"
upgrades="${PG_IMAGES_UPGRADES:-15-17}"
image_repo="recoverable/postgres"
image_gb=1 # an image is 0.3-0.5 GB on disk; its rootfs tree as much again while building

say() { printf '[pg-images] %s\n' "$*"; }
die() { printf '[pg-images] ERROR: %s\n' "$*" >&2; exit 1; }

suite_for() {
  case "$1" in
    13) echo bullseye ;;
    15) echo bookworm ;;
    17) echo trixie ;;
    18) echo forky ;;
    *) die "no Debian suite known for PostgreSQL $1 (known: 13 15 17 18)" ;;
  esac
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

docker info --format '{{.ServerVersion}}' >/dev/null 2>&1 ||
  die "no Docker engine answers; run .ci/docker-engine.sh first"

# One build at a time per machine (two CI jobs must not import the same tag concurrently).
exec 9>/var/lock/recoverable-pg-images.lock
flock 9

# Tests and users default to the official image names (postgres:<major>); on machines
# that cannot pull them, give our local builds that name too. An existing postgres:<major>
# (e.g. a pulled official image) is never replaced.
tag_official_names() {
  local major
  for major in $majors; do
    if image_exists "$image_repo:$major" && ! image_exists "postgres:$major"; then
      docker tag "$image_repo:$major" "postgres:$major"
      say "tagged $image_repo:$major as postgres:$major"
    fi
  done
}

# Images holding two majors (pg_upgrade needs both servers in one place): the newer image plus the
# older server tree and the few libraries of its distribution the newer one lacks. Measured: ~20 s.
build_upgrade_images() {
  local pair from to tag start
  for pair in $upgrades; do
    from="${pair%-*}"
    to="${pair#*-}"
    tag="$image_repo:$from-$to"
    if image_exists "$tag"; then
      say "$tag already present"
    else
      if ! image_exists "$image_repo:$from" || ! image_exists "$image_repo:$to"; then
        # Asked for by name: an error; by default (PG_IMAGES_MAJORS without one of them): said and skipped.
        [ -z "${PG_IMAGES_UPGRADES:-}" ] || die "$tag needs $image_repo:$from and $image_repo:$to (add both to PG_IMAGES_MAJORS)"
        say "skipping $tag: $image_repo:$from or $image_repo:$to is not built"
        continue
      fi
      start=$SECONDS
      say "building $tag from $image_repo:$to plus PostgreSQL $from of $image_repo:$from"
      docker build --network none --build-arg "FROM_MAJOR=$from" --build-arg "TO_MAJOR=$to" \
        -t "$tag" -f "$(dirname "${BASH_SOURCE[0]}")/pg-two-majors.Dockerfile" \
        "$(dirname "${BASH_SOURCE[0]}")" >"/tmp/recoverable-pg-images-$from-$to.log" 2>&1 || {
        tail -n 30 "/tmp/recoverable-pg-images-$from-$to.log" >&2
        die "building $tag failed (log: /tmp/recoverable-pg-images-$from-$to.log)"
      }
      say "built $tag in $((SECONDS - start))s"
    fi
    if ! image_exists "postgres:$from-$to"; then
      docker tag "$tag" "postgres:$from-$to"
      say "tagged $tag as postgres:$from-$to"
    fi
  done
}

missing=()
for major in $majors; do
  suite_for "$major" >/dev/null
  if image_exists "$image_repo:$major"; then
    say "$image_repo:$major already present"
  else
    missing+=("$major")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  tag_official_names
  build_upgrade_images
  exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap)"

if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends debootstrap
fi

# Free disk: the rootfs trees (tmp_parent) and the images (Docker root dir).
free_gb() { df -P --block-size=1G "$1" | awk 'NR == 2 { print $4 }'; }
docker_root="$(docker info --format '{{.DockerRootDir}}')"
mkdir -p "$tmp_parent"
tmp_free="$(free_gb "$tmp_parent")"
docker_free="$(free_gb "$docker_root")"
say "free disk: ${tmp_free} GB at $tmp_parent, ${docker_free} GB at $docker_root (Docker root)"
free_now=$((tmp_free < docker_free ? tmp_free : docker_free))
if [ "$free_now" -lt "$min_free_gb" ]; then
  df -h "$tmp_parent" "$docker_root" >&2
  die "not enough free disk: ${free_now} GB free, need at least ${min_free_gb} GB (each image takes up to ~0.5 GB, plus as much for its rootfs while it is built)"
fi
# Concurrent builds hold every rootfs at once: fall back to one at a time when tight.
if [ "$parallel" = 1 ] && [ ${#missing[@]} -gt 1 ] &&
  [ "$free_now" -lt $((2 * image_gb * ${#missing[@]} + 1)) ]; then
  say "only ${free_now} GB free: building one image at a time"
  parallel=0
fi

work="$(mktemp -d "$tmp_parent/recoverable-pg-images.XXXXXX")"
# Remove a rootfs safely: debootstrap mounts proc/sys inside it, and a failed run may
# leave them mounted.
remove_tree() {
  local dir="$1" mnt
  [ -d "$dir" ] || return 0
  for mnt in $(findmnt -rn -o TARGET | grep -F "$dir/" | sort -r); do
    umount -l "$mnt" 2>/dev/null || true
  done
  rm -rf --one-file-system "$dir"
}
cleanup() {
  # Let concurrent builds (our own background jobs) stop before their trees go.
  local pid
  for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  remove_tree "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Build one image; all output goes to $work/<major>.log. It runs as an `if` condition,
# where `set -e` does not apply: every step checks its own status.
build_one() {
  local major="$1" suite rootfs script=() version start
  suite="$(suite_for "$major")"
  rootfs="$work/rootfs-$major"
  start=$SECONDS
  # debootstrap from bookworm has no script for newer suites (forky): they use sid's.
  [ -e "/usr/share/debootstrap/scripts/$suite" ] || script=(/usr/share/debootstrap/scripts/sid)

  debootstrap --variant=minbase --include="postgresql-$major" \
    "$suite" "$rootfs" "$mirror" "${script[@]}" || { echo "debootstrap failed"; return 1; }

  [ -x "$rootfs/usr/lib/postgresql/$major/bin/postgres" ] ||
    { echo "postgres binary missing in $suite rootfs"; return 1; }
  [ -f "$rootfs/usr/share/postgresql/$major/extension/amcheck.control" ] ||
    { echo "amcheck.control missing in $suite rootfs (contrib not in postgresql-$major?)"; return 1; }

  # postgresql-common created a default cluster 'main' while installing; the image only
  # needs the binaries (tests run initdb in data directories of their own).
  rm -rf "$rootfs/etc/postgresql/$major/main" "$rootfs/var/lib/postgresql/$major/main" \
    "$rootfs/var/log/postgresql/postgresql-$major-main.log" || return 1
  # Package lists and downloaded .debs are not needed at run time (apt-get update works).
  rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"*.bin || return 1
  find "$rootfs/var/cache/apt/archives" -name '*.deb' -delete || return 1

  version="$(chroot "$rootfs" dpkg-query -W -f '${Version}' "postgresql-$major")" || return 1
  echo "debootstrap done in $((SECONDS - start))s (postgresql-$major $version)"
  tar -C "$rootfs" --numeric-owner -c . |
    docker import \
      -c "ENV PATH=/usr/lib/postgresql/$major/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
      -m "debootstrap --variant=minbase $suite + postgresql-$major $version" \
      - "$image_repo:$major" || { echo "docker import failed"; return 1; }
  remove_tree "$rootfs"
  echo "built $image_repo:$major in $((SECONDS - start))s"
}

run_build() {
  local major="$1" log="$work/$1.log"
  say "building $image_repo:$major from Debian $(suite_for "$major") ($mirror); log: $log (removed on exit)"
  if build_one "$major" >"$log" 2>&1; then
    say "$(grep -E '^(debootstrap done|built) ' "$log" | paste -sd ';' -)"
  else
    printf '[pg-images] ERROR: building %s:%s failed. Last lines of its log:\n' \
      "$image_repo" "$major" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
}

failed=0
if [ "$parallel" = 1 ]; then
  pids=()
  for major in "${missing[@]}"; do
    run_build "$major" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
else
  for major in "${missing[@]}"; do run_build "$major" || { failed=1; break; }; done
fi
[ "$failed" = 0 ] || die "some images could not be built"

tag_official_names
build_upgrade_images
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^(recoverable/)?postgres:' || true

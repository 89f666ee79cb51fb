# Debian packages for the test harnesses (tests/nested, tests/box), sourced
# by bash scripts. Everything a harness boots comes from Debian's registry:
# kernels and busybox are downloaded once (apt-get download), unpacked
# without installing (dpkg-deb -x) into CACHE, one directory per package
# version, and reused until the registry has a newer version.
#
# The caller sets CACHE (a directory) and defines die MESSAGE (prints one
# line, exits non-zero).
#
#   need_commands CMD:PKG...   install PKG for each CMD not on PATH (as
#                              root; otherwise die with the apt-get line)
#   fetch PKG[:ARCH]           download and unpack the candidate version
#                              once; print its directory
#   kernel_of META             the versioned linux-image package META
#                              depends on
#   modules KMOD ROOT NAME...  copy module NAME and what it depends on
#                              (KMOD/modules.dep) into ROOT/lib/modules;
#                              print their names in load order; a module
#                              the kernel builds in (modules.builtin) is
#                              skipped
#   mkcpio ROOT OUT            ROOT as a gzipped newc archive, owned by root
#   need_arch ARCH             dpkg and apt know ARCH's packages (as root:
#                              dpkg --add-architecture, apt-get update)
#   apt_for ARCH DIR ARG...    apt-get ARG... as if on an empty ARCH system
#                              (state, package cache and downloads in DIR;
#                              no Recommends): "-s install PKG..." lists
#                              PKG and its Depends/Pre-Depends closure,
#                              "--download-only -y install PKG..." puts
#                              their .debs in DIR/archives

apt_updated=""
apt_update() {
	[ -z "$apt_updated" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		die "the package lists are missing or stale; run as root: apt-get update"
	fi
	echo "debian: apt-get update" >&2
	apt-get update -qq >&2
	apt_updated=1
}

need_commands() {
	local pair need=""
	for pair in "$@"; do
		command -v "${pair%%:*}" >/dev/null 2>&1 || need="$need ${pair#*:}"
	done
	[ -n "$need" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		die "missing packages:$need; run as root: apt-get update && apt-get install -y$need"
	fi
	apt_update
	echo "debian: installing:$need" >&2
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null ||
		die "apt-get install$need failed"
}

candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2; exit }'
}

fetch() {
	local pkg=$1 name=${1%%:*} ver dir tmp
	ver=$(candidate "$pkg")
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		apt_update
		ver=$(candidate "$pkg")
	fi
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		die "no version of $pkg in the Debian registry"
	fi
	dir=$CACHE/${name}_${ver//:/%3a}
	if [ ! -d "$dir" ]; then
		mkdir -p "$CACHE/debs"
		# Only the current version is kept.
		rm -rf "$CACHE/${name}"_* "$CACHE/debs/${name}"_*
		echo "debian: downloading $pkg $ver" >&2
		tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
		chmod 755 "$tmp"
		# apt warns when its sandbox user cannot write here; harmless.
		(cd "$tmp" && apt-get download -q "$pkg=$ver" 2>&1 | grep -v -E 'unsandboxed|^$' >&2) || true
		ls "$tmp"/*.deb >/dev/null 2>&1 || die "apt-get download $pkg=$ver failed"
		dpkg-deb -x "$tmp"/*.deb "$tmp/root"
		mv "$tmp"/*.deb "$CACHE/debs/"
		mv "$tmp/root" "$dir"
		rm -rf "$tmp"
	fi
	echo "$dir"
}

kernel_of() {
	local k
	k=$(apt-cache depends "$1" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$k" ]; then
		apt_update
		k=$(apt-cache depends "$1" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	fi
	[ -n "$k" ] || die "cannot tell which kernel $1 depends on"
	echo "$k"
}

modules() {
	local kmod=$1 root=$2 order="" p name
	shift 2
	[ -f "$kmod/modules.dep" ] || die "no $kmod/modules.dep (run depmod -b on the unpacked kernel)"
	visit() {
		local path=$1 dep
		case " $order " in *" $path "*) return ;; esac
		for dep in $(awk -F': *' -v p="$path" '$1 == p { print $2; exit }' "$kmod/modules.dep"); do
			visit "$dep"
		done
		order="$order $path"
	}
	for name in "$@"; do
		p=$(awk -F: -v n="${name//-/_}" '{
			b = $1; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b); gsub(/-/, "_", b)
			if (b == n) { print $1; exit }
		}' "$kmod/modules.dep" "$kmod/modules.builtin" 2>/dev/null)
		[ -n "$p" ] || die "no module $name in $kmod"
		grep -q -x -F "$p" "$kmod/modules.builtin" 2>/dev/null && continue
		visit "$p"
	done
	mkdir -p "$root/lib/modules"
	for p in $order; do
		case $p in
		*.ko) cp "$kmod/$p" "$root/lib/modules/" ;;
		*.ko.xz) xz -dc "$kmod/$p" >"$root/lib/modules/$(basename "$p" .xz)" ;;
		*) die "cannot unpack module $p" ;;
		esac
		basename "$p" | sed -E 's/\.ko(\.[a-z]+)?$//'
	done
}

mkcpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -n -6 >"$2.tmp"
	mv "$2.tmp" "$2"
}

need_arch() {
	if [ "$(dpkg --print-architecture)" = "$1" ] ||
		dpkg --print-foreign-architectures | grep -qx "$1"; then
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		die "the $1 packages need: dpkg --add-architecture $1 && apt-get update (as root)"
	fi
	echo "debian: dpkg --add-architecture $1" >&2
	dpkg --add-architecture "$1"
	apt_updated=""
	apt_update
}

apt_for() {
	local arch=$1 dir=$2
	shift 2
	mkdir -p "$dir/archives/partial" || return 1
	[ -f "$dir/status" ] || : >"$dir/status"
	apt-get -q --no-install-recommends -o APT::Architecture="$arch" \
		-o APT::Architectures="$arch" -o Dir::State::status="$dir/status" \
		-o Dir::Cache::pkgcache="$dir/pkgcache.bin" \
		-o Dir::Cache::srcpkgcache="$dir/srcpkgcache.bin" \
		-o Dir::Cache::archives="$dir/archives" -o Debug::NoLocking=1 "$@"
}

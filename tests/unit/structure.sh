#!/bin/sh
# The rules of the source tree, checked (make check-unit):
# - memory/ includes nothing from devices/, arch/ or vmm/;
# - devices/host/ includes nothing from the devices above it or vmm/;
# - devices/ and arch/ include nothing from vmm/;
# - every option `vmm --help` lists is in the man page (docs/vmm.1), and
#   every option `vmm-blkd --help` lists is in docs/vmm-blkd.1, and every
#   option `vmm-exec --help` lists is in docs/vmm-exec.1.
# Usage: tests/unit/structure.sh VMM VMM_BLKD VMM_EXEC
set -u
vmm=$1 blkd=$2 exec=$3
bad=0

forbid() {	# forbid DIR PATTERN WHY
	hits=$(grep -rnE "#include \"($2)/" "$1" --include='*.c' --include='*.h' || true)
	if [ -n "$hits" ]; then
		echo "FAIL $1 includes $2/ ($3):"
		echo "$hits"
		bad=1
	fi
}

forbid memory 'devices|arch|vmm' "memory/ is the ground floor"
hits=$(grep -rnE '#include "(vmm|arch)/|#include "devices/[a-z_]+\.h"' devices/host || true)
[ -z "$hits" ] || { echo "FAIL devices/host includes what sits above it:"; echo "$hits"; bad=1; }
forbid devices vmm "devices get what they need from the VMM passed in (devices/host/device_host.h)"
forbid arch vmm "arch supplies data and ioctls on fds it is given"

options_in_man() {	# options_in_man PROGRAM MANPAGE
	opts=$("$1" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
	[ -n "$opts" ] || { echo "FAIL $1 --help lists no options"; bad=1; return; }
	missing=0
	for o in $opts; do
		man_form=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
		grep -q -- "$man_form" "$2" || { echo "FAIL $2 does not document $o"; missing=1; }
	done
	[ $missing = 0 ] || { bad=1; return; }
	echo "$2: documents all $(echo "$opts" | wc -l) options of $(basename "$1") --help"
}
options_in_man "$vmm" docs/vmm.1
options_in_man "$blkd" docs/vmm-blkd.1
options_in_man "$exec" docs/vmm-exec.1

[ $bad = 0 ] && echo "structure: ok"
exit $bad

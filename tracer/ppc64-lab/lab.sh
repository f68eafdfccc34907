#!/bin/sh
# tracer/ppc64-lab/lab.sh: record real ppc64le page faults with
# `faultline record` inside qemu-system-ppc64 (pseries, POWER9, TCG) running
# Debian's 6.12 ppc64el kernel, and bring the traces out.  README.md here
# says what each step does and why.
#
#   tracer/ppc64-lab/lab.sh [-o OUTDIR] [-w WORKDIR] [--smoke] [--no-install]
#                           [--build-only] [-p PKG]... [-i FILE]... [-n NAME]
#                           [RUN...] [-- 'CMD ARGS...']
#
# RUN is WORKLOAD[:PAGES[:MMU]]: WORKLOAD mmchurn, pagetouch, smoke, or a
# real program from the catalogue (xz, python-mp, make-j2, node-gc); PAGES
# 64k (default) or 4k; MMU radix (default) or hash.  Default RUN:
# mmchurn:64k:radix.  With `-- CMD`, the guest runs CMD (a shell command line,
# in /work, which holds the -i FILEs) with the Debian ppc64el packages -p
# names (default: the package named like CMD's program) and their
# dependencies; its RUNs are cmd[:PAGES[:MMU]] (default cmd:64k:radix) and its
# trace is named NAME (default cmd).  Each run's trace lands in
# OUTDIR/WORKLOAD-PAGES-MMU (default OUTDIR ./ppc64-lab-out), its console log
# next to it (.log).
#
# Run as root on Debian 12 (it apt-get installs its host packages; the
# guest's packages are downloaded for ppc64el into WORKDIR, never installed
# on the host).  --smoke: one short pagetouch run on the 64K kernel; with
# --no-install it exits 77 (skip) when a host package is missing.
# --build-only: stop after the cross build (WORKDIR/sysroot, build/ppc64le).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$PWD/ppc64-lab-out
WORK=${FL_LAB_DIR:-/var/tmp/faultline-ppc64-lab}
SMOKE=0
INSTALL=1
BUILD_ONLY=0
RUNS=""
CMD=""
CMD_NAME=cmd
CMD_PKGS=""
CMD_INPUTS=""
KSERIES=${FL_LAB_KERNEL:-6.12}

while [ $# -gt 0 ]; do
	case $1 in
	-o) OUT=$2; shift 2 ;;
	-w) WORK=$2; shift 2 ;;
	--smoke) SMOKE=1; shift ;;
	--no-install) INSTALL=0; shift ;;
	--build-only) BUILD_ONLY=1; shift ;;
	-p) CMD_PKGS="$CMD_PKGS $2"; shift 2 ;;
	-i) [ -f "$2" ] || { echo "lab.sh: -i $2: no such file" >&2; exit 2; }
	    CMD_INPUTS="$CMD_INPUTS $(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
	-n) CMD_NAME=$2; shift 2 ;;
	--) shift; CMD="$*"; [ -n "$CMD" ] || { echo "lab.sh: -- needs a command" >&2; exit 2; }; break ;;
	-h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "lab.sh: unknown option $1" >&2; exit 2 ;;
	*) RUNS="$RUNS $1"; shift ;;
	esac
done
[ $SMOKE = 1 ] && [ -z "$RUNS" ] && RUNS="smoke:64k:radix"
if [ -n "$CMD" ] && [ -z "$RUNS" ]; then RUNS="cmd:64k:radix"; fi
[ -z "$RUNS" ] && RUNS="mmchurn:64k:radix"
case $CMD_NAME in *[!A-Za-z0-9_.-]*|"") echo "lab.sh: -n $CMD_NAME: letters, digits, . _ -" >&2; exit 2 ;; esac
mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)
WORK=$(cd "$WORK" && pwd)

T0=$(date +%s)
say() { echo "lab: [$(( $(date +%s) - T0 ))s] $*" >&2; }

# --- 1. host packages ---------------------------------------------------
HOST_PKGS="qemu-system-ppc gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross cpio gzip make dpkg-dev debian-archive-keyring"
missing=""
for p in $HOST_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ $INSTALL = 0 ]; then
		echo "lab: SKIP: host packages missing:$missing (tracer/ppc64-lab/lab.sh installs them)" >&2
		exit 77
	fi
	[ "$(id -u)" = 0 ] || { echo "lab: run as root to install:$missing" >&2; exit 1; }
	say "installing host packages:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

# Without the network there is no guest: with --no-install that is a skip.
fetch_failed() {
	echo "lab: ${INSTALL_SKIP}cannot download ppc64el packages from deb.debian.org ($1 failed)" >&2
	[ $INSTALL = 0 ] && exit 77
	exit 1
}
INSTALL_SKIP=""
[ $INSTALL = 0 ] && INSTALL_SKIP="SKIP: "

# --- 2. ppc64el packages, downloaded with a private apt configuration -----
APT="$WORK/apt"
mkdir -p "$APT/lists/partial" "$APT/parts" "$APT/cache/archives/partial" "$WORK/debs"
cat > "$APT/parts/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
AO="-oAPT::Architecture=ppc64el -oAPT::Architectures=ppc64el -oDir::State::Lists=$APT/lists
 -oDir::State::Status=/dev/null -oDir::Etc::SourceList=/dev/null -oDir::Etc::SourceParts=$APT/parts
 -oDir::Cache=$APT/cache -oDebug::NoLocking=1 -oAPT::Sandbox::User=root"
if [ ! -f "$APT/updated" ] || [ -n "$(find "$APT/updated" -mmin +1440)" ]; then
	say "apt-get update (ppc64el lists in $APT)"
	# shellcheck disable=SC2086
	apt-get $AO update -q >/dev/null || fetch_failed "apt-get update of the ppc64el lists"
	touch "$APT/updated"
fi
# The newest 6.12 images from bookworm-backports, 64K and 4K pages.
# shellcheck disable=SC2086
K64=$(apt-cache $AO pkgnames "linux-image-$KSERIES." | grep -E -- "-powerpc64le-64k$" | sort -V | tail -1)
K4=$(echo "$K64" | sed 's/-64k$//')
[ -n "$K64" ] || { echo "lab: no linux-image-$KSERIES.*-powerpc64le-64k in bookworm-backports" >&2; exit 1; }
# The guest's runtime: LTTng (lttng-sessiond, consumerd, liblttng-ust,
# liblttng-ctl) and every library they load; the -dev packages are the
# cross build's headers.  Dependencies that a guest never runs (perl,
# dpkg, the init system) are left out.
WANT="lttng-tools liblttng-ust1 liblttng-ctl0 liblttng-ust-dev liblttng-ctl-dev liburcu-dev uuid-dev busybox-static"
SKIP='^(dpkg|init-system-helpers|perl.*|libperl.*|lib.*-perl|tar|usrmerge|usr-is-merged|sysvinit-utils|lsb-base|libc-dev-bin|libc6-dev|libcrypt-dev|libnsl-dev|libtirpc-dev|rpcsvc-proto|linux-libc-dev|liblttng-ust-python-agent1|libgdbm.*|libdb5.3)$'
# shellcheck disable=SC2086
PKGS=$(apt-cache $AO depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
	--no-replaces --no-enhances $WANT | grep -v '^[ <]' | sort -u | grep -Ev "$SKIP" | tr '\n' ' ')
need=""
for p in $PKGS $K64 $K4; do
	ls "$WORK/debs/${p}_"*.deb >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
	say "downloading ppc64el:$need"
	# shellcheck disable=SC2086
	(cd "$WORK/debs" && apt-get $AO download -q $need >/dev/null) || fetch_failed "downloading$need"
fi

# --- 3. the sysroot, the kernels, the cross build --------------------------
SYS="$WORK/sysroot"
if [ ! -f "$SYS/.done" ] || [ "$(cat "$SYS/.done")" != "$PKGS" ]; then
	say "unpacking $(echo "$PKGS" | wc -w) packages into $SYS"
	rm -rf "$SYS"
	mkdir -p "$SYS"
	for p in $PKGS; do
		# shellcheck disable=SC2012
		dpkg-deb -x "$(ls "$WORK/debs/${p}_"*.deb | sort -V | tail -1)" "$SYS"
	done
	echo "$PKGS" > "$SYS/.done"
fi
for k in "$K64" "$K4"; do
	if [ ! -d "$WORK/$k" ]; then
		say "unpacking $k"
		# shellcheck disable=SC2012
		dpkg-deb -x "$(ls "$WORK/debs/${k}_"*.deb | sort -V | tail -1)" "$WORK/$k"
	fi
done
say "cross-building the recorder (make ppc64le) and the workloads"
make -s -C "$REPO" ppc64le PPC64LE_SYSROOT="$SYS" >/dev/null
BIN="$WORK/bin"
mkdir -p "$BIN"
for w in mmchurn pagetouch; do
	powerpc64le-linux-gnu-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread \
		-o "$BIN/$w" "$REPO/tests/workloads/$w.c"
done
if [ $BUILD_ONLY = 1 ]; then
	say "built $REPO/build/ppc64le/faultline, faultline-ust.so (sysroot $SYS)"
	exit 0
fi

# --- 4. the initramfs: the sysroot's runtime, busybox, /init ---------------
ROOT="$WORK/rootfs"
rm -rf "$ROOT"
mkdir -p "$ROOT"
# /usr/share/xml/lttng stays: lttng-sessiond validates session XML with it.
(cd "$SYS" && tar cf - --exclude=./usr/include --exclude=./usr/share/doc --exclude=./usr/share/man \
	--exclude=./usr/share/locale --exclude=./usr/share/lintian --exclude='*.a' \
	--exclude=./.done .) | (cd "$ROOT" && tar xf -)
mkdir -p "$ROOT/bin" "$ROOT/proc" "$ROOT/sys" "$ROOT/dev" "$ROOT/tmp" "$ROOT/run" \
	"$ROOT/root" "$ROOT/usr/bin" "$ROOT/usr/lib/faultline" "$ROOT/var"
ln -sfn ../run "$ROOT/var/run"
mkdir -p "$ROOT/etc"
echo "root:x:0:0:root:/root:/bin/sh" > "$ROOT/etc/passwd"
printf 'root:x:0:\ntracing:x:999:\n' > "$ROOT/etc/group"
cp "$REPO/build/ppc64le/faultline" "$ROOT/usr/bin/faultline"
cp "$REPO/build/ppc64le/faultline-ust.so" "$ROOT/usr/bin/faultline-ust.so"
cp "$BIN/mmchurn" "$BIN/pagetouch" "$ROOT/usr/bin/"
cp "$HERE/init.sh" "$ROOT/init"
chmod 755 "$ROOT/init"
# Every DT_NEEDED library of the guest's programs must be in the rootfs.
for f in "$ROOT/usr/bin/faultline" "$ROOT/usr/bin/faultline-ust.so" "$ROOT/usr/bin/lttng-sessiond" \
	"$ROOT"/usr/lib/powerpc64le-linux-gnu/lttng/libexec/lttng-consumerd \
	"$ROOT"/usr/lib/powerpc64le-linux-gnu/liblttng-ctl.so.0 \
	"$ROOT"/usr/lib/powerpc64le-linux-gnu/liblttng-ust.so.1; do
	for lib in $(powerpc64le-linux-gnu-readelf -d "$f" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
		[ -e "$ROOT/lib/powerpc64le-linux-gnu/$lib" ] || [ -e "$ROOT/usr/lib/powerpc64le-linux-gnu/$lib" ] ||
			{ echo "lab: $f needs $lib, which no package put in the rootfs" >&2; exit 1; }
	done
done
(cd "$ROOT" && find . | cpio -o -H newc --quiet) | gzip -1 > "$WORK/initrd-base.gz"
[ "$(stat -c %s "$WORK/initrd-base.gz")" -gt 1000000 ] || { echo "lab: the initramfs is empty (cpio?)" >&2; exit 1; }
say "initramfs $(( $(stat -c %s "$WORK/initrd-base.gz") / 1024 )) KiB"

# --- the real programs: their ppc64el packages as one more initramfs layer --
# A run's packages (and their dependency closure, less what the base already
# has) are unpacked into their own cpio, appended after the base: the kernel
# unpacks concatenated archives in order.  Programs a guest never runs
# (dpkg, perl, debconf, the init system, what busybox stands in for) stay out.
SKIP_RUN='^(dpkg|init-system-helpers|perl|perl-base|perl-modules-.*|libperl.*|lib.*-perl|debconf|debconf-2.0|cdebconf|usrmerge|usr-is-merged|sysvinit-utils|lsb-base|install-info|ucf|adduser|passwd|login|base-files|base-passwd|debianutils|sensible-utils|coreutils|bash|diffutils|findutils|grep|gzip|sed|tar|mount|util-linux|hostname|ncurses-base|ncurses-bin|ca-certificates|ca-certificates-java|java-common|openssl)$'
pkg_layer() {
	key=$(echo "$1" | tr ' ' '\n' | grep . | sort -u | tr '\n' ' ')
	layer="$WORK/layer-$(echo "$key" | md5sum | cut -c1-12).gz"
	if [ ! -f "$layer" ]; then
		for p in $key; do
			# shellcheck disable=SC2086
			apt-cache $AO show "$p" >/dev/null 2>&1 ||
				{ echo "lab: no ppc64el package $p in bookworm; name the package with -p PKG" >&2; exit 1; }
		done
		# shellcheck disable=SC2086
		closure=$(apt-cache $AO depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
			--no-replaces --no-enhances $key | grep -v '^[ <]' | sort -u | grep -Ev "$SKIP_RUN")
		extra=""
		for p in $closure; do
			case " $PKGS " in *" $p "*) ;; *) extra="$extra $p" ;; esac
		done
		need=""
		for p in $extra; do
			ls "$WORK/debs/${p}_"*.deb >/dev/null 2>&1 || need="$need $p"
		done
		if [ -n "$need" ]; then
			say "downloading ppc64el for $key:$need"
			# shellcheck disable=SC2086
			(cd "$WORK/debs" && apt-get $AO download -q $need >/dev/null) ||
				fetch_failed "downloading$need"
		fi
		d="$WORK/layer.d"
		rm -rf "$d"
		mkdir -p "$d"
		say "unpacking $(echo "$extra" | wc -w) packages for $key"
		for p in $extra; do
			# shellcheck disable=SC2012
			dpkg-deb -x "$(ls "$WORK/debs/${p}_"*.deb | sort -V | tail -1)" "$d"
		done
		rm -rf "$d/usr/share/doc" "$d/usr/share/man" "$d/usr/share/locale" "$d/usr/share/lintian" "$d/usr/share/info"
		(cd "$d" && find . | cpio -o -H newc --quiet) | gzip -1 > "$layer.tmp"
		mv "$layer.tmp" "$layer"
		rm -rf "$d"
	fi
	echo "$layer"
}
# The package of a command's program when -p names none.
pkg_of() {
	case $(basename "$1") in
	xz|unxz|xzcat) echo xz-utils ;;
	python3|python3.*) echo python3 ;;
	node|nodejs) echo nodejs ;;
	java) echo default-jre-headless ;;
	cc|gcc) echo gcc ;;
	*) basename "$1" ;;
	esac
}
# The catalogue: a real program, its packages, its inputs (made in $1, the
# run's /work) and its command line (run by sh in /work).
catalogue() {
	wl=$1 dir=$2
	case $wl in
	xz)	# -1: 1 MiB dictionary, 3 MiB blocks, so -T2 compresses two blocks at once.
		seq -f 'line %g of a generated file for xz -T2, compressible but not trivially' 1 100000 > "$dir/input.txt"
		cmd_pkgs="xz-utils"
		cmd="xz -T2 -1 -k -f /work/input.txt" ;;
	python-mp)	# multiprocessing (fork) with 4 threads, through a launcher
		cp "$REPO/tests/workloads/pyfork.py" "$REPO/tests/workloads/launch.sh" "$dir/"
		cmd_pkgs="python3"
		cmd="sh /work/launch.sh /usr/bin/python3 /work/pyfork.py" ;;
	make-j2)	# four C files and a link, two compilers at a time
		mkdir -p "$dir/proj"
		for i in 1 2 3 4; do
			printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\nint f%s(int n) {\n\tchar *b = malloc(n);\n\tmemset(b, %s, n);\n\tint s = 0;\n\tfor (int i = 0; i < n; i++) s += b[i];\n\tfree(b);\n\treturn s;\n}\n' "$i" "$i" > "$dir/proj/f$i.c"
		done
		printf '#include <stdio.h>\nint f1(int), f2(int), f3(int), f4(int);\nint main(void) { printf("%%d\\n", f1(9) + f2(9) + f3(9) + f4(9)); return 0; }\n' > "$dir/proj/main.c"
		# shellcheck disable=SC2016
		printf 'CC = gcc\nCFLAGS = -O2\nprog: main.o f1.o f2.o f3.o f4.o\n\t$(CC) -o $@ $^\n%%.o: %%.c\n\t$(CC) $(CFLAGS) -c -o $@ $<\n' > "$dir/proj/Makefile"
		cmd_pkgs="make gcc libc6-dev"
		cmd="make -j2 -C /work/proj" ;;
	node-gc)	# two worker_threads, three rounds, small semi-spaces
		cp "$REPO/tests/workloads/node-gc.js" "$dir/"
		cmd_pkgs="nodejs"
		cmd="node --max-semi-space-size=1 /work/node-gc.js 2 3" ;;
	*) return 1 ;;
	esac
}

# --- 5. one boot per run ---------------------------------------------------
status=0
for run in $RUNS; do
	wl=$(echo "$run:" | cut -d: -f1)
	pages=$(echo "$run::" | cut -d: -f2)
	mmu=$(echo "$run:::" | cut -d: -f3)
	pages=${pages:-64k}
	mmu=${mmu:-radix}
	case $pages in 64k) k=$K64 ;; 4k) k=$K4 ;; *) echo "lab: pages $pages: 64k or 4k" >&2; exit 2 ;; esac
	case $mmu in radix) append="" ;; hash) append="disable_radix" ;; *) echo "lab: mmu $mmu: radix or hash" >&2; exit 2 ;; esac
	conf="$WORK/conf"
	rm -rf "$conf"
	mkdir -p "$conf/work"
	layers=""
	cmd="" cmd_pkgs=""
	case $wl in
	mmchurn) cmd="/usr/bin/mmchurn -t 2 -c 1 -i 24 -s 2048 -n 800" ;;
	pagetouch) cmd="/usr/bin/pagetouch -t 2 -r 4 -p 64" ;;
	smoke) cmd="/usr/bin/pagetouch -t 2 -r 1 -p 16" ;;
	cmd)	[ -n "$CMD" ] || { echo "lab: run $run: cmd needs -- CMD" >&2; exit 2; }
		cmd=$CMD cmd_pkgs=$CMD_PKGS
		# shellcheck disable=SC2086
		[ -n "$cmd_pkgs" ] || cmd_pkgs=$(pkg_of $CMD)
		for f in $CMD_INPUTS; do cp "$f" "$conf/work/"; done ;;
	*)	catalogue "$wl" "$conf/work" ||
			{ echo "lab: workload $wl: mmchurn, pagetouch, smoke, xz, python-mp, make-j2, node-gc or cmd (with -- CMD)" >&2; exit 2; } ;;
	esac
	[ "$wl" = cmd ] && wl=$CMD_NAME
	name="$wl-$pages-$mmu"
	if [ -n "$cmd_pkgs" ]; then
		# dash is Debian's /bin/sh: busybox's sh would run its own applets
		# (xz, unxz, ...) before the package's programs.
		layers=$(pkg_layer "$cmd_pkgs dash")
		# A real program's command line runs under sh in /work: quotes,
		# redirections and pipes are the shell's.
		printf '%s\n' "$cmd" > "$conf/lab.cmd"
		printf 'LAB_NAME=%s\nLAB_CMD=/lab.cmd\nLAB_DEBUG=%s\n' "$name" "${FL_LAB_DEBUG:-}" > "$conf/lab.conf"
	else
		printf 'LAB_NAME=%s\nLAB_CMD="%s"\nLAB_DEBUG=%s\n' "$name" "$cmd" "${FL_LAB_DEBUG:-}" > "$conf/lab.conf"
	fi
	(cd "$conf" && find . -mindepth 1 | cpio -o -H newc --quiet) | gzip -1 > "$WORK/initrd-conf.gz"
	# shellcheck disable=SC2086
	cat "$WORK/initrd-base.gz" $layers "$WORK/initrd-conf.gz" > "$WORK/initrd.gz"
	log="$OUT/$name.log"
	say "booting $k ($mmu) for $name: $cmd"
	t1=$(date +%s)
	# x-vof=on: QEMU's Virtual Open Firmware instead of SLOF (7 s less).
	timeout "${FL_LAB_TIMEOUT:-1200}" qemu-system-ppc64 -M pseries,x-vof=on -cpu POWER9 -m 2G -smp 2 \
		-nographic -vga none -no-reboot -kernel "$WORK/$k/boot/vmlinux-${k#linux-image-}" \
		-initrd "$WORK/initrd.gz" -append "console=hvc0 panic=-1 quiet $append" \
		< /dev/null > "$log" 2>&1 || true
	say "$name: qemu ran $(( $(date +%s) - t1 )) s"
	rm -rf "${OUT:?}/$name" "${WORK:?}/out-$name"
	mkdir -p "$WORK/out-$name"
	sed -n '/^=== BEGIN OUT.TGZ BASE64/,/^=== END OUT.TGZ BASE64/p' "$log" | sed '1d;$d' | tr -d '\r' |
		base64 -d > "$WORK/out-$name/out.tgz" 2>/dev/null || true
	if ! tar xzf "$WORK/out-$name/out.tgz" -C "$WORK/out-$name" 2>/dev/null || [ ! -f "$WORK/out-$name/trace/metadata" ]; then
		echo "lab: $name: no trace came out; the console log is $log" >&2
		grep -E "^=== |faultline" "$log" | tail -20 >&2 || true
		status=1
		continue
	fi
	mv "$WORK/out-$name/trace" "$OUT/$name"
	cp "$WORK/out-$name/record.log" "$OUT/$name.record.log"
	chmod -R u=rwX,go=rX "$OUT/$name"
	say "$name: trace in $OUT/$name ($(du -sk "$OUT/$name" | cut -f1) KiB); recorder: $(grep -E 'rc=' "$log" | tail -1 | tr -d '\r')"
done
say "done in $(( $(date +%s) - T0 )) s"
exit $status

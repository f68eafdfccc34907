#!/bin/busybox sh
# The guest's /init (tracer/ppc64-lab/lab.sh puts it in the initramfs):
# mount what faultline record and LTTng need, record /lab.conf's command,
# print the trace on the console as base64 between markers, power off.
/bin/busybox --install -s /bin
export PATH=/usr/bin:/usr/sbin:/bin:/sbin
# No ld.so.cache in the initramfs: the multiarch directories by hand.
export LD_LIBRARY_PATH=/lib/powerpc64le-linux-gnu:/usr/lib/powerpc64le-linux-gnu
export HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/shm /dev/pts
mount -t tmpfs tmpfs /dev/shm		# LTTng-UST's ring buffers (shm_open)
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run		# lttng-sessiond's sockets (/var/run/lttng)
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# shellcheck disable=SC1091
. /lab.conf
echo "=== LAB START $LAB_NAME uptime: $(cut -d' ' -f1 /proc/uptime)"
echo "=== uname -r: $(uname -r) machine: $(uname -m)"
grep -m1 '^MMU' /proc/cpuinfo
grep -m1 '^cpu' /proc/cpuinfo
echo "=== THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
# khugepaged (a kernel thread: not in the trace) write-locks the mm and the
# VMA of a range it collapses; these counters say whether it ran.
echo "=== vmstat before: $(grep -E '^(thp_collapse_alloc|thp_fault_alloc|thp_split_pmd) ' /proc/vmstat | tr '\n' ' ')"
echo "=== record: $LAB_CMD"
[ -f /lab.cmd ] && cat /lab.cmd
cd /tmp || poweroff -f
if [ -n "${LAB_DEBUG:-}" ]; then
	lttng-sessiond --no-kernel -vvv > /tmp/sessiond.log 2>&1 &
	sleep 8
fi
if [ "$LAB_CMD" = /lab.cmd ]; then
	# A real program (lab.sh -- CMD or the catalogue): its command line
	# under sh, in /work with its input files.
	cd /work || poweroff -f
	# Debian's /bin/sh: busybox's sh prefers its own applets (its xz, its
	# tar) to the package's programs of the same name.
	ln -sf dash /bin/sh
	faultline record -o /tmp/trace -- /bin/sh /lab.cmd > /tmp/record.log 2>&1
else
	# shellcheck disable=SC2086
	faultline record -o /tmp/trace -- $LAB_CMD > /tmp/record.log 2>&1
fi
rc=$?
cd /tmp || poweroff -f
cat /tmp/record.log
[ -n "${LAB_DEBUG:-}" ] && grep -E "Error|ERROR|PERROR|WARN|onsumer|exec" /tmp/sessiond.log | head -60
echo "=== vmstat after: $(grep -E '^(thp_collapse_alloc|thp_fault_alloc|thp_split_pmd) ' /proc/vmstat | tr '\n' ' ')"
echo "=== RECORD END rc=$rc uptime: $(cut -d' ' -f1 /proc/uptime)"
tar czf /tmp/out.tgz trace record.log
echo "=== BEGIN OUT.TGZ BASE64"
base64 /tmp/out.tgz
echo "=== END OUT.TGZ BASE64"
echo "=== LAB DONE uptime: $(cut -d' ' -f1 /proc/uptime)"
poweroff -f

#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline sweep --emit slurm on a real Slurm: a single-node cluster on
# 127.0.0.1 (munged, slurmctld, slurmd, with their state, sockets and ports
# of their own under the test's directory) runs the emitted array script;
# the same sweep then finds every shard done and merges them.  Without root
# or the Slurm and MUNGE daemons, or when they do not come up, the checks are
# skipped with the reason.
. "$FL_TOP/tests/lib.sh"

t1=$FL_TOP/traces/x86_64/fl-mmchurn
checks=(
	"sbatch runs the array to its end" "every task left its shard done"
	"the same sweep then runs no job" "and merges the array's shards"
	"the merge is the serial replays' report"
)
skip_all() {
	for c in "${checks[@]}"; do skip "$c" "$1"; done
	done_testing
	exit
}
[ "$(id -u)" -eq 0 ] || skip_all "needs root: the test's slurmd runs jobs as root"
for b in munged mungekey slurmctld slurmd sbatch sinfo; do
	command -v "$b" >/dev/null || skip_all "$b is not installed (scripts/install-deps installs munge, slurmctld, slurmd and slurm-client)"
done

d=$FL_TMP/slurm
mkdir -p "$d/state" "$d/spool" "$d/munge" "$d/log"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$FL_TMP"
}
trap cleanup EXIT

# munged wants its key private and its socket's directories searchable by
# all (the test's directory is owner-only).
chmod 711 "$FL_TMP" "$d"
mkdir -p "$d/sock" && chmod 755 "$d/sock"
chmod 700 "$d/munge"
mungekey -c -k "$d/munge/key" -f >/dev/null 2>&1 && chmod 400 "$d/munge/key" ||
	skip_all "mungekey cannot make a key"
munged -F --socket="$d/sock/munge" --key-file="$d/munge/key" --pid-file="$d/munge/pid" \
	--log-file="$d/munge/log" --seed-file="$d/munge/seed" >"$d/log/munged.out" 2>&1 &
pids+=($!)

host=$(hostname)
base=$((30000 + (RANDOM % 2000) * 2))
cat >"$d/slurm.conf" <<EOF
ClusterName=fltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/sock/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=fl Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$d/slurm.conf
for _ in $(seq 50); do [ -S "$d/sock/munge" ] && break; sleep 0.1; done
[ -S "$d/sock/munge" ] || skip_all "munged did not start: $(tail -1 "$d/log/munged.out")"
slurmctld -D -f "$SLURM_CONF" >"$d/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$d/log/slurmd.out" 2>&1 &
pids+=($!)
# Up when the node is idle in its partition (a minute at most).
for _ in $(seq 300); do
	[ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && break
	sleep 0.2
done
if [ "$(sinfo -h -o %t 2>/dev/null)" != idle ]; then
	skip_all "the single-node Slurm did not come up: $(tail -1 "$d/log/slurmctld.log" 2>/dev/null) $(tail -1 "$d/log/slurmd.log" 2>/dev/null)"
fi

cd "$FL_TMP" || exit 1
m=(-s classic,pervma --set vma_lock_delay=0,100000)
"$FAULTLINE" sweep "${m[@]}" --emit slurm -o sl.db "$t1" >array.sbatch 2>/dev/null
# --wait: sbatch returns when the array has ended, with its exit status.
if timeout 600 sbatch --wait array.sbatch >"$d/log/sbatch.out" 2>&1; then
	ok "sbatch runs the array to its end"
else
	not_ok "sbatch runs the array to its end" "$(cat "$d/log/sbatch.out")" "$(tail -3 "$d/log/slurmctld.log")"
fi
n=0
for f in sl.db.shards/*.db; do
	[ "$(sqlite3 "$f" 'select count(*) > 0 from runs' 2>/dev/null)" = 1 ] && n=$((n + 1))
done
is "every task left its shard done" "$n" 3
run_fl sweep "${m[@]}" -o sl.db "$t1"
is "the same sweep then runs no job" "$FL_ERR" "faultline sweep: 3 jobs, 0 to run, 3 done"
is "and merges the array's shards" "$(sqlite3 sl.db 'select count(*) from runs')" 3
"$FAULTLINE" sweep "${m[@]}" --emit list -d list.shards -o serial.db "$t1" 2>/dev/null |
	sed -e 's| >.*$| >/dev/null|' -e 's| -o [^ ]*\.db | -o serial.db |' | sh
is "the merge is the serial replays' report" "$("$FAULTLINE" report --format csv sl.db)" \
	"$("$FAULTLINE" report --format csv serial.db)"

done_testing

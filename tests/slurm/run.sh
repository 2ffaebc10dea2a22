#!/usr/bin/env bash
# The pipeline on a real Slurm cluster, run the way the README tells a cluster user to.
#
# Installs Debian's Slurm (slurmctld, slurmd, slurm-client, munge) and starts a one-node cluster
# without accounting (no slurmdbd) and without systemd: munged, slurmctld and slurmd run as
# children of this script and are stopped by their PIDs when it ends, however it ends. Then, in
# two clean git clones of the working tree (same commit), it runs the README's default pipeline
# locally and the README's cluster block verbatim (only <account> and <partition> replaced, the
# site profile written to a scratch $HOME), compares every result file byte for byte, injects one
# failing job and checks that its traceback reaches the user.
#
# Needs root and apt-get with Debian's archive reachable; elsewhere it says why it skips and
# exits 0. TRIALSTATS_SLURM_TEST=skip skips it too; TRIALSTATS_SLURM_KEEP=1 keeps its scratch
# folder (the runs' output). Run by .ci/run; alone: tests/slurm/run.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PARTITION=trialstats              # the test cluster's partition
ACCOUNT=ci                        # any name: without accounting Slurm does not check it
STUDY=results/nct02302599/2018-12-31

skip() { echo "Slurm test SKIPPED: $*"; exit 0; }
fail() { echo "Slurm test FAILED: $*" >&2; exit 1; }
now() { date +%s; }

[ "${TRIALSTATS_SLURM_TEST:-}" != skip ] || skip "TRIALSTATS_SLURM_TEST=skip"
[ "$(id -u)" -eq 0 ] || skip "needs root to install and start Slurm (munge, slurmctld, slurmd)"
command -v apt-get >/dev/null || skip "needs apt-get (Debian) to install Slurm"
git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 || skip "needs the project as a git checkout (it clones it)"
for daemon in slurmctld slurmd; do
  ! pgrep -x "$daemon" >/dev/null || skip "a $daemon already runs on this machine: not a machine to test on"
done
[ ! -e /etc/slurm/slurm.conf ] || skip "/etc/slurm/slurm.conf exists: this machine has a Slurm of its own"

t0=$(now)
echo "== Slurm test: installing slurmctld slurmd slurm-client munge"
if ! dpkg -s slurmctld slurmd slurm-client munge >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then    # the packages must not start their services
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  installed=0
  apt-get update -qq && apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 \
    slurmctld slurmd slurm-client munge > /dev/null || installed=$?
  [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
  [ "$installed" -eq 0 ] || fail "apt-get could not install Slurm"
fi
t_install=$(( $(now) - t0 ))

WORK=$(mktemp -d /tmp/trialstats-slurm.XXXXXX)
chmod 755 "$WORK"                 # munged (user munge) reaches its socket and key below
mkdir -p "$WORK"/{munge,state,spool,log,home}
DAEMONS=()                        # PIDs of the daemons this script started, last started last

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ ${#DAEMONS[@]} -gt 0 ] && [ -e /etc/slurm/slurm.conf ]; then
    scancel --quiet --user root 2>/dev/null || true          # jobs of this (test) cluster only
    for _ in $(seq 30); do
      [ -z "$(squeue --noheader --states=PENDING,RUNNING,COMPLETING 2>/dev/null)" ] && break
      sleep 1
    done
  fi
  for (( i=${#DAEMONS[@]}-1; i>=0; i-- )); do                # slurmd, slurmctld, then munged
    kill "${DAEMONS[i]}" 2>/dev/null || true
    wait "${DAEMONS[i]}" 2>/dev/null || true
  done
  [ ${#DAEMONS[@]} -eq 0 ] || echo "stopped the daemons this test started (PIDs ${DAEMONS[*]})"
  rm -f /etc/slurm/slurm.conf
  if [ "$status" -ne 0 ]; then
    for f in "$WORK"/log/slurmctld.log "$WORK"/log/slurmd.log; do
      [ -f "$f" ] && { echo "--- last lines of $f"; tail -n 15 "$f"; }
    done
  fi
  if [ -n "${TRIALSTATS_SLURM_KEEP:-}" ]; then
    echo "kept $WORK"
  else
    local t=$(now)
    rm -rf "$WORK"                # mostly the clone's .venv; can take a minute (file system discard)
    echo "removed the scratch folder in $(( $(now) - t )) s"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting munged, slurmctld, slurmd"
# munge: a fresh key, the daemon as user munge, its socket in the scratch folder
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$WORK/munge" && chmod 400 "$WORK/munge/munge.key" && chmod 755 "$WORK/munge"
setpriv --reuid=munge --regid=munge --init-groups munged --foreground \
  --key-file="$WORK/munge/munge.key" --socket="$WORK/munge/munge.socket" \
  --pid-file="$WORK/munge/munged.pid" --seed-file="$WORK/munge/munged.seed" \
  --log-file="$WORK/munge/munged.log" > "$WORK/log/munged.out" 2>&1 &
DAEMONS+=($!)
for _ in $(seq 50); do [ -S "$WORK/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$WORK/munge/munge.socket" ] || fail "munged did not start: $(cat "$WORK/log/munged.out")"

# Slurm: this host as controller and only node, with its real CPUs and memory (slurmd -C); no
# cgroups (process tracking from /proc), no accounting. At the standard path, as on a cluster:
# the executor's job steps drop SLURM_* variables such as SLURM_CONF.
node=$(slurmd -C | head -n 1)                 # NodeName=<host> CPUs=... RealMemory=...
host=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<< "$node")
mkdir -p /etc/slurm
cat > /etc/slurm/slurm.conf <<EOF
# written by tests/slurm/run.sh, removed when it ends
ClusterName=trialstats-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$WORK/munge/munge.socket
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D > "$WORK/log/slurmctld.out" 2>&1 &
DAEMONS+=($!)
sleep 1
slurmd -D > "$WORK/log/slurmd.out" 2>&1 &
DAEMONS+=($!)
for _ in $(seq 60); do [ "$(sinfo --noheader --format=%T 2>/dev/null)" = idle ] && break; sleep 0.5; done
[ "$(sinfo --noheader --format=%T 2>/dev/null)" = idle ] || fail "the node did not come up: $(sinfo 2>&1)"
sinfo
if sacct --noheader >/dev/null 2>&1; then fail "sacct works: the test cluster should have no accounting"; fi

echo "== two clones of the working tree"
mkdir "$WORK/src"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
   | tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$WORK/src"
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@localhost GIT_AUTHOR_DATE=2000-01-01T00:00:00Z
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@localhost GIT_COMMITTER_DATE=2000-01-01T00:00:00Z
git -C "$WORK/src" init --quiet && git -C "$WORK/src" add --all && git -C "$WORK/src" commit --quiet -m "working tree"
git clone --quiet "$WORK/src" "$WORK/local" && git clone --quiet "$WORK/src" "$WORK/slurm"

# The README's cluster block, verbatim but for the two values a user provides
awk '/^### On a Slurm cluster/ {s = 1} s && /^```bash$/ {b = 1; next} b && /^```$/ {exit} b' \
  "$ROOT/README.md" > "$WORK/readme_cluster.sh"
grep -q '<account>' "$WORK/readme_cluster.sh" && grep -q '<partition>' "$WORK/readme_cluster.sh" \
  || fail "README: no bash block with <account> and <partition> under '### On a Slurm cluster'"
sed -i "s/<account>/$ACCOUNT/; s/<partition>/$PARTITION/" "$WORK/readme_cluster.sh"
rerun=$(grep '^snakemake ' "$WORK/readme_cluster.sh") || fail "README: the cluster block runs no snakemake"
echo "--- README cluster block as run:"; cat "$WORK/readme_cluster.sh"; echo "---"

# The site profile goes to a scratch home; pip keeps its cache
export PIP_CACHE_DIR=${PIP_CACHE_DIR:-$HOME/.cache/pip}
export HOME=$WORK/home
unset XDG_CONFIG_HOME SNAKEMAKE_PROFILE

echo "== Slurm run: the README's cluster block (with the README's setup: python3 -m venv .venv)"
cd "$WORK/slurm"
python3 -m venv .venv
. .venv/bin/activate
t1=$(now)
if ! timeout 1200 bash -e "$WORK/readme_cluster.sh" > "$WORK/slurm.out" 2>&1; then
  tail -n 60 "$WORK/slurm.out"
  fail "the README's cluster block failed or hung (timeout 1200 s)"
fi
t_slurm=$(( $(now) - t1 ))
submitted=$(grep -c "has been submitted with SLURM jobid" "$WORK/slurm.out" || true)
jobs=$(grep -c "^rule " "$WORK/slurm.out" || true)
[ "$submitted" -gt 0 ] && [ "$submitted" -eq "$jobs" ] || fail "$jobs jobs but $submitted went through Slurm"
[ "$(grep "^localrule" "$WORK/slurm.out")" = "localrule all:" ] \
  || fail "a job other than the target rule 'all' ran on the login node: $(grep "^localrule" "$WORK/slurm.out")"

echo "== local run: the README's 'snakemake --cores 4'"
cd "$WORK/local"
t2=$(now)
timeout 900 snakemake --cores 4 > "$WORK/local.out" 2>&1 || { tail -n 40 "$WORK/local.out"; fail "the local run failed"; }
t_local=$(( $(now) - t2 ))

echo "== every result file, Slurm vs local, byte for byte"
# Left out, and why: benchmarks/ (each job's timings); logs/primary_{mi,tipping}_<n>.log (one per
# shard of the split analyses: the cluster profile splits them into more jobs than a laptop does).
# Everything else must be identical: tables, ARDs, figures, datasets, manifests and every report.
compared=$(cd "$WORK/local" && find results -type f ! -path '*/benchmarks/*' ! -name 'primary_mi_*.log' \
             ! -name 'primary_tipping_*.log' | wc -l)
if ! diff -r --brief --exclude=benchmarks --exclude='primary_mi_*.log' --exclude='primary_tipping_*.log' \
     "$WORK/local/results" "$WORK/slurm/results"; then
  fail "the Slurm run's results differ from the local run's (above)"
fi
reports=$(find "$WORK/slurm/results" -name '*report.pdf' | wc -l)
[ "$reports" -eq 3 ] || fail "expected 3 PDF reports, found $reports"
grep -q '"git_dirty": false' "$WORK/slurm/$STUDY/manifest.json" \
  || fail "the manifest records uncommitted changes: the README's cluster steps edited a tracked file"
echo "$compared result files identical, $reports PDF reports among them; $submitted Slurm jobs"

echo "== one failing job: a randomization key with a subject twice, so rule unblind fails"
cd "$WORK/slurm"
key=data/nct02302599/randomization.csv
tail -n 1 "$key" >> "$key"
t3=$(now)
status=0
timeout 600 bash -c "$rerun" > "$WORK/fail.out" 2>&1 || status=$?
t_fail=$(( $(now) - t3 ))
[ "$status" -ne 0 ] || fail "the run with a broken key succeeded"
[ "$status" -ne 124 ] || fail "the run with a failing job hung (timeout 600 s)"
log=$STUDY/logs/unblind.log
grep -q "^Traceback" "$log" && grep -q "more than once" "$log" \
  || { cat "$log"; fail "the rule log $log does not hold the failed job's traceback"; }
grep -q "Logfile $log:" "$WORK/fail.out" && grep -q "RandomizationKeyError.*more than once" "$WORK/fail.out" \
  || { tail -n 60 "$WORK/fail.out"; fail "Snakemake's output does not show the failed job's error"; }
echo "the failed job's traceback is in $log and in Snakemake's output:"
grep -m 1 "RandomizationKeyError" "$WORK/fail.out"

echo "Slurm test PASSED in $(( $(now) - t0 )) s: install ${t_install} s, Slurm run ${t_slurm} s" \
     "(local run ${t_local} s), failing job ${t_fail} s"

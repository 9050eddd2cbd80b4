# Sourced by bench/run-http and bench/run-keys once `work` exists: sets `audit_dir`, where the
# vault writes its audit log (the run's scratch directory, on the disk under test).
#
# AUDIT_DIR=DIR moves it to a fresh directory under DIR: with DIR on tmpfs (/dev/shm), the same
# run shows what the durable audit flush costs. A diagnosis, never a result: a log in RAM is not
# durable, so such a run does not count against any target in bench/README.md.
# shellcheck shell=bash
audit_dir=${work:?bench/lib/audit_dir.sh: set work first}
if [[ -n "${AUDIT_DIR:-}" ]]; then
  audit_dir=$(mktemp -d "$AUDIT_DIR/coffer-bench-audit.XXXXXX")
fi

# Says so when AUDIT_DIR moved the log: on stderr as the run starts, and again under the table,
# where a "met" beside a target would otherwise read as a result.
audit_dir_caveat() {
  [[ "$audit_dir" == "$work" ]] && return 0
  echo "AUDIT_DIR: audit log in $audit_dir ($(stat -f -c %T "$audit_dir")): a diagnosis" \
    "run, not a measurement against the targets"
}
audit_dir_caveat >&2

# Shared by the bench scripts: a coffer-vault started as in production (SoftHSM2 token, SQLite
# with synchronous=FULL, TLS, audit log) in a scratch directory, and a principal's token.
# Source it after setting `root`; it defines the functions below and nothing runs.
# shellcheck source=scripts/lib/tls.sh
. "$root/scripts/lib/tls.sh"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# bench_init WORK: the HSM token, the PKI and coffer.yaml (SQLite) under WORK; sets `port`.
bench_init() {
  work=$1
  export SOFTHSM2_CONF="$work/softhsm2.conf"
  mkdir -p "$work/tokens"
  printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$work/tokens" >"$SOFTHSM2_CONF"
  echo 1234 >"$work/pin" && chmod 600 "$work/pin"
  softhsm2-util --init-token --free --label bench --so-pin 5678 --pin 1234 >/dev/null
  make_ca "$work/ca.pem" "$work/ca.key" bench-ca 2
  make_server_cert "$work/ca.pem" "$work/ca.key" "$work/server.pem" "$work/server.key" \
    127.0.0.1 "IP:127.0.0.1,DNS:*.vault.coffer.test" 2
  port=$(free_port)
  cat >"$work/coffer.yaml" <<YAML
log: {level: warn}
http: {host: 127.0.0.1, port: $port, threads: ${THREADS:-2}, tls: {cert_file: $work/server.pem, key_file: $work/server.key}}
storage: {sqlite: {path: $work/vault.db}}
hsm: {pkcs11: {module: /usr/lib/softhsm/libsofthsm2.so, token_label: bench, pin_file: $work/pin}}
audit: {path: $work/audit.log}
admin: {socket: $work/admin.sock}
YAML
}

# bench_start: starts coffer-vault on coffer.yaml, sets `vault_pid`, returns once /readyz
# answers 200.
bench_start() {
  "$root/build/vault-core/coffer-vault" --config "$work/coffer.yaml" 2>>"$work/vault.log" &
  vault_pid=$!
  for _ in $(seq 600); do
    curl -sf --cacert "$work/ca.pem" "https://127.0.0.1:$port/readyz" >/dev/null && return 0
    sleep 0.05
  done
  echo "coffer-vault on port $port did not become ready" >&2
  return 1
}

# bench_stop: SIGTERM, and waits.
bench_stop() {
  [[ -n "${vault_pid:-}" ]] || return 0
  kill -TERM "$vault_pid" 2>/dev/null && wait "$vault_pid" || true
  vault_pid=""
}

# bench_token VAULT PERMISSION-FLAGS...: creates VAULT (VAULT.vault.coffer.test) and a principal
# with the given `coffer policy set` flags on it; prints a bearer token for it, and leaves the
# principal's ids and client secret in $work/principal (shell assignments, mode 600).
bench_token() {
  local vault=$1; shift
  local coffer=("$root/build/vault-core/coffer" --admin-socket "$work/admin.sock")
  "${coffer[@]}" vault create "$vault" --hostname "$vault.vault.coffer.test" >/dev/null
  local object_id client_id secret tenant
  object_id=$("${coffer[@]}" principal create --display-name bench -o json | json '["objectId"]')
  client_id=$("${coffer[@]}" principal show "$object_id" -o json | json '["clientId"]')
  secret=$("${coffer[@]}" principal secret add "$object_id" -o json | json '["value"]')
  "${coffer[@]}" policy set --vault "$vault" --object-id "$object_id" "$@" >/dev/null
  tenant=$("${coffer[@]}" installation show -o json | json '["tenantId"]')
  (umask 077; printf 'object_id=%q\nclient_id=%q\nclient_secret=%q\ntenant=%q\n' "$object_id" \
    "$client_id" "$secret" "$tenant" >"$work/principal")
  curl -sf --cacert "$work/ca.pem" "https://127.0.0.1:$port/$tenant/oauth2/v2.0/token" \
    --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$client_id" \
    --data-urlencode "client_secret=$secret" \
    --data-urlencode scope=https://vault.coffer.test/.default | json '["access_token"]'
}

# Sourced by the scripts and benchmarks that run coffer-vault on this machine: a throwaway CA
# and server certificates it signs (EC P-256), made with the openssl command line.

# make_ca CERT KEY COMMON_NAME DAYS
make_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$4" \
    -subj "/CN=$3" -addext basicConstraints=critical,CA:TRUE \
    -keyout "$2" -out "$1" 2>/dev/null
}

# make_server_cert CA_CERT CA_KEY CERT KEY COMMON_NAME SUBJECT_ALT_NAMES DAYS
#   SUBJECT_ALT_NAMES as openssl writes them: "DNS:localhost,IP:127.0.0.1"
make_server_cert() {
  local tmp
  tmp=$(mktemp -d)
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$5" \
    -keyout "$4" -out "$tmp/csr" 2>/dev/null &&
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$6" >"$tmp/ext.cnf" &&
    openssl x509 -req -in "$tmp/csr" -CA "$1" -CAkey "$2" -CAcreateserial -days "$7" \
      -extfile "$tmp/ext.cnf" -out "$3" 2>/dev/null
  local status=$?
  rm -rf "$tmp"
  return $status
}

#ifndef COFFER_LIB_TESTING_TEST_CERTS_H_
#define COFFER_LIB_TESTING_TEST_CERTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "lib/testing/temp_dir.h"

namespace coffer::testing {

// PEM files of a throwaway PKI: a CA, a server certificate and a client certificate signed by
// it (EC P-256, valid for two days). All paths are inside the TempDir given to MakeTestPki.
struct TestPki {
  std::string ca_cert;
  std::string ca_key;
  std::string server_cert;  // SANs: DNS:localhost, IP:127.0.0.1, DNS:*.vault.coffer.test, extras
  std::string server_key;
  std::string client_cert;  // CN=coffer-test-client, extendedKeyUsage=clientAuth
  std::string client_key;
};

// Creates a fresh PKI with the `openssl` CLI; files are named "<name>-ca.pem" etc., so several
// PKIs (e.g. to test certificate rotation) can share one dir. `extra_sans` take openssl's
// syntax ("DNS:vault.example", "IP:10.0.0.1"). Fails the current test (ADD_FAILURE) on error.
TestPki MakeTestPki(const TempDir& dir, const std::vector<std::string>& extra_sans = {},
                    std::string_view name = "pki");

}  // namespace coffer::testing

#endif  // COFFER_LIB_TESTING_TEST_CERTS_H_

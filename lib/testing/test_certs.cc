#include "lib/testing/test_certs.h"

#include <functional>

#include "gtest/gtest.h"
#include "lib/testing/subprocess.h"

namespace coffer::testing {
namespace {

bool RunOpenssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult result = Run(argv);
  if (result.exit_code != 0) {
    std::string command;
    for (const auto& arg : argv) command += arg + " ";
    ADD_FAILURE() << "failed (" << result.exit_code << "): " << command << "\n" << result.output;
    return false;
  }
  return true;
}

// Makes a key and a certificate signed by the CA, with extensions from an extfile.
bool IssueCert(const TempDir& dir, const TestPki& pki, const std::string& prefix,
               const std::string& subject, const std::string& extensions, std::string& cert,
               std::string& key) {
  key = dir.File(prefix + "-key.pem");
  cert = dir.File(prefix + ".pem");
  std::string csr = dir.File(prefix + ".csr");
  std::string ext = dir.File(prefix + ".ext");
  WriteFileOrDie(ext, extensions);
  return RunOpenssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-keyout", key, "-out", csr, "-subj", subject}) &&
         RunOpenssl({"x509", "-req", "-in", csr, "-CA", pki.ca_cert, "-CAkey", pki.ca_key,
                     "-set_serial", std::to_string(std::hash<std::string>{}(cert) >> 2), "-days",
                     "2", "-sha256", "-extfile", ext, "-out", cert});
}

}  // namespace

TestPki MakeTestPki(const TempDir& dir, const std::vector<std::string>& extra_sans,
                    std::string_view name) {
  const std::string prefix(name);
  TestPki pki;
  pki.ca_cert = dir.File(prefix + "-ca.pem");
  pki.ca_key = dir.File(prefix + "-ca-key.pem");
  if (!RunOpenssl({"req",       "-x509",
                   "-newkey",   "ec",
                   "-pkeyopt",  "ec_paramgen_curve:P-256",
                   "-nodes",    "-keyout",
                   pki.ca_key,  "-out",
                   pki.ca_cert, "-days",
                   "2",         "-sha256",
                   "-subj",     "/CN=Coffer Test CA " + prefix,
                   "-addext",   "basicConstraints=critical,CA:TRUE",
                   "-addext",   "keyUsage=critical,keyCertSign,cRLSign"})) {
    return pki;
  }
  std::string sans = "DNS:localhost,IP:127.0.0.1,DNS:*.vault.coffer.test";
  for (const auto& san : extra_sans) sans += "," + san;
  IssueCert(dir, pki, prefix + "-server", "/CN=localhost",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            "extendedKeyUsage=serverAuth\nsubjectAltName=" +
                sans + "\n",
            pki.server_cert, pki.server_key);
  IssueCert(dir, pki, prefix + "-client", "/CN=coffer-test-client",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            "extendedKeyUsage=clientAuth\n",
            pki.client_cert, pki.client_key);
  return pki;
}

}  // namespace coffer::testing

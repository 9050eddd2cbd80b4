// The raw PKCS#11 signing rate of a token: the reference of bench/run-keys (issue 12: signing
// through the REST API against C_Sign on the same token, same machine, same run).
//
//   coffer_pkcs11_sign_bench --module SO --token LABEL --pin-file FILE --key rsa2048|p256
//                            [--threads N] [--seconds S]
//
// Logs in, generates a session key pair (private half sensitive, never extractable), checks one
// signature with C_Verify, then runs N threads, each with its own session, calling C_SignInit +
// C_Sign over a fixed 32-byte digest until S seconds have passed: RS256 as Coffer signs it
// (CKM_RSA_PKCS over the SHA-256 DigestInfo prefix and the digest, 51 bytes) or ES256
// (CKM_ECDSA over the 32 bytes). Prints one line ending in "<ops/s> ops/s", then the process's
// CPU time per signature and the machine's idle share over the same window
// ("cpu <µs> us/op, machine idle <percent>%").
//
// Plain C++ over the module's function list (dlopen), with nothing of Coffer's in between, so
// that it measures the token alone. Exits 1 on any PKCS#11 error, 2 on a usage error.
#include <dlfcn.h>
#include <sys/resource.h>
#include <unistd.h>
#include <p11-kit/pkcs11.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace {

CK_FUNCTION_LIST_PTR p11 = nullptr;

[[noreturn]] void Fail(const std::string& what, CK_RV rv) {
  std::fprintf(stderr, "coffer_pkcs11_sign_bench: %s failed: CKR 0x%lx\n", what.c_str(),
               static_cast<unsigned long>(rv));
  std::exit(1);
}

void Check(CK_RV rv, const char* what) {
  if (rv != CKR_OK) Fail(what, rv);
}

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(
      stderr,
      "coffer_pkcs11_sign_bench: %s\nusage: coffer_pkcs11_sign_bench --module SO --token LABEL "
      "--pin-file FILE --key rsa2048|p256 [--threads N] [--seconds S]\n",
      why.c_str());
  std::exit(2);
}

struct Options {
  std::string module;
  std::string token;
  std::string pin_file;
  std::string key;
  int threads = 1;
  double seconds = 10;
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Usage(flag + " needs a value");
    std::string value = argv[++i];
    try {
      if (flag == "--module") {
        o.module = value;
      } else if (flag == "--token") {
        o.token = value;
      } else if (flag == "--pin-file") {
        o.pin_file = value;
      } else if (flag == "--key") {
        o.key = value;
      } else if (flag == "--threads") {
        o.threads = std::stoi(value);
      } else if (flag == "--seconds") {
        o.seconds = std::stod(value);
      } else {
        Usage("unknown flag " + flag);
      }
    } catch (const std::exception&) {
      Usage("invalid value for " + flag + ": " + value);
    }
  }
  if (o.module.empty() || o.token.empty() || o.pin_file.empty()) {
    Usage("give --module, --token and --pin-file");
  }
  if (o.key != "rsa2048" && o.key != "p256") Usage("--key is rsa2048 or p256");
  if (o.threads < 1 || o.threads > 256) Usage("--threads is 1 to 256");
  if (!(o.seconds > 0)) Usage("--seconds must be positive");
  return o;
}

std::string ReadPin(const std::string& path) {
  std::ifstream in(path);
  if (!in) Usage("cannot read the PIN file " + path);
  std::string pin((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  return pin;
}

// The slot whose token's label (32 bytes, blank-padded) is `label`.
CK_SLOT_ID FindSlot(const std::string& label) {
  CK_ULONG count = 0;
  Check(p11->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(count);
  Check(p11->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
  for (CK_ULONG i = 0; i < count; ++i) {
    CK_TOKEN_INFO info;
    Check(p11->C_GetTokenInfo(slots[i], &info), "C_GetTokenInfo");
    std::string found(reinterpret_cast<const char*>(info.label), sizeof info.label);
    found.erase(found.find_last_not_of(' ') + 1);
    if (found == label) return slots[i];
  }
  std::fprintf(stderr, "coffer_pkcs11_sign_bench: no token labelled '%s'\n", label.c_str());
  std::exit(1);
}

struct KeyPair {
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
};

// Session objects (CKA_TOKEN false): usable from every session of this process, gone when the
// session that made them closes.
KeyPair GenerateKeyPair(CK_SESSION_HANDLE session, bool rsa) {
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_ULONG modulus_bits = 2048;
  CK_BYTE exponent[] = {0x01, 0x00, 0x01};
  CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  std::vector<CK_ATTRIBUTE> pub = {{CKA_TOKEN, &no, sizeof no}, {CKA_VERIFY, &yes, sizeof yes}};
  if (rsa) {
    pub.push_back({CKA_MODULUS_BITS, &modulus_bits, sizeof modulus_bits});
    pub.push_back({CKA_PUBLIC_EXPONENT, exponent, sizeof exponent});
  } else {
    pub.push_back({CKA_EC_PARAMS, p256, sizeof p256});
  }
  std::vector<CK_ATTRIBUTE> priv = {{CKA_TOKEN, &no, sizeof no},
                                    {CKA_PRIVATE, &yes, sizeof yes},
                                    {CKA_SENSITIVE, &yes, sizeof yes},
                                    {CKA_EXTRACTABLE, &no, sizeof no},
                                    {CKA_SIGN, &yes, sizeof yes}};
  CK_MECHANISM mechanism = {rsa ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  KeyPair keys;
  Check(p11->C_GenerateKeyPair(session, &mechanism, pub.data(), pub.size(), priv.data(),
                               priv.size(), &keys.public_key, &keys.private_key),
        "C_GenerateKeyPair");
  return keys;
}

// What C_Sign is given: RS256 signs DigestInfo(SHA-256) || digest, ES256 the digest alone.
std::vector<CK_BYTE> SignInput(bool rsa) {
  static const CK_BYTE kSha256DigestInfo[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                              0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                              0x01, 0x05, 0x00, 0x04, 0x20};
  std::vector<CK_BYTE> input;
  if (rsa) input.assign(std::begin(kSha256DigestInfo), std::end(kSha256DigestInfo));
  for (int i = 0; i < 32; ++i) input.push_back(static_cast<CK_BYTE>(0xa5 ^ (i * 7)));
  return input;
}

// One signature: C_SignInit + C_Sign into a buffer large enough for either key (256 bytes).
CK_ULONG SignOnce(CK_SESSION_HANDLE session, CK_MECHANISM* mechanism, CK_OBJECT_HANDLE key,
                  std::vector<CK_BYTE>& input, CK_BYTE* signature) {
  Check(p11->C_SignInit(session, mechanism, key), "C_SignInit");
  CK_ULONG length = 512;
  Check(p11->C_Sign(session, input.data(), input.size(), signature, &length), "C_Sign");
  return length;
}

// User and system CPU time of this process so far.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Idle and iowait time of all processors so far, from /proc/stat's "cpu" line.
double MachineIdleSeconds() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  unsigned long long user, nice, system, idle, iowait;
  if (!(stat >> cpu >> user >> nice >> system >> idle >> iowait)) return 0;
  return static_cast<double>(idle + iowait) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  const bool rsa = options.key == "rsa2048";

  void* module = dlopen(options.module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (module == nullptr) {
    std::fprintf(stderr, "coffer_pkcs11_sign_bench: dlopen %s: %s\n", options.module.c_str(),
                 dlerror());
    return 1;
  }
  auto get_function_list =
      reinterpret_cast<CK_C_GetFunctionList>(dlsym(module, "C_GetFunctionList"));
  if (get_function_list == nullptr) {
    std::fprintf(stderr, "coffer_pkcs11_sign_bench: %s has no C_GetFunctionList\n",
                 options.module.c_str());
    return 1;
  }
  Check(get_function_list(&p11), "C_GetFunctionList");
  CK_C_INITIALIZE_ARGS init_args;
  std::memset(&init_args, 0, sizeof init_args);
  init_args.flags = CKF_OS_LOCKING_OK;
  Check(p11->C_Initialize(&init_args), "C_Initialize");

  const CK_SLOT_ID slot = FindSlot(options.token);
  CK_SESSION_HANDLE setup;
  Check(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &setup),
        "C_OpenSession");
  std::string pin = ReadPin(options.pin_file);
  Check(p11->C_Login(setup, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()), pin.size()),
        "C_Login");
  const KeyPair keys = GenerateKeyPair(setup, rsa);

  // One signature checked by the token itself: a benchmark of a broken signer is worthless.
  CK_MECHANISM mechanism = {rsa ? CKM_RSA_PKCS : CKM_ECDSA, nullptr, 0};
  std::vector<CK_BYTE> input = SignInput(rsa);
  CK_BYTE signature[512];
  const CK_ULONG length = SignOnce(setup, &mechanism, keys.private_key, input, signature);
  if (length != (rsa ? 256u : 64u)) {
    std::fprintf(stderr, "coffer_pkcs11_sign_bench: unexpected signature length %lu\n",
                 static_cast<unsigned long>(length));
    return 1;
  }
  Check(p11->C_VerifyInit(setup, &mechanism, keys.public_key), "C_VerifyInit");
  Check(p11->C_Verify(setup, input.data(), input.size(), signature, length), "C_Verify");

  // Each thread opens its session and signs once before the clock starts.
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  // Each thread signs until this point of the steady clock, set before `go`: the window is
  // measured by the workers themselves, with no sleeping thread to wake on time.
  std::chrono::steady_clock::time_point deadline;
  std::vector<unsigned long long> counts(static_cast<std::size_t>(options.threads), 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < options.threads; ++t) {
    threads.emplace_back([&, t] {
      CK_SESSION_HANDLE session;
      Check(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session),
            "C_OpenSession");
      CK_MECHANISM m = mechanism;
      std::vector<CK_BYTE> data = input;
      CK_BYTE out[512];
      SignOnce(session, &m, keys.private_key, data, out);
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      unsigned long long n = 0;
      while (std::chrono::steady_clock::now() < deadline) {
        SignOnce(session, &m, keys.private_key, data, out);
        ++n;
      }
      counts[static_cast<std::size_t>(t)] = n;
      Check(p11->C_CloseSession(session), "C_CloseSession");
    });
  }
  while (ready.load() < options.threads) std::this_thread::yield();
  const double cpu_before = ProcessCpuSeconds();
  const double idle_before = MachineIdleSeconds();
  const auto start = std::chrono::steady_clock::now();
  deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(options.seconds));
  go.store(true, std::memory_order_release);  // publishes `deadline` to the workers
  // Operations under way at the deadline finish and count; the clock runs until they do.
  for (auto& thread : threads) thread.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = ProcessCpuSeconds() - cpu_before;
  const double idle = MachineIdleSeconds() - idle_before;

  unsigned long long total = 0;
  for (unsigned long long n : counts) total += n;
  std::printf("%s, threads %d: %llu signatures in %.2f s: %.1f ops/s\n",
              rsa ? "RS256 (CKM_RSA_PKCS, RSA-2048)" : "ES256 (CKM_ECDSA, P-256)", options.threads,
              total, elapsed, static_cast<double>(total) / elapsed);
  std::printf("cpu %.0f us/op, machine idle %.0f%%\n", cpu * 1e6 / static_cast<double>(total),
              100 * idle / (elapsed * static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN))));

  Check(p11->C_Logout(setup), "C_Logout");
  Check(p11->C_CloseSession(setup), "C_CloseSession");
  Check(p11->C_Finalize(nullptr), "C_Finalize");
  return 0;
}

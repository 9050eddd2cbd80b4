#ifndef COFFER_LIB_BASE_ZERO_ON_FREE_H_
#define COFFER_LIB_BASE_ZERO_ON_FREE_H_

// Every block C++ code or OpenSSL frees in a binary that holds secrets is zeroed first.
// SecretBytes and the service layer wipe the copies they own; this reaches the copies nobody
// owns: a JSON parser's scratch buffers, the old buffer a string leaves when it grows, a header
// map holding a bearer token, a response dropped with its connection, a protobuf answer
// carrying a new client secret. Linking the `coffer_zero_on_free` library replaces the global
// operator new and delete (so it is linked into coffer-vault, coffer-csi and coffer-operator,
// never into a library); OpenSSL allocates with malloc, and is routed through the same zeroing
// free by the function below. C libraries that call malloc and free themselves (gRPC's core,
// SQLite) are not reached.

namespace coffer {

// Makes OpenSSL's frees (a TLS connection's record buffers, which hold decrypted requests)
// zero their blocks too. OpenSSL takes new memory functions only before its first
// allocation: call this first in main(). False if it was too late.
bool ZeroOpenSslMemoryOnFree();

}  // namespace coffer

#endif  // COFFER_LIB_BASE_ZERO_ON_FREE_H_

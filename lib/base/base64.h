#ifndef COFFER_LIB_BASE_BASE64_H_
#define COFFER_LIB_BASE_BASE64_H_

// Base64 of RFC 4648: the standard alphabet (section 4) and the URL-safe one (section 5) that
// JWS, JWK and our hash encodings use. Decoders are strict: any character outside the alphabet
// (whitespace included), misplaced padding, or non-zero unused bits in the last character make
// them return nullopt, so every byte string has exactly one accepted encoding.

#include <optional>
#include <string>
#include <string_view>

namespace coffer {

// With '=' padding.
std::string Base64Encode(std::string_view bytes);
// Accepts the input with its padding or without it.
std::optional<std::string> Base64Decode(std::string_view text);

// '-' and '_' instead of '+' and '/', without padding (as JWS requires).
std::string Base64UrlEncode(std::string_view bytes);
// Accepts the input without padding (the usual form) or with it.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace coffer

#endif  // COFFER_LIB_BASE_BASE64_H_

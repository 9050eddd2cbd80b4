#ifndef COFFER_LIB_BASE_JSON_WRITER_H_
#define COFFER_LIB_BASE_JSON_WRITER_H_

// Compact JSON written straight into a string, for the paths every request takes (a secret
// bundle, an audit line) where building a document object first costs more than the rest of
// the request. Everything else uses nlohmann::json.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace coffer {

// Appends `s` as a JSON string literal: quotes, backslashes and control characters escaped,
// UTF-8 kept as is. Bytes that are not well-formed UTF-8 become U+FFFD each, so text from a
// client can never make the document invalid.
void AppendJsonString(std::string* out, std::string_view s);

// Writes one JSON value into `out`. The caller nests Begin/End calls correctly and puts a Key
// before each member of an object; commas are placed here. When `out` must grow, its old
// buffer is wiped: what was written (a secret's value) leaves no copy behind in freed memory.
//   JsonWriter w(&body);
//   w.BeginObject().Key("id").String(id).Key("enabled").Bool(true).EndObject();
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(std::int64_t value);
  JsonWriter& Bool(bool value);
  // A value already in JSON form (a formatted number).
  JsonWriter& Raw(std::string_view json);

 private:
  JsonWriter& Open(char c);
  JsonWriter& Close(char c);
  void BeforeValue();
  // Makes room for `n` more bytes, wiping the buffer it leaves.
  void Room(std::size_t n);
  // The most bytes AppendJsonString writes for `n` bytes of text: quotes, and six per byte
  // (a \u00XX escape).
  static std::size_t EscapedBound(std::size_t n) { return 6 * n + 2; }

  std::string* out_;
  bool need_comma_ = false;  // a value was just completed at the current level
};

}  // namespace coffer

#endif  // COFFER_LIB_BASE_JSON_WRITER_H_

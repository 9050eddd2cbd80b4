#include "lib/config/config_reader.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/absl_compat.h"

namespace coffer::config {

MapReader::MapReader(const ConfigNode& node, std::string path)
    : node_(node), path_(std::move(path)) {
  if (node_.kind != ConfigNode::Kind::kMap && node_.kind != ConfigNode::Kind::kNull) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("config: ", path_.empty() ? "the document" : path_, " must be a map"));
  }
}

std::string MapReader::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", AsAbsl(key));
}

void MapReader::Fail(std::string_view key, std::string_view message) {
  if (status_.ok()) {
    status_ =
        absl::InvalidArgumentError(absl::StrCat("config: ", PathOf(key), ": ", AsAbsl(message)));
  }
}

const ConfigNode* MapReader::Scalar(std::string_view key) {
  seen_.emplace(key);
  const ConfigNode* child = node_.Find(key);
  if (child == nullptr || child->kind == ConfigNode::Kind::kNull) return nullptr;
  if (child->kind != ConfigNode::Kind::kScalar) {
    Fail(key, "must be a single value");
    return nullptr;
  }
  return child;
}

void MapReader::Read(std::string_view key, std::string* out) {
  if (const ConfigNode* n = Scalar(key)) *out = n->scalar;
}

void MapReader::Read(std::string_view key, bool* out) {
  const ConfigNode* n = Scalar(key);
  if (n == nullptr) return;
  if (n->scalar == "true") {
    *out = true;
  } else if (n->scalar == "false") {
    *out = false;
  } else {
    Fail(key, absl::StrCat("must be true or false, not '", n->scalar, "'"));
  }
}

void MapReader::Read(std::string_view key, std::int64_t* out, std::int64_t min, std::int64_t max) {
  const ConfigNode* n = Scalar(key);
  if (n == nullptr) return;
  std::int64_t value = 0;
  if (!absl::SimpleAtoi(n->scalar, &value)) {
    Fail(key, absl::StrCat("must be a whole number, not '", n->scalar, "'"));
  } else if (value < min || value > max) {
    Fail(key, absl::StrCat("must be between ", min, " and ", max, ", not ", value));
  } else {
    *out = value;
  }
}

void MapReader::Read(std::string_view key, int* out, int min, int max) {
  std::int64_t value = *out;
  Read(key, &value, min, max);
  *out = static_cast<int>(value);
}

void MapReader::Read(std::string_view key, std::vector<std::string>* out) {
  seen_.emplace(key);
  const ConfigNode* child = node_.Find(key);
  if (child == nullptr || child->kind == ConfigNode::Kind::kNull) return;
  if (child->kind != ConfigNode::Kind::kSequence) {
    Fail(key, "must be a list");
    return;
  }
  out->clear();
  for (const auto& item : child->items) {
    if (item.kind != ConfigNode::Kind::kScalar) {
      Fail(key, "list items must be single values");
      return;
    }
    out->push_back(item.scalar);
  }
}

void MapReader::ReadDuration(std::string_view key, absl::Duration* out) {
  const ConfigNode* n = Scalar(key);
  if (n == nullptr) return;
  absl::Duration value;
  if (!absl::ParseDuration(n->scalar, &value) || value < absl::ZeroDuration()) {
    Fail(key, absl::StrCat("must be a duration like 30s or 5m, not '", n->scalar, "'"));
    return;
  }
  *out = value;
}

void MapReader::ReadEnum(std::string_view key, std::string* out,
                         std::initializer_list<std::string_view> allowed) {
  const ConfigNode* n = Scalar(key);
  if (n == nullptr) return;
  for (std::string_view a : allowed) {
    if (n->scalar == a) {
      *out = n->scalar;
      return;
    }
  }
  std::vector<std::string> names(allowed.begin(), allowed.end());
  Fail(key, absl::StrCat("must be one of ", absl::StrJoin(names, ", "), "; not '", n->scalar, "'"));
}

void MapReader::Map(std::string_view key, const std::function<void(MapReader&)>& read) {
  seen_.emplace(key);
  static const ConfigNode* const kEmpty = new ConfigNode();
  const ConfigNode* child = node_.Find(key);
  MapReader nested(child != nullptr ? *child : *kEmpty, PathOf(key));
  if (nested.status_.ok()) read(nested);
  absl::Status status = nested.Finish();
  if (status_.ok() && !status.ok()) status_ = status;
}

void MapReader::Entries(std::string_view key,
                        const std::function<void(const std::string& name, MapReader&)>& read) {
  seen_.emplace(key);
  const ConfigNode* child = node_.Find(key);
  if (child == nullptr || child->kind == ConfigNode::Kind::kNull) return;
  if (child->kind != ConfigNode::Kind::kMap) return Fail(key, "must be a map of named entries");
  for (const auto& [name, value] : child->map) {
    MapReader nested(value, PathOf(key) + "." + name);
    if (nested.status_.ok()) read(name, nested);
    absl::Status status = nested.Finish();
    if (status_.ok() && !status.ok()) status_ = status;
  }
}

absl::Status MapReader::Finish() {
  if (!status_.ok()) return status_;
  for (const auto& [key, value] : node_.map) {
    if (seen_.count(key) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("config: unknown key ", PathOf(key)));
    }
  }
  return absl::OkStatus();
}

}  // namespace coffer::config

#include "lib/crd/vault_mount.h"

#include <set>

#include "lib/base/absl_compat.h"
#include "nlohmann/json.hpp"

namespace coffer::crd {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError("VaultMount " + field + ": " + what);
}

bool NameChars(const std::string& s, bool allow_dot_and_underscore) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
              (allow_dot_and_underscore && (c == '.' || c == '_'));
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<std::string> String(const json& parent, const char* key, const std::string& field) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Bad(field, "want a string");
  return it->get<std::string>();
}

// The format of an object of `type`, with the type's default for "".
absl::StatusOr<ObjectFormat> FormatOf(ObjectType type, const std::string& format,
                                      const std::string& field) {
  switch (type) {
    case ObjectType::kSecret:
      if (format.empty()) return ObjectFormat::kValue;
      return Bad(field, "format applies to keys and certificates only");
    case ObjectType::kKey:
      if (format.empty() || format == "pem") return ObjectFormat::kPem;
      if (format == "jwk") return ObjectFormat::kJwk;
      return Bad(field, "a key's format is pem or jwk");
    case ObjectType::kCertificate:
      break;
  }
  if (format.empty() || format == "pem") return ObjectFormat::kPem;
  if (format == "pfx") return ObjectFormat::kPfx;
  if (format == "cert") return ObjectFormat::kCert;
  if (format == "split") return ObjectFormat::kSplit;
  return Bad(field, "a certificate's format is pem, pfx, cert or split");
}

absl::StatusOr<MountObject> ParseObject(const json& item, const std::string& field) {
  if (!item.is_object()) return Bad(field, "want an object");
  MountObject object;
  auto name = String(item, "name", field + ".name");
  if (!name.ok()) return name.status();
  if (name->size() > 127 || !NameChars(*name, false)) return Bad(field + ".name", "want [0-9a-zA-Z-]+");
  object.name = *name;
  auto type = String(item, "type", field + ".type");
  if (!type.ok()) return type.status();
  if (*type == "secret") {
    object.type = ObjectType::kSecret;
  } else if (*type == "key") {
    object.type = ObjectType::kKey;
  } else if (*type == "certificate") {
    object.type = ObjectType::kCertificate;
  } else {
    return Bad(field + ".type", "want secret, key or certificate");
  }
  auto version = String(item, "version", field + ".version");
  if (!version.ok()) return version.status();
  object.version = *version;
  if (!object.version.empty() &&
      (object.version.size() != 32 ||
       object.version.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    return Bad(field + ".version", "want 32 lower-case hex characters");
  }
  auto file_name = String(item, "fileName", field + ".fileName");
  if (!file_name.ok()) return file_name.status();
  object.file_name = file_name->empty() ? object.name : *file_name;
  if (object.file_name.size() > 253 || object.file_name[0] == '.' ||
      !NameChars(object.file_name, true)) {
    return Bad(field + ".fileName", "want a file name of [a-zA-Z0-9._-], not starting with '.'");
  }
  auto format = String(item, "format", field + ".format");
  if (!format.ok()) return format.status();
  auto parsed_format = FormatOf(object.type, *format, field + ".format");
  if (!parsed_format.ok()) return parsed_format.status();
  object.format = *parsed_format;
  if (object.format == ObjectFormat::kSplit && object.file_name.size() > 253 - 4) {
    return Bad(field + ".fileName", "at most 249 characters with format split (.crt, .key)");
  }
  object.mode = WritesPrivateKey(object) ? kDefaultPrivateKeyMode : kDefaultMode;
  if (auto mode = item.find("mode"); mode != item.end() && !mode->is_null()) {
    if (!mode->is_number_integer() || mode->get<int>() < 0 || mode->get<int>() > 0777) {
      return Bad(field + ".mode", "want 0 to 511 (0777)");
    }
    object.mode = static_cast<mode_t>(mode->get<int>());
  }
  if (WritesPrivateKey(object) && (object.mode & 07) != 0) {
    return Bad(field + ".mode",
               "a file holding a private key may not be readable by others: want a mode whose "
               "last octal digit is 0, such as 0640 (416) or 0440 (288)");
  }
  if (auto optional = item.find("optional"); optional != item.end() && !optional->is_null()) {
    if (!optional->is_boolean()) return Bad(field + ".optional", "want true or false");
    object.optional = optional->get<bool>();
  }
  return object;
}

}  // namespace

const char* ObjectTypeName(ObjectType type) {
  switch (type) {
    case ObjectType::kKey:
      return "key";
    case ObjectType::kCertificate:
      return "certificate";
    case ObjectType::kSecret:
      break;
  }
  return "secret";
}

const char* ObjectFormatName(ObjectFormat format) {
  switch (format) {
    case ObjectFormat::kPem:
      return "pem";
    case ObjectFormat::kPfx:
      return "pfx";
    case ObjectFormat::kCert:
      return "cert";
    case ObjectFormat::kSplit:
      return "split";
    case ObjectFormat::kJwk:
      return "jwk";
    case ObjectFormat::kValue:
      break;
  }
  return "";
}

bool WritesPrivateKey(const MountObject& object) {
  return object.type == ObjectType::kCertificate &&
         (object.format == ObjectFormat::kPem || object.format == ObjectFormat::kPfx ||
          object.format == ObjectFormat::kSplit);
}

std::vector<std::string> FileNamesOf(const MountObject& object) {
  if (object.format == ObjectFormat::kSplit) {
    return {object.file_name + ".crt", object.file_name + ".key"};
  }
  return {object.file_name};
}

absl::StatusOr<MountSpec> ParseVaultMount(const json& object, const std::string& ns) {
  const json* spec = object.is_object() && object.contains("spec") ? &object["spec"] : nullptr;
  if (spec == nullptr || !spec->is_object()) return Bad("spec", "missing");
  MountSpec out;
  auto ref = spec->find("vaultRef");
  if (ref == spec->end() || !ref->is_object()) return Bad("spec.vaultRef", "missing");
  auto vault_name = String(*ref, "name", "spec.vaultRef.name");
  if (!vault_name.ok()) return vault_name.status();
  if (vault_name->empty()) return Bad("spec.vaultRef.name", "missing");
  out.vault_name = *vault_name;
  auto vault_ns = String(*ref, "namespace", "spec.vaultRef.namespace");
  if (!vault_ns.ok()) return vault_ns.status();
  out.vault_namespace = vault_ns->empty() ? ns : *vault_ns;
  auto objects = spec->find("objects");
  if (objects == spec->end() || !objects->is_array() || objects->empty()) {
    return Bad("spec.objects", "want at least one object");
  }
  if (objects->size() > 64) return Bad("spec.objects", "at most 64 objects");
  // Both as the CRD's rules say: fileName (or name) distinct, and no file written twice (a
  // split object's FILE.crt and FILE.key included).
  std::set<std::string> bases, files;
  for (std::size_t i = 0; i < objects->size(); ++i) {
    std::string field = "spec.objects[" + std::to_string(i) + "]";
    auto parsed = ParseObject((*objects)[i], field);
    if (!parsed.ok()) return parsed.status();
    if (!bases.insert(parsed->file_name).second) {
      return Bad(field + ".fileName", "'" + parsed->file_name + "' is written by another object");
    }
    for (const std::string& file : FileNamesOf(*parsed)) {
      if (!files.insert(file).second) {
        return Bad(field + ".fileName", "'" + file + "' is written by another object");
      }
    }
    out.objects.push_back(*std::move(parsed));
  }
  if (auto rotation = spec->find("rotation"); rotation != spec->end() && rotation->is_object()) {
    if (auto enabled = rotation->find("enabled"); enabled != rotation->end()) {
      if (!enabled->is_boolean()) return Bad("spec.rotation.enabled", "want true or false");
      out.rotation_enabled = enabled->get<bool>();
    }
    auto interval = String(*rotation, "interval", "spec.rotation.interval");
    if (!interval.ok()) return interval.status();
    if (!interval->empty() && (!absl::ParseDuration(AsAbsl(*interval), &out.rotation_interval) ||
                               out.rotation_interval < absl::Seconds(1))) {
      return Bad("spec.rotation.interval", "want a duration of 1s or more, such as 2m");
    }
  }
  return out;
}

}  // namespace coffer::crd

// The object verbs of KubeApiHandler: get, list, create, update, patch, delete.
#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "lib/base/base64.h"
#include "lib/base/status.h"
#include "lib/kube/label_selector.h"
#include "tests/kube-apiserver/schema/schema.h"
#include "tests/kube-apiserver/server/json_patch.h"
#include "tests/kube-apiserver/server/kube_api_handler.h"
#include "tests/kube-apiserver/server/protobuf_bodies.h"
#include "tests/kube-apiserver/server/table.h"
#include "tests/kube-apiserver/store/status_body.h"

namespace coffer::kube::standin {
namespace {

using json = nlohmann::json;

constexpr int kPatchAttempts = 5;
// The real server's bounds on Warning headers: past this many characters in all, each warning
// is cut to kWarningItemChars, and those past the total again are dropped.
constexpr size_t kWarningTotalChars = 4 * 1024;
constexpr size_t kWarningItemChars = 256;
const char kCrdResource[] = "apiextensions.k8s.io/v1/customresourcedefinitions";

http::Response JsonResponse(int code, const json& body) {
  return http::Response::Json(code, body.dump());
}

http::Response ErrorResponse(const absl::Status& status) {
  json body = StatusBody(status);
  return JsonResponse(body.value("code", 500), body);
}

absl::Status KubeError(absl::StatusCode code, std::string message, std::string reason,
                       int http_code) {
  return MakeKubeError(code, message,
                       KubeErrorInfo{std::move(reason), http_code, "", "", "", nullptr});
}

absl::Status MethodNotAllowed() {
  return KubeError(absl::StatusCode::kUnimplemented,
                   "the server does not allow this method on the requested resource",
                   "MethodNotAllowed", 405);
}

absl::StatusOr<json> ParseBody(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return BadRequestError("the body of the request was in an unknown format");
  }
  return parsed;
}

// What the real server does to every Secret it stores: `type` defaults to Opaque, and the
// write-only stringData is merged into data (base64), where it wins over the same key.
void DefaultSecret(json& secret) {
  if (!secret.contains("type") || secret["type"] == "") secret["type"] = "Opaque";
  auto string_data = secret.find("stringData");
  if (string_data == secret.end()) return;
  if (string_data->is_object()) {
    for (const auto& [key, value] : string_data->items()) {
      if (value.is_string()) secret["data"][key] = Base64Encode(value.get<std::string>());
    }
  }
  secret.erase("stringData");
}

// JSON, or the protobuf that client-go sends for core objects in creates (kubectl's imperative
// commands) and updates (helm's release records); others are 415.
absl::StatusOr<json> ParseObjectBody(const http::Request& request) {
  std::string type(request.headers.Get("Content-Type").value_or(""));
  if (type.rfind("application/vnd.kubernetes.protobuf", 0) != 0) return ParseBody(request.body);
  return DecodeObjectProto(request.body);
}

std::string QueryValue(const http::Request& request, const char* key) {
  auto it = request.query.find(key);
  return it == request.query.end() ? std::string() : it->second;
}

// `Warning: 299 - "text"` headers, as kube-apiserver's warning recorder writes them (kubectl
// prints them): duplicates dropped, texts with control characters dropped (the real server
// cannot send them either), `"` and `\` escaped, long lists cut.
void AddWarningHeaders(const std::vector<std::string>& warnings, http::Response& response) {
  std::vector<std::string> texts;
  size_t total = 0;
  for (const std::string& text : warnings) {
    bool control = std::any_of(text.begin(), text.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (text.empty() || control || std::find(texts.begin(), texts.end(), text) != texts.end()) {
      continue;
    }
    texts.push_back(text);
    total += text.size();
  }
  const bool cutting = total > kWarningTotalChars;
  size_t written = 0;
  for (std::string& text : texts) {
    if (cutting && written >= kWarningTotalChars) break;
    if (cutting && text.size() > kWarningItemChars) {
      size_t cut = kWarningItemChars;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
      text.resize(cut);  // on a UTF-8 character boundary
    }
    written += text.size();
    std::string quoted = "299 - \"";
    for (char c : text) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    response.headers.Add("Warning", quoted + "\"");
  }
}

// The 422 Status of a schema violation, as an absl::Status the HTTP layer renders.
absl::Status SchemaError(const ResourceInfo& info, const std::string& name,
                         const std::vector<schema::Cause>& causes) {
  json body = schema::InvalidStatus(info.group, info.kind, name, causes);
  return MakeKubeError(absl::StatusCode::kInvalidArgument, body.value("message", "invalid"),
                       KubeErrorInfo{"Invalid", 422, name, info.group, info.kind,
                                     body["details"].value("causes", json::array())});
}

// The status a freshly stored CRD reports, so that clients waiting for Established proceed.
void MarkCrdEstablished(json& crd) {
  json names = crd.value("/spec/names"_json_pointer, json::object());
  json stored = json::array();
  for (const json& version : crd.value("/spec/versions"_json_pointer, json::array())) {
    if (version.value("storage", false)) stored.push_back(version.value("name", ""));
  }
  json conditions = json::array();
  for (const char* type : {"NamesAccepted", "Established"}) {
    conditions.push_back(
        {{"type", type},
         {"status", "True"},
         {"reason", type == std::string("Established") ? "InitialNamesAccepted" : "NoConflicts"},
         {"message", ""}});
  }
  crd["status"] = {
      {"conditions", conditions}, {"acceptedNames", names}, {"storedVersions", stored}};
}

}  // namespace

absl::StatusOr<Selector> KubeApiHandler::ParseSelector(const http::Request& request) {
  Selector selector;
  std::string labels = QueryValue(request, "labelSelector");
  if (!labels.empty()) {
    absl::StatusOr<LabelSelector> parsed = LabelSelector::Parse(labels);
    if (!parsed.ok()) return BadRequestError(std::string(parsed.status().message()));
    selector.labels = [parsed = *std::move(parsed)](const json& object_labels) {
      std::map<std::string, std::string> map;
      if (object_labels.is_object()) {
        for (const auto& [key, value] : object_labels.items()) {
          if (value.is_string()) map[key] = value.get<std::string>();
        }
      }
      return parsed.Matches(map);
    };
  }
  std::string fields = QueryValue(request, "fieldSelector");
  std::vector<std::string> terms = absl::StrSplit(fields, ',', absl::SkipEmpty());
  for (const std::string& term : terms) {
    std::vector<std::string> kv = absl::StrSplit(term, absl::MaxSplits('=', 1));
    std::string value = kv.size() == 2 ? kv[1] : "";
    if (!value.empty() && value[0] == '=') value.erase(0, 1);
    if (kv.size() != 2 || (kv[0] != "metadata.name" && kv[0] != "metadata.namespace")) {
      return BadRequestError("field label not supported: " + std::string(kv[0]));
    }
    selector.field_equals[kv[0]] = value;
  }
  return selector;
}

http::Response KubeApiHandler::Serve(const http::Request& request, const Target& target) {
  const std::string& method = request.method;
  const std::string key = target.resource.StoreKey();
  absl::StatusOr<json> result;
  int success = 200;
  std::vector<std::string> warnings;
  if (method == "GET" && target.name.empty()) {
    std::string watch = QueryValue(request, "watch");
    return watch == "true" || watch == "1" ? Watch(request, target) : List(request, target);
  } else if (method == "GET") {
    result = store_.Get(key, target.ns, target.name);
  } else if (method == "POST" && target.name.empty() && target.subresource.empty()) {
    absl::StatusOr<json> body = ParseObjectBody(request);
    result = body.ok() ? Create(request, target, *std::move(body), warnings) : body.status();
    success = 201;
  } else if (method == "PUT" && !target.name.empty()) {
    absl::StatusOr<json> body = ParseObjectBody(request);
    result = body.ok() ? Update(target, *std::move(body)) : body.status();
  } else if (method == "PATCH" && !target.name.empty()) {
    result = Patch(request, target);
  } else if (method == "DELETE" && !target.name.empty() && target.subresource.empty()) {
    result = Delete(target);
  } else {
    result = MethodNotAllowed();
  }
  http::Response response;
  if (!result.ok()) {
    response = ErrorResponse(result.status());
  } else if (method == "GET" && target.resource.custom && WantsTable(request)) {
    response = JsonResponse(
        200, ToTable(target.resource, {*result}, true,
                     result->value("/metadata/resourceVersion"_json_pointer, std::string())));
  } else {
    response = JsonResponse(success, *result);
  }
  AddWarningHeaders(warnings, response);
  return response;
}

http::Response KubeApiHandler::List(const http::Request& request, const Target& target) {
  ListOptions options;
  absl::StatusOr<Selector> selector = ParseSelector(request);
  if (!selector.ok()) return ErrorResponse(selector.status());
  options.selector = *std::move(selector);
  std::string limit = QueryValue(request, "limit");
  if (!limit.empty() && !absl::SimpleAtoi(limit, &options.limit)) {
    return ErrorResponse(BadRequestError("invalid limit: " + limit));
  }
  options.continue_token = QueryValue(request, "continue");
  absl::StatusOr<ListResult> list = store_.List(target.resource.StoreKey(), target.ns, options);
  if (!list.ok()) return ErrorResponse(list.status());
  if (target.resource.custom && WantsTable(request)) {
    return JsonResponse(200, ToTable(target.resource, list->items, true, list->resource_version));
  }
  json metadata = {{"resourceVersion", list->resource_version}};
  if (!list->continue_token.empty()) metadata["continue"] = list->continue_token;
  return JsonResponse(200, {{"kind", target.resource.kind + "List"},
                            {"apiVersion", target.resource.GroupVersion()},
                            {"metadata", metadata},
                            {"items", list->items}});
}

absl::Status KubeApiHandler::Admit(const Target& target, json& object, const json* old) {
  if (!object.is_object()) return BadRequestError("the object is not a JSON object");
  const ResourceInfo& info = target.resource;
  if (object.contains("metadata")) {
    const json& metadata = object["metadata"];
    if (!metadata.is_object()) return BadRequestError("Object 'metadata' is not an object");
    for (const char* field : {"name", "generateName", "namespace", "resourceVersion"}) {
      if (metadata.contains(field) && !metadata[field].is_string()) {
        return BadRequestError(std::string("metadata.") + field + " must be a string");
      }
    }
  }
  // As the real server: an apiVersion or kind that is not the URL's is a 400; absent ones default.
  if (object.contains("apiVersion")) {
    const json& api_version = object["apiVersion"];
    if (!api_version.is_string() || api_version.get<std::string>() != info.GroupVersion()) {
      return BadRequestError(
          "the API version in the data (" +
          (api_version.is_string() ? api_version.get<std::string>() : api_version.dump()) +
          ") does not match the expected API version (" + info.GroupVersion() + ")");
    }
  }
  if (object.contains("kind")) {
    const json& kind = object["kind"];
    if (!kind.is_string() || kind.get<std::string>() != info.kind) {
      return BadRequestError((kind.is_string() ? kind.get<std::string>() : kind.dump()) +
                             " in version \"" + info.version + "\" cannot be handled as a " +
                             info.kind + ": the object provided is unrecognized (must be of type " +
                             info.kind + ")");
    }
  }
  object["apiVersion"] = info.GroupVersion();
  object["kind"] = info.kind;
  std::string name = object.value("/metadata/name"_json_pointer, std::string());
  if (!target.name.empty() && !name.empty() && name != target.name) {
    return BadRequestError("the name of the object (" + name +
                           ") does not match the name on the URL (" + target.name + ")");
  }
  if (info.StoreKey() == kCrdResource) {
    ResourceRegistry scratch;
    COFFER_RETURN_IF_ERROR(scratch.AddCrd(object));
    if (target.subresource.empty()) MarkCrdEstablished(object);
  }
  if (info.StoreKey() == "v1/secrets") DefaultSecret(object);
  if (info.custom && info.schema.is_object()) {
    schema::Prune(info.schema, object);
    schema::ApplyDefaults(info.schema, object);
    std::vector<schema::Cause> causes = schema::Validate(info.schema, object, old);
    if (!causes.empty()) return SchemaError(info, name, causes);
  }
  return absl::OkStatus();
}

absl::StatusOr<json> KubeApiHandler::Create(const http::Request& request, const Target& target,
                                            json object, std::vector<std::string>& warnings) {
  COFFER_RETURN_IF_ERROR(Admit(target, object, nullptr));
  AdmissionAttributes attributes{target.resource, target.ns, UserInfoOf(request),
                                 QueryValue(request, "dryRun") == "All",
                                 QueryValue(request, "fieldManager")};
  const json admitted = object;
  COFFER_RETURN_IF_ERROR(webhooks_.AdmitCreate(attributes, object, warnings));
  // As the real server validates after mutating admission, a patched object is admitted again.
  if (object != admitted) COFFER_RETURN_IF_ERROR(Admit(target, object, nullptr));
  COFFER_ASSIGN_OR_RETURN(json created,
                          store_.Create(target.resource.StoreKey(), target.ns, std::move(object)));
  if (target.resource.StoreKey() == kCrdResource) {
    COFFER_RETURN_IF_ERROR(registry_.AddCrd(created));
    for (const json& version : created["spec"]["versions"]) {
      if (!version.contains("/subresources/status"_json_pointer)) continue;
      store_.EnableStatusSubresource(created["spec"].value("group", "") + "/" +
                                     version.value("name", "") + "/" +
                                     created["spec"]["names"].value("plural", ""));
    }
  }
  return created;
}

absl::StatusOr<json> KubeApiHandler::Update(const Target& target, json object) {
  // Only a custom resource's schema (its transition rules) looks at the object being replaced.
  absl::StatusOr<json> current = absl::NotFoundError("not read");
  if (target.resource.custom && target.resource.schema.is_object()) {
    current = store_.Get(target.resource.StoreKey(), target.ns, target.name);
  }
  COFFER_RETURN_IF_ERROR(Admit(target, object, current.ok() ? &*current : nullptr));
  COFFER_ASSIGN_OR_RETURN(json updated,
                          store_.Update(target.resource.StoreKey(), target.ns, std::move(object),
                                        !target.subresource.empty()));
  if (target.resource.StoreKey() == kCrdResource) {
    COFFER_RETURN_IF_ERROR(registry_.AddCrd(updated));
  }
  return updated;
}

absl::StatusOr<json> KubeApiHandler::Patch(const http::Request& request, const Target& target) {
  std::string type(request.headers.Get("Content-Type").value_or(""));
  type = type.substr(0, type.find(';'));
  bool merge =
      type == "application/merge-patch+json" || type == "application/strategic-merge-patch+json";
  if (!merge && type != "application/json-patch+json") {
    return KubeError(absl::StatusCode::kInvalidArgument,
                     "the server does not support the patch type " + type, "UnsupportedMediaType",
                     415);
  }
  COFFER_ASSIGN_OR_RETURN(json patch, ParseBody(request.body));
  // The real server decodes a merge patch into a map and a JSON patch into a list of operations.
  if (merge && !patch.is_object()) {
    return BadRequestError("json: cannot unmarshal " + std::string(patch.type_name()) +
                           " into Go value of type map[string]interface {}");
  }
  if (!merge && !patch.is_array()) {
    return BadRequestError("json: cannot unmarshal " + std::string(patch.type_name()) +
                           " into Go value of type jsonpatch.Patch");
  }
  bool pinned = merge && patch.contains("/metadata/resourceVersion"_json_pointer);
  absl::StatusOr<json> result;
  for (int attempt = 0; attempt < kPatchAttempts; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(json current,
                            store_.Get(target.resource.StoreKey(), target.ns, target.name));
    json patched = current;
    if (merge) {
      patched.merge_patch(patch);
    } else {
      absl::StatusOr<json> applied = ApplyJsonPatch(current, patch);
      if (!applied.ok()) {
        return KubeError(absl::StatusCode::kInvalidArgument,
                         std::string(applied.status().message()), "Invalid", 422);
      }
      patched = *std::move(applied);
    }
    if (!patched.is_object()) {
      return KubeError(absl::StatusCode::kInvalidArgument, "the patched object is not an object",
                       "Invalid", 422);
    }
    if (!pinned && patched["metadata"].is_object()) {
      patched["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"];
    }
    result = Update(target, std::move(patched));
    if (pinned || result.status().code() != absl::StatusCode::kAborted) break;
  }
  return result;
}

absl::StatusOr<json> KubeApiHandler::Delete(const Target& target) {
  const std::string key = target.resource.StoreKey();
  COFFER_ASSIGN_OR_RETURN(json deleted, store_.Delete(key, target.ns, target.name));
  if (key == kCrdResource && !store_.Get(key, target.ns, target.name).ok()) {
    registry_.RemoveCrd(deleted);
  }
  return deleted;
}

}  // namespace coffer::kube::standin

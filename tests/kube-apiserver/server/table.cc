#include "tests/kube-apiserver/server/table.h"

#include <cstdint>
#include <cstdlib>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace coffer::kube::standin {
namespace {

using nlohmann::json;

// One step of a path: a field, an index, or a filter [?(@.field=="value")].
struct Step {
  std::string field;
  int index = -1;
  std::string filter_field;
  std::string filter_value;
};

std::vector<Step> ParsePath(std::string_view path) {
  std::vector<Step> steps;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      std::size_t end = path.find_first_of(".[", i + 1);
      if (end == std::string_view::npos) end = path.size();
      Step step;
      step.field = std::string(path.substr(i + 1, end - i - 1));
      steps.push_back(step);
      i = end;
    } else if (path[i] == '[') {
      std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) return {};
      std::string_view inside = path.substr(i + 1, close - i - 1);
      Step step;
      if (inside.rfind("?(@.", 0) == 0) {
        std::size_t eq = inside.find("==");
        if (eq == std::string_view::npos) return {};
        step.filter_field = std::string(inside.substr(4, eq - 4));
        std::string_view value = inside.substr(eq + 2);
        if (!value.empty() && value.back() == ')') value.remove_suffix(1);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
          value = value.substr(1, value.size() - 2);
        }
        step.filter_value = std::string(value);
      } else {
        step.index = std::atoi(std::string(inside).c_str());
      }
      steps.push_back(step);
      i = close + 1;
    } else {
      return {};
    }
  }
  return steps;
}

json Column(const std::string& name, const std::string& type, const std::string& format,
            const std::string& description, int priority) {
  return {{"name", name},
          {"type", type},
          {"format", format},
          {"description", description},
          {"priority", priority}};
}

std::vector<json> PrinterColumns(const ResourceInfo& info) {
  std::vector<json> columns;
  if (info.printer_columns.is_array()) {
    for (const json& c : info.printer_columns) columns.push_back(c);
  }
  if (columns.empty()) {
    columns.push_back(
        {{"name", "Age"}, {"type", "date"}, {"jsonPath", ".metadata.creationTimestamp"}});
  }
  return columns;
}

// What kube-apiserver prints for a date column: the age, as apimachinery's HumanDuration.
std::string HumanAge(absl::Duration d) {
  const int64_t s = absl::ToInt64Seconds(d);
  auto n = [](int64_t v) { return std::to_string(v); };
  if (s < 0) return "0s";
  if (s < 120) return n(s) + "s";
  const int64_t m = s / 60, h = s / 3600, days = h / 24;
  if (m < 10) return n(m) + "m" + (s % 60 == 0 ? "" : n(s % 60) + "s");
  if (m < 180) return n(m) + "m";
  if (h < 8) return n(h) + "h" + (m % 60 == 0 ? "" : n(m % 60) + "m");
  if (h < 48) return n(h) + "h";
  if (h < 192) return n(days) + "d" + (h % 24 == 0 ? "" : n(h % 24) + "h");
  if (days < 365 * 2) return n(days) + "d";
  return n(days / 365) + "y";
}

json Cell(const json& column, const json& object) {
  json value = EvalJsonPath(object, column.value("jsonPath", ""));
  if (column.value("type", "") == "date" && value.is_string()) {
    absl::Time t;
    std::string error;
    if (absl::ParseTime(absl::RFC3339_full, value.get<std::string>(), &t, &error)) {
      return HumanAge(absl::Now() - t);
    }
  }
  return value;
}

}  // namespace

bool WantsTable(const http::Request& request) {
  std::string_view accept = request.headers.Get("Accept").value_or("");
  return accept.find("as=Table") != std::string_view::npos;
}

json EvalJsonPath(const json& object, std::string_view path) {
  std::vector<Step> steps = ParsePath(path);
  if (steps.empty()) return nullptr;
  const json* at = &object;
  for (const Step& step : steps) {
    if (!step.field.empty()) {
      if (!at->is_object() || !at->contains(step.field)) return nullptr;
      at = &(*at)[step.field];
    } else if (step.index >= 0) {
      if (!at->is_array() || static_cast<std::size_t>(step.index) >= at->size()) return nullptr;
      at = &(*at)[static_cast<std::size_t>(step.index)];
    } else {
      if (!at->is_array()) return nullptr;
      const json* match = nullptr;
      for (const json& item : *at) {
        if (item.is_object() && item.value(step.filter_field, json()) == step.filter_value) {
          match = &item;
          break;
        }
      }
      if (match == nullptr) return nullptr;
      at = match;
    }
  }
  return *at;
}

json ToTable(const ResourceInfo& info, const std::vector<json>& objects, bool with_columns,
             const std::string& resource_version) {
  const std::vector<json> columns = PrinterColumns(info);
  json definitions = json::array();
  if (with_columns) {
    definitions.push_back(Column("Name", "string", "name", "Name of the object.", 0));
    for (const json& c : columns) {
      definitions.push_back(Column(c.value("name", ""), c.value("type", "string"),
                                   c.value("format", ""), c.value("description", ""),
                                   c.value("priority", 0)));
    }
  }
  json rows = json::array();
  for (const json& object : objects) {
    json cells = {object.value("/metadata/name"_json_pointer, std::string())};
    for (const json& c : columns) cells.push_back(Cell(c, object));
    rows.push_back({{"cells", cells},
                    {"object",
                     {{"kind", "PartialObjectMetadata"},
                      {"apiVersion", "meta.k8s.io/v1"},
                      {"metadata", object.value("metadata", json::object())}}}});
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", {{"resourceVersion", resource_version}}},
          {"columnDefinitions", definitions},
          {"rows", rows}};
}

}  // namespace coffer::kube::standin

#include "vault-core/cli/output.h"

#include <algorithm>

#include "vault-core/cli/args.h"

namespace coffer::cli {
namespace {

using nlohmann::json;

std::string Dump(const json& doc) {
  return doc.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  return UsageError("invalid output format '" + std::string(text) + "': use json or table");
}

std::string CellText(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    return s.empty() ? "-" : s;
  }
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_array()) {
    if (value.empty()) return "-";
    std::string out;
    for (const json& item : value) out += (out.empty() ? "" : ",") + CellText(item);
    return out;
  }
  if (value.is_object()) {
    if (value.empty()) return "-";
    std::string out;
    for (const auto& [key, item] : value.items()) {
      out += (out.empty() ? "" : ",") + key + "=" + CellText(item);
    }
    return out;
  }
  return value.dump();
}

void PrintList(std::ostream& out, OutputFormat format, const json& items,
               const std::vector<Column>& columns) {
  if (format == OutputFormat::kJson) {
    out << Dump(items) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> headings;
  for (const Column& c : columns) headings.push_back(c.heading);
  rows.push_back(headings);
  for (const json& item : items) {
    std::vector<std::string> row;
    for (const Column& c : columns) {
      row.push_back(item.contains(c.key) ? CellText(item[c.key]) : "-");
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> widths(columns.size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

void PrintObject(std::ostream& out, OutputFormat format, const json& object,
                 const std::vector<Column>& columns) {
  if (format == OutputFormat::kJson) {
    out << Dump(object) << "\n";
    return;
  }
  std::size_t width = 0;
  for (const Column& c : columns) width = std::max(width, c.heading.size() + 1);
  for (const Column& c : columns) {
    std::string value = object.contains(c.key) ? CellText(object[c.key]) : "-";
    out << c.heading << ":" << std::string(width - c.heading.size() + 1, ' ') << value << "\n";
  }
}

void PrintMessage(std::ostream& out, OutputFormat format, std::string_view text, const json& doc) {
  if (format == OutputFormat::kJson) {
    out << Dump(doc) << "\n";
  } else {
    out << text << "\n";
  }
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

json TimeJson(std::optional<absl::Time> time) {
  return time.has_value() ? json(Rfc3339(*time)) : json(nullptr);
}

json UnixTimeJson(long long unix_seconds) {
  return unix_seconds == 0 ? json(nullptr) : json(Rfc3339(absl::FromUnixSeconds(unix_seconds)));
}

}  // namespace coffer::cli

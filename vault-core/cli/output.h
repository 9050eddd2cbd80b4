#ifndef COFFER_VAULT_CORE_CLI_OUTPUT_H_
#define COFFER_VAULT_CORE_CLI_OUTPUT_H_

// Rendering command results as JSON (for scripts) or tables (for people).

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace coffer::cli {

enum class OutputFormat { kTable, kJson };

// "table" or "json"; a usage error otherwise.
absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view text);

// A table column (or a line of a single object's table): its heading and the JSON key it shows.
struct Column {
  std::string heading;
  std::string key;
};

// JSON: the array, pretty-printed. Table: a heading row and one aligned row per item; a missing
// or null value shows as "-", arrays as "a,b", objects as "k=v,k2=v2".
void PrintList(std::ostream& out, OutputFormat format, const nlohmann::json& items,
               const std::vector<Column>& columns);

// JSON: the object, pretty-printed. Table: one "Heading:  value" line per column, aligned.
void PrintObject(std::ostream& out, OutputFormat format, const nlohmann::json& object,
                 const std::vector<Column>& columns);

// JSON: `doc`. Table: `text` on one line (for commands whose result is just "done").
void PrintMessage(std::ostream& out, OutputFormat format, std::string_view text,
                  const nlohmann::json& doc);

// How one value shows in a table cell.
std::string CellText(const nlohmann::json& value);

// RFC 3339 in UTC, seconds precision: "2026-01-01T00:00:00Z".
std::string Rfc3339(absl::Time time);
// Unix seconds as RFC 3339, or null for 0 / absent ("unset").
nlohmann::json TimeJson(std::optional<absl::Time> time);
nlohmann::json UnixTimeJson(long long unix_seconds);

}  // namespace coffer::cli

#endif  // COFFER_VAULT_CORE_CLI_OUTPUT_H_

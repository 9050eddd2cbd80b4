#include "lib/kube/label_selector.h"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/absl_compat.h"
#include "lib/base/status.h"
#include "nlohmann/json.hpp"

namespace coffer::kube {
namespace {

using Operator = LabelRequirement::Operator;

constexpr size_t kMaxNameLength = 63;
constexpr size_t kMaxPrefixLength = 253;

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?
bool IsQualifiedName(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// RFC 1123 subdomain: lower-case labels of [a-z0-9-] joined by dots, alphanumeric at both ends.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > kMaxPrefixLength) return false;
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (!lower_alnum(s[i - 1]) || !lower_alnum(s[i + 1])) return false;
    } else if (!lower_alnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

enum class TokenKind {
  kIdent,
  kNot,
  kEquals,
  kDoubleEquals,
  kNotEquals,
  kOpen,
  kClose,
  kComma,
  kEnd
};

struct Token {
  TokenKind kind;
  std::string text;
  size_t pos;
};

bool IsSpecial(char c) {
  return c == '!' || c == '=' || c == '(' || c == ')' || c == ',' ||
         std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::vector<Token> Lex(std::string_view s) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      ++i;
      continue;
    }
    bool next_is_eq = i + 1 < s.size() && s[i + 1] == '=';
    if (c == '!') {
      tokens.push_back({next_is_eq ? TokenKind::kNotEquals : TokenKind::kNot, "", i});
      i += next_is_eq ? 2 : 1;
    } else if (c == '=') {
      tokens.push_back({next_is_eq ? TokenKind::kDoubleEquals : TokenKind::kEquals, "", i});
      i += next_is_eq ? 2 : 1;
    } else if (c == '(' || c == ')' || c == ',') {
      TokenKind kind = c == '('   ? TokenKind::kOpen
                       : c == ')' ? TokenKind::kClose
                                  : TokenKind::kComma;
      tokens.push_back({kind, "", i++});
    } else {
      size_t start = i;
      while (i < s.size() && !IsSpecial(s[i])) ++i;
      tokens.push_back({TokenKind::kIdent, std::string(s.substr(start, i - start)), start});
    }
  }
  tokens.push_back({TokenKind::kEnd, "", s.size()});
  return tokens;
}

class Parser {
 public:
  explicit Parser(std::string_view input) : input_(input), tokens_(Lex(input)) {}

  absl::StatusOr<std::vector<LabelRequirement>> Parse() {
    std::vector<LabelRequirement> out;
    if (Peek().kind == TokenKind::kEnd) return out;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(LabelRequirement r, ParseRequirement());
      out.push_back(std::move(r));
      const Token& t = Next();
      if (t.kind == TokenKind::kEnd) return out;
      if (t.kind != TokenKind::kComma) return Error(t, "expected ',' or end of selector");
    }
  }

 private:
  const Token& Peek() const { return tokens_[next_]; }
  const Token& Next() { return tokens_[next_ < tokens_.size() - 1 ? next_++ : next_]; }

  absl::Status Error(const Token& t, std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("invalid label selector \"", AsAbsl(input_),
                                                   "\": ", AsAbsl(what), " at position ", t.pos));
  }

  absl::StatusOr<LabelRequirement> ParseRequirement() {
    LabelRequirement r;
    bool negated = Peek().kind == TokenKind::kNot;
    if (negated) Next();
    const Token& key = Next();
    if (key.kind != TokenKind::kIdent) return Error(key, "expected a label key");
    r.key = key.text;
    COFFER_RETURN_IF_ERROR(ValidateLabelKey(r.key));
    const Token& t = Peek();
    if (negated || t.kind == TokenKind::kComma || t.kind == TokenKind::kEnd) {
      r.op = negated ? Operator::kDoesNotExist : Operator::kExists;
      return r;
    }
    if (t.kind == TokenKind::kEquals || t.kind == TokenKind::kDoubleEquals ||
        t.kind == TokenKind::kNotEquals) {
      r.op = t.kind == TokenKind::kNotEquals ? Operator::kNotEquals : Operator::kEquals;
      Next();
      COFFER_ASSIGN_OR_RETURN(std::string value, ParseValue());
      r.values.push_back(std::move(value));
      return r;
    }
    if (t.kind == TokenKind::kIdent && (t.text == "in" || t.text == "notin")) {
      r.op = t.text == "in" ? Operator::kIn : Operator::kNotIn;
      Next();
      COFFER_ASSIGN_OR_RETURN(r.values, ParseValueSet());
      return r;
    }
    return Error(t, "expected an operator (=, ==, !=, in, notin), ',' or end of selector");
  }

  // A value may be empty: `a=` selects labels `a` whose value is "".
  absl::StatusOr<std::string> ParseValue() {
    std::string value;
    if (Peek().kind == TokenKind::kIdent) value = Next().text;
    TokenKind k = Peek().kind;
    if (k != TokenKind::kComma && k != TokenKind::kEnd && k != TokenKind::kClose) {
      return Error(Peek(), "expected a label value");
    }
    COFFER_RETURN_IF_ERROR(ValidateLabelValue(value));
    return value;
  }

  absl::StatusOr<std::vector<std::string>> ParseValueSet() {
    const Token& open = Next();
    if (open.kind != TokenKind::kOpen) return Error(open, "expected '('");
    if (Peek().kind == TokenKind::kClose) return Error(Peek(), "the set of values is empty");
    std::vector<std::string> values;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(std::string value, ParseValue());
      values.push_back(std::move(value));
      const Token& t = Next();
      if (t.kind == TokenKind::kClose) break;
      if (t.kind != TokenKind::kComma) return Error(t, "expected ',' or ')'");
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
  }

  std::string_view input_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
};

absl::StatusOr<Operator> OperatorFromJson(const std::string& op) {
  if (op == "In") return Operator::kIn;
  if (op == "NotIn") return Operator::kNotIn;
  if (op == "Exists") return Operator::kExists;
  if (op == "DoesNotExist") return Operator::kDoesNotExist;
  return absl::InvalidArgumentError(
      absl::StrCat("matchExpressions: unknown operator \"", op, "\""));
}

absl::StatusOr<LabelRequirement> ExpressionFromJson(const nlohmann::json& e) {
  if (!e.is_object()) return absl::InvalidArgumentError("matchExpressions: entry is not an object");
  auto key = e.find("key");
  auto op = e.find("operator");
  if (key == e.end() || !key->is_string() || op == e.end() || !op->is_string()) {
    return absl::InvalidArgumentError("matchExpressions: entry needs string key and operator");
  }
  LabelRequirement r;
  r.key = key->get<std::string>();
  COFFER_RETURN_IF_ERROR(ValidateLabelKey(r.key));
  COFFER_ASSIGN_OR_RETURN(r.op, OperatorFromJson(op->get<std::string>()));
  auto values = e.find("values");
  if (values != e.end() && !values->is_null()) {
    if (!values->is_array()) return absl::InvalidArgumentError("matchExpressions: bad values");
    for (const auto& v : *values) {
      if (!v.is_string()) return absl::InvalidArgumentError("matchExpressions: bad values");
      r.values.push_back(v.get<std::string>());
      COFFER_RETURN_IF_ERROR(ValidateLabelValue(r.values.back()));
    }
  }
  bool wants_values = r.op == Operator::kIn || r.op == Operator::kNotIn;
  if (wants_values == r.values.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "matchExpressions: key \"", r.key, "\": values must be ",
        wants_values ? "non-empty for In and NotIn" : "empty for Exists and DoesNotExist"));
  }
  std::sort(r.values.begin(), r.values.end());
  r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
  return r;
}

}  // namespace

absl::Status ValidateLabelKey(std::string_view key) {
  std::string_view name = key;
  size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (!IsDnsSubdomain(prefix)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid label key \"", AsAbsl(key), "\": prefix must be a lower-case DNS subdomain"));
    }
  }
  if (name.size() > kMaxNameLength || !IsQualifiedName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid label key \"", AsAbsl(key),
                     "\": name must be at most 63 characters of [-A-Za-z0-9_.], starting and "
                     "ending with an alphanumeric character"));
  }
  return absl::OkStatus();
}

absl::Status ValidateLabelValue(std::string_view value) {
  if (value.empty()) return absl::OkStatus();
  if (value.size() > kMaxNameLength || !IsQualifiedName(value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid label value \"", AsAbsl(value),
                     "\": must be empty or at most 63 characters of [-A-Za-z0-9_.], starting "
                     "and ending with an alphanumeric character"));
  }
  return absl::OkStatus();
}

bool LabelRequirement::Matches(const std::map<std::string, std::string>& labels) const {
  auto it = labels.find(key);
  bool has = it != labels.end();
  bool in_set = has && std::binary_search(values.begin(), values.end(), it->second);
  switch (op) {
    case Operator::kEquals:
    case Operator::kIn:
      return in_set;
    case Operator::kNotEquals:
    case Operator::kNotIn:
      return !in_set;
    case Operator::kExists:
      return has;
    case Operator::kDoesNotExist:
      return !has;
  }
  return false;
}

std::string LabelRequirement::ToString() const {
  std::string set = absl::StrCat("(", absl::StrJoin(values, ","), ")");
  switch (op) {
    case Operator::kEquals:
      return absl::StrCat(key, "=", values.empty() ? "" : values.front());
    case Operator::kNotEquals:
      return absl::StrCat(key, "!=", values.empty() ? "" : values.front());
    case Operator::kIn:
      return absl::StrCat(key, " in ", set);
    case Operator::kNotIn:
      return absl::StrCat(key, " notin ", set);
    case Operator::kExists:
      return key;
    case Operator::kDoesNotExist:
      return absl::StrCat("!", key);
  }
  return key;
}

bool operator<(const LabelRequirement& a, const LabelRequirement& b) {
  return std::tie(a.key, a.op, a.values) < std::tie(b.key, b.op, b.values);
}

bool operator==(const LabelRequirement& a, const LabelRequirement& b) {
  return a.key == b.key && a.op == b.op && a.values == b.values;
}

LabelSelector::LabelSelector(std::vector<LabelRequirement> requirements)
    : requirements_(std::move(requirements)) {
  std::sort(requirements_.begin(), requirements_.end());
  requirements_.erase(std::unique(requirements_.begin(), requirements_.end()), requirements_.end());
}

absl::StatusOr<LabelSelector> LabelSelector::Parse(std::string_view selector) {
  COFFER_ASSIGN_OR_RETURN(auto requirements, Parser(selector).Parse());
  return LabelSelector(std::move(requirements));
}

absl::StatusOr<LabelSelector> LabelSelector::FromJson(const nlohmann::json& selector) {
  if (selector.is_null()) return Nothing();
  if (!selector.is_object()) return absl::InvalidArgumentError("label selector is not an object");
  std::vector<LabelRequirement> requirements;
  auto labels = selector.find("matchLabels");
  if (labels != selector.end() && !labels->is_null()) {
    if (!labels->is_object()) return absl::InvalidArgumentError("matchLabels is not an object");
    for (const auto& [key, value] : labels->items()) {
      if (!value.is_string()) {
        return absl::InvalidArgumentError(absl::StrCat("matchLabels: \"", key, "\" not a string"));
      }
      COFFER_RETURN_IF_ERROR(ValidateLabelKey(key));
      COFFER_RETURN_IF_ERROR(ValidateLabelValue(value.get<std::string>()));
      requirements.push_back({key, Operator::kEquals, {value.get<std::string>()}});
    }
  }
  auto expressions = selector.find("matchExpressions");
  if (expressions != selector.end() && !expressions->is_null()) {
    if (!expressions->is_array()) return absl::InvalidArgumentError("matchExpressions not a list");
    for (const auto& e : *expressions) {
      COFFER_ASSIGN_OR_RETURN(LabelRequirement r, ExpressionFromJson(e));
      requirements.push_back(std::move(r));
    }
  }
  return LabelSelector(std::move(requirements));
}

LabelSelector LabelSelector::Nothing() {
  LabelSelector s;
  s.matches_nothing_ = true;
  return s;
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  if (matches_nothing_) return false;
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const LabelRequirement& r) { return r.Matches(labels); });
}

std::string LabelSelector::ToString() const {
  std::vector<std::string> parts;
  parts.reserve(requirements_.size());
  for (const auto& r : requirements_) parts.push_back(r.ToString());
  return absl::StrJoin(parts, ",");
}

}  // namespace coffer::kube

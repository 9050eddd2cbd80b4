// A small CEL interpreter: a tokenizer, a recursive-descent parser into a tree, and a
// tree-walking evaluator over nlohmann::json values.
#include "tests/kube-apiserver/schema/cel.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "lib/base/status.h"

namespace coffer::kube::schema {
namespace {

using nlohmann::json;

struct Token {
  enum Kind { kIdent, kNumber, kString, kPunct, kEnd } kind = kEnd;
  std::string text;
  json value;  // numbers and strings
};

absl::Status CompileError(const std::string& what) {
  return absl::InvalidArgumentError("compilation failed: " + what);
}
absl::Status EvalError(const std::string& what) { return absl::FailedPreconditionError(what); }

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view in) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < in.size()) {
    const char c = in[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < in.size() && (std::isalnum(static_cast<unsigned char>(in[j])) || in[j] == '_'))
        ++j;
      out.push_back({Token::kIdent, std::string(in.substr(i, j - i)), nullptr});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i;
      bool fraction = false;
      while (j < in.size() && (std::isdigit(static_cast<unsigned char>(in[j])) || in[j] == '.')) {
        fraction = fraction || in[j] == '.';
        ++j;
      }
      std::string text(in.substr(i, j - i));
      json value = fraction ? json(std::stod(text)) : json(std::stoll(text));
      out.push_back({Token::kNumber, text, value});
      i = j;
    } else if (c == '\'' || c == '"') {
      std::string text;
      size_t j = i + 1;
      while (j < in.size() && in[j] != c) {
        if (in[j] == '\\' && j + 1 < in.size()) ++j;
        text += in[j++];
      }
      if (j >= in.size()) return CompileError("unterminated string");
      out.push_back({Token::kString, text, text});
      i = j + 1;
    } else {
      static const char* const kTwo[] = {"==", "!=", "<=", ">=", "&&", "||"};
      std::string punct(1, c);
      for (const char* two : kTwo) {
        if (in.substr(i, 2) == two) punct = two;
      }
      if (punct.size() == 1 && std::string("()[].,?:!-+*/%<>").find(c) == std::string::npos) {
        return CompileError(std::string("unexpected character '") + c + "'");
      }
      out.push_back({Token::kPunct, punct, nullptr});
      i += punct.size();
    }
  }
  out.push_back({Token::kEnd, "", nullptr});
  return out;
}

struct Node {
  enum Kind { kLiteral, kIdent, kSelect, kIndex, kCall, kUnary, kBinary, kTernary, kList } kind;
  std::string name;  // identifier, field, function or operator
  json literal;
  bool has_target = false;  // kCall: args[0] is the receiver (x.size())
  std::vector<std::unique_ptr<Node>> args;
};
using NodePtr = std::unique_ptr<Node>;

NodePtr Make(Node::Kind kind, std::string name = "") {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->name = std::move(name);
  return node;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  absl::StatusOr<NodePtr> ParseAll() {
    COFFER_ASSIGN_OR_RETURN(NodePtr node, Expr());
    if (Peek().kind != Token::kEnd) return CompileError("unexpected '" + Peek().text + "'");
    return node;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  bool Accept(const std::string& punct) {
    if (Peek().kind == Token::kPunct && Peek().text == punct) {
      ++pos_;
      return true;
    }
    return false;
  }
  absl::Status Expect(const std::string& punct) {
    return Accept(punct) ? absl::OkStatus() : CompileError("expected '" + punct + "'");
  }

  absl::StatusOr<NodePtr> Expr() {
    COFFER_ASSIGN_OR_RETURN(NodePtr cond, Binary(0));
    if (!Accept("?")) return cond;
    NodePtr node = Make(Node::kTernary);
    node->args.push_back(std::move(cond));
    COFFER_ASSIGN_OR_RETURN(NodePtr yes, Expr());
    COFFER_RETURN_IF_ERROR(Expect(":"));
    COFFER_ASSIGN_OR_RETURN(NodePtr no, Expr());
    node->args.push_back(std::move(yes));
    node->args.push_back(std::move(no));
    return node;
  }

  // Precedence climbing over CEL's binary operators, loosest first.
  absl::StatusOr<NodePtr> Binary(size_t level) {
    static const std::vector<std::vector<std::string>> kLevels = {
        {"||"}, {"&&"}, {"==", "!=", "<", "<=", ">", ">=", "in"}, {"+", "-"}, {"*", "/", "%"}};
    if (level == kLevels.size()) return Unary();
    COFFER_ASSIGN_OR_RETURN(NodePtr left, Binary(level + 1));
    while (true) {
      std::string op;
      for (const std::string& candidate : kLevels[level]) {
        const Token& t = Peek();
        if ((t.kind == Token::kPunct || t.kind == Token::kIdent) && t.text == candidate) {
          op = candidate;
        }
      }
      if (op.empty()) return left;
      ++pos_;
      COFFER_ASSIGN_OR_RETURN(NodePtr right, Binary(level + 1));
      NodePtr node = Make(Node::kBinary, op);
      node->args.push_back(std::move(left));
      node->args.push_back(std::move(right));
      left = std::move(node);
    }
  }

  absl::StatusOr<NodePtr> Unary() {
    for (const char* op : {"!", "-"}) {
      if (Accept(op)) {
        NodePtr node = Make(Node::kUnary, op);
        COFFER_ASSIGN_OR_RETURN(NodePtr operand, Unary());
        node->args.push_back(std::move(operand));
        return node;
      }
    }
    return Member();
  }

  absl::StatusOr<std::vector<NodePtr>> Args(const std::string& close) {
    std::vector<NodePtr> args;
    if (Accept(close)) return args;
    do {
      COFFER_ASSIGN_OR_RETURN(NodePtr arg, Expr());
      args.push_back(std::move(arg));
    } while (Accept(","));
    COFFER_RETURN_IF_ERROR(Expect(close));
    return args;
  }

  absl::StatusOr<NodePtr> Member() {
    COFFER_ASSIGN_OR_RETURN(NodePtr node, Primary());
    while (true) {
      if (Accept(".")) {
        if (Peek().kind != Token::kIdent) return CompileError("expected a field name");
        std::string name = tokens_[pos_++].text;
        if (Accept("(")) {
          NodePtr call = Make(Node::kCall, name);
          call->has_target = true;
          call->args.push_back(std::move(node));
          COFFER_ASSIGN_OR_RETURN(auto args, Args(")"));
          for (NodePtr& arg : args) call->args.push_back(std::move(arg));
          node = std::move(call);
        } else {
          NodePtr select = Make(Node::kSelect, name);
          select->args.push_back(std::move(node));
          node = std::move(select);
        }
      } else if (Accept("[")) {
        NodePtr index = Make(Node::kIndex);
        index->args.push_back(std::move(node));
        COFFER_ASSIGN_OR_RETURN(NodePtr key, Expr());
        index->args.push_back(std::move(key));
        COFFER_RETURN_IF_ERROR(Expect("]"));
        node = std::move(index);
      } else {
        return node;
      }
    }
  }

  absl::StatusOr<NodePtr> Primary() {
    const Token t = Peek();
    if (t.kind == Token::kNumber || t.kind == Token::kString) {
      ++pos_;
      NodePtr node = Make(Node::kLiteral);
      node->literal = t.value;
      return node;
    }
    if (Accept("(")) {
      COFFER_ASSIGN_OR_RETURN(NodePtr inner, Expr());
      COFFER_RETURN_IF_ERROR(Expect(")"));
      return inner;
    }
    if (Accept("[")) {
      NodePtr list = Make(Node::kList);
      COFFER_ASSIGN_OR_RETURN(list->args, Args("]"));
      return list;
    }
    if (t.kind != Token::kIdent) return CompileError("unexpected '" + t.text + "'");
    ++pos_;
    if (t.text == "true" || t.text == "false" || t.text == "null") {
      NodePtr node = Make(Node::kLiteral);
      node->literal = t.text == "null" ? json(nullptr) : json(t.text == "true");
      return node;
    }
    if (Accept("(")) {
      NodePtr call = Make(Node::kCall, t.text);
      COFFER_ASSIGN_OR_RETURN(call->args, Args(")"));
      return call;
    }
    return Make(Node::kIdent, t.text);
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

class Evaluator {
 public:
  explicit Evaluator(std::map<std::string, json> variables) : variables_(std::move(variables)) {}

  absl::StatusOr<json> Eval(const Node& n) {
    switch (n.kind) {
      case Node::kLiteral:
        return n.literal;
      case Node::kIdent: {
        auto it = variables_.find(n.name);
        if (it == variables_.end()) return CompileError("undeclared reference to '" + n.name + "'");
        return it->second;
      }
      case Node::kSelect: {
        COFFER_ASSIGN_OR_RETURN(json operand, Eval(*n.args[0]));
        if (!operand.is_object()) return EvalError("no such key: " + n.name);
        auto it = operand.find(n.name);
        if (it == operand.end()) return EvalError("no such key: " + n.name);
        return *it;
      }
      case Node::kIndex:
        return Index(n);
      case Node::kList: {
        json list = json::array();
        for (const NodePtr& arg : n.args) {
          COFFER_ASSIGN_OR_RETURN(json item, Eval(*arg));
          list.push_back(std::move(item));
        }
        return list;
      }
      case Node::kUnary:
        return Unary(n);
      case Node::kTernary: {
        COFFER_ASSIGN_OR_RETURN(json cond, Eval(*n.args[0]));
        if (!cond.is_boolean()) return EvalError("no matching overload for '_?_:_'");
        return Eval(*n.args[cond.get<bool>() ? 1 : 2]);
      }
      case Node::kBinary:
        return n.name == "&&" || n.name == "||" ? Logical(n) : Binary(n);
      case Node::kCall:
        return Call(n);
    }
    return EvalError("unsupported expression");
  }

 private:
  absl::StatusOr<json> Index(const Node& n) {
    COFFER_ASSIGN_OR_RETURN(json operand, Eval(*n.args[0]));
    COFFER_ASSIGN_OR_RETURN(json key, Eval(*n.args[1]));
    if (operand.is_array() && key.is_number_integer()) {
      const auto i = key.get<int64_t>();
      if (i < 0 || static_cast<size_t>(i) >= operand.size()) return EvalError("index out of range");
      return operand[static_cast<size_t>(i)];
    }
    if (operand.is_object() && key.is_string()) {
      auto it = operand.find(key.get<std::string>());
      if (it == operand.end()) return EvalError("no such key: " + key.get<std::string>());
      return *it;
    }
    return EvalError("no matching overload for '_[_]'");
  }

  absl::StatusOr<json> Unary(const Node& n) {
    COFFER_ASSIGN_OR_RETURN(json v, Eval(*n.args[0]));
    if (n.name == "!" && v.is_boolean()) return !v.get<bool>();
    if (n.name == "-" && v.is_number_integer()) return -v.get<int64_t>();
    if (n.name == "-" && v.is_number()) return -v.get<double>();
    return EvalError("no matching overload for '" + n.name + "_'");
  }

  // CEL's commutative && and ||: a side that decides the result wins over an error on the other.
  absl::StatusOr<json> Logical(const Node& n) {
    const bool decisive = n.name == "||";
    absl::StatusOr<json> left = Eval(*n.args[0]);
    if (left.ok() && left->is_boolean() && left->get<bool>() == decisive) return decisive;
    absl::StatusOr<json> right = Eval(*n.args[1]);
    if (right.ok() && right->is_boolean() && right->get<bool>() == decisive) return decisive;
    if (!left.ok()) return left.status();
    if (!right.ok()) return right.status();
    if (!left->is_boolean() || !right->is_boolean()) {
      return EvalError("no matching overload for '_" + n.name + "_'");
    }
    return !decisive;
  }

  absl::StatusOr<json> Binary(const Node& n) {
    COFFER_ASSIGN_OR_RETURN(json a, Eval(*n.args[0]));
    COFFER_ASSIGN_OR_RETURN(json b, Eval(*n.args[1]));
    const std::string& op = n.name;
    if (op == "==") return a == b;
    if (op == "!=") return a != b;
    if (op == "in") {
      if (b.is_array()) return std::find(b.begin(), b.end(), a) != b.end();
      if (b.is_object() && a.is_string()) return b.contains(a.get<std::string>());
      return EvalError("no matching overload for '@in'");
    }
    const bool numbers = a.is_number() && b.is_number();
    const bool strings = a.is_string() && b.is_string();
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      if (!numbers && !strings) return EvalError("no matching overload for '_" + op + "_'");
      const bool less = a < b, greater = b < a;
      if (op == "<") return less;
      if (op == "<=") return !greater;
      if (op == ">") return greater;
      return !less;
    }
    if (op == "+" && strings) return a.get<std::string>() + b.get<std::string>();
    if (op == "+" && a.is_array() && b.is_array()) {
      json joined = a;
      for (const json& item : b) joined.push_back(item);
      return joined;
    }
    if (a.is_number_integer() && b.is_number_integer()) {
      const auto x = a.get<int64_t>(), y = b.get<int64_t>();
      if ((op == "/" || op == "%") && y == 0) return EvalError("division by zero");
      if (op == "+") return x + y;
      if (op == "-") return x - y;
      if (op == "*") return x * y;
      if (op == "/") return x / y;
      if (op == "%") return x % y;
    } else if (numbers && op != "%") {
      const double x = a.get<double>(), y = b.get<double>();
      if (op == "+") return x + y;
      if (op == "-") return x - y;
      if (op == "*") return x * y;
      if (op == "/") return x / y;
    }
    return EvalError("no matching overload for '_" + op + "_'");
  }

  absl::StatusOr<json> Call(const Node& n) {
    if (n.name == "has" && !n.has_target) {
      if (n.args.size() != 1 || n.args[0]->kind != Node::kSelect) {
        return CompileError("invalid argument to has() macro");
      }
      COFFER_ASSIGN_OR_RETURN(json operand, Eval(*n.args[0]->args[0]));
      return operand.is_object() && operand.contains(n.args[0]->name);
    }
    if (n.has_target && (n.name == "all" || n.name == "exists" || n.name == "exists_one")) {
      return Comprehension(n);
    }
    std::vector<json> args;
    for (const NodePtr& arg : n.args) {
      COFFER_ASSIGN_OR_RETURN(json v, Eval(*arg));
      args.push_back(std::move(v));
    }
    if (n.name == "size" && args.size() == 1) {
      if (args[0].is_string()) {
        size_t runes = 0;
        for (unsigned char c : args[0].get<std::string>()) runes += (c & 0xC0) != 0x80;
        return runes;
      }
      if (args[0].is_array() || args[0].is_object()) return args[0].size();
    }
    if (n.has_target && args.size() == 2 && args[0].is_string() && args[1].is_string()) {
      const std::string s = args[0].get<std::string>(), t = args[1].get<std::string>();
      if (n.name == "startsWith") return s.rfind(t, 0) == 0;
      if (n.name == "endsWith")
        return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
      if (n.name == "contains") return s.find(t) != std::string::npos;
      if (n.name == "matches") {
        try {
          return std::regex_search(s, std::regex(t, std::regex::ECMAScript));
        } catch (const std::regex_error&) {
          return EvalError("invalid regular expression");
        }
      }
    }
    return EvalError("no matching overload for '" + n.name + "'");
  }

  // list.all(x, pred), exists, exists_one; over a map, x ranges over its keys.
  absl::StatusOr<json> Comprehension(const Node& n) {
    if (n.args.size() != 3 || n.args[1]->kind != Node::kIdent) {
      return CompileError(n.name + "() takes a variable and a predicate");
    }
    COFFER_ASSIGN_OR_RETURN(json range, Eval(*n.args[0]));
    std::vector<json> items;
    if (range.is_array()) items.assign(range.begin(), range.end());
    if (range.is_object()) {
      for (const auto& [key, value] : range.items()) items.push_back(key);
    }
    if (!range.is_array() && !range.is_object())
      return EvalError("no matching overload for '" + n.name + "'");
    const std::string& var = n.args[1]->name;
    const json saved = variables_.count(var) ? variables_[var] : json();
    size_t trues = 0, falses = 0;
    absl::Status error = absl::OkStatus();
    for (const json& item : items) {
      variables_[var] = item;
      absl::StatusOr<json> result = Eval(*n.args[2]);
      if (!result.ok()) {
        error = result.status();
      } else if (!result->is_boolean()) {
        error = EvalError("predicate of " + n.name + "() is not a bool");
      } else {
        (result->get<bool>() ? trues : falses)++;
      }
    }
    variables_[var] = saved;
    // As && and ||: a decisive element wins over an error on another.
    if (n.name == "all" && falses > 0) return false;
    if (n.name == "exists" && trues > 0) return true;
    if (!error.ok()) return error;
    if (n.name == "all") return true;
    if (n.name == "exists") return false;
    return trues == 1;
  }

  std::map<std::string, json> variables_;
};

}  // namespace

absl::StatusOr<json> EvaluateCel(std::string_view rule, const json& self, const json* old_self) {
  COFFER_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(rule));
  Parser parser(std::move(tokens));
  COFFER_ASSIGN_OR_RETURN(NodePtr tree, parser.ParseAll());
  std::map<std::string, json> variables = {{"self", self}};
  if (old_self != nullptr) variables["oldSelf"] = *old_self;
  return Evaluator(std::move(variables)).Eval(*tree);
}

bool IsTransitionRule(std::string_view rule) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(rule);
  if (!tokens.ok()) return false;
  for (const Token& t : *tokens) {
    if (t.kind == Token::kIdent && t.text == "oldSelf") return true;
  }
  return false;
}

}  // namespace coffer::kube::schema

#ifndef COFFER_OPERATOR_RUNTIME_REVERSE_INDEX_H_
#define COFFER_OPERATOR_RUNTIME_REVERSE_INDEX_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace coffer::op {

// Object keys by one value each object has (its subject's name, its KeyVault), so that the
// objects sharing a value are found without a scan of them all. Not thread-safe.
class ReverseIndex {
 public:
  // Records `key`'s value; nullopt forgets the key (the object is gone).
  void Set(const std::string& key, const std::optional<std::string>& value) {
    auto old = value_of_.find(key);
    if (old != value_of_.end()) {
      auto keys = keys_of_.find(old->second);
      keys->second.erase(key);
      if (keys->second.empty()) keys_of_.erase(keys);
      value_of_.erase(old);
    }
    if (value) {
      value_of_[key] = *value;
      keys_of_[*value].insert(key);
    }
  }
  std::vector<std::string> KeysOf(const std::string& value) const {
    auto it = keys_of_.find(value);
    if (it == keys_of_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }

 private:
  std::map<std::string, std::set<std::string>> keys_of_;
  std::map<std::string, std::string> value_of_;
};

}  // namespace coffer::op

#endif  // COFFER_OPERATOR_RUNTIME_REVERSE_INDEX_H_

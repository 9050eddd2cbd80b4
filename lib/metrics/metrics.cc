#include "lib/metrics/metrics.h"

#include <algorithm>
#include <sstream>

namespace coffer::metrics {
namespace {

std::string EscapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string FormatLabels(const Labels& labels, const std::string& extra_key = "",
                         const std::string& extra_value = "") {
  Labels all = labels;
  if (!extra_key.empty()) all.emplace_back(extra_key, extra_value);
  if (all.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i > 0) out += ",";
    out += all[i].first + "=\"" + EscapeLabel(all[i].second) + "\"";
  }
  return out + "}";
}

std::string FormatNumber(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  std::size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  absl::MutexLock lock(&mu_);
  ++counts_[i];
  sum_ += value;
}

void Histogram::Snapshot(std::vector<std::uint64_t>* cumulative, double* sum,
                         std::uint64_t* count) const {
  absl::MutexLock lock(&mu_);
  cumulative->clear();
  std::uint64_t running = 0;
  for (std::uint64_t c : counts_) {
    running += c;
    cumulative->push_back(running);
  }
  *sum = sum_;
  *count = running;
}

Registry::Family& Registry::FamilyFor(const std::string& name, const std::string& help,
                                      const char* type) {
  Family& family = families_[name];
  if (family.type.empty()) {
    family.help = help;
    family.type = type;
  }
  return family;
}

Counter& Registry::GetCounter(const std::string& name, const std::string& help,
                              const Labels& labels) {
  absl::MutexLock lock(&mu_);
  auto& slot = FamilyFor(name, help, "counter").counters[labels];
  if (slot == nullptr) slot = std::make_unique<Counter>();
  return *slot;
}

Histogram& Registry::GetHistogram(const std::string& name, const std::string& help,
                                  const std::vector<double>& bounds, const Labels& labels) {
  absl::MutexLock lock(&mu_);
  auto& slot = FamilyFor(name, help, "histogram").histograms[labels];
  if (slot == nullptr) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

void Registry::AddGauge(const std::string& name, const std::string& help,
                        std::function<double()> read) {
  absl::MutexLock lock(&mu_);
  FamilyFor(name, help, "gauge").gauge = std::move(read);
}

std::string Registry::Render() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + family.help + "\n# TYPE " + name + " " + family.type + "\n";
    if (family.gauge) out += name + " " + FormatNumber(family.gauge()) + "\n";
    for (const auto& [labels, counter] : family.counters) {
      out += name + FormatLabels(labels) + " " + std::to_string(counter->value()) + "\n";
    }
    for (const auto& [labels, histogram] : family.histograms) {
      std::vector<std::uint64_t> cumulative;
      double sum = 0;
      std::uint64_t count = 0;
      histogram->Snapshot(&cumulative, &sum, &count);
      for (std::size_t i = 0; i < cumulative.size(); ++i) {
        std::string le =
            i < histogram->bounds().size() ? FormatNumber(histogram->bounds()[i]) : "+Inf";
        out += name + "_bucket" + FormatLabels(labels, "le", le) + " " +
               std::to_string(cumulative[i]) + "\n";
      }
      out += name + "_sum" + FormatLabels(labels) + " " + FormatNumber(sum) + "\n";
      out += name + "_count" + FormatLabels(labels) + " " + std::to_string(count) + "\n";
    }
  }
  return out;
}

std::vector<double> LatencyBounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
}

}  // namespace coffer::metrics

#include "lib/metrics/metrics.h"

#include "gmock/gmock.h"

namespace coffer::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RendersCountersWithLabelsInPrometheusTextFormat) {
  Registry registry;
  registry.GetCounter("coffer_http_requests_total", "Requests.", {{"code", "200"}}).Increment(3);
  registry.GetCounter("coffer_http_requests_total", "Requests.", {{"code", "404"}}).Increment();
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# HELP coffer_http_requests_total Requests.\n"
                              "# TYPE coffer_http_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("coffer_http_requests_total{code=\"200\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("coffer_http_requests_total{code=\"404\"} 1\n"));
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Registry registry;
  Histogram& h = registry.GetHistogram("lat_seconds", "Latency.", {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{le=\"0.1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{le=\"1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_count 3\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_sum 5.55\n"));
}

TEST(MetricsTest, GaugesAreReadAtRenderTime) {
  Registry registry;
  double value = 0;
  registry.AddGauge("coffer_ready", "Ready.", [&] { return value; });
  EXPECT_THAT(registry.Render(), HasSubstr("coffer_ready 0\n"));
  value = 1;
  EXPECT_THAT(registry.Render(), HasSubstr("coffer_ready 1\n"));
}

}  // namespace
}  // namespace coffer::metrics

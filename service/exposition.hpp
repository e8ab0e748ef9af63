#pragma once
// Prometheus text exposition (format 0.0.4): samples are added in any order and rendered grouped
// by family, each family once with its # HELP and # TYPE, label values escaped. Histograms come
// from sluice::histogram (cumulative buckets, _sum, _count; _count equals the +Inf bucket).
// Ownership: a value built per scrape. Thread-safety: none (one scrape, one thread).
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/histogram.hpp"

namespace sluice::service {

using label_set = std::vector<std::pair<std::string, std::string>>;

class exposition {
 public:
  void counter(std::string_view name, std::string_view help, const label_set& labels, double v);
  void gauge(std::string_view name, std::string_view help, const label_set& labels, double v);
  // `scale` multiplies the bounds and the sum (a histogram observed in thousands of rows is
  // exposed in rows with scale 1000).
  void histogram(std::string_view name, std::string_view help, const label_set& labels,
                 const sluice::histogram& h, double scale = 1.0);

  std::string render() const;

 private:
  struct family {
    std::string name, help, type;
    std::vector<std::string> samples;
  };
  family& get(std::string_view name, std::string_view help, std::string_view type);

  std::vector<family> families_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

// "name{a=\"x\",b=\"y\"} value" parts, exposed for tests of the format.
std::string render_labels(const label_set& labels);
std::string render_value(double v);

}  // namespace sluice::service

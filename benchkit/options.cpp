#include "benchkit/options.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace sluice::benchkit {
namespace {

[[noreturn]] void bad(const std::string& flag, const std::string& why, const std::string& fix = "") {
  throw error({.what = "cannot run sluice bench", .where = flag, .why = why,
               .fix = fix.empty() ? std::string("see `sluice help`: ") + "sluice bench sink|source ..." : fix});
}

double number(const std::string& flag, const std::string& v, double lo, double hi) {
  try {
    std::size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size() && d >= lo && d <= hi) return d;
  } catch (...) {
  }
  bad(flag, fmt::format("'{}' is not a number from {} to {}", v, lo, hi));
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t p = 0;
  while (p <= s.size()) {
    auto c = s.find(',', p);
    if (c == std::string::npos) c = s.size();
    if (c > p) out.push_back(s.substr(p, c - p));
    p = c + 1;
  }
  return out;
}

}  // namespace

options parse_options(const std::vector<std::string>& a) {
  options o;
  if (a.empty() || (a[0] != "sink" && a[0] != "source"))
    bad("sluice bench", "say what to measure: sink or source", "sluice bench sink --url URL --table NAME");
  o.kind = a[0];
  for (std::size_t i = 1; i < a.size(); ++i) {
    const auto& f = a[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= a.size()) bad(f, "needs a value");
      return a[++i];
    };
    if (f == "--config") o.config_file = value();
    else if (f == "--url") o.url = value();
    else if (f == "--table") o.table = value();
    else if (f == "--bootstrap") o.bootstrap = value();
    else if (f == "--rows") o.rows = static_cast<std::uint64_t>(number(f, value(), 1, 1e10));
    else if (f == "--columns") o.columns = value();
    else if (f == "--mode") {
      o.mode = value();
      if (o.mode != "insert" && o.mode != "upsert") bad(f, fmt::format("'{}' is not insert or upsert", o.mode));
    } else if (f == "--updates") o.updates = number(f, value(), 0, 1);
    else if (f == "--deletes") o.deletes = number(f, value(), 0, 1);
    else if (f == "--skew") {
      const auto& v = value();
      if (v != "zipf" && v != "uniform") bad(f, fmt::format("'{}' is not zipf or uniform", v));
      o.zipf = v == "zipf";
    } else if (f == "--sweep") {
      const auto& v = value();
      auto eq = v.find('=');
      auto values = eq == std::string::npos ? std::vector<std::string>{} : split(v.substr(eq + 1));
      if (eq == std::string::npos || eq == 0 || values.empty())
        bad(f, fmt::format("'{}' is not KEY=V1,V2,...", v),
            o.kind == "source" ? "e.g. --sweep batch.max.rows=1000,10000,100000" : "e.g. --sweep batch.size=500,5000,50000");
      o.sweeps.emplace_back(v.substr(0, eq), values);
    } else if (f == "--batch-size") o.batch_size = std::to_string(static_cast<long long>(number(f, value(), 1, 1e7)));
    else if (f == "--tasks") o.tasks = std::to_string(static_cast<long long>(number(f, value(), 1, 1000)));
    else if (f == "--partitions") o.partitions = static_cast<int>(number(f, value(), 1, 10000));
    else if (f == "--latency-seconds") o.latency_seconds = number(f, value(), 0, 3600);
    else if (f == "--cdc-rate") o.cdc_rate = number(f, value(), 1, 1e6);
    else if (f == "--cdc-seconds") o.cdc_seconds = number(f, value(), 0, 3600);
    else if (f == "--timeout") o.timeout_seconds = number(f, value(), 1, 86400);
    else if (f == "--html") o.html = value();
    else if (f == "--allow-existing") o.allow_existing = true;
    else if (f == "--keep-tables") o.keep_tables = true;
    else if (f == "--json") o.json = true;
    else if (f == "--verbose") o.verbose = true;
    else bad(f, "unknown flag");
  }
  if (o.config_file.empty() && o.url.empty())
    bad("--config / --url", "give the connector config, or a database URL and a table",
        "sluice bench " + o.kind + " --config FILE, or --url URL --table NAME");
  if (o.config_file.empty() && o.table.empty()) bad("--table", "--url needs a --table to write into");
  if (o.updates + o.deletes > 0.95) bad("--updates / --deletes", "together they must leave some new rows (at most 0.95)");
  if (o.kind == "source" && (o.updates > 0 || o.deletes > 0 || !o.mode.empty()))
    bad("--updates / --deletes / --mode", "these are sink options",
        "use --cdc-rate and --cdc-seconds for the source's steady phase");
  return o;
}

std::vector<std::vector<std::pair<std::string, std::string>>> sweep_grid(const options& o) {
  std::vector<std::vector<std::pair<std::string, std::string>>> grid{{}};
  for (const auto& [key, values] : o.sweeps) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& point : grid)
      for (const auto& v : values) {
        auto p = point;
        p.emplace_back(key, v);
        next.push_back(p);
      }
    grid = std::move(next);
  }
  return grid;
}

}  // namespace sluice::benchkit

#include "service/state_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/error.hpp"

namespace sluice::service {
namespace fs = std::filesystem;
namespace json = boost::json;

std::string_view to_string(target_state t) noexcept {
  switch (t) {
    case target_state::running: return "RUNNING";
    case target_state::paused: return "PAUSED";
    case target_state::stopped: return "STOPPED";
  }
  return "RUNNING";
}

namespace {

[[noreturn]] void io_fail(const std::string& what, const fs::path& where, const std::string& step) {
  throw error({.what = what, .where = where.string(),
               .why = fmt::format("{}: {}", step, std::strerror(errno)),
               .fix = "make the folder writable by sluice, with free space",
               .retryable = true});
}

void write_all(int fd, const std::string& text, const fs::path& tmp) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      io_fail("cannot save", tmp, "write");
    }
    done += static_cast<std::size_t>(n);
  }
}

void sync_dir(const fs::path& dir) {
  if (int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    ::fsync(d);
    ::close(d);
  }
}

}  // namespace

state_store::state_store(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_))
    throw error({.what = "cannot use the state folder", .where = dir_.string(),
                 .why = ec ? ec.message() : "it is not a folder",
                 .fix = "give a writable folder with --state DIR"});
  ::chmod(dir_.c_str(), 0700);
}

std::string state_store::file_name(const std::string& connector) {
  std::string out;
  for (unsigned char c : connector) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  // "." and ".." (and names starting with '.', hidden) are encoded so every name is a plain file.
  if (!out.empty() && out[0] == '.') out = "%2E" + out.substr(1);
  return out + ".json";
}

void write_atomically(const fs::path& path, const std::string& text, unsigned mode) {
  const fs::path tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) io_fail("cannot save", tmp, "open");
  write_all(fd, text, tmp);
  if (::fsync(fd) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    io_fail("cannot save", tmp, "fsync");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) io_fail("cannot save", path, "rename");
  sync_dir(path.has_parent_path() ? path.parent_path() : fs::path("."));
}

std::string to_json(const stored_connector& c) {
  json::object cfg;
  for (const auto& [k, v] : c.config) cfg[k] = v;
  json::object doc{{"name", c.name}, {"config", std::move(cfg)}, {"state", to_string(c.target)}};
  return json::serialize(doc);
}

std::optional<stored_connector> stored_from_json(std::string_view text) {
  json::error_code jec;
  const json::value v = json::parse(text, jec);
  const json::object* o = !jec && v.is_object() ? &v.get_object() : nullptr;
  const json::value* name = o ? o->if_contains("name") : nullptr;
  const json::value* cfg = o ? o->if_contains("config") : nullptr;
  if (!name || !name->is_string() || !cfg || !cfg->is_object()) return std::nullopt;
  stored_connector c;
  c.name = std::string(name->get_string());
  for (const auto& [k, val] : cfg->get_object())
    if (val.is_string()) c.config[std::string(k)] = std::string(val.get_string());
  if (const auto* st = o->if_contains("state"); st && st->is_string()) {
    if (st->get_string() == "PAUSED") c.target = target_state::paused;
    if (st->get_string() == "STOPPED") c.target = target_state::stopped;
  }
  return c;
}

std::string state_store::describe() const { return fmt::format("state_dir=\"{}\"", dir_.string()); }

void state_store::save(const stored_connector& c) const {
  write_atomically(dir_ / file_name(c.name), to_json(c) + "\n", 0600);
}

void state_store::remove(const std::string& name) const {
  const fs::path path = dir_ / file_name(name);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    io_fail("cannot remove the connector state", path, "unlink");
  sync_dir(dir_);
}

std::vector<stored_connector> state_store::load_all(std::vector<std::string>& problems) const {
  std::vector<stored_connector> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto& p = entry.path();
    if (p.extension() != ".json" || !entry.is_regular_file()) continue;
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto c = stored_from_json(ss.str());
    if (!c) {
      problems.push_back(fmt::format("{}: not a connector state file (needs \"name\" and "
                                     "\"config\"); skipped",
                                     p.string()));
      continue;
    }
    out.push_back(std::move(*c));
  }
  if (ec)
    problems.push_back(fmt::format("{}: cannot list the state folder: {}", dir_.string(), ec.message()));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace sluice::service

#pragma once
// A fresh directory under $TMPDIR (or /tmp), removed with everything in it by the destructor.
// Ownership: owns the directory. Thread-safety: immutable after construction.
#include <filesystem>
#include <string>

namespace sluice::testing {

class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "sluice-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace sluice::testing

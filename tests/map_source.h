// MapSource: an in-memory FileSource for table tests of code that reads an app
// tree, with git-like ids: a file's id is a hash of its text, a directory's a
// hash of its entries' names and ids, so an unchanged subtree keeps its id.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/file_source.h"

namespace gitcanary::testing {

class MapSource : public FileSource {
 public:
  explicit MapSource(std::map<std::string, std::string> files) : files_(std::move(files)) {}
  MapSource(std::initializer_list<std::pair<const std::string, std::string>> files) : files_(files) {}

  void Set(const std::string& path, const std::string& text) { files_[path] = text; }

  Result<std::vector<DirEntry>> List(const std::string& dir) const override {
    if (TypeOf(dir) != EntryType::kDirectory && !dir.empty()) return Status::Invalid(dir + ": not a directory");
    std::map<std::string, EntryType> names;
    const std::string prefix = dir.empty() ? "" : dir + "/";
    for (const auto& [path, text] : files_) {
      if (path.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string rest = path.substr(prefix.size());
      const std::size_t slash = rest.find('/');
      names[rest.substr(0, slash)] = slash == std::string::npos ? EntryType::kFile : EntryType::kDirectory;
    }
    std::vector<DirEntry> out;
    for (const auto& [name, type] : names) out.push_back({name, type, "", IdOf(prefix + name, type)});
    return out;
  }
  EntryType TypeOf(const std::string& path) const override {
    if (path.empty()) return EntryType::kDirectory;
    if (files_.count(path)) return EntryType::kFile;
    auto it = files_.lower_bound(path + "/");
    return it != files_.end() && it->first.compare(0, path.size() + 1, path + "/") == 0 ? EntryType::kDirectory
                                                                                       : EntryType::kOther;
  }
  Result<std::string> Read(const std::string& path, std::size_t = kNoLimit) const override {
    auto it = files_.find(path);
    if (it == files_.end()) return Status::Invalid(path + ": no such file");
    return it->second;
  }
  std::string Describe(const std::string& path) const override { return path; }

 private:
  std::string IdOf(const std::string& path, EntryType type) const {
    if (type == EntryType::kFile) return std::to_string(std::hash<std::string>{}(files_.at(path)));
    std::string all;
    const auto entries = List(path);  // kept alive: a range-for over *List(path) would dangle
    for (const DirEntry& e : *entries) all += e.name + "=" + e.id + ";";
    return std::to_string(std::hash<std::string>{}(all));
  }

  std::map<std::string, std::string> files_;
};

}  // namespace gitcanary::testing

// StatusReader: one canary's status of record at any commit of the branch.
//
// The status is read from where the head keeps it (the status file, or the
// Canary's gitcanary.io/status annotation), else from the other place, and a
// file is parsed again only when its text changed since the commit read last,
// so walking a long first-parent history costs one parse per status change.
// A status that is there but does not parse (a person's `canaryWeight: 150`,
// an unknown field, a lastTransitionTime that is not RFC 3339) is reported as
// broken, with the same one-line error the catalog gives, rather than as
// absent: `history` shows it and `status` names the commit that broke it
// (plugin/commands/status_break.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "git/git_remote.h"
#include "plugin/serve/canary_catalog.h"
#include "render/canary_status.h"

namespace gitcanary::plugin {

struct StatusAtCommit {
  std::optional<render::CanaryStatus> status;  // nullopt: none there, or broken
  std::string error;                           // not empty: broken, "file:line:col: status.field: message"

  bool broken() const { return !error.empty(); }
};

class StatusReader {
 public:
  StatusReader(git::GitRemote* remote, const CatalogEntry& entry);

  // The status file's path (where it is, or would be, written).
  const std::string& status_file() const { return status_file_; }

  // The status at `commit`; an error only when git cannot be read.
  Result<StatusAtCommit> At(const std::string& commit);

 private:
  struct Place {
    std::string path;
    bool annotation = false;
    std::optional<std::string> text;  // at the commit read last
    StatusAtCommit parsed;
  };

  StatusAtCommit Parse(const std::string& text, const Place& p) const;

  git::GitRemote* remote_;
  std::string id_;
  std::string status_file_;
  std::vector<Place> places_;
};

}  // namespace gitcanary::plugin

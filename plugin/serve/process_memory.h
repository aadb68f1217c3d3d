// Bounds on the C heap of a long-running serve.
//
// glibc gives each thread that allocates its own arena (up to 8 per core),
// and freed memory stays in those arenas until a trim: serve's HTTP threads
// and its pass loop would each keep their peak. LimitMallocArenas caps the
// arenas at two (set before any thread starts); HeapTrimmer returns free
// heap pages to the system after a pass, at most once per period, so the
// resident size follows what serve holds, not what it once held.
#pragma once

namespace gitcanary::plugin {

void LimitMallocArenas();

class HeapTrimmer {
 public:
  explicit HeapTrimmer(long long period_ms = 30000) : period_ms_(period_ms) {}
  // After a pass at `now_ms`: trims when the period has passed since the
  // last trim, or when the cache was compacted since (`compactions`, a
  // running count: compaction's buffers are the largest serve frees).
  void AfterPass(long long now_ms, long long compactions = 0);

 private:
  long long period_ms_;
  long long last_ms_ = 0;
  long long compactions_ = 0;
};

}  // namespace gitcanary::plugin

#include "plugin/serve/process_memory.h"

#include <malloc.h>

namespace gitcanary::plugin {

void LimitMallocArenas() { mallopt(M_ARENA_MAX, 2); }

void HeapTrimmer::AfterPass(long long now_ms, long long compactions) {
  if (now_ms - last_ms_ < period_ms_ && compactions == compactions_) return;
  last_ms_ = now_ms;
  compactions_ = compactions;
  malloc_trim(0);
}

}  // namespace gitcanary::plugin

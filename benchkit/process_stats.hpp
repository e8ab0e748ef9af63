#pragma once
// Figures of this process for a benchmark phase: peak resident memory (VmHWM, resettable so a
// phase's peak excludes what ran before it) and CPU time.
// Thread-safety: free functions reading /proc and getrusage; safe from any thread.

namespace sluice::benchkit {

double peak_rss_mib();   // VmHWM of this process
void reset_peak_rss();   // malloc_trim, then VmHWM := current RSS (5 to /proc/self/clear_refs)
double cpu_seconds();    // user + system time of this process so far

}  // namespace sluice::benchkit

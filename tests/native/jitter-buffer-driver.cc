// Drives native/src/jitter-buffer.h through scripted timelines and prints what happened as one
// JSON object per line; tests/native/jitter-buffer.test.ts compiles it with the system C++
// compiler and checks the figures. Time advances in 1-ms ticks: a writer delivers 8-ms chunks
// (the capture addon's 64 frames at 8 kHz) unless "stalled", when its chunks pile up and arrive
// together at the end of the stall (what a descheduled audio server or JS thread does); a reader
// takes one device buffer every period, like the PortAudio callback.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../../native/src/jitter-buffer.h"

using ausculta::JitterBuffer;
using ausculta::JitterBufferConfig;
using ausculta::MakeJitterBufferConfig;

namespace {

constexpr double kRateHz = 8000;
constexpr double kPi = 3.14159265358979323846;

// Heart-like test signal: a 60-ms 150-Hz burst (S1) and a 40-ms one (S2) per 0.8-s beat, a faint
// noise floor between (-60 dBFS), so there is always something to splice and quiet gaps to do it in.
float HeartLike(size_t n) {
  double t = std::fmod(static_cast<double>(n) / kRateHz, 0.8);
  double noise = 0.001 * std::sin(static_cast<double>(n) * 1.7);
  if (t < 0.06) return static_cast<float>(0.6 * std::sin(2 * kPi * 150 * t) + noise);
  if (t >= 0.3 && t < 0.34) return static_cast<float>(0.4 * std::sin(2 * kPi * 150 * (t - 0.3)) + noise);
  return static_cast<float>(noise);
}

float Tone(size_t n) { return static_cast<float>(0.5 * std::sin(2 * kPi * 400 * static_cast<double>(n) / kRateHz)); }

struct Timeline {
  int seconds = 60;
  int loadFromS = 0;        // stalls happen from this time
  int loadUntilS = 0;       // until this time
  bool randomStalls = false;  // instead of one stallMs stall per stallEveryMs: random ones up to stallMs
  int stallEveryMs = 1000;  // one stall starts every this many ms
  int stallMs = 0;          // and lasts this long
  int readPeriodMs = 16;    // device callback period
  bool tone = false;
  int extraBurstAtMs = -1;  // at this time the writer delivers extraBurstMs of audio at once, on top
  int extraBurstMs = 0;
  int deviceStallEveryMs = 0;  // the device (reader) stops for deviceStallMs every this many ms
  int deviceStallMs = 0;
  bool reportDeviceGaps = true;  // pass the device's "I ran dry" flag to Read after a device stall
};

void Run(const char* name, const JitterBufferConfig& config, const Timeline& line) {
  JitterBuffer buffer(config);
  const size_t chunk = static_cast<size_t>(0.008 * kRateHz);
  const size_t readFrames = static_cast<size_t>(line.readPeriodMs * kRateHz / 1000);
  std::vector<float> out(readFrames);
  std::vector<float> pile;
  size_t written = 0;
  std::vector<int64_t> underrunsPerS(line.seconds, 0);
  std::vector<double> targetMsAtS(line.seconds, 0);
  std::vector<double> queueMsMeanPerS(line.seconds, 0);
  std::vector<int> queueSamplesPerS(line.seconds, 0);
  double maxStepOut = 0, maxStepIn = 0;
  float lastOut = 0, lastIn = 0;
  bool haveLastOut = false;
  uint64_t lcg = 42;
  bool deviceGapPending = false;
  int randomStallEndMs = 0;
  for (int ms = 0; ms < line.seconds * 1000; ++ms) {
    const int second = ms / 1000;
    // writer
    if (ms % 8 == 0) {
      for (size_t i = 0; i < chunk; ++i) {
        float v = line.tone ? Tone(written) : HeartLike(written);
        maxStepIn = std::max(maxStepIn, static_cast<double>(std::fabs(v - lastIn)));
        lastIn = v;
        pile.push_back(v);
        ++written;
      }
    }
    if (ms == line.extraBurstAtMs) {
      // A burst beyond the real-time flow: the signal continues seamlessly, only more of it is queued.
      size_t n = static_cast<size_t>(line.extraBurstMs * kRateHz / 1000);
      for (size_t i = 0; i < n; ++i) {
        float v = line.tone ? Tone(written) : HeartLike(written);
        lastIn = v;
        pile.push_back(v);
        ++written;
      }
    }
    bool loaded = line.stallMs > 0 && ms >= line.loadFromS * 1000 && ms < line.loadUntilS * 1000;
    bool stalled = false;
    if (loaded && !line.randomStalls) stalled = ms % line.stallEveryMs < line.stallMs;
    if (loaded && line.randomStalls) {
      // Every 100 ms a stall starts with probability 0.3, 10 ms .. stallMs long (uniform): a
      // fixed-seed LCG, so every run sees the same stalls.
      if (ms >= randomStallEndMs && ms % 100 == 0) {
        lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = static_cast<double>(lcg >> 11) / 9007199254740992.0;
        lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
        double v = static_cast<double>(lcg >> 11) / 9007199254740992.0;
        if (u < 0.3) randomStallEndMs = ms + 10 + static_cast<int>(v * (line.stallMs - 10));
      }
      stalled = ms < randomStallEndMs;
    }
    if (!stalled && !pile.empty()) {
      buffer.Write(pile.data(), pile.size());
      pile.clear();
    }
    // reader: a stalled device makes no calls; the time is lost, not caught up, and its first
    // call after the stall says so (PortAudio's paOutputUnderflow).
    bool deviceStalled = line.deviceStallMs > 0 && ms % line.deviceStallEveryMs < line.deviceStallMs;
    if (deviceStalled) deviceGapPending = true;
    if (!deviceStalled && ms % line.readPeriodMs == 0) {
      int64_t before = buffer.Underruns();
      queueMsMeanPerS[second] += 1000.0 * static_cast<double>(buffer.QueuedFrames()) / kRateHz;
      queueSamplesPerS[second] += 1;
      buffer.Read(out.data(), readFrames, deviceGapPending && line.reportDeviceGaps);
      deviceGapPending = false;
      underrunsPerS[second] += buffer.Underruns() - before;
      // Every step between consecutive output samples, gaps included: a splice or a gap that
      // were cut rather than crossfaded/faded would show as a step far above the input's own.
      for (size_t i = 0; i < readFrames; ++i) {
        if (haveLastOut) maxStepOut = std::max(maxStepOut, static_cast<double>(std::fabs(out[i] - lastOut)));
        lastOut = out[i];
        haveLastOut = true;
      }
    }
    if (ms % 1000 == 999) targetMsAtS[second] = 1000.0 * static_cast<double>(buffer.TargetFrames()) / kRateHz;
  }
  std::printf("{\"name\":\"%s\",\"underrunsPerS\":[", name);
  for (int s = 0; s < line.seconds; ++s) std::printf("%s%lld", s ? "," : "", static_cast<long long>(underrunsPerS[s]));
  std::printf("],\"targetMsAtS\":[");
  for (int s = 0; s < line.seconds; ++s) std::printf("%s%.2f", s ? "," : "", targetMsAtS[s]);
  std::printf("],\"queueMsMeanPerS\":[");
  for (int s = 0; s < line.seconds; ++s) std::printf("%s%.2f", s ? "," : "", queueMsMeanPerS[s] / std::max(1, queueSamplesPerS[s]));
  std::printf("],\"trimmedMs\":%.3f,\"droppedMs\":%.3f,\"splices\":%lld,\"forcedSplices\":%lld,"
              "\"maxStepIn\":%.5f,\"maxStepOut\":%.5f,\"maxTargetMs\":%.2f,\"minTargetMs\":%.2f}\n",
              1000.0 * static_cast<double>(buffer.TrimmedFrames()) / kRateHz,
              1000.0 * static_cast<double>(buffer.DroppedFrames()) / kRateHz,
              static_cast<long long>(buffer.Splices()), static_cast<long long>(buffer.ForcedSplices()), maxStepIn, maxStepOut,
              1000.0 * static_cast<double>(config.maxTargetFrames) / kRateHz,
              1000.0 * static_cast<double>(config.minTargetFrames) / kRateHz);
}

}  // namespace

int main() {
  // Live listening as the app configures it: 300-ms hard bound, 20-ms floor.
  const JitterBufferConfig live = MakeJitterBufferConfig(kRateHz, 0.3, 0.02, true);
  // What the bench used before: a fixed 15-ms prefill under a 30-ms bound.
  const JitterBufferConfig before = MakeJitterBufferConfig(kRateHz, 0.03, 0.015, false);
  const JitterBufferConfig fixed = MakeJitterBufferConfig(kRateHz, 0.3, 0.02, false);

  // 5 s idle, 30 s of a loaded machine (a 120-ms stall every second), 25 s idle again.
  Timeline loaded;
  loaded.seconds = 60;
  loaded.loadFromS = 5;
  loaded.loadUntilS = 35;
  loaded.stallMs = 120;
  Run("adaptive-load-then-idle", live, loaded);
  Run("before-load-then-idle", before, loaded);

  // 40 s of irregular stalls up to 180 ms (the longest input gap the bench saw under load).
  Timeline irregular;
  irregular.seconds = 40;
  irregular.loadUntilS = 40;
  irregular.stallMs = 180;
  irregular.randomStalls = true;
  Run("adaptive-irregular", live, irregular);
  Run("before-irregular", before, irregular);

  // Idle machine, then 200 ms more audio than real time arrives at once at 5 s.
  Timeline burst;
  burst.seconds = 15;
  burst.extraBurstAtMs = 5000;
  burst.extraBurstMs = 200;
  Run("adaptive-burst-heart", live, burst);
  burst.tone = true;
  Run("adaptive-burst-tone", live, burst);
  Run("fixed-burst-tone", fixed, burst);

  // Stalls longer than the target can ever cover (400 ms against a 225-ms ceiling).
  Timeline hopeless;
  hopeless.seconds = 20;
  hopeless.loadUntilS = 20;
  hopeless.stallMs = 400;
  hopeless.stallEveryMs = 2000;
  Run("adaptive-hopeless", live, hopeless);

  // The device itself stalls (its callback thread starved) for 200 ms every 2 s; the writer is on time.
  Timeline deviceStalls;
  deviceStalls.seconds = 20;
  deviceStalls.deviceStallEveryMs = 2000;
  deviceStalls.deviceStallMs = 200;
  Run("adaptive-device-stalls", live, deviceStalls);
  deviceStalls.reportDeviceGaps = false;
  Run("adaptive-device-stalls-unreported", live, deviceStalls);
  return 0;
}

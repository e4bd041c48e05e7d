// The output FIFO behind OutputStream, with an adaptive jitter buffer for live listening.
//
// Pure C++ (no PortAudio, no N-API) so that its decision rules are tested on their own
// (tests/native/jitter-buffer.test.ts compiles a driver against this header). The caller
// serialises Write and Read with one mutex; neither allocates, blocks or calls the system.
//
// Why adaptive: on a loaded machine the audio server and our JS thread are descheduled for tens
// to hundreds of milliseconds at a time. A fixed small cushion then runs dry again and again (each
// time an audible gap); a large fixed one costs latency even when the machine is idle. So, as a
// VoIP jitter buffer does:
//  * the FIFO starts playing once it holds `target` frames, and re-primes to `target` after each
//    underrun; every underrun raises `target` (x1.5 plus one device buffer, capped at
//    maxTargetFrames), and further if the FIFO then stayed empty for longer (the stall was that
//    much longer than the cushion), so sustained jitter costs a few gaps at the start and then none;
//  * when it (re-)primes with more than the target queued (a burst after a stall; the ~2 s
//    PulseAudio takes to start consuming), the oldest excess is skipped: nothing is playing at
//    that moment, so it costs no splice, and playback resumes at the target latency. The same
//    after a device-side gap (the host reports that our callback came too late: the listener has
//    heard the gap already, and everything written meanwhile is excess);
//  * the queue is kept near the target: when its mean level over a window (1 s) was above the
//    target, the excess (a burst after a stall, a target that just shrank) is removed a
//    millisecond at a time by splicing it out with a short crossfade, preferably where the signal
//    is quiet: heart sounds are impulsive and diastole is near silence, so dropping 1 ms of it is
//    inaudible. The mean, not the minimum: the level dips during every stall and refills after
//    it, and it is the level between stalls that must cover the next stall;
//  * after shrinkAfterFrames without an underrun the target steps back towards minTargetFrames
//    (a quarter of the way per shrinkStepFrames), but never below the largest swing of the queue
//    level seen in the last spanMemoryWindows windows plus one device buffer: under sustained
//    load the cushion stays, once the load has gone for that long latency returns to the floor;
//  * a gap is faded, not cut: the last few ms before the FIFO runs dry fade out and playback
//    resumes with a fade-in, so an underrun is a soft dropout rather than a click.
// Without `adaptive` (file playback: the writer keeps the FIFO topped up) the target is fixed and
// nothing is ever spliced out.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ausculta {

struct JitterBufferConfig {
  size_t capacityFrames = 1;         // hard bound: a write beyond it drops the oldest audio
  size_t minTargetFrames = 0;        // the configured prefill, and the floor the target shrinks to
  size_t maxTargetFrames = 0;        // the ceiling the target grows to (below capacity, leaving burst room)
  bool adaptive = false;             // grow/shrink the target and splice out excess (live listening)
  size_t shrinkAfterFrames = 0;      // underrun-free stretch before the target starts shrinking
  size_t shrinkStepFrames = 1;       // then one shrink step per this many frames
  size_t trimWindowFrames = 1;       // window over which the queue level is averaged
  size_t spanMemoryWindows = 1;      // windows whose level swing bounds the shrinking target (<= kMaxSpanWindows)
  size_t spliceFrames = 1;           // frames removed per splice
  size_t fadeFrames = 1;             // crossfade across a splice
  size_t forceSpliceAfterFrames = 0; // splice even where it is loud once excess has waited this long
  double quietRatio = 0.125;         // "quiet": below this fraction of the recent peak (-18 dB)
  double peakDecayFrames = 1;        // time constant of the recent-peak tracker
};

// Sensible defaults for a sample rate: see OutputStream's options.
inline JitterBufferConfig MakeJitterBufferConfig(double sampleRateHz, double maxLatencySeconds, double minTargetSeconds, bool adaptive) {
  JitterBufferConfig c;
  auto frames = [&](double seconds) { return static_cast<size_t>(std::max(0.0, seconds * sampleRateHz)); };
  c.capacityFrames = std::max<size_t>(1, frames(maxLatencySeconds));
  c.minTargetFrames = std::min(frames(minTargetSeconds), c.capacityFrames);
  // A quarter of the capacity stays free so that a burst arriving on top of a full target is not
  // cut by the hard bound.
  c.maxTargetFrames = std::max(c.minTargetFrames, c.capacityFrames * 3 / 4);
  c.adaptive = adaptive;
  c.shrinkAfterFrames = frames(10.0);  // a load that comes and goes within 10 s keeps its cushion
  c.shrinkStepFrames = std::max<size_t>(1, frames(1.0));
  c.trimWindowFrames = std::max<size_t>(1, frames(1.0));
  c.spanMemoryWindows = 10;  // with 1-s windows: the swing of the last 10 s
  c.spliceFrames = std::max<size_t>(1, frames(0.001));
  c.fadeFrames = std::max<size_t>(1, frames(0.004));
  c.forceSpliceAfterFrames = frames(1.0);  // a continuous murmur or noise still gets its latency back
  c.peakDecayFrames = std::max(1.0, 2.0 * sampleRateHz);
  return c;
}

class JitterBuffer {
 public:
  static constexpr size_t kMaxSpanWindows = 64;

  explicit JitterBuffer(const JitterBufferConfig& config)
      : config_(config), ring_(std::max<size_t>(1, config.capacityFrames), 0.0f), target_(config.minTargetFrames) {
    config_.capacityFrames = ring_.size();
    config_.spanMemoryWindows = std::min(std::max<size_t>(1, config_.spanMemoryWindows), kMaxSpanWindows);
  }

  // Queue mono frames; beyond capacity the oldest queued audio is dropped (counted).
  void Write(const float* data, size_t frames) {
    const size_t capacity = config_.capacityFrames;
    if (frames >= capacity) {
      dropped_ += static_cast<int64_t>(count_ + frames - capacity);
      data += frames - capacity;
      frames = capacity;
      head_ = 0;
      count_ = 0;
    } else if (count_ + frames > capacity) {
      size_t drop = count_ + frames - capacity;
      head_ = (head_ + drop) % capacity;
      count_ -= drop;
      dropped_ += static_cast<int64_t>(drop);
    }
    size_t tail = (head_ + count_) % capacity;
    size_t first = std::min(frames, capacity - tail);
    std::copy(data, data + first, ring_.begin() + static_cast<std::ptrdiff_t>(tail));
    std::copy(data + first, data + frames, ring_.begin());
    count_ += frames;
  }

  // Fill `out` (mono, `frames` long) with the next audio; silence where there is none.
  // `deviceGap`: the device ran dry before this call (PortAudio's paOutputUnderflow).
  // Returns the number of queued frames consumed (more than `frames` when a splice happened).
  size_t Read(float* out, size_t frames, bool deviceGap = false) {
    clock_ += frames;
    lastDeviceFrames_ = frames;
    bool resuming = false;
    if (!primed_ && afterUnderrun_ && count_ == 0) emptyFrames_ += frames;
    if (!primed_ && count_ >= std::max<size_t>(target_, 1)) {
      primed_ = true;
      resuming = true;
      ResetWindow();
      if (config_.adaptive) OnPrime();
    } else if (primed_ && deviceGap && config_.adaptive && count_ > target_) {
      SkipExcess();
      resuming = true;
      ResetWindow();
      ++deviceGaps_;
    }
    size_t consumed = 0;
    size_t produced = 0;
    if (primed_) {
      if (config_.adaptive) TrackLevel(frames);
      if (trimPending_ > 0 && count_ >= frames + config_.spliceFrames + config_.fadeFrames && SpliceAllowed()) {
        SpliceInto(out, frames);
        produced = frames;
        consumed = frames + config_.spliceFrames;
      } else {
        produced = std::min(frames, count_);
        CopyOut(out, 0, produced);
        consumed = produced;
      }
      head_ = (head_ + consumed) % config_.capacityFrames;
      count_ -= consumed;
      if (resuming) Ramp(out, std::min(produced, config_.fadeFrames), true);
      if (produced < frames) {
        size_t tail = std::min(produced, config_.fadeFrames);
        Ramp(out + produced - tail, tail, false);
        OnUnderrun(frames);
      }
    }
    std::fill(out + produced, out + frames, 0.0f);
    TrackPeak(out, frames);
    if (config_.adaptive) MaybeShrink();
    return consumed;
  }

  size_t QueuedFrames() const { return count_; }
  size_t TargetFrames() const { return target_; }
  int64_t Underruns() const { return underruns_; }
  int64_t DroppedFrames() const { return dropped_; }  // lost to the capacity bound
  int64_t TrimmedFrames() const { return trimmed_; }  // spliced out, or skipped at a prime, to bring latency down
  int64_t Splices() const { return splices_; }
  int64_t ForcedSplices() const { return forcedSplices_; }  // of those, where it was not quiet
  int64_t DeviceGaps() const { return deviceGaps_; }  // device-side gaps after which excess was skipped
  const JitterBufferConfig& Config() const { return config_; }

 private:
  float At(size_t offset) const { return ring_[(head_ + offset) % config_.capacityFrames]; }

  void CopyOut(float* out, size_t from, size_t n) const {
    for (size_t i = 0; i < n; ++i) out[i] = At(from + i);
  }

  static void Ramp(float* x, size_t n, bool up) {
    for (size_t i = 0; i < n; ++i) {
      float w = (static_cast<float>(i) + 0.5f) / static_cast<float>(n);
      x[i] *= up ? w : 1.0f - w;
    }
  }

  void OnPrime() {
    if (afterUnderrun_) {
      // The stall outlasted the cushion (about the old target) by the time the FIFO stayed empty.
      size_t needed = targetAtUnderrun_ + emptyFrames_ + lastDeviceFrames_;
      target_ = std::max(target_, std::min(needed, config_.maxTargetFrames));
      afterUnderrun_ = false;
    }
    SkipExcess();
  }

  void SkipExcess() {
    if (count_ <= target_) return;
    size_t skip = count_ - target_;
    head_ = (head_ + skip) % config_.capacityFrames;
    count_ -= skip;
    trimmed_ += static_cast<int64_t>(skip);
    trimPending_ = 0;
  }

  void OnUnderrun(size_t deviceFrames) {
    ++underruns_;
    primed_ = false;
    afterUnderrun_ = true;
    targetAtUnderrun_ = target_;
    emptyFrames_ = 0;
    trimPending_ = 0;
    lastUnderrunClock_ = clock_;
    lastShrinkClock_ = clock_;
    if (config_.adaptive) {
      size_t grown = target_ + target_ / 2 + deviceFrames;
      target_ = std::max(target_, std::min(grown, config_.maxTargetFrames));
    }
  }

  void MaybeShrink() {
    if (clock_ - lastUnderrunClock_ < config_.shrinkAfterFrames) return;
    if (clock_ - lastShrinkClock_ < config_.shrinkStepFrames) return;
    size_t floor = config_.minTargetFrames;
    for (size_t i = 0; i < config_.spanMemoryWindows; ++i) floor = std::max(floor, spans_[i] + lastDeviceFrames_);
    floor = std::min(floor, config_.maxTargetFrames);
    if (target_ <= floor) return;
    lastShrinkClock_ = clock_;
    size_t step = std::max<size_t>(1, (target_ - floor + 3) / 4);
    target_ = std::max(floor, target_ - step);
  }

  void ResetWindow() {
    windowMin_ = SIZE_MAX;
    windowMax_ = 0;
    windowSum_ = 0;
    windowCallbacks_ = 0;
    windowFrames_ = 0;
    windowTrimmed_ = 0;
  }

  // The queue level at each device callback. Its mean over a window above the target is latency
  // nobody needs: measured afresh every window, so the splicing stops once it is gone. Its swing
  // (max - min) is the jitter the cushion has been absorbing.
  void TrackLevel(size_t frames) {
    // Frames spliced out in this window are added back for the swing: splicing is not jitter.
    size_t level = count_ + windowTrimmed_;
    windowMin_ = std::min(windowMin_, level);
    windowMax_ = std::max(windowMax_, level);
    windowSum_ += count_;
    windowCallbacks_ += 1;
    windowFrames_ += frames;
    if (windowFrames_ < config_.trimWindowFrames) return;
    size_t mean = static_cast<size_t>(windowSum_ / windowCallbacks_);
    trimPending_ = mean > target_ + config_.spliceFrames ? mean - target_ : 0;
    if (trimPending_ > 0 && excessSinceClock_ == 0) excessSinceClock_ = clock_;
    if (trimPending_ == 0) excessSinceClock_ = 0;
    spans_[spanIndex_] = windowMax_ - windowMin_;
    spanIndex_ = (spanIndex_ + 1) % config_.spanMemoryWindows;
    ResetWindow();
  }

  bool SpliceAllowed() {
    float loudest = 0.0f;
    for (size_t i = 0; i < config_.spliceFrames + config_.fadeFrames; ++i) loudest = std::max(loudest, std::fabs(At(i)));
    // Digital silence (1e-4, -80 dBFS) is always quiet, even before any peak was seen.
    double quietBelow = std::max(1e-4, config_.quietRatio * peak_);
    if (loudest <= quietBelow) return true;
    if (excessSinceClock_ != 0 && clock_ - excessSinceClock_ >= config_.forceSpliceAfterFrames &&
        clock_ - lastSpliceClock_ >= config_.forceSpliceAfterFrames / 32) {
      ++forcedSplices_;
      return true;
    }
    return false;
  }

  // Drop spliceFrames at the start of this buffer: fade from the audio being dropped into the
  // audio after it (equal-gain crossfade: the two are near-identical in level where quiet).
  void SpliceInto(float* out, size_t frames) {
    const size_t skip = config_.spliceFrames;
    const size_t fade = std::min(config_.fadeFrames, frames);
    for (size_t i = 0; i < fade; ++i) {
      float w = (static_cast<float>(i) + 0.5f) / static_cast<float>(fade);
      out[i] = At(i) * (1.0f - w) + At(skip + i) * w;
    }
    for (size_t i = fade; i < frames; ++i) out[i] = At(skip + i);
    trimPending_ = trimPending_ > skip ? trimPending_ - skip : 0;
    trimmed_ += static_cast<int64_t>(skip);
    windowTrimmed_ += skip;
    ++splices_;
    lastSpliceClock_ = clock_;
    if (trimPending_ == 0) excessSinceClock_ = 0;
  }

  void TrackPeak(const float* out, size_t frames) {
    float loudest = 0.0f;
    for (size_t i = 0; i < frames; ++i) loudest = std::max(loudest, std::fabs(out[i]));
    peak_ = std::max(static_cast<double>(loudest), peak_ * std::exp(-static_cast<double>(frames) / config_.peakDecayFrames));
  }

  JitterBufferConfig config_;
  std::vector<float> ring_;
  size_t head_ = 0;
  size_t count_ = 0;
  bool primed_ = false;
  bool afterUnderrun_ = false;
  size_t targetAtUnderrun_ = 0;
  size_t emptyFrames_ = 0;  // device frames the FIFO stayed empty after the last underrun
  size_t target_ = 0;
  uint64_t clock_ = 0;
  size_t lastDeviceFrames_ = 0;  // frames of device time since start (silence included)
  uint64_t lastUnderrunClock_ = 0;
  uint64_t lastShrinkClock_ = 0;
  uint64_t lastSpliceClock_ = 0;
  uint64_t excessSinceClock_ = 0;
  size_t windowMin_ = SIZE_MAX;
  size_t windowMax_ = 0;
  uint64_t windowSum_ = 0;
  uint64_t windowCallbacks_ = 0;
  size_t windowFrames_ = 0;
  size_t windowTrimmed_ = 0;
  size_t spans_[kMaxSpanWindows] = {};
  size_t spanIndex_ = 0;
  size_t trimPending_ = 0;
  double peak_ = 0.0;
  int64_t underruns_ = 0;
  int64_t dropped_ = 0;
  int64_t trimmed_ = 0;
  int64_t splices_ = 0;
  int64_t forcedSplices_ = 0;
  int64_t deviceGaps_ = 0;
};

}  // namespace ausculta

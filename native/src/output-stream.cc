// Output streams for live listening and playback: JS writes Float32 mono chunks, the PortAudio
// callback plays them from a bounded FIFO (jitter-buffer.h: the FIFO and its policy, kept free of
// PortAudio so that they are tested on their own).
//
// Latency is bounded by design: the FIFO holds at most maxLatencySeconds; a write that would
// exceed it drops the oldest queued audio (counted in `droppedFrames`). When the FIFO runs dry the
// callback plays silence and counts an underrun, then waits for the target level before resuming,
// so one late chunk gives one gap, not a stutter. With `live: true` that target adapts to the
// scheduling jitter (it grows after underruns and shrinks back when they stop) and audio queued
// beyond it is spliced out where quiet, so latency returns to low after a burst.
//
// Open, start, stop and close run on the stream's own detached control thread (as for input
// streams: they can block for ever on a dead audio server). That thread is also the device-loss
// watchdog: no callback for watchdogMs while running (startupGraceMs before the first one), or a
// stream that stopped by itself, → state 'failed', errorCode 'device-lost', and the stream is
// aborted and closed there. Every state change (opening → running → closing → closed, or failed)
// reaches JS as an onState event through a ThreadSafeFunction, so JS waits for them instead of
// polling; the `state` getter still answers at any time.
#include "output-stream.h"

#include <portaudio.h>
#ifdef __linux__
#include <pa_linux_alsa.h>
#include <pthread.h>
#include <sched.h>
#endif

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jitter-buffer.h"
#include "portaudio-runtime.h"
#include "stream-common.h"

namespace ausculta {
namespace {

struct StateEvent {
  std::string state;
  std::string error;
  std::string errorCode;
};

struct OutputCore;  // the channel's context type names it; the listener call needs none of it

void CallStateJs(Napi::Env env, Napi::Function callback, CoreHolder<OutputCore>*, StateEvent* event) {
  std::unique_ptr<StateEvent> owned(event);
  DeliverToJs(env, callback, [&] {
    Napi::Object object = Napi::Object::New(env);
    object.Set("state", event->state);
    object.Set("error", event->error.empty() ? env.Null() : Napi::String::New(env, event->error));
    object.Set("errorCode", event->errorCode.empty() ? env.Null() : Napi::String::New(env, event->errorCode));
    callback.Call({object});
  });
}

struct OutputCore : StreamCore {
  OutputCore() : StreamCore(kPlaybackDirection) {}

  // PortAudio fills the host buffer with a few callbacks at start, then (PulseAudio via ALSA)
  // none come for ~2 s. So for the first startupGraceMs after the start the silence allowed is
  // startupGraceMs, not watchdogMs.
  int64_t startedNs = 0;  // control thread only
  // Ask PortAudio's ALSA back end for a SCHED_FIFO callback thread (live listening): on a busy
  // machine a normal-priority callback thread is itself starved and the device runs dry however
  // full the FIFO is. Where the OS refuses, the stream starts without it.
  bool realtime = false;
  std::atomic<int> callbackPolicy{-1};  // the callback thread's scheduling policy, seen once

  // The callback and JS writes take fifoMutex for a bounded copy each (no allocation, no system
  // call inside); JS getters take it for a few loads.
  std::mutex fifoMutex;
  std::unique_ptr<JitterBuffer> fifo;
  std::vector<float> mono;  // callback scratch, sized at open for the largest buffer PortAudio may ask
  std::atomic<int64_t> playedFrames{0};
  std::atomic<int64_t> hostUnderflows{0};  // paOutputUnderflow: the host ran dry before our callback ran

  std::mutex stateMutex;
  std::string state = "opening";  // opening | running | failed | closing | closed
  std::string error;
  std::string errorCode;  // device-lost | stream-error

  // control thread
  std::mutex controlMutex;
  std::condition_variable controlWake;
  bool closeRequested = false;  // under controlMutex

  // State changes reach JS as events (onState), in the order they happen: posted under
  // stateMutex (lock order: stateMutex, then the channel's). Never opened when JS gave no listener.
  JsChannel<OutputCore, StateEvent, CallStateJs> events;

  // Caller holds stateMutex.
  void PostStateLocked() { events.Post(new StateEvent{state, error, errorCode}); }

  void SetState(const std::string& s, const std::string& code = "", const std::string& e = "") {
    std::lock_guard<std::mutex> lock(stateMutex);
    if (state == "failed") return;  // the first failure is the one to report
    if (state == "closing" && s == "running") return;  // close() came while opening
    if (state == s && e.empty()) return;
    state = s;
    if (!e.empty()) {
      error = e;
      errorCode = code;
    }
    PostStateLocked();
  }

  static int Callback(const void*, void* output, unsigned long frameCount, const PaStreamCallbackTimeInfo*,
                      PaStreamCallbackFlags flags, void* user) {
    auto* self = static_cast<OutputCore*>(static_cast<StreamCore*>(user));
    self->lastCallbackNs.store(NowNs(), std::memory_order_relaxed);
#ifdef __linux__
    if (self->callbackPolicy.load(std::memory_order_relaxed) < 0) {
      int policy = 0;
      sched_param param{};
      if (pthread_getschedparam(pthread_self(), &policy, &param) == 0) self->callbackPolicy.store(policy);
    }
#endif
    if (flags & paOutputUnderflow) self->hostUnderflows.fetch_add(1, std::memory_order_relaxed);
    float* out = static_cast<float*>(output);
    // Mono is rendered straight into `out` when there is one channel, else into the scratch
    // (sized at open; a larger request than expected plays silence rather than allocating here).
    float* mono = self->channels == 1 ? out : (frameCount <= self->mono.size() ? self->mono.data() : nullptr);
    size_t consumed = 0;
    if (mono) {
      std::lock_guard<std::mutex> lock(self->fifoMutex);
      consumed = self->fifo->Read(mono, frameCount, (flags & paOutputUnderflow) != 0);
    }
    if (!mono) std::memset(out, 0, frameCount * self->channels * sizeof(float));
    else if (self->channels > 1) {
      for (unsigned long i = 0; i < frameCount; ++i)
        for (int c = 0; c < self->channels; ++c) out[i * self->channels + c] = mono[i];
    }
    self->playedFrames.fetch_add(static_cast<int64_t>(std::min<size_t>(consumed, frameCount)), std::memory_order_relaxed);
    return paContinue;
  }

  void Write(const float* data, size_t frames) {
    std::lock_guard<std::mutex> lock(fifoMutex);
    fifo->Write(data, frames);
  }

  // control thread: open, start, then watch until close is requested or the device is lost.
  void Run() {
    OpenAndStart();
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(controlMutex);
        controlWake.wait_for(lock, std::chrono::milliseconds(50), [this] { return closeRequested; });
        if (closeRequested) break;
      }
      if (stream && DeviceLost()) break;
    }
    Close(false);
    {
      std::lock_guard<std::mutex> lock(stateMutex);
      if (state != "failed") {
        state = "closed";
        PostStateLocked();
      }
    }
    events.Release();
  }

  void OpenAndStart() {
    std::string openError = Open(&OutputCore::Callback, "for output at " + std::to_string(static_cast<long>(sampleRateHz)) + " Hz");
    if (!openError.empty()) return SetState("failed", "stream-error", openError);
    startedNs = lastCallbackNs.load();  // the open's time
#ifdef __linux__
    bool askedRealtime = realtime && hostApiIsAlsa;
    if (askedRealtime) PaAlsa_EnableRealtimeScheduling(stream, 1);
    PaError err = Pa_StartStream(stream);
    if (err != paNoError && askedRealtime) {
      // Not permitted (no rtkit/limits): a normal thread rather than no sound.
      PaAlsa_EnableRealtimeScheduling(stream, 0);
      err = Pa_StartStream(stream);
    }
#else
    PaError err = Pa_StartStream(stream);
#endif
    if (err != paNoError) {
      Close(true);
      return SetState("failed", "stream-error", "cannot start '" + deviceName + "' for output: " + PaMessage(err));
    }
    SetState("running");
  }

  bool DeviceLost() {
    int64_t now = NowNs();
    bool starting = (now - startedNs) / 1000000 < startupGraceMs;
    std::string lost = LossError(now, starting ? startupGraceMs : watchdogMs, "no callback", "output ");
    if (lost.empty()) return false;
    SetState("failed", "device-lost", lost);
    Close(true);
    return true;
  }
};

class OutputStream : public StreamObject<OutputStream, OutputCore> {
 public:
  static Napi::Function Define(Napi::Env env) {
    std::vector<Property> methods{InstanceMethod("write", &OutputStream::Write), InstanceMethod("close", &OutputStream::Close)};
    return DefineStreamClass(env, "OutputStream", methods,
                             {InstanceAccessor("state", &OutputStream::State, nullptr),
                              InstanceAccessor("error", &OutputStream::Error, nullptr),
                              InstanceAccessor("errorCode", &OutputStream::ErrorCode, nullptr),
                              InstanceAccessor("underruns", &OutputStream::Underruns, nullptr),
                              InstanceAccessor("hostUnderflows", &OutputStream::HostUnderflows, nullptr),
                              InstanceAccessor("droppedFrames", &OutputStream::Dropped, nullptr),
                              InstanceAccessor("trimmedFrames", &OutputStream::Trimmed, nullptr),
                              InstanceAccessor("forcedSplices", &OutputStream::ForcedSplices, nullptr),
                              InstanceAccessor("playedFrames", &OutputStream::Played, nullptr),
                              InstanceAccessor("queuedFrames", &OutputStream::QueuedFrames, nullptr),
                              InstanceAccessor("targetFrames", &OutputStream::TargetFrames, nullptr),
                              InstanceAccessor("realtimeCallback", &OutputStream::RealtimeCallback, nullptr)});
  }

  // new OutputStream({ deviceIndex, sampleRateHz, channels?, framesPerBuffer?, maxLatencySeconds?, prefillSeconds?,
  //                    live?, realtime?, watchdogMs?, startupGraceMs? }, onState?)
  // onState({ state, error, errorCode }) is called on the JS thread after every state change.
  explicit OutputStream(const Napi::CallbackInfo& info) : StreamObject(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "OutputStream(options): options object required");
    if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsFunction())
      throw Napi::TypeError::New(env, "OutputStream(options, onState): onState must be a function");
    OptionReader options(env, info[0].As<Napi::Object>(), "OutputStream");
    bool live = options.Boolean("live");
    bool realtime = options.Boolean("realtime");
    auto core = std::make_shared<OutputCore>();
    ReadDeviceOptions(options, *core);
    core->realtime = realtime;
    double maxLatencySeconds = options.Number("maxLatencySeconds", 0.2);
    double prefillSeconds = options.Number("prefillSeconds", 0.02);
    CheckDeviceOptions(env, *core, 8);
    if (!(maxLatencySeconds >= 0.005 && maxLatencySeconds <= 600) || !(prefillSeconds >= 0 && prefillSeconds < maxLatencySeconds))
      throw Napi::RangeError::New(env, "OutputStream: need 0.005 <= maxLatencySeconds <= 600 and 0 <= prefillSeconds < maxLatencySeconds");
    if (core->watchdogMs < 100 || core->startupGraceMs < 100)
      throw Napi::RangeError::New(env, "OutputStream: watchdogMs and startupGraceMs must be >= 100");
    ResolveDevice(env, *core);
    core->fifo = std::make_unique<JitterBuffer>(MakeJitterBufferConfig(core->sampleRateHz, maxLatencySeconds, prefillSeconds, live));
    // Multi-channel scratch: PortAudio's variable buffers stay far below half a second.
    if (core->channels > 1) core->mono.assign(std::max<size_t>(core->framesPerBuffer, static_cast<size_t>(core->sampleRateHz / 2)), 0.0f);
    // Unreferenced: JS refs it while it waits for a state (AudioOutput.ready/end).
    if (info.Length() > 1 && info[1].IsFunction()) core->events.Open(env, info[1].As<Napi::Function>(), "ausculta-audio-output", core);
    core_ = core;
    // The thread owns a reference: the core outlives this JS object until the stream is closed.
    std::thread([core] { core->Run(); }).detach();
  }

  ~OutputStream() override {
    if (core_) CloseInBackground();
  }

 private:
  void CloseInBackground() {
    auto core = core_;
    {
      std::lock_guard<std::mutex> lock(core->controlMutex);
      if (core->closeRequested) return;
      core->closeRequested = true;
    }
    {
      std::lock_guard<std::mutex> lock(core->stateMutex);
      if (core->state != "failed" && core->state != "closing") {
        core->state = "closing";
        core->PostStateLocked();
      }
    }
    // The control thread closes the stream once an open in progress has returned, off the JS thread.
    core->controlWake.notify_one();
  }

  Napi::Value Write(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(info.Env(), "OutputStream.write(samples): a Float32Array is required");
    Napi::Float32Array samples = info[0].As<Napi::Float32Array>();
    core_->Write(samples.Data(), samples.ElementLength());
    return info.Env().Undefined();
  }
  Napi::Value Close(const Napi::CallbackInfo& info) {
    CloseInBackground();
    return info.Env().Undefined();
  }
  Napi::Value State(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(core_->stateMutex);
    return Napi::String::New(info.Env(), core_->state);
  }
  Napi::Value Error(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(core_->stateMutex);
    return core_->error.empty() ? info.Env().Null() : Napi::String::New(info.Env(), core_->error);
  }
  Napi::Value ErrorCode(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(core_->stateMutex);
    return core_->errorCode.empty() ? info.Env().Null() : Napi::String::New(info.Env(), core_->errorCode);
  }
  template <typename Get>
  Napi::Value FifoNumber(const Napi::CallbackInfo& info, Get get) {
    std::lock_guard<std::mutex> lock(core_->fifoMutex);
    return Napi::Number::New(info.Env(), static_cast<double>(get(*core_->fifo)));
  }
  Napi::Value Underruns(const Napi::CallbackInfo& info) { return FifoNumber(info, [](const JitterBuffer& f) { return f.Underruns(); }); }
  Napi::Value Dropped(const Napi::CallbackInfo& info) { return FifoNumber(info, [](const JitterBuffer& f) { return f.DroppedFrames(); }); }
  Napi::Value Trimmed(const Napi::CallbackInfo& info) { return FifoNumber(info, [](const JitterBuffer& f) { return f.TrimmedFrames(); }); }
  Napi::Value ForcedSplices(const Napi::CallbackInfo& info) {
    return FifoNumber(info, [](const JitterBuffer& f) { return f.ForcedSplices(); });
  }
  Napi::Value QueuedFrames(const Napi::CallbackInfo& info) {
    return FifoNumber(info, [](const JitterBuffer& f) { return f.QueuedFrames(); });
  }
  Napi::Value TargetFrames(const Napi::CallbackInfo& info) {
    return FifoNumber(info, [](const JitterBuffer& f) { return f.TargetFrames(); });
  }
  Napi::Value Played(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(core_->playedFrames.load()));
  }
  // null until the first callback (or off Linux), else whether it runs SCHED_FIFO/SCHED_RR.
  Napi::Value RealtimeCallback(const Napi::CallbackInfo& info) {
#ifdef __linux__
    int policy = core_->callbackPolicy.load();
    if (policy >= 0) return Napi::Boolean::New(info.Env(), policy == SCHED_FIFO || policy == SCHED_RR);
#endif
    return info.Env().Null();
  }
  Napi::Value HostUnderflows(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(core_->hostUnderflows.load()));
  }
};

}  // namespace

Napi::Function DefineOutputStream(Napi::Env env) {
  return OutputStream::Define(env);
}

}  // namespace ausculta

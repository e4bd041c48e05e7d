// What capture (input-stream.cc) and playback (output-stream.cc) streams share, so that the
// subtle parts (ThreadSafeFunction lifetime, PortAudio open/close bookkeeping, device-loss test,
// option checks) exist once and cannot drift apart:
//  * JsChannel: the ThreadSafeFunction through which a stream's threads reach its JS listener;
//  * StreamCore: a stream's configuration and the PortAudio calls its control thread makes;
//  * StreamObject: the JS object's hold on its core, and its ref()/unref();
//  * OptionReader and the ReadDeviceOptions/CheckDeviceOptions/ResolveDevice steps of both constructors.
// Each stream keeps its own job in its file: the audio callback, its events, its control loop.
#pragma once

#include <napi.h>
#include <portaudio.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "portaudio-runtime.h"

namespace ausculta {

// The ThreadSafeFunction's context: it owns a reference to the core, so events still queued when
// the JS object is collected and the control thread has exited never touch freed memory.
template <typename Core>
struct CoreHolder {
  std::shared_ptr<Core> core;
};

// A stream's way to its JS listener from any thread. Node deletes a ThreadSafeFunction when its
// environment is torn down (process exit, worker end) even while other threads still hold it;
// calling it afterwards is a use-after-free that aborts the process. The finaliser marks the
// channel gone under its mutex, and every use checks that first. Before Open (a stream without a
// listener) every use is a no-op.
template <typename Core, typename Data, void (*CallJs)(Napi::Env, Napi::Function, CoreHolder<Core>*, Data*)>
class JsChannel {
 public:
  using Tsfn = Napi::TypedThreadSafeFunction<CoreHolder<Core>, Data, CallJs>;

  // Unreferenced at first: whether a pending event keeps the process alive is the JS wrapper's
  // decision (Ref/Unref).
  void Open(Napi::Env env, Napi::Function listener, const char* resourceName, std::shared_ptr<Core> core) {
    std::lock_guard<std::mutex> lock(mutex_);
    tsfn_ = Tsfn::New(env, listener, resourceName, 0, 1, new CoreHolder<Core>{std::move(core)}, &JsChannel::Finalize, this);
    tsfn_->Unref(env);
  }

  // Takes ownership of `data`: deleted here when it cannot be queued.
  void Post(Data* data) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!tsfn_ || gone_ || tsfn_->NonBlockingCall(data) != napi_ok) delete data;
  }

  // The last event is queued: JS gets it, then the function goes (and with it the holder).
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tsfn_ && !gone_) tsfn_->Release();
    gone_ = true;
  }

  void Ref(Napi::Env env) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tsfn_ && !gone_) tsfn_->Ref(env);
  }

  void Unref(Napi::Env env) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tsfn_ && !gone_) tsfn_->Unref(env);
  }

 private:
  // `channel` lives in the core that `holder` keeps alive: marked before the holder goes.
  static void Finalize(Napi::Env, JsChannel* channel, CoreHolder<Core>* holder) {
    {
      std::lock_guard<std::mutex> lock(channel->mutex_);
      channel->gone_ = true;
    }
    delete holder;
  }

  std::mutex mutex_;
  bool gone_ = false;
  std::optional<Tsfn> tsfn_;
};

// Runs `deliver` (which calls the JS listener) on the JS thread, unless the environment is
// shutting down. An exception thrown by the JS listener must not unwind into the addon.
template <typename Deliver>
void DeliverToJs(Napi::Env env, Napi::Function callback, Deliver deliver) {
  if (env == nullptr || callback.IsEmpty()) return;
  try {
    deliver();
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();
  }
}

// The half of a PortAudio device a stream uses: what differs between capture and playback in
// the calls both make.
struct StreamDirection {
  bool input;
  const char* className;  // prefixes the constructor's errors
  const char* noun;       // "input" | "output"
  int PaDeviceInfo::*maxChannels;
  PaTime PaDeviceInfo::*defaultLowLatency;
};
extern const StreamDirection kCaptureDirection;
extern const StreamDirection kPlaybackDirection;

// A stream's configuration and PortAudio handle. The stream-specific core derives from it; its
// PortAudio callbacks receive this base as user data (static_cast back to the derived core).
struct StreamCore {
  explicit StreamCore(const StreamDirection& d) : direction(d) {}

  const StreamDirection& direction;
  PaDeviceIndex deviceIndex = 0;
  std::string deviceName;
  double sampleRateHz = 0;
  int channels = 1;
  unsigned long framesPerBuffer = 0;
  int watchdogMs = 1500;
  // PulseAudio via ALSA takes ~2 s before the first buffers flow here: more silence is allowed
  // then (each stream decides what "starting" means).
  int startupGraceMs = 6000;
  std::atomic<int64_t> lastCallbackNs{0};  // set by the audio callback
  std::atomic<bool> streamFinished{false};
  PaStream* stream = nullptr;  // control thread only
  bool hostApiIsAlsa = false;  // control thread only, set by Open

  // Control thread: opens `stream` on the configured device (not started). Returns "" or why not;
  // `what` describes the stream in the open error ("at 48000 Hz, 1 channel(s)").
  std::string Open(PaStreamCallback* callback, const std::string& what);

  // May block for ever if the host API is wedged; control thread only.
  void Close(bool abort);

  // Control thread, while running: the "device lost: …" error when the stream stopped by itself
  // or has been silent longer than allowedSilenceMs, else "". `silence` names the silence
  // ("no audio"), `which` the stream ("" or "output ").
  std::string LossError(int64_t nowNs, int allowedSilenceMs, const char* silence, const char* which) const;
};

// The JS object of a stream (Wrap: InputStream or OutputStream): it holds a reference to the core,
// whose `events` channel its ref()/unref() methods govern. Keeping the process alive is the JS
// wrapper's decision: it refs while it streams or awaits an event.
template <typename Wrap, typename Core>
class StreamObject : public Napi::ObjectWrap<Wrap> {
 protected:
  using Property = Napi::ClassPropertyDescriptor<Wrap>;

  explicit StreamObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Wrap>(info) {}

  // The JS class: the stream's own methods, then ref() and unref(), then its accessors (the order
  // the prototype has always had).
  static Napi::Function DefineStreamClass(Napi::Env env, const char* name, std::vector<Property> methods,
                                          const std::vector<Property>& accessors) {
    methods.push_back(Napi::ObjectWrap<Wrap>::InstanceMethod("ref", &StreamObject::Ref));
    methods.push_back(Napi::ObjectWrap<Wrap>::InstanceMethod("unref", &StreamObject::Unref));
    methods.insert(methods.end(), accessors.begin(), accessors.end());
    return Napi::ObjectWrap<Wrap>::DefineClass(env, name, methods);
  }

  Napi::Value Ref(const Napi::CallbackInfo& info) {
    core_->events.Ref(info.Env());
    return info.Env().Undefined();
  }
  Napi::Value Unref(const Napi::CallbackInfo& info) {
    core_->events.Unref(info.Env());
    return info.Env().Undefined();
  }

  std::shared_ptr<Core> core_;
};

// Reads a stream constructor's options object; errors name the class.
class OptionReader {
 public:
  OptionReader(Napi::Env env, Napi::Object options, const char* className) : env_(env), options_(options), className_(className) {}
  // undefined → fallback; anything but a number → TypeError.
  double Number(const char* key, double fallback) const;
  // undefined → false; anything but a boolean → TypeError.
  bool Boolean(const char* key) const;

 private:
  Napi::Env env_;
  Napi::Object options_;
  const char* className_;
};

// The constructor steps both streams share, in the order the checks ran before they were shared
// (so an object with several bad options still reports the same one first):
//  1. read deviceIndex, sampleRateHz, channels, framesPerBuffer, watchdogMs, startupGraceMs;
void ReadDeviceOptions(const OptionReader& options, StreamCore& core);
//  2. (the stream's own options) then range-check the rate and channel count;
void CheckDeviceOptions(Napi::Env env, const StreamCore& core, int maxChannels);
//  3. (the stream's own checks) then check the device exists on this side and has the channels.
void ResolveDevice(Napi::Env env, StreamCore& core);

}  // namespace ausculta

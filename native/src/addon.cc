// Ausculta audio capture addon: PortAudio input streams delivered to JavaScript as Float32 chunks.
//
// Threads, and why there are three:
//  * the PortAudio callback thread copies each buffer into a bounded queue and pokes the JS thread
//    through a ThreadSafeFunction (never blocks on JS);
//  * one control thread per stream makes every other PortAudio call for that stream (open, start,
//    stop, close) and runs the device-loss watchdog. These calls can block for ever when the audio
//    server dies (ALSA → PulseAudio plugin), so they must not run on the JS thread: a stuck stream
//    costs one parked thread, never a frozen app;
//  * the JS thread only drains the queue and answers requests.
#include <napi.h>
#include <portaudio.h>

#ifdef __linux__
#include <alsa/asoundlib.h>
#include <fcntl.h>
#include <pa_linux_alsa.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#endif
#include <cstdio>
#include <cstdlib>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jitter-buffer.h"  // output streams' FIFO (output-stream.inc)

namespace {

using Clock = std::chrono::steady_clock;

// ---- PortAudio library state (initialised once per process) ----------------------------------

// Leaked on purpose: detached control threads may still run while static destructors execute at
// process exit, and locking a destroyed mutex aborts the process.
// Timed: a PortAudio call wedged in a frozen audio server holds it, and the JS thread must then
// fail fast (JsPaLock) instead of freezing the app.
std::timed_mutex& g_paMutex = *new std::timed_mutex;
bool g_paInitialised = false;
// Streams opened and not yet closed: Pa_Terminate (rescan, exit) must wait until this is zero.
std::atomic<int> g_openStreams{0};

#ifdef __linux__
// ALSA prints probing noise for every unusable PCM while PortAudio enumerates; keep stderr clean.
void SilentAlsaErrorHandler(const char*, int, const char*, int, const char*, ...) {}
#endif

// Caller holds g_paMutex.
PaError EnsureInitialisedLocked() {
  if (g_paInitialised) return paNoError;
#ifdef __linux__
  snd_lib_error_set_handler(SilentAlsaErrorHandler);
  // libjack (linked into Debian's PortAudio) prints "jack server is not running" on every probe
  // and offers no hook to silence it: mute stderr for the duration of the scan unless debugging.
  int savedStderr = -1;
  if (!getenv("AUSCULTA_AUDIO_DEBUG")) {
    fflush(stderr);
    savedStderr = dup(2);
    int devNull = open("/dev/null", O_WRONLY);
    if (savedStderr >= 0 && devNull >= 0) dup2(devNull, 2);
    if (devNull >= 0) close(devNull);
  }
  PaError err = Pa_Initialize();
  if (savedStderr >= 0) {
    fflush(stderr);
    dup2(savedStderr, 2);
    close(savedStderr);
  }
#else
  PaError err = Pa_Initialize();
#endif
  if (err == paNoError) g_paInitialised = true;
  return err;
}

std::string PaMessage(PaError err) {
  const char* text = Pa_GetErrorText(err);
  std::string message = text ? text : "unknown PortAudio error";
  if (err == paUnanticipatedHostError) {
    const PaHostErrorInfo* info = Pa_GetLastHostErrorInfo();
    if (info && info->errorText && info->errorText[0]) message += std::string(" (") + info->errorText + ")";
  }
  return message + " [" + std::to_string(err) + "]";
}

Napi::Array DeviceListLocked(Napi::Env env) {
  Napi::Array list = Napi::Array::New(env);
  int count = Pa_GetDeviceCount();
  if (count < 0) throw Napi::Error::New(env, "PortAudio: cannot count devices: " + PaMessage(count));
  PaDeviceIndex defaultInput = Pa_GetDefaultInputDevice();
  uint32_t n = 0;
  for (int i = 0; i < count; ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (!info || info->maxInputChannels <= 0) continue;
    const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
    Napi::Object device = Napi::Object::New(env);
    device.Set("index", i);
    device.Set("name", info->name ? info->name : "");
    device.Set("hostApi", api && api->name ? api->name : "");
    device.Set("maxInputChannels", info->maxInputChannels);
    device.Set("defaultSampleRateHz", info->defaultSampleRate);
    device.Set("defaultLowInputLatencySeconds", info->defaultLowInputLatency);
    device.Set("isDefaultInput", i == defaultInput);
    list.Set(n++, device);
  }
  return list;
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Pa_GetVersionText());
}

// The JS thread's way to take g_paMutex: give up after a second with a clear error.
std::unique_lock<std::timed_mutex> JsPaLock(Napi::Env env) {
  std::unique_lock<std::timed_mutex> lock(g_paMutex, std::defer_lock);
  if (!lock.try_lock_for(std::chrono::milliseconds(1000)))
    throw Napi::Error::New(env, "PortAudio busy: a device call has not returned for over a second (audio server not answering)");
  return lock;
}

Napi::Value ListInputDevices(const Napi::CallbackInfo& info) {
  auto lock = JsPaLock(info.Env());
  PaError err = EnsureInitialisedLocked();
  if (err != paNoError) throw Napi::Error::New(info.Env(), "PortAudio: Pa_Initialize failed: " + PaMessage(err));
  return DeviceListLocked(info.Env());
}

// PortAudio enumerates devices only in Pa_Initialize: hot-plug needs a terminate/initialise cycle,
// which is only safe when no stream is open. Returns null (and changes nothing) otherwise.
Napi::Value RescanInputDevices(const Napi::CallbackInfo& info) {
  auto lock = JsPaLock(info.Env());
  if (g_openStreams.load() > 0) return info.Env().Null();
  if (g_paInitialised) {
    Pa_Terminate();
    g_paInitialised = false;
  }
  PaError err = EnsureInitialisedLocked();
  if (err != paNoError) throw Napi::Error::New(info.Env(), "PortAudio: Pa_Initialize failed: " + PaMessage(err));
  return DeviceListLocked(info.Env());
}

// The same off the JS thread: a PortAudio re-initialisation probes every ALSA/JACK device
// (35-85 ms here), too long to block the main process every hot-plug poll.
struct DeviceRecord {
  int index;
  std::string name;
  std::string hostApi;
  int maxInputChannels;
  double defaultSampleRateHz;
  double defaultLowInputLatencySeconds;
  bool isDefaultInput;
};

class RescanWorker : public Napi::AsyncWorker {
 public:
  RescanWorker(Napi::Env env, Napi::Promise::Deferred deferred) : Napi::AsyncWorker(env), deferred_(deferred) {}

  void Execute() override {
    std::unique_lock<std::timed_mutex> lock(g_paMutex, std::defer_lock);
    if (!lock.try_lock_for(std::chrono::milliseconds(2000))) {
      SetError("PortAudio busy: a device call has not returned for 2 s (audio server not answering)");
      return;
    }
    if (g_openStreams.load() > 0) {
      skipped_ = true;
      return;
    }
    if (g_paInitialised) {
      Pa_Terminate();
      g_paInitialised = false;
    }
    PaError err = EnsureInitialisedLocked();
    if (err != paNoError) {
      SetError("PortAudio: Pa_Initialize failed: " + PaMessage(err));
      return;
    }
    int count = Pa_GetDeviceCount();
    PaDeviceIndex defaultInput = Pa_GetDefaultInputDevice();
    for (int i = 0; i < count; ++i) {
      const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
      if (!info || info->maxInputChannels <= 0) continue;
      const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
      devices_.push_back(DeviceRecord{i, info->name ? info->name : "", api && api->name ? api->name : "", info->maxInputChannels,
                                      info->defaultSampleRate, info->defaultLowInputLatency, i == defaultInput});
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (skipped_) {
      deferred_.Resolve(env.Null());
      return;
    }
    Napi::Array list = Napi::Array::New(env, devices_.size());
    for (size_t n = 0; n < devices_.size(); ++n) {
      const DeviceRecord& d = devices_[n];
      Napi::Object device = Napi::Object::New(env);
      device.Set("index", d.index);
      device.Set("name", d.name);
      device.Set("hostApi", d.hostApi);
      device.Set("maxInputChannels", d.maxInputChannels);
      device.Set("defaultSampleRateHz", d.defaultSampleRateHz);
      device.Set("defaultLowInputLatencySeconds", d.defaultLowInputLatencySeconds);
      device.Set("isDefaultInput", d.isDefaultInput);
      list.Set(static_cast<uint32_t>(n), device);
    }
    deferred_.Resolve(list);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<DeviceRecord> devices_;
  bool skipped_ = false;
};

Napi::Value RescanInputDevicesAsync(const Napi::CallbackInfo& info) {
  auto deferred = Napi::Promise::Deferred::New(info.Env());
  (new RescanWorker(info.Env(), deferred))->Queue();
  return deferred.Promise();
}

// ---- Streams ----------------------------------------------------------------------------------

struct Chunk {
  int64_t firstFrameIndex;
  std::vector<float> data;
  bool overflow;
};

enum class EventKind { Drain, Done, Error, Closed };

struct Event {
  explicit Event(EventKind k, double id = 0, std::string m = "", std::string c = "")
      : kind(k), requestId(id), message(std::move(m)), code(std::move(c)) {}
  EventKind kind;
  double requestId;
  std::string message;  // Done: empty on success; Error: the message
  std::string code;     // Error: 'device-lost' | 'stream-error'
};

enum class CommandKind { Start, Stop, Close };
struct Command {
  CommandKind kind;
  double requestId;
};

struct StreamCore;
// The ThreadSafeFunction's context owns a reference to the core, so events still queued when the
// JS object is collected and the control thread has exited never touch freed memory.
struct CoreHolder {
  std::shared_ptr<StreamCore> core;
};
void CallJs(Napi::Env env, Napi::Function callback, CoreHolder* holder, Event* event);
void FinalizeHolder(Napi::Env, void*, CoreHolder* holder);
using Tsfn = Napi::TypedThreadSafeFunction<CoreHolder, Event, CallJs>;

struct StreamCore : std::enable_shared_from_this<StreamCore> {
  // configuration
  PaDeviceIndex deviceIndex = 0;
  std::string deviceName;
  double sampleRateHz = 0;
  int channels = 1;
  unsigned long framesPerBuffer = 0;
  int watchdogMs = 1500;
  // PulseAudio via ALSA takes ~2 s to deliver the first buffer here; allow more before the first.
  int startupGraceMs = 6000;
  std::atomic<bool> firstCallbackSeen{false};
  size_t maxQueuedFrames = 0;

  Tsfn tsfn;

  // audio path (callback thread → JS thread)
  std::mutex queueMutex;
  std::deque<Chunk> queue;
  size_t queuedFrames = 0;
  int64_t nextFrameIndex = 0;  // callback thread only
  bool pendingOverflow = false;  // callback thread only
  std::atomic<bool> drainScheduled{false};
  std::atomic<int64_t> lastCallbackNs{0};
  std::atomic<bool> streamFinished{false};

  // control (control thread owns `stream`)
  PaStream* stream = nullptr;
  bool running = false;  // control thread only: started and expected to deliver
  std::mutex commandMutex;
  std::condition_variable commandReady;
  std::deque<Command> commands;
  bool closeRequested = false;  // guarded by commandMutex

  static int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  }

  // Node deletes a ThreadSafeFunction when its environment is torn down (process exit, worker
  // end) even while other threads still hold it; calling it afterwards is a use-after-free that
  // aborts the process. The finaliser sets tsfnGone under this mutex, and every use checks it.
  std::mutex tsfnMutex;
  bool tsfnGone = false;

  void Post(Event* event) {
    std::lock_guard<std::mutex> lock(tsfnMutex);
    if (tsfnGone || tsfn.NonBlockingCall(event) != napi_ok) delete event;
  }

  void ReleaseTsfn() {
    std::lock_guard<std::mutex> lock(tsfnMutex);
    if (!tsfnGone) tsfn.Release();
    tsfnGone = true;
  }

  void PostError(const std::string& code, const std::string& message) {
    Post(new Event{EventKind::Error, 0, message, code});
  }

  // --- PortAudio callback thread ---
  static int Callback(const void* input, void*, unsigned long frameCount, const PaStreamCallbackTimeInfo*,
                      PaStreamCallbackFlags flags, void* user) {
    auto* self = static_cast<StreamCore*>(user);
    self->lastCallbackNs.store(NowNs(), std::memory_order_relaxed);
    self->firstCallbackSeen.store(true, std::memory_order_relaxed);
    bool overflow = self->pendingOverflow || (flags & paInputOverflow) != 0;
    int64_t first = self->nextFrameIndex;
    self->nextFrameIndex += static_cast<int64_t>(frameCount);
    {
      std::lock_guard<std::mutex> lock(self->queueMutex);
      if (self->queuedFrames + frameCount > self->maxQueuedFrames) {
        // JS is not keeping up: drop this buffer; the jump in frame index tells JS how much.
        self->pendingOverflow = true;
        return paContinue;
      }
      Chunk chunk{first, std::vector<float>(frameCount * self->channels), overflow};
      if (input) std::memcpy(chunk.data.data(), input, frameCount * self->channels * sizeof(float));
      self->queue.push_back(std::move(chunk));
      self->queuedFrames += frameCount;
    }
    self->pendingOverflow = false;
    if (!self->drainScheduled.exchange(true)) self->Post(new Event{EventKind::Drain});
    return paContinue;
  }

  static void Finished(void* user) {
    static_cast<StreamCore*>(user)->streamFinished.store(true);
  }

  // --- control thread ---
  std::string OpenAndStart() {
    if (stream) return "";
    PaStreamParameters params{};
    params.device = deviceIndex;
    params.channelCount = channels;
    params.sampleFormat = paFloat32;
    PaError err;
    {
      std::lock_guard<std::timed_mutex> lock(g_paMutex);
      err = EnsureInitialisedLocked();
      if (err != paNoError) return "Pa_Initialize failed: " + PaMessage(err);
      const PaDeviceInfo* info = Pa_GetDeviceInfo(deviceIndex);
      if (!info) return "device " + std::to_string(deviceIndex) + " no longer exists";
      params.suggestedLatency = info->defaultLowInputLatency;
      err = Pa_OpenStream(&stream, &params, nullptr, sampleRateHz, framesPerBuffer, paClipOff, &StreamCore::Callback, this);
      if (err == paNoError) g_openStreams.fetch_add(1);
    }
    if (err != paNoError) {
      stream = nullptr;
      return "cannot open '" + deviceName + "' at " + std::to_string(static_cast<long>(sampleRateHz)) + " Hz, " +
             std::to_string(channels) + " channel(s): " + PaMessage(err);
    }
    Pa_SetStreamFinishedCallback(stream, &StreamCore::Finished);
    streamFinished.store(false);
    firstCallbackSeen.store(false);
    lastCallbackNs.store(NowNs());
    err = Pa_StartStream(stream);
    if (err != paNoError) {
      CloseStream(false);
      return "cannot start '" + deviceName + "': " + PaMessage(err);
    }
    running = true;
    return "";
  }

  // May block for ever if the host API is wedged; runs on the control thread only.
  void CloseStream(bool abort) {
    if (!stream) return;
    running = false;
    PaStream* s = stream;
    stream = nullptr;
    if (abort) Pa_AbortStream(s);
    else Pa_StopStream(s);
    Pa_CloseStream(s);
    g_openStreams.fetch_sub(1);
  }

  void CheckWatchdog() {
    if (!running) return;
    int64_t silentMs = (NowNs() - lastCallbackNs.load()) / 1000000;
    std::string reason;
    if (streamFinished.load() || Pa_IsStreamActive(stream) == 0) reason = "the audio stream stopped by itself";
    else if (silentMs > (firstCallbackSeen.load() ? watchdogMs : startupGraceMs))
      reason = "no audio for " + std::to_string(silentMs) + " ms";
    if (reason.empty()) return;
    running = false;
    PostError("device-lost", "device lost: '" + deviceName + "': " + reason + " (unplugged, or the audio server stopped)");
    CloseStream(true);
  }

  void Run() {
    for (;;) {
      Command command;
      {
        std::unique_lock<std::mutex> lock(commandMutex);
        commandReady.wait_for(lock, std::chrono::milliseconds(50), [this] { return !commands.empty(); });
        if (commands.empty()) {
          lock.unlock();
          CheckWatchdog();
          continue;
        }
        command = commands.front();
        commands.pop_front();
      }
      if (command.kind == CommandKind::Start) {
        std::string error = OpenAndStart();
        Post(new Event{EventKind::Done, command.requestId, error});
      } else if (command.kind == CommandKind::Stop) {
        CloseStream(false);
        Post(new Event{EventKind::Done, command.requestId, ""});
      } else {
        CloseStream(false);
        Post(new Event{EventKind::Done, command.requestId, ""});
        Post(new Event{EventKind::Closed});
        ReleaseTsfn();
        return;
      }
    }
  }

  // Returns false when the stream is already closed (the command is not queued).
  bool Enqueue(CommandKind kind, double requestId) {
    std::lock_guard<std::mutex> lock(commandMutex);
    if (closeRequested) return false;
    if (kind == CommandKind::Close) closeRequested = true;
    commands.push_back(Command{kind, requestId});
    commandReady.notify_one();
    return true;
  }
};

void FinalizeHolder(Napi::Env, void*, CoreHolder* holder) {
  {
    std::lock_guard<std::mutex> lock(holder->core->tsfnMutex);
    holder->core->tsfnGone = true;
  }
  delete holder;
}

void DrainToJs(Napi::Env env, Napi::Function callback, StreamCore* core) {
  core->drainScheduled.store(false);
  std::deque<Chunk> chunks;
  {
    std::lock_guard<std::mutex> lock(core->queueMutex);
    chunks.swap(core->queue);
    core->queuedFrames = 0;
  }
  for (Chunk& chunk : chunks) {
    Napi::Object event = Napi::Object::New(env);
    Napi::Float32Array data = Napi::Float32Array::New(env, chunk.data.size());
    if (!chunk.data.empty()) std::memcpy(data.Data(), chunk.data.data(), chunk.data.size() * sizeof(float));
    event.Set("type", "data");
    event.Set("firstFrameIndex", Napi::Number::New(env, static_cast<double>(chunk.firstFrameIndex)));
    event.Set("data", data);
    event.Set("overflow", chunk.overflow);
    callback.Call({event});
  }
}

void CallJs(Napi::Env env, Napi::Function callback, CoreHolder* holder, Event* event) {
  std::unique_ptr<Event> owned(event);
  StreamCore* core = holder->core.get();
  if (env == nullptr || callback.IsEmpty()) return;  // environment shutting down
  try {
    if (event->kind == EventKind::Drain) {
      DrainToJs(env, callback, core);
      return;
    }
    Napi::Object object = Napi::Object::New(env);
    if (event->kind == EventKind::Done) {
      object.Set("type", "done");
      object.Set("requestId", event->requestId);
      if (!event->message.empty()) object.Set("error", event->message);
    } else if (event->kind == EventKind::Error) {
      object.Set("type", "error");
      object.Set("code", event->code);
      object.Set("message", event->message);
    } else {
      object.Set("type", "closed");
    }
    callback.Call({object});
  } catch (const Napi::Error& error) {
    // An exception thrown by the JS listener must not unwind into the addon.
    error.ThrowAsJavaScriptException();
  }
}

class InputStream : public Napi::ObjectWrap<InputStream> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "InputStream",
                       {InstanceMethod("start", &InputStream::Start), InstanceMethod("stop", &InputStream::Stop),
                        InstanceMethod("close", &InputStream::Close), InstanceMethod("ref", &InputStream::Ref),
                        InstanceMethod("unref", &InputStream::Unref)});
  }

  // new InputStream({ deviceIndex, sampleRateHz, channels, framesPerBuffer?, watchdogMs?, maxQueueSeconds? }, onEvent)
  explicit InputStream(const Napi::CallbackInfo& info) : Napi::ObjectWrap<InputStream>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction())
      throw Napi::TypeError::New(env, "InputStream(options, onEvent): options object and listener function required");
    Napi::Object options = info[0].As<Napi::Object>();
    auto number = [&](const char* key, double fallback) {
      Napi::Value value = options.Get(key);
      if (value.IsUndefined()) return fallback;
      if (!value.IsNumber()) throw Napi::TypeError::New(env, std::string("InputStream: option ") + key + " must be a number");
      return value.As<Napi::Number>().DoubleValue();
    };
    auto core = std::make_shared<StreamCore>();
    core->deviceIndex = static_cast<PaDeviceIndex>(number("deviceIndex", -1));
    core->sampleRateHz = number("sampleRateHz", 0);
    core->channels = static_cast<int>(number("channels", 1));
    core->framesPerBuffer = static_cast<unsigned long>(number("framesPerBuffer", 0));
    core->watchdogMs = static_cast<int>(number("watchdogMs", 1500));
    core->startupGraceMs = static_cast<int>(number("startupGraceMs", 6000));
    double maxQueueSeconds = number("maxQueueSeconds", 2);
    if (!(core->sampleRateHz >= 1000 && core->sampleRateHz <= 384000))
      throw Napi::RangeError::New(env, "InputStream: sampleRateHz " + std::to_string(core->sampleRateHz) + " outside 1000..384000");
    if (core->channels < 1 || core->channels > 32)
      throw Napi::RangeError::New(env, "InputStream: channels " + std::to_string(core->channels) + " outside 1..32");
    if (core->watchdogMs < 100) throw Napi::RangeError::New(env, "InputStream: watchdogMs must be >= 100");
    {
      auto lock = JsPaLock(env);
      PaError err = EnsureInitialisedLocked();
      if (err != paNoError) throw Napi::Error::New(env, "PortAudio: Pa_Initialize failed: " + PaMessage(err));
      const PaDeviceInfo* device = core->deviceIndex >= 0 && core->deviceIndex < Pa_GetDeviceCount() ? Pa_GetDeviceInfo(core->deviceIndex) : nullptr;
      if (!device || device->maxInputChannels <= 0)
        throw Napi::RangeError::New(env, "InputStream: deviceIndex " + std::to_string(core->deviceIndex) + " is not an input device");
      if (core->channels > device->maxInputChannels)
        throw Napi::RangeError::New(env, "InputStream: channels " + std::to_string(core->channels) + " exceeds the " +
                                             std::to_string(device->maxInputChannels) + " of '" + device->name + "'");
      core->deviceName = device->name ? device->name : "";
    }
    core->maxQueuedFrames = static_cast<size_t>(std::max(1.0, maxQueueSeconds) * core->sampleRateHz);
    core->tsfn = Tsfn::New(env, info[1].As<Napi::Function>(), "ausculta-audio-input", 0, 1, new CoreHolder{core},
                           FinalizeHolder, static_cast<void*>(nullptr));
    core->tsfn.Unref(env);  // only a started stream keeps the process alive
    core_ = core;
    // The thread owns a reference: the core outlives this JS object until the thread has closed
    // the stream. Detached, so neither the finaliser nor process exit ever waits on PortAudio.
    std::thread([core] { core->Run(); }).detach();
  }

  ~InputStream() override {
    // Finaliser: close in the background if JS never did; idempotent with an explicit close().
    if (core_) core_->Enqueue(CommandKind::Close, -1);
  }

 private:
  Napi::Value Request(const Napi::CallbackInfo& info, CommandKind kind) {
    double requestId = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
    return Napi::Boolean::New(info.Env(), core_->Enqueue(kind, requestId));
  }
  Napi::Value Start(const Napi::CallbackInfo& info) { return Request(info, CommandKind::Start); }
  Napi::Value Stop(const Napi::CallbackInfo& info) { return Request(info, CommandKind::Stop); }
  Napi::Value Close(const Napi::CallbackInfo& info) { return Request(info, CommandKind::Close); }
  // Keeping the process alive is the JS wrapper's decision (ref while streaming).
  Napi::Value Ref(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(core_->tsfnMutex);
    if (!core_->tsfnGone) core_->tsfn.Ref(info.Env());
    return info.Env().Undefined();
  }
  Napi::Value Unref(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(core_->tsfnMutex);
    if (!core_->tsfnGone) core_->tsfn.Unref(info.Env());
    return info.Env().Undefined();
  }

  std::shared_ptr<StreamCore> core_;
};

// Output streams (live listening, playback): their own file, same namespace and PortAudio state.
#include "output-stream.inc"

void Cleanup(void*) {
  // At exit, terminate PortAudio only if no stream is open: a stream wedged in a dead audio
  // server would make Pa_Terminate hang, and the OS releases everything anyway.
  std::unique_lock<std::timed_mutex> lock(g_paMutex, std::try_to_lock);
  if (lock.owns_lock() && g_paInitialised && g_openStreams.load() == 0) {
    Pa_Terminate();
    g_paInitialised = false;
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("listInputDevices", Napi::Function::New(env, ListInputDevices));
  exports.Set("rescanInputDevices", Napi::Function::New(env, RescanInputDevices));
  exports.Set("rescanInputDevicesAsync", Napi::Function::New(env, RescanInputDevicesAsync));
  exports.Set("InputStream", InputStream::Define(env));
  exports.Set("OutputStream", OutputStream::Define(env));
  exports.Set("listOutputDevices", Napi::Function::New(env, ListOutputDevices));
  napi_add_env_cleanup_hook(env, Cleanup, nullptr);
  return exports;
}

}  // namespace

NODE_API_MODULE(ausculta_audio, Init)

// Capture: PortAudio input streams delivered to JavaScript as Float32 chunks.
//
// Threads, and why there are three:
//  * the PortAudio callback thread copies each buffer into a bounded queue and pokes the JS thread
//    through a ThreadSafeFunction (never blocks on JS);
//  * one control thread per stream makes every other PortAudio call for that stream (open, start,
//    stop, close) and runs the device-loss watchdog. These calls can block for ever when the audio
//    server dies (ALSA → PulseAudio plugin), so they must not run on the JS thread: a stuck stream
//    costs one parked thread, never a frozen app;
//  * the JS thread only drains the queue and answers requests.
#include "input-stream.h"

#include <portaudio.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "portaudio-runtime.h"

namespace ausculta {
namespace {

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
      bool known = core->deviceIndex >= 0 && core->deviceIndex < Pa_GetDeviceCount();
      const PaDeviceInfo* device = known ? Pa_GetDeviceInfo(core->deviceIndex) : nullptr;
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

}  // namespace

Napi::Function DefineInputStream(Napi::Env env) {
  return InputStream::Define(env);
}

}  // namespace ausculta

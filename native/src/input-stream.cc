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
#include "stream-common.h"

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

struct InputCore;
void CallJs(Napi::Env env, Napi::Function callback, CoreHolder<InputCore>* holder, Event* event);

struct InputCore : StreamCore {
  InputCore() : StreamCore(kCaptureDirection) {}

  // The startup grace lasts until the first buffer arrives.
  std::atomic<bool> firstCallbackSeen{false};
  size_t maxQueuedFrames = 0;

  JsChannel<InputCore, Event, CallJs> events;

  // audio path (callback thread → JS thread)
  std::mutex queueMutex;
  std::deque<Chunk> queue;
  size_t queuedFrames = 0;
  int64_t nextFrameIndex = 0;  // callback thread only
  bool pendingOverflow = false;  // callback thread only
  std::atomic<bool> drainScheduled{false};

  // control: the control thread owns `stream`; open means started and expected to deliver (a
  // stream that opens but does not start is closed at once).
  std::mutex commandMutex;
  std::condition_variable commandReady;
  std::deque<Command> commands;
  bool closeRequested = false;  // guarded by commandMutex

  void PostError(const std::string& code, const std::string& message) {
    events.Post(new Event{EventKind::Error, 0, message, code});
  }

  // --- PortAudio callback thread ---
  static int Callback(const void* input, void*, unsigned long frameCount, const PaStreamCallbackTimeInfo*,
                      PaStreamCallbackFlags flags, void* user) {
    auto* self = static_cast<InputCore*>(static_cast<StreamCore*>(user));
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
    if (!self->drainScheduled.exchange(true)) self->events.Post(new Event{EventKind::Drain});
    return paContinue;
  }

  // --- control thread ---
  std::string OpenAndStart() {
    if (stream) return "";
    std::string what = "at " + std::to_string(static_cast<long>(sampleRateHz)) + " Hz, " + std::to_string(channels) + " channel(s)";
    std::string error = Open(&InputCore::Callback, what);
    if (!error.empty()) return error;
    firstCallbackSeen.store(false);
    PaError err = Pa_StartStream(stream);
    if (err != paNoError) {
      Close(false);
      return "cannot start '" + deviceName + "': " + PaMessage(err);
    }
    return "";
  }

  void CheckWatchdog() {
    if (!stream) return;
    std::string lost = LossError(NowNs(), firstCallbackSeen.load() ? watchdogMs : startupGraceMs, "no audio", "");
    if (lost.empty()) return;
    PostError("device-lost", lost);
    Close(true);
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
        events.Post(new Event{EventKind::Done, command.requestId, error});
      } else if (command.kind == CommandKind::Stop) {
        Close(false);
        events.Post(new Event{EventKind::Done, command.requestId, ""});
      } else {
        Close(false);
        events.Post(new Event{EventKind::Done, command.requestId, ""});
        events.Post(new Event{EventKind::Closed});
        events.Release();
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

void DrainToJs(Napi::Env env, Napi::Function callback, InputCore* core) {
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

void CallJs(Napi::Env env, Napi::Function callback, CoreHolder<InputCore>* holder, Event* event) {
  std::unique_ptr<Event> owned(event);
  DeliverToJs(env, callback, [&] {
    if (event->kind == EventKind::Drain) return DrainToJs(env, callback, holder->core.get());
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
  });
}

class InputStream : public StreamObject<InputStream, InputCore> {
 public:
  static Napi::Function Define(Napi::Env env) {
    std::vector<Property> methods{InstanceMethod("start", &InputStream::Start), InstanceMethod("stop", &InputStream::Stop),
                                  InstanceMethod("close", &InputStream::Close)};
    return DefineStreamClass(env, "InputStream", methods, {});
  }

  // new InputStream({ deviceIndex, sampleRateHz, channels, framesPerBuffer?, watchdogMs?, maxQueueSeconds? }, onEvent)
  explicit InputStream(const Napi::CallbackInfo& info) : StreamObject(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction())
      throw Napi::TypeError::New(env, "InputStream(options, onEvent): options object and listener function required");
    OptionReader options(env, info[0].As<Napi::Object>(), "InputStream");
    auto core = std::make_shared<InputCore>();
    ReadDeviceOptions(options, *core);
    double maxQueueSeconds = options.Number("maxQueueSeconds", 2);
    CheckDeviceOptions(env, *core, 32);
    if (core->watchdogMs < 100) throw Napi::RangeError::New(env, "InputStream: watchdogMs must be >= 100");
    ResolveDevice(env, *core);
    core->maxQueuedFrames = static_cast<size_t>(std::max(1.0, maxQueueSeconds) * core->sampleRateHz);
    core->events.Open(env, info[1].As<Napi::Function>(), "ausculta-audio-input", core);  // unreferenced until started
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
};

}  // namespace

Napi::Function DefineInputStream(Napi::Env env) {
  return InputStream::Define(env);
}

}  // namespace ausculta

#include "device-list.h"

#include <portaudio.h>

#include <optional>
#include <string>
#include <vector>

#include "portaudio-runtime.h"

namespace ausculta {
namespace {

// The input or the output half of the device list: which devices it holds, and the names JS knows
// their side-specific fields by.
struct ListSide {
  int PaDeviceInfo::*maxChannels;
  PaTime PaDeviceInfo::*defaultLowLatency;
  PaDeviceIndex (*defaultDevice)();
  const char* maxChannelsKey;
  const char* defaultLowLatencyKey;
  const char* isDefaultKey;
};

const ListSide kInputs{&PaDeviceInfo::maxInputChannels, &PaDeviceInfo::defaultLowInputLatency, Pa_GetDefaultInputDevice,
                       "maxInputChannels",          "defaultLowInputLatencySeconds",       "isDefaultInput"};
const ListSide kOutputs{&PaDeviceInfo::maxOutputChannels, &PaDeviceInfo::defaultLowOutputLatency, Pa_GetDefaultOutputDevice,
                        "maxOutputChannels",          "defaultLowOutputLatencySeconds",       "isDefaultOutput"};

// One device of a list, read under g_paMutex and turned into JS afterwards: the asynchronous
// rescan reads on a worker thread, where no JS value may be made.
struct DeviceRecord {
  int index;
  std::string name;
  std::string hostApi;
  int maxChannels;
  double defaultSampleRateHz;
  double defaultLowLatencySeconds;
  bool isDefault;
};

// Caller holds g_paMutex. Returns Pa_GetDeviceCount(): negative is PortAudio's error (no devices).
int ReadDevicesLocked(const ListSide& side, std::vector<DeviceRecord>& devices) {
  int count = Pa_GetDeviceCount();
  PaDeviceIndex defaultDevice = side.defaultDevice();
  for (int i = 0; i < count; ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (!info || info->*side.maxChannels <= 0) continue;
    const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
    devices.push_back(DeviceRecord{i, info->name ? info->name : "", api && api->name ? api->name : "", info->*side.maxChannels,
                                   info->defaultSampleRate, info->*side.defaultLowLatency, i == defaultDevice});
  }
  return count;
}

Napi::Array DevicesToJs(Napi::Env env, const ListSide& side, const std::vector<DeviceRecord>& devices) {
  Napi::Array list = Napi::Array::New(env, devices.size());
  for (size_t n = 0; n < devices.size(); ++n) {
    const DeviceRecord& d = devices[n];
    Napi::Object device = Napi::Object::New(env);
    device.Set("index", d.index);
    device.Set("name", d.name);
    device.Set("hostApi", d.hostApi);
    device.Set(side.maxChannelsKey, d.maxChannels);
    device.Set("defaultSampleRateHz", d.defaultSampleRateHz);
    device.Set(side.defaultLowLatencyKey, d.defaultLowLatencySeconds);
    device.Set(side.isDefaultKey, d.isDefault);
    list.Set(static_cast<uint32_t>(n), device);
  }
  return list;
}

// Caller holds g_paMutex and has initialised PortAudio.
Napi::Array DeviceListLocked(Napi::Env env, const ListSide& side) {
  std::vector<DeviceRecord> devices;
  int count = ReadDevicesLocked(side, devices);
  if (count < 0) throw Napi::Error::New(env, "PortAudio: cannot count devices: " + PaMessage(count));
  return DevicesToJs(env, side, devices);
}

Napi::Value ListDevices(const Napi::CallbackInfo& info, const ListSide& side) {
  auto lock = JsPaLock(info.Env());
  PaError err = EnsureInitialisedLocked();
  if (err != paNoError) throw Napi::Error::New(info.Env(), "PortAudio: Pa_Initialize failed: " + PaMessage(err));
  return DeviceListLocked(info.Env(), side);
}

// PortAudio enumerates devices only in Pa_Initialize: hot-plug needs a terminate/initialise cycle,
// which is only safe when no stream is open. Caller holds g_paMutex. Returns Pa_Initialize's
// result, or nothing (and changes nothing) while a stream is open.
std::optional<PaError> ReinitialiseLocked() {
  if (g_openStreams.load() > 0) return std::nullopt;
  if (g_paInitialised) {
    Pa_Terminate();
    g_paInitialised = false;
  }
  return EnsureInitialisedLocked();
}

// RescanInputDevicesAsync runs the rescan off the JS thread: a PortAudio re-initialisation probes every ALSA/JACK device
// (35-85 ms here), too long to block the main process every hot-plug poll.
class RescanWorker : public Napi::AsyncWorker {
 public:
  RescanWorker(Napi::Env env, Napi::Promise::Deferred deferred) : Napi::AsyncWorker(env), deferred_(deferred) {}

  void Execute() override {
    std::unique_lock<std::timed_mutex> lock(g_paMutex, std::defer_lock);
    if (!lock.try_lock_for(std::chrono::milliseconds(2000))) {
      SetError("PortAudio busy: a device call has not returned for 2 s (audio server not answering)");
      return;
    }
    std::optional<PaError> err = ReinitialiseLocked();
    if (!err) {
      skipped_ = true;
      return;
    }
    if (*err != paNoError) {
      SetError("PortAudio: Pa_Initialize failed: " + PaMessage(*err));
      return;
    }
    // A failed count leaves the list empty here, as it always has (the synchronous list throws).
    ReadDevicesLocked(kInputs, devices_);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (skipped_) deferred_.Resolve(env.Null());
    else deferred_.Resolve(DevicesToJs(env, kInputs, devices_));
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<DeviceRecord> devices_;
  bool skipped_ = false;
};

}  // namespace

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Pa_GetVersionText());
}

Napi::Value ListInputDevices(const Napi::CallbackInfo& info) {
  return ListDevices(info, kInputs);
}

Napi::Value RescanInputDevices(const Napi::CallbackInfo& info) {
  auto lock = JsPaLock(info.Env());
  std::optional<PaError> err = ReinitialiseLocked();
  if (!err) return info.Env().Null();
  if (*err != paNoError) throw Napi::Error::New(info.Env(), "PortAudio: Pa_Initialize failed: " + PaMessage(*err));
  return DeviceListLocked(info.Env(), kInputs);
}

Napi::Value RescanInputDevicesAsync(const Napi::CallbackInfo& info) {
  auto deferred = Napi::Promise::Deferred::New(info.Env());
  (new RescanWorker(info.Env(), deferred))->Queue();
  return deferred.Promise();
}

Napi::Value ListOutputDevices(const Napi::CallbackInfo& info) {
  return ListDevices(info, kOutputs);
}

}  // namespace ausculta

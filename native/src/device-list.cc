#include "device-list.h"

#include <portaudio.h>

#include <string>
#include <vector>

#include "portaudio-runtime.h"

namespace ausculta {
namespace {

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

// RescanInputDevicesAsync runs the rescan off the JS thread: a PortAudio re-initialisation probes every ALSA/JACK device
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

}  // namespace

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Pa_GetVersionText());
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

Napi::Value RescanInputDevicesAsync(const Napi::CallbackInfo& info) {
  auto deferred = Napi::Promise::Deferred::New(info.Env());
  (new RescanWorker(info.Env(), deferred))->Queue();
  return deferred.Promise();
}

Napi::Value ListOutputDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto lock = JsPaLock(env);
  PaError err = EnsureInitialisedLocked();
  if (err != paNoError) throw Napi::Error::New(env, "PortAudio: Pa_Initialize failed: " + PaMessage(err));
  Napi::Array list = Napi::Array::New(env);
  int count = Pa_GetDeviceCount();
  if (count < 0) throw Napi::Error::New(env, "PortAudio: cannot count devices: " + PaMessage(count));
  PaDeviceIndex defaultOutput = Pa_GetDefaultOutputDevice();
  uint32_t n = 0;
  for (int i = 0; i < count; ++i) {
    const PaDeviceInfo* device = Pa_GetDeviceInfo(i);
    if (!device || device->maxOutputChannels <= 0) continue;
    const PaHostApiInfo* api = Pa_GetHostApiInfo(device->hostApi);
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("index", i);
    entry.Set("name", device->name ? device->name : "");
    entry.Set("hostApi", api && api->name ? api->name : "");
    entry.Set("maxOutputChannels", device->maxOutputChannels);
    entry.Set("defaultSampleRateHz", device->defaultSampleRate);
    entry.Set("defaultLowOutputLatencySeconds", device->defaultLowOutputLatency);
    entry.Set("isDefaultOutput", i == defaultOutput);
    list.Set(n++, entry);
  }
  return list;
}

}  // namespace ausculta

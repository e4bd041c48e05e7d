#include "stream-common.h"

namespace ausculta {

const StreamDirection kCaptureDirection{true, "InputStream", "input", &PaDeviceInfo::maxInputChannels,
                                        &PaDeviceInfo::defaultLowInputLatency};
const StreamDirection kPlaybackDirection{false, "OutputStream", "output", &PaDeviceInfo::maxOutputChannels,
                                         &PaDeviceInfo::defaultLowOutputLatency};

std::string StreamCore::Open(PaStreamCallback* callback, const std::string& what) {
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
    const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
    hostApiIsAlsa = api && api->type == paALSA;
    params.suggestedLatency = info->*direction.defaultLowLatency;
    PaStreamParameters* in = direction.input ? &params : nullptr;
    PaStreamParameters* out = direction.input ? nullptr : &params;
    err = Pa_OpenStream(&stream, in, out, sampleRateHz, framesPerBuffer, paClipOff, callback, this);
    if (err == paNoError) g_openStreams.fetch_add(1);
  }
  if (err != paNoError) {
    stream = nullptr;
    return "cannot open '" + deviceName + "' " + what + ": " + PaMessage(err);
  }
  Pa_SetStreamFinishedCallback(stream, [](void* user) { static_cast<StreamCore*>(user)->streamFinished.store(true); });
  streamFinished.store(false);
  lastCallbackNs.store(NowNs());
  return "";
}

void StreamCore::Close(bool abort) {
  if (!stream) return;
  PaStream* s = stream;
  stream = nullptr;
  if (abort) Pa_AbortStream(s);
  else Pa_StopStream(s);
  Pa_CloseStream(s);
  g_openStreams.fetch_sub(1);
}

std::string StreamCore::LossError(int64_t nowNs, int allowedSilenceMs, const char* silence, const char* which) const {
  int64_t silentMs = (nowNs - lastCallbackNs.load()) / 1000000;
  std::string reason;
  if (streamFinished.load() || Pa_IsStreamActive(stream) == 0) reason = "the audio stream stopped by itself";
  else if (silentMs > allowedSilenceMs) reason = std::string(silence) + " for " + std::to_string(silentMs) + " ms";
  if (reason.empty()) return "";
  return std::string("device lost: ") + which + "'" + deviceName + "': " + reason + " (unplugged, or the audio server stopped)";
}

double OptionReader::Number(const char* key, double fallback) const {
  Napi::Value value = options_.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsNumber()) throw Napi::TypeError::New(env_, std::string(className_) + ": option " + key + " must be a number");
  return value.As<Napi::Number>().DoubleValue();
}

bool OptionReader::Boolean(const char* key) const {
  Napi::Value value = options_.Get(key);
  if (!value.IsUndefined() && !value.IsBoolean())
    throw Napi::TypeError::New(env_, std::string(className_) + ": option " + key + " must be a boolean");
  return value.IsBoolean() && value.As<Napi::Boolean>().Value();
}

void ReadDeviceOptions(const OptionReader& options, StreamCore& core) {
  core.deviceIndex = static_cast<PaDeviceIndex>(options.Number("deviceIndex", -1));
  core.sampleRateHz = options.Number("sampleRateHz", 0);
  core.channels = static_cast<int>(options.Number("channels", 1));
  core.framesPerBuffer = static_cast<unsigned long>(options.Number("framesPerBuffer", 0));
  core.watchdogMs = static_cast<int>(options.Number("watchdogMs", 1500));
  core.startupGraceMs = static_cast<int>(options.Number("startupGraceMs", 6000));
}

void CheckDeviceOptions(Napi::Env env, const StreamCore& core, int maxChannels) {
  const std::string name = core.direction.className;
  if (!(core.sampleRateHz >= 1000 && core.sampleRateHz <= 384000))
    throw Napi::RangeError::New(env, name + ": sampleRateHz " + std::to_string(core.sampleRateHz) + " outside 1000..384000");
  if (core.channels < 1 || core.channels > maxChannels)
    throw Napi::RangeError::New(env, name + ": channels " + std::to_string(core.channels) + " outside 1.." + std::to_string(maxChannels));
}

void ResolveDevice(Napi::Env env, StreamCore& core) {
  const StreamDirection& side = core.direction;
  const std::string name = side.className;
  auto lock = JsPaLock(env);
  PaError err = EnsureInitialisedLocked();
  if (err != paNoError) throw Napi::Error::New(env, "PortAudio: Pa_Initialize failed: " + PaMessage(err));
  bool known = core.deviceIndex >= 0 && core.deviceIndex < Pa_GetDeviceCount();
  const PaDeviceInfo* device = known ? Pa_GetDeviceInfo(core.deviceIndex) : nullptr;
  if (!device || device->*side.maxChannels <= 0)
    throw Napi::RangeError::New(env, name + ": deviceIndex " + std::to_string(core.deviceIndex) + " is not an " + side.noun + " device");
  if (core.channels > device->*side.maxChannels)
    throw Napi::RangeError::New(env, name + ": channels " + std::to_string(core.channels) + " exceeds the " +
                                         std::to_string(device->*side.maxChannels) + " of '" + device->name + "'");
  core.deviceName = device->name ? device->name : "";
}

}  // namespace ausculta

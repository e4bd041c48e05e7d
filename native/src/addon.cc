// Ausculta's audio addon: PortAudio capture and playback for Node and Electron (N-API). The
// exports only; each part is its own translation unit:
//  * portaudio-runtime: the PortAudio lock, initialisation and open-stream count they share;
//  * device-list: input and output device lists, the hot-plug rescan;
//  * stream-common: what both stream kinds share (JS event channel, PortAudio open/close, checks);
//  * input-stream: capture streams (Float32 chunks and device-loss events to JS);
//  * output-stream: playback streams (jitter-buffer.h's FIFO, state events to JS).
#include <napi.h>

#include "device-list.h"
#include "input-stream.h"
#include "output-stream.h"
#include "portaudio-runtime.h"

namespace {

void Cleanup(void*) {
  ausculta::TerminateIfIdle();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, ausculta::Version));
  exports.Set("listInputDevices", Napi::Function::New(env, ausculta::ListInputDevices));
  exports.Set("rescanInputDevices", Napi::Function::New(env, ausculta::RescanInputDevices));
  exports.Set("rescanInputDevicesAsync", Napi::Function::New(env, ausculta::RescanInputDevicesAsync));
  exports.Set("InputStream", ausculta::DefineInputStream(env));
  exports.Set("OutputStream", ausculta::DefineOutputStream(env));
  exports.Set("listOutputDevices", Napi::Function::New(env, ausculta::ListOutputDevices));
  napi_add_env_cleanup_hook(env, Cleanup, nullptr);
  return exports;
}

}  // namespace

NODE_API_MODULE(ausculta_audio, Init)

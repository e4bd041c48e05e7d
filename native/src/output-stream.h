// Playback streams: `new OutputStream(options, onState?)` in JavaScript (output-stream.cc).
#pragma once

#include <napi.h>

namespace ausculta {

// The OutputStream class for the addon's exports.
Napi::Function DefineOutputStream(Napi::Env env);

}  // namespace ausculta

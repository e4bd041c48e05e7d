// Capture streams: `new InputStream(options, onEvent)` in JavaScript (input-stream.cc).
#pragma once

#include <napi.h>

namespace ausculta {

// The InputStream class for the addon's exports.
Napi::Function DefineInputStream(Napi::Env env);

}  // namespace ausculta

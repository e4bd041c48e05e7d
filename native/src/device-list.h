// Device enumeration for JavaScript: input and output devices, and the input rescan that finds
// hot-plugged devices (synchronously, or on a libuv worker thread).
#pragma once

#include <napi.h>

namespace ausculta {

Napi::Value Version(const Napi::CallbackInfo& info);
Napi::Value ListInputDevices(const Napi::CallbackInfo& info);
Napi::Value RescanInputDevices(const Napi::CallbackInfo& info);
Napi::Value RescanInputDevicesAsync(const Napi::CallbackInfo& info);
Napi::Value ListOutputDevices(const Napi::CallbackInfo& info);

}  // namespace ausculta

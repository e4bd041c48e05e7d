// PortAudio library state shared by every part of the addon: one lock around PortAudio's global
// calls, initialisation on first use (re-initialised by a device rescan), and the count of open
// streams (Pa_Terminate must wait until it is zero).
#pragma once

#include <napi.h>
#include <portaudio.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace ausculta {

using Clock = std::chrono::steady_clock;

// Nanoseconds on the steady clock (watchdogs compare these across threads).
int64_t NowNs();

// Held around every PortAudio call that touches global state (initialise, enumerate, open).
// Timed: a PortAudio call wedged in a frozen audio server holds it, and the JS thread must then
// fail fast (JsPaLock) instead of freezing the app.
extern std::timed_mutex& g_paMutex;
extern bool g_paInitialised;  // under g_paMutex
// Streams opened and not yet closed: Pa_Terminate (rescan, exit) must wait until this is zero.
extern std::atomic<int> g_openStreams;

// Caller holds g_paMutex.
PaError EnsureInitialisedLocked();

// PortAudio's error text, with the host's own text for host errors, and the code.
std::string PaMessage(PaError err);

// The JS thread's way to take g_paMutex: give up after a second with a clear error.
std::unique_lock<std::timed_mutex> JsPaLock(Napi::Env env);

// At exit: terminate PortAudio only if no stream is open (a wedged stream would hang it).
void TerminateIfIdle();

}  // namespace ausculta
